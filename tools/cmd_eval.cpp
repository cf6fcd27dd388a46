// digitnet eval: a model's accuracy on the test set, per-class precision and recall, confusion matrix.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "data_options.hpp"
#include "digitnet/answers.hpp"
#include "digitnet/error.hpp"
#include "digitnet/evaluate.hpp"
#include "digitnet/model_io.hpp"

namespace digitnet::cli {

namespace {

struct EvalOptions {
    std::vector<std::string> models;
    DataOptions data;
    std::string split = "test";
    bool json = false;
};

void run_eval(const EvalOptions& o) {
    // Several models are an ensemble: their output probabilities averaged (Nielsen ch. 6).
    std::vector<Network> networks;
    for (const std::string& path : o.models) networks.push_back(load_model(path));
    Network& network = networks.front();
    std::string title = o.models.front();
    for (std::size_t i = 1; i < o.models.size(); ++i) title += " + " + o.models[i];
    DataOptions data_options = o.data;
    if (o.split == "test") data_options.validation_size = 0;  // the test split does not depend on it
    DataSplits data = load_data(data_options);
    const Dataset& split = o.split == "train" ? data.train : o.split == "validation" ? data.validation : data.test;
    if (split.size() == 0) throw Error("--split " + o.split + ": the " + o.split + " split of " + data.name + " is empty");
    for (std::size_t i = 0; i < networks.size(); ++i)
        if (split.features() != networks[i].input_size())
            throw Error(o.models[i] + ": the network takes " + std::to_string(networks[i].input_size()) + " inputs but " +
                        data.name + "'s images have " + std::to_string(split.features()) + " pixels");
    const Evaluation ev = networks.size() == 1 ? evaluate(network, split) : evaluate_ensemble(networks, split);
    const std::size_t k = ev.confusion.size();
    // "0".."9", or "no", "yes" for an "is it a 9?" network: the names plot confusion uses too.
    const std::vector<std::string> names = class_names(network);
    if (o.json) {
        nlohmann::json j{{"model", o.models.front()}, {"models", o.models}, {"data", data.name}, {"split", o.split}, {"classes", names},
                         {"examples", ev.examples},
                         {"correct", ev.correct}, {"accuracy", ev.accuracy}, {"cost", ev.cost},
                         {"precision", ev.precision}, {"recall", ev.recall}, {"confusion", ev.confusion}};
        std::printf("%s\n", j.dump().c_str());
        return;
    }
    std::printf("%s%s on %s (%s, %zu examples)\n", networks.size() > 1 ? "ensemble of " : "", title.c_str(), data.name.c_str(), o.split.c_str(), ev.examples);
    if (!yes_no_question(network).empty()) std::printf("question: %s\n", yes_no_question(network).c_str());
    std::printf("accuracy: %.2f%% (%zu/%zu)\n", 100.0 * ev.accuracy, ev.correct, ev.examples);
    std::printf("cost: %.4f\n\n", ev.cost);
    std::printf("class  precision  recall\n");
    for (std::size_t c = 0; c < k; ++c)
        std::printf("%5s  %8.2f%%  %6.2f%%\n", names[c].c_str(), 100 * ev.precision[c], 100 * ev.recall[c]);
    std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n      ");
    for (std::size_t c = 0; c < k; ++c) std::printf("%6s", names[c].c_str());
    std::printf("\n");
    for (std::size_t r = 0; r < k; ++r) {
        std::printf("%6s", names[r].c_str());
        for (std::size_t c = 0; c < k; ++c) std::printf("%6zu", ev.confusion[r][c]);
        std::printf("\n");
    }
}

}  // namespace

void add_eval_command(CLI::App& app) {
    auto o = std::make_shared<EvalOptions>();
    auto* cmd = app.add_subcommand("eval", "Evaluate a model: accuracy, per-class precision and recall, confusion matrix");
    cmd->add_option("MODEL", o->models,
                    "a model file written by digitnet train -o; several are an ensemble, their output "
                    "probabilities averaged")
        ->type_name("")
        ->required();
    add_data_options(cmd, o->data);
    cmd->add_option("--split", o->split, "the split to evaluate on: test, validation or train")
        ->check(CLI::IsMember({"test", "validation", "train"}))
        ->capture_default_str();
    cmd->add_flag("--json", o->json, "print one JSON object (accuracy as a fraction)");
    cmd->callback([o] { run_eval(*o); });
}

}  // namespace digitnet::cli

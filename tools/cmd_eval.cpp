// digitnet eval: a model's accuracy on the test set (or a folder of labelled images), per-class
// precision and recall, confusion matrix.
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
#include "digitnet/image_folder.hpp"
#include "digitnet/model_io.hpp"
#include "json_output.hpp"

namespace digitnet::cli {

namespace {

struct EvalOptions {
    std::vector<std::string> models;
    DataOptions data;
    std::string split = "test";
    std::string images;  // a folder DIR/0 .. DIR/9 in place of the dataset
    bool raw = false;
    bool json = false;
};

// How many misread files the text output names (the JSON names them all).
constexpr std::size_t kMistakesShown = 20;

void run_eval(const EvalOptions& o) {
    // Several models are an ensemble: their output probabilities averaged (Nielsen ch. 6).
    std::vector<Network> networks;
    for (const std::string& path : o.models) {
        networks.push_back(load_model(path));
        check_digit_outputs(networks.back(), path);  // before any data is read
    }
    Network& network = networks.front();
    std::string title = o.models.front();
    for (std::size_t i = 1; i < o.models.size(); ++i) title += " + " + o.models[i];
    // The examples: a split of a dataset, or a folder of images read as predict reads them.
    std::string data_name, split_name = o.split;
    std::vector<std::string> files;  // with --images: where each example came from
    Dataset examples;
    if (!o.images.empty()) {
        ImageFolder folder = load_image_folder(o.images, o.raw);
        examples = std::move(folder.data);
        files = std::move(folder.files);
        data_name = o.images;
        split_name = "images";
    } else {
        DataOptions data_options = o.data;
        if (o.split == "test") data_options.validation_size = 0;  // the test split does not depend on it
        DataSplits data = load_data(data_options);
        examples = o.split == "train" ? std::move(data.train) : o.split == "validation" ? std::move(data.validation) : std::move(data.test);
        data_name = data.name;
        if (examples.size() == 0) throw Error("--split " + o.split + ": the " + o.split + " split of " + data_name + " is empty");
    }
    for (std::size_t i = 0; i < networks.size(); ++i)
        if (examples.features() != networks[i].input_size())
            throw Error(o.models[i] + ": the network takes " + std::to_string(networks[i].input_size()) + " inputs but " +
                        data_name + "'s images have " + std::to_string(examples.features()) + " pixels");
    const Evaluation ev = networks.size() == 1 ? evaluate(network, examples) : evaluate_ensemble(networks, examples);
    const std::size_t k = ev.confusion.size();
    // "0".."9", or "no", "yes" for an "is it a 9?" network: the names plot confusion uses too.
    const std::vector<std::string> names = class_names(network);
    if (o.json) {
        nlohmann::json j{{"model", o.models.front()}, {"models", o.models}, {"data", data_name}, {"split", split_name}, {"classes", names},
                         {"examples", ev.examples},
                         {"correct", ev.correct}, {"accuracy", ev.accuracy}, {"cost", ev.cost},
                         {"precision", ev.precision}, {"recall", ev.recall}, {"confusion", ev.confusion}};
        if (!files.empty()) {
            nlohmann::json mistakes = nlohmann::json::array();
            for (std::size_t i = 0; i < files.size(); ++i)
                if (ev.predicted[i] != ev.truth[i])
                    mistakes.push_back({{"file", files[i]}, {"class", names[ev.truth[i]]}, {"answer", names[ev.predicted[i]]}});
            j["mistakes"] = mistakes;
        }
        std::printf("%s\n", json_line(j).c_str());
        return;
    }
    std::printf("%s%s on %s (%s, %zu examples)\n", networks.size() > 1 ? "ensemble of " : "", title.c_str(), data_name.c_str(), split_name.c_str(), ev.examples);
    if (!yes_no_question(network).empty()) std::printf("question: %s\n", yes_no_question(network).c_str());
    std::printf("accuracy: %.2f%% (%zu/%zu)\n", 100.0 * ev.accuracy, ev.correct, ev.examples);
    std::printf("cost: %.4f\n\n", ev.cost);
    // "-" where the fraction is 0/0: a class never answered has no precision, one without examples
    // (a folder of scans without 8s, say) no recall.
    auto percent = [](double fraction, std::size_t count, int width) {
        if (count == 0) return std::string(static_cast<std::size_t>(width), ' ') + "-";
        char text[32];
        std::snprintf(text, sizeof text, "%*.2f%%", width, 100 * fraction);
        return std::string(text);
    };
    std::printf("class  precision  recall\n");
    for (std::size_t c = 0; c < k; ++c) {
        std::size_t answered = 0, of_class = 0;
        for (std::size_t r = 0; r < k; ++r) {
            answered += ev.confusion[r][c];
            of_class += ev.confusion[c][r];
        }
        std::printf("%5s  %s  %s\n", names[c].c_str(), percent(ev.precision[c], answered, 8).c_str(),
                    percent(ev.recall[c], of_class, 6).c_str());
    }
    std::printf("\nconfusion matrix (rows: true class, columns: predicted)\n      ");
    for (std::size_t c = 0; c < k; ++c) std::printf("%6s", names[c].c_str());
    std::printf("\n");
    for (std::size_t r = 0; r < k; ++r) {
        std::printf("%6s", names[r].c_str());
        for (std::size_t c = 0; c < k; ++c) std::printf("%6zu", ev.confusion[r][c]);
        std::printf("\n");
    }
    if (!files.empty() && ev.correct < ev.examples) {
        std::printf("\nmisread (true class -> answer)");
        if (ev.examples - ev.correct > kMistakesShown) std::printf(", the first %zu; --json lists all", kMistakesShown);
        std::printf(":\n");
        std::size_t shown = 0;
        for (std::size_t i = 0; i < files.size() && shown < kMistakesShown; ++i)
            if (ev.predicted[i] != ev.truth[i]) {
                std::printf("  %s: %s -> %s\n", escape_path(files[i]).c_str(), names[ev.truth[i]].c_str(), names[ev.predicted[i]].c_str());
                ++shown;
            }
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
    auto* images = cmd->add_option("--images", o->images,
                                   "a folder of labelled images in place of --data: DIR/0/ .. DIR/9/ hold PNG, JPEG, BMP or "
                                   "PGM files of each digit (scans of your own handwriting, say), each made MNIST-like as "
                                   "predict makes it; the misread files are named")
                       ->type_name("DIR")
                       ->check([](const std::string& value) {
                           return value.empty() ? std::string("expected a folder, found nothing (an empty value)") : std::string();
                       });
    for (const char* name : {"--data", "--data-dir", "--validation-size", "--split"}) images->excludes(cmd->get_option(name));
    cmd->add_flag("--raw", o->raw,
                  "with --images: only resize each image to 28x28, as predict --raw (for white ink on black)")
        ->needs(images);
    cmd->add_flag("--json", o->json, "print one JSON object (accuracy as a fraction; with --images, every misread file)");
    cmd->callback([o] { run_eval(*o); });
}

}  // namespace digitnet::cli

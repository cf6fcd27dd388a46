// digitnet explain: one backpropagation step on a tiny network, printed neuron by neuron.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "digitnet/error.hpp"
#include "digitnet/explain.hpp"
#include "number_options.hpp"
#include "usage.hpp"

namespace digitnet::cli {

namespace {

struct ExplainOptions {
    std::string layers;
    std::uint64_t seed = 1;
    std::string input_text, target_text;
    bool have_input = false, have_target = false;
    float lr = 0.5f;
    bool json = false;
};

void run_explain(const ExplainOptions& o) {
    Network network = explain_example_network();
    std::vector<float> x{0.05f, 0.10f}, y{0.01f, 0.99f};
    if (!o.layers.empty()) {
        Architecture a;
        a.sizes = as_usage([&] { return parse_layer_sizes(o.layers); });
        if (a.sizes.size() > 5 || *std::max_element(a.sizes.begin(), a.sizes.end()) > 8)
            throw UsageError("--layers: explain prints every weight; use at most 5 layers of at most 8 neurons, found " +
                        o.layers);
        network = Network(a);
        Rng rng(o.seed);
        network.initialize(Init::xavier, rng);
        x.assign(a.sizes.front(), 0.0f);
        y.assign(a.sizes.back(), 0.01f);
        for (float& v : x) v = static_cast<float>(rng.uniform());
        y[0] = 0.99f;
    }
    if (o.have_input) x = as_usage([&] { return parse_real_list(o.input_text, "--input"); });
    if (o.have_target) y = as_usage([&] { return parse_real_list(o.target_text, "--target"); });
    // explain_step refuses an input or target of the wrong length: the values typed do not fit.
    const Explanation e = as_usage([&] { return explain_step(network, x, y, o.lr); });
    if (!o.json) {
        std::printf("%s", format_explanation(e).c_str());
        return;
    }
    nlohmann::json j{{"input", e.input}, {"target", e.target}, {"learning_rate", e.learning_rate},
                     {"output_error", e.output_error}, {"cost", e.cost}, {"cost_after", e.cost_after}};
    for (const ExplainLayer& L : e.layers)
        j["layers"].push_back({{"weights", L.weights}, {"biases", L.biases}, {"z", L.z}, {"activation", L.activation},
                               {"delta", L.delta}, {"grad_weights", L.grad_weights}, {"grad_biases", L.grad_biases},
                               {"new_weights", L.new_weights}, {"new_biases", L.new_biases}});
    std::printf("%s\n", j.dump(2).c_str());
}

}  // namespace

void add_explain_command(CLI::App& app) {
    auto o = std::make_shared<ExplainOptions>();
    auto* cmd = app.add_subcommand("explain", "Print one backpropagation step on a tiny network, neuron by neuron");
    cmd->footer("Default: the classic 2-2-2 sigmoid example with given weights, x = (0.05, 0.10), y = (0.01, 0.99).");
    cmd->add_option("--layers", o->layers, "layer sizes of a small network with seeded weights instead, e.g. 3,2,2");
    cmd->add_option("--seed", o->seed, "seed for the weights and input with --layers")
        ->transform(whole_number())
        ->capture_default_str();
    cmd->add_option("--input", o->input_text, "input values x, comma-separated (as many as the first layer)");
    cmd->add_option("--target", o->target_text, "target values y, comma-separated (as many as the last layer)");
    cmd->add_option("--lr", o->lr, "learning rate η")->transform(real_number(positive()))->capture_default_str();
    cmd->add_flag("--json", o->json, "print the same numbers as JSON");
    cmd->callback([o, cmd] {
        o->have_input = cmd->count("--input") > 0;
        o->have_target = cmd->count("--target") > 0;
        run_explain(*o);
    });
}

}  // namespace digitnet::cli

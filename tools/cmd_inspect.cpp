// digitnet inspect: a network's layers, shapes and parameter count (from --layers or a model file).
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "digitnet/error.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/network.hpp"

namespace digitnet::cli {

namespace {

struct InspectOptions {
    std::string model;
    std::string layers;
    std::string activation = "sigmoid";
    std::string output = "sigmoid";
    bool no_bias = false;
};

void print_network(const Network& network, const std::string& title) {
    std::printf("%s\n", title.c_str());
    std::printf("  %-7s %-12s %-10s %-10s %s\n", "layer", "weights", "biases", "activation", "parameters");
    for (std::size_t l = 0; l < network.layers.size(); ++l) {
        const DenseLayer& layer = network.layers[l];
        const std::string w = "(" + std::to_string(layer.n_out()) + ", " + std::to_string(layer.n_in()) + ")";
        const std::string b = layer.use_bias ? "(" + std::to_string(layer.n_out()) + ")" : "none";
        std::printf("  %-7zu %-12s %-10s %-10s %zu\n", l + 1, w.c_str(), b.c_str(), to_string(layer.activation).c_str(),
                    layer.parameter_count());
    }
    std::printf("parameters: %zu\n", network.parameter_count());
}

}  // namespace

void add_inspect_command(CLI::App& app) {
    auto o = std::make_shared<InspectOptions>();
    auto* cmd = app.add_subcommand("inspect", "list a network's layers, weight and bias shapes and parameter count");
    cmd->add_option("model", o->model, "a model file written by digitnet train --out");
    cmd->add_option("--layers", o->layers, "layer sizes, e.g. 784,16,16,10 (instead of a model file)");
    cmd->add_option("--activation", o->activation, "hidden activation, with --layers")->capture_default_str();
    cmd->add_option("--output", o->output, "output activation, with --layers")->capture_default_str();
    cmd->add_flag("--no-bias", o->no_bias, "layers without biases, with --layers");
    cmd->callback([o] {
        if (o->model.empty() == o->layers.empty())
            throw Error("inspect: give either a model file or --layers (e.g. --layers 784,16,16,10)");
        if (!o->layers.empty()) {
            Architecture a;
            a.sizes = parse_layer_sizes(o->layers);
            a.hidden = parse_activation(o->activation, "--activation");
            a.output = parse_activation(o->output, "--output");
            a.use_bias = !o->no_bias;
            print_network(Network(a), "network " + a.describe());
        } else {
            Metadata meta;
            Network network = load_model(o->model, &meta);
            print_network(network, o->model + ": " + network.architecture().describe());
            if (auto it = meta.find("data"); it != meta.end()) std::printf("trained on: %s\n", it->second.c_str());
        }
    });
}

}  // namespace digitnet::cli

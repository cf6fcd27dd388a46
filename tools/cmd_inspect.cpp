// digitnet inspect: a network's layers, shapes and parameter count (from --layers or a model file).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include <cmath>

#include "commands.hpp"
#include "data_options.hpp"
#include "digitnet/answers.hpp"
#include "digitnet/conv_pictures.hpp"
#include "digitnet/error.hpp"
#include "digitnet/image.hpp"
#include "digitnet/inside.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/network.hpp"
#include "digitnet/plot.hpp"
#include "digitnet/train_config.hpp"
#include "number_options.hpp"
#include "output_paths.hpp"
#include "settings_text.hpp"
#include "usage.hpp"

namespace digitnet::cli {

namespace {

struct InspectOptions {
    std::string model;
    std::string layers, net;
    std::string activation = "sigmoid";
    std::string output_activation = "sigmoid";
    bool no_bias = false;
    std::string weights_png, backquery_png, mistakes_png, filters_png, maps_png;
    std::optional<std::size_t> feature_maps;  // a test image's index
    std::size_t noise = 0, mistakes = 36, weights_count = 0;
    std::uint64_t seed = 1;
    DataOptions data;
};

// Side of the square image a network's inputs make (784 -> 28), or 0 when they are not square.
std::size_t image_side(const Network& network) {
    const auto side = static_cast<std::size_t>(std::lround(std::sqrt(static_cast<double>(network.input_size()))));
    return side * side == network.input_size() ? side : 0;
}

void require_square(const Network& network, const char* option) {
    if (!image_side(network))
        throw Error(std::string(option) + ": needs a network whose inputs form a square image, found " +
                    std::to_string(network.input_size()) + " inputs");
}

void see_inside(Network& network, const InspectOptions& o) {
    if (network.architecture().is_net() && (!o.weights_png.empty() || !o.backquery_png.empty()))
        throw Error(std::string(o.weights_png.empty() ? "--backquery" : "--weights") +
                    ": draws a fully connected network's first layer or runs it backwards; this model is a --net "
                    "network ('" + network.architecture().net + "')");
    if (!o.weights_png.empty()) {
        require_square(network, "--weights");
        const std::size_t n = network.layers.front().n_out();
        const std::size_t shown = o.weights_count && o.weights_count < n ? o.weights_count : n;
        write_png(o.weights_png, draw_first_layer_weights(network, shown));
        std::printf("weights of %zu of %zu hidden neurons (0..%zu) written to %s\n", shown, n, shown - 1,
                    o.weights_png.c_str());
    }
    if (o.noise) {
        Rng rng(o.seed);
        const NoiseReport r = noise_confidence(network, o.noise, rng);
        std::printf("\n%zu random-noise images: mean confidence %.1f%%, %.1f%% answered with over 90%% confidence\n",
                    r.images, 100 * r.mean_top_probability, 100 * r.fraction_above_90);
        std::printf("  confidence   images\n");
        for (std::size_t b = 0; b < r.histogram.size(); ++b) {
            const int bar = r.images ? static_cast<int>(40.0 * static_cast<double>(r.histogram[b]) / static_cast<double>(r.images)) : 0;
            std::printf("  %3zu-%3zu%%  %7zu  %.*s\n", b * 10, b * 10 + 10, r.histogram[b], bar,
                        "########################################");
        }
        std::printf("  answers:");
        const std::vector<std::string> names = class_names(network);
        for (std::size_t c = 0; c < r.predicted_counts.size(); ++c)
            std::printf(" %s:%zu", c < names.size() ? names[c].c_str() : std::to_string(c).c_str(), r.predicted_counts[c]);
        std::printf("\n");
    }
    if (!o.backquery_png.empty()) {
        require_square(network, "--backquery");
        const std::size_t side = image_side(network);
        auto images = backquery(network);
        std::vector<std::string> captions;
        for (std::size_t c = 0; c < images.size(); ++c) captions.push_back(std::to_string(c));
        write_png(o.backquery_png, render_tiles(images, side, side, images.size() > 5 ? 5 : images.size(), false, captions,
                                                "backwards query: what each label looks like to the network"));
        std::printf("backwards query of %zu labels written to %s\n", images.size(), o.backquery_png.c_str());
    }
    if (!o.filters_png.empty()) {
        write_png(o.filters_png, draw_filters(network));
        std::printf("the convolutions' filters written to %s\n", o.filters_png.c_str());
    }
    if (o.feature_maps) {
        DataOptions data_options = o.data;
        data_options.validation_size = 0;
        const DataSplits data = load_data(data_options);
        if (*o.feature_maps >= data.test.size())
            throw UsageError("--feature-maps: expected a test image index 0.." + std::to_string(data.test.size() - 1) +
                             ", found " + std::to_string(*o.feature_maps));
        if (data.test.features() != network.input_size())
            throw Error("--feature-maps: the network takes " + std::to_string(network.input_size()) + " inputs but " +
                        data.name + "'s images have " + std::to_string(data.test.features()) + " pixels");
        write_png(o.maps_png, draw_feature_maps(network, data.test.images.row(*o.feature_maps)));
        std::printf("the feature maps of test image %zu (label %d) written to %s\n", *o.feature_maps,
                    static_cast<int>(data.test.labels[*o.feature_maps]), o.maps_png.c_str());
    }
    if (!o.mistakes_png.empty()) {
        require_square(network, "--mistakes");
        DataOptions data_options = o.data;
        data_options.validation_size = 0;
        const DataSplits data = load_data(data_options);
        if (data.test.features() != network.input_size())
            throw Error("--mistakes: the network takes " + std::to_string(network.input_size()) + " inputs but " +
                        data.name + "'s images have " + std::to_string(data.test.features()) + " pixels");
        const auto worst = worst_mistakes(network, data.test, o.mistakes);
        std::vector<std::vector<float>> tiles;
        std::vector<std::string> captions;
        for (const Mistake& m : worst) {
            tiles.emplace_back(data.test.images.row(m.index), data.test.images.row(m.index) + data.test.features());
            captions.push_back(mistake_caption(network, m));
        }
        if (tiles.empty()) throw Error("--mistakes: the network classifies every test image correctly");
        write_png(o.mistakes_png, render_tiles(tiles, data.test.image_rows, data.test.image_cols, 6, false, captions,
                                               network.architecture().encoding.target_digit >= 0
                                                   ? "worst mistakes (true->predicted answer to " +
                                                         yes_no_question(network) + ")"
                                                   : std::string("worst mistakes (true->predicted)")));
        std::printf("%zu worst-classified test images written to %s\n", tiles.size(), o.mistakes_png.c_str());
    }
}

// A --net network layer by layer, like Keras's summary(): each word, its output shape and its
// trained parameters.
void print_net(const Network& network, const std::string& title) {
    std::printf("%s\n", title.c_str());
    std::printf("  %-5s %-24s %-16s %s\n", "layer", "word", "output", "parameters");
    const ImageShape& in = network.architecture().input;
    std::printf("  %-5s %-24s %zux%zux%zu\n", "", "input", in.channels, in.rows, in.cols);
    for (std::size_t i = 0; i < network.plan().size(); ++i) {
        const LayerSpec& s = network.plan()[i];
        const std::string shape = s.out.rows == 1 && s.out.cols == 1
                                      ? std::to_string(s.out.channels)
                                      : std::to_string(s.out.channels) + "x" + std::to_string(s.out.rows) + "x" + std::to_string(s.out.cols);
        std::printf("  %-5zu %-24s %-16s %zu\n", i + 1, s.word.c_str(), shape.c_str(), s.parameter_count());
    }
    std::printf("parameters: %zu\n", network.parameter_count());
}

void print_network(const Network& network, const std::string& title) {
    if (network.architecture().is_net()) return print_net(network, title);
    std::printf("%s\n", title.c_str());
    std::printf("  %-7s %-12s %-10s %-10s %s\n", "layer", "weights", "biases", "activation", "parameters");
    for (std::size_t l = 0; l < network.layers.size(); ++l) {
        const DenseLayer& layer = network.layers[l];
        const std::string w = "(" + std::to_string(layer.n_out()) + ", " + std::to_string(layer.n_in()) + ")";
        std::string b = "none";
        if (layer.use_bias || layer.batch_norm) {
            b = layer.batch_norm ? "γ,β " : "";
            b += "(";
            b += std::to_string(layer.n_out());
            b += ")";
        }
        std::printf("  %-7zu %-12s %-10s %-10s %zu\n", l + 1, w.c_str(), b.c_str(), to_string(layer.activation).c_str(),
                    layer.parameter_count());
    }
    std::printf("parameters: %zu\n", network.parameter_count());
}

// The settings train stored in the model file's metadata ("training", TrainConfig as JSON).
// They are checked as a checkpoint's are; a file without them, or with settings this digitnet
// cannot read, is still inspected.
void print_training_settings(const Metadata& meta) {
    const auto it = meta.find("training");
    if (it == meta.end()) {
        std::printf("no training settings stored\n");
        return;
    }
    TrainConfig config;
    try {
        config = train_config_from_json(it->second);
    } catch (const Error& e) {
        std::printf("training settings stored, but unreadable: %s\n", escape_text(e.what(), 200).c_str());
        return;
    }
    std::printf("training settings stored:\n");
    for (const std::string& line : settings_lines(config)) std::printf("  %s\n", line.c_str());
}

}  // namespace

void add_inspect_command(CLI::App& app) {
    auto o = std::make_shared<InspectOptions>();
    auto* cmd = app.add_subcommand(
        "inspect", "List a network's layers, weight and bias shapes and parameter count, and look inside a trained one");
    cmd->add_option("MODEL", o->model, "a model file written by digitnet train -o")->type_name("");
    cmd->add_option("--layers", o->layers, "layer sizes, e.g. 784,16,16,10 (instead of a model file)");
    cmd->add_option("--net", o->net, "a network as train --net takes it (instead of a model file), on 1x28x28 images");
    cmd->add_option("--activation", o->activation, "hidden activation, with --layers")->capture_default_str();
    cmd->add_option("--output-activation", o->output_activation, "output activation, with --layers")
        ->capture_default_str();
    cmd->add_flag("--no-bias", o->no_bias, "layers without biases, with --layers");
    cmd->add_option("--weights", o->weights_png,
                    "write each first-layer neuron's incoming weights, one tile per neuron, to FILE (PNG)")
        ->type_name("FILE");
    cmd->add_option("--weights-count", o->weights_count,
                    "with --weights: draw only the first N neurons, numbered from 0 (default: all)")
        ->transform(whole_number(1, 100000));
    cmd->add_option("--noise", o->noise, "feed N random-noise images and report how confident the answers are")
        ->transform(whole_number(1, 1000000));
    cmd->add_option("--seed", o->seed, "seed for the noise images")->transform(whole_number())->capture_default_str();
    cmd->add_option("--backquery", o->backquery_png,
                    "write Rashid's backwards query, what each label looks like to the network, to FILE (PNG)")
        ->type_name("FILE");
    cmd->add_option("--mistakes", o->mistakes_png,
                    "write the worst-classified test images, with true and predicted labels, to FILE (PNG)")
        ->type_name("FILE");
    cmd->add_option("--mistakes-count", o->mistakes, "with --mistakes: how many mistakes to draw")
        ->transform(whole_number(1, 400))
        ->capture_default_str();
    cmd->add_option("--filters", o->filters_png,
                    "write each convolutional layer's kernels as tiles to FILE (PNG; a --net model)")
        ->type_name("FILE");
    cmd->add_option("--feature-maps", o->feature_maps,
                    "draw each convolutional layer's output for test image N, into the file of -o (a --net model)")
        ->type_name("N")
        ->transform(whole_number(0, 1000000));
    cmd->add_option("-o,--output", o->maps_png, "with --feature-maps: the PNG file to write")->type_name("FILE");
    add_data_options(cmd, o->data);
    cmd->callback([o] {
        if (o->feature_maps.has_value() == o->maps_png.empty())
            throw UsageError(o->feature_maps ? "--feature-maps: give the PNG file to write with -o FILE"
                                             : "-o: only --feature-maps writes to -o (give --feature-maps N)");
        if (static_cast<int>(!o->model.empty()) + !o->layers.empty() + !o->net.empty() != 1)
            throw UsageError("inspect: give one of a model file, --layers (e.g. --layers 784,16,16,10) or --net");
        const bool seeing = !o->weights_png.empty() || o->noise || !o->backquery_png.empty() || !o->mistakes_png.empty() ||
                            !o->filters_png.empty() || o->feature_maps;
        if (seeing && o->model.empty())
            throw UsageError("--weights, --noise, --backquery, --mistakes, --filters and --feature-maps need a trained model file");
        check_outputs({{"--weights", o->weights_png}, {"--backquery", o->backquery_png}, {"--mistakes", o->mistakes_png},
                       {"--filters", o->filters_png}, {"-o", o->maps_png}},
                      {{"model", o->model},
                       {"data", o->mistakes_png.empty() && !o->feature_maps ? "" : o->data.data}});
        if (!o->net.empty()) {
            Architecture a;
            a.net = o->net;
            a.cost = Cost::quadratic;  // any cost fits any output here: nothing is trained
            const Network network = as_usage([&] {
                apply_net(a);
                return Network(a);
            });
            print_network(network, "network '" + a.net + "'");
        } else if (!o->layers.empty()) {
            Architecture a;
            const Network network = as_usage([&] {
                a.sizes = parse_layer_sizes(o->layers);
                a.hidden = parse_activation(o->activation, "--activation");
                a.output = parse_activation(o->output_activation, "--output-activation");
                a.use_bias = !o->no_bias;
                check_cost_output_flags(a);
                return Network(a);
            });
            print_network(network, "network " + a.describe());
        } else {
            Metadata meta;
            Network network = load_model(o->model, &meta);
            print_network(network, o->model + ": " + network.architecture().describe());
            if (auto it = meta.find("data"); it != meta.end())
                std::printf("trained on: %s\n", escape_text(it->second, 200).c_str());  // text from the file
            if (auto it = meta.find("test_accuracy"); it != meta.end()) {
                char* end = nullptr;
                const double accuracy = std::strtod(it->second.c_str(), &end);
                const bool valid = end != it->second.c_str() && *end == '\0' && accuracy >= 0.0 && accuracy <= 1.0;
                if (valid) std::printf("test accuracy after training: %.2f%%\n", 100.0 * accuracy);
                else std::printf("test accuracy after training: unreadable (%s)\n", escape_text(it->second, 40).c_str());
            }
            print_training_settings(meta);
            see_inside(network, *o);
        }
    });
}

}  // namespace digitnet::cli

// digitnet predict: classify image files (your own handwriting) with a trained model.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "digitnet/answers.hpp"
#include "digitnet/error.hpp"
#include "digitnet/evaluate.hpp"
#include "digitnet/image.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/network_picture.hpp"
#include "digitnet/preprocess.hpp"
#include "json_output.hpp"
#include "output_paths.hpp"
#include "usage.hpp"

namespace digitnet::cli {

namespace {

struct PredictOptions {
    std::string model;
    std::vector<std::string> also;  // more models: an ensemble
    std::vector<std::string> images;
    bool json = false;
    bool raw = false;
    bool show = false;
    std::string save_input, activations;
};

// Where an output for image i goes: the path asked for, or with several images NAME-<i>.EXT in
// the folder asked for ("" when none was asked for).
std::vector<std::string> numbered_paths(const std::string& asked_for, std::size_t count) {
    std::vector<std::string> paths(count);
    if (asked_for.empty()) return paths;
    if (count == 1) return {asked_for};
    const std::filesystem::path asked(asked_for);
    for (std::size_t i = 0; i < count; ++i)
        paths[i] = (asked.parent_path() / (asked.stem().string() + "-" + std::to_string(i) + asked.extension().string()))
                       .string();
    return paths;
}

// One image: read, made MNIST-like, classified, printed. Throws Error for a file it cannot read.
void predict_one(std::vector<Network>& networks, const PredictOptions& o, std::size_t k, const std::string& save_path,
                 const std::string& activations_path) {
    Network& network = networks.front();  // encodes the input and names the answers for all
    const std::string& path = o.images[k];
    const GrayImage image = load_image(path);
    // MNIST-like input: ink high, centred by mass in 28x28 (or a plain resize with --raw).
    const std::vector<float> pixels = o.raw ? resize_to(image, 28, 28) : preprocess_digit(image);
    if (!save_path.empty()) write_png(save_path, upscale(GrayImage{28, 28, pixels}, 10));

    Matrix x(1, 784), encoded;
    std::copy(pixels.begin(), pixels.end(), x.begin());
    network.encode_inputs(x, encoded);
    // One model's outputs, or the ensemble's average (Nielsen ch. 6).
    Matrix out;
    ensemble_outputs(networks, encoded, out);
    std::vector<int> answers;
    network.classes(out, answers);
    const int answer = answers[0];
    const std::vector<float> outputs(out.begin(), out.end());
    const std::vector<std::string> names = class_names(network);
    const std::string& name = names[static_cast<std::size_t>(answer)];
    const double sure = answer_confidence(network, outputs, answer);
    const bool yes_no = network.architecture().encoding.target_digit >= 0;
    const bool probabilities = outputs_are_probabilities(network);
    const std::vector<std::string> caution = unfamiliar_reasons(ink_statistics(pixels, 28, 28));

    const std::string shown = escape_path(path);  // a name from a glob may hold control characters
    if (o.json) {
        nlohmann::json j{{"file", path}, {"answer", name}, {"confidence", sure}, {"outputs", outputs}};
        if (yes_no) j["question"] = yes_no_question(network);
        else j["digit"] = answer;
        if (probabilities) j["probabilities"] = outputs;  // softmax: they sum to 1
        if (!caution.empty()) j["unfamiliar"] = caution;
        std::printf("%s\n", json_line(j).c_str());
    } else {
        const int digit = network.architecture().encoding.target_digit;
        if (yes_no) {
            std::printf("%s: %s, %s a %d (output %.3f; %.1f%% sure)\n", shown.c_str(), name.c_str(),
                        answer ? "it is" : "it is not", digit, outputs[0], 100 * sure);
        } else if (probabilities) {
            std::printf("%s: %s (probability %.3f)\n  probabilities:", shown.c_str(), name.c_str(), sure);
            for (std::size_t j = 0; j < outputs.size(); ++j) std::printf(" %s:%.3f", names[j].c_str(), outputs[j]);
            std::printf("\n");
        } else {
            std::printf("%s: %s (output %.3f, the highest of the %zu)\n  outputs (each 0..1; they need not sum to 1):",
                        shown.c_str(), name.c_str(), outputs[static_cast<std::size_t>(answer)], outputs.size());
            for (std::size_t j = 0; j < outputs.size(); ++j) std::printf(" %s:%.3f", names[j].c_str(), outputs[j]);
            std::printf("\n");
        }
        if (!caution.empty()) {
            std::printf("  caution: this does not look like the digits the network learned from:\n");
            for (const std::string& reason : caution) std::printf("    - %s\n", reason.c_str());
            std::printf("  A network answers every input, even random noise (see digitnet inspect MODEL --noise 1000),\n"
                        "  so this answer is a guess, however sure it sounds.\n");
        }
    }
    if (o.show) std::printf("%s", render_terminal(pixels.data(), 28, 28).c_str());
    if (!activations_path.empty()) {
        const std::string& file = activations_path;
        const NetworkPicture picture =
            draw_network_activations(network, pixels, 28, 28, std::filesystem::path(path).filename().string());
        write_png(file, picture.image);
        if (!o.json) std::printf("  activations drawn in %s\n", file.c_str());
    }
}

void run_predict(const PredictOptions& o) {
    // Every output checked first: none may replace the model or one of the images.
    const std::vector<std::string> save_paths = numbered_paths(o.save_input, o.images.size());
    const std::vector<std::string> activation_paths = numbered_paths(o.activations, o.images.size());
    std::vector<NamedPath> outputs, inputs{{"model", o.model}};
    for (const std::string& path : o.also) inputs.push_back({"--also", path});
    for (const std::string& path : save_paths)
        if (!path.empty()) outputs.push_back({"--save-input", path});
    for (const std::string& path : activation_paths)
        if (!path.empty()) outputs.push_back({"--activations", path});
    for (const std::string& path : o.images) inputs.push_back({"image", path});
    check_outputs(outputs, inputs);
    if (!o.also.empty() && !o.activations.empty())
        throw UsageError("--activations: draws one network's layers; leave out --also (the ensemble's other models)");
    std::vector<std::string> paths{o.model};
    paths.insert(paths.end(), o.also.begin(), o.also.end());
    std::vector<Network> networks;
    for (const std::string& path : paths) {
        networks.push_back(load_model(path));
        if (networks.back().input_size() != 784)
            throw Error(path + ": predict needs a network with 784 (28x28) inputs, found " +
                        std::to_string(networks.back().input_size()));
    }
    // Each file on its own: one that cannot be read is named and the others still classified.
    std::size_t failed = 0;
    for (std::size_t k = 0; k < o.images.size(); ++k) {
        try {
            predict_one(networks, o, k, save_paths[k], activation_paths[k]);
        } catch (const Error& e) {
            const std::string message = about_image_file(o.images[k], e.what());
            std::fflush(stdout);
            std::fprintf(stderr, "digitnet: error: %s\n", message.c_str());
            if (o.json) std::printf("%s\n", json_line(nlohmann::json{{"file", o.images[k]}, {"error", message}}).c_str());
            ++failed;
        }
        std::fflush(stdout);
    }
    if (failed)
        throw Error(std::to_string(failed) + " of " + std::to_string(o.images.size()) +
                    " images could not be classified (each is named above)");
}

}  // namespace

void add_predict_command(CLI::App& app) {
    auto o = std::make_shared<PredictOptions>();
    auto* cmd = app.add_subcommand("predict", "Classify PNG, JPEG, BMP or PGM images of digits with a trained model");
    cmd->add_option("MODEL", o->model, "a model file written by digitnet train -o")->type_name("")->required();
    cmd->add_option("IMAGE", o->images, "PNG, JPEG, BMP or PGM images, one digit each")->type_name("")->required();
    cmd->add_flag("--json", o->json,
                  "print one JSON object per file: file, answer, confidence, outputs (and probabilities where softmax makes "
                  "them so, the digit or the yes/no question, reasons the input looks unlike MNIST)");
    cmd->add_flag("--raw", o->raw,
                  "only resize to 28x28: no ink inversion, cropping or centring (for images that are already white "
                  "ink on black, as MNIST's are)");
    cmd->add_option("--also", o->also,
                    "more models, averaged with MODEL: the answer of the ensemble's mean output probabilities "
                    "(repeat the option for each)")
        ->type_name("MODEL")
        ->allow_extra_args(false);
    cmd->add_flag("--show", o->show, "print the 28x28 input the network saw");
    cmd->add_option("--save-input", o->save_input,
                    "write the 28x28 input the network saw, scaled up, to FILE (PNG; NAME-k.png for the k-th of "
                    "several images)")
        ->type_name("FILE");
    cmd->add_option("--activations", o->activations,
                    "write the input, every hidden layer's activations and the output bars to FILE (PNG; NAME-k.png "
                    "for the k-th of several images)")
        ->type_name("FILE");
    cmd->callback([o] { run_predict(*o); });
}

}  // namespace digitnet::cli

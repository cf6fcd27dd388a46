// digitnet predict: classify image files (your own handwriting) with a trained model.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "digitnet/error.hpp"
#include "digitnet/image.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/preprocess.hpp"
#include "output_paths.hpp"

namespace digitnet::cli {

namespace {

struct PredictOptions {
    std::string model;
    std::vector<std::string> images;
    bool json = false;
    bool raw = false;
    bool show = false;
    std::string save_input;
};

// Where --save-input puts the input of image i: the path asked for, or with several images
// NAME-<i>.EXT in the folder asked for.
std::vector<std::string> save_input_paths(const PredictOptions& o) {
    std::vector<std::string> paths;
    if (o.save_input.empty()) return paths;
    if (o.images.size() == 1) return {o.save_input};
    const std::filesystem::path asked(o.save_input);
    for (std::size_t i = 0; i < o.images.size(); ++i)
        paths.push_back((asked.parent_path() / (asked.stem().string() + "-" + std::to_string(i) + asked.extension().string()))
                            .string());
    return paths;
}

void run_predict(const PredictOptions& o) {
    // Every output checked first: none may replace the model or one of the images.
    const std::vector<std::string> save_paths = save_input_paths(o);
    std::vector<NamedPath> outputs, inputs{{"model", o.model}};
    for (const std::string& path : save_paths) outputs.push_back({"--save-input", path});
    for (const std::string& path : o.images) inputs.push_back({"image", path});
    check_outputs(outputs, inputs);
    Network network = load_model(o.model);
    if (network.input_size() != 784)
        throw Error(o.model + ": predict needs a network with 784 (28x28) inputs, found " +
                    std::to_string(network.input_size()));
    for (const std::string& path : o.images) {
        const GrayImage image = load_image(path);
        // MNIST-like input: ink high, centred by mass in 28x28 (or a plain resize with --raw).
        const std::vector<float> pixels = o.raw ? resize_to(image, 28, 28) : preprocess_digit(image);
        if (!save_paths.empty()) {
            GrayImage input{28, 28, pixels};
            write_png(save_paths[static_cast<std::size_t>(&path - o.images.data())], upscale(input, 10));
        }
        Matrix x(1, 784), encoded;
        std::copy(pixels.begin(), pixels.end(), x.begin());
        network.encode_inputs(x, encoded);
        const Matrix& out = network.forward(encoded);
        const int digit = network.predict(encoded)[0];
        std::vector<float> probabilities(out.begin(), out.end());
        if (o.json) {
            nlohmann::json j{{"file", path}, {"digit", digit}, {"probabilities", probabilities}};
            std::printf("%s\n", j.dump().c_str());
        } else {
            std::printf("%s: %d", path.c_str(), digit);
            if (network.architecture().encoding.target_digit >= 0)
                std::printf(" (%s: is it a %d?)", digit ? "yes" : "no", network.architecture().encoding.target_digit);
            std::printf("\n ");
            for (std::size_t j = 0; j < probabilities.size(); ++j) std::printf(" %zu:%.3f", j, probabilities[j]);
            std::printf("\n");
        }
        if (o.show) std::printf("%s", render_terminal(pixels.data(), 28, 28).c_str());
    }
}

}  // namespace

void add_predict_command(CLI::App& app) {
    auto o = std::make_shared<PredictOptions>();
    auto* cmd = app.add_subcommand("predict", "classify PNG, JPEG, BMP or PGM images of digits");
    cmd->add_option("model", o->model, "model file written by digitnet train --out")->required();
    cmd->add_option("images", o->images, "image files")->required();
    cmd->add_flag("--json", o->json, "one JSON object per file: file, digit, probabilities");
    cmd->add_flag("--raw", o->raw, "resize to 28x28 without the MNIST-style centring");
    cmd->add_flag("--show", o->show, "print the 28x28 input the network saw");
    cmd->add_option("--save-input", o->save_input, "write the 28x28 input as PNG (scaled up)");
    cmd->callback([o] { run_predict(*o); });
}

}  // namespace digitnet::cli

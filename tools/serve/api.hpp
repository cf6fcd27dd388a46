#pragma once
// The JSON API of `digitnet serve`, without any HTTP: the loaded models, the checks of every
// request field and the answers. The HTTP layer (http_server.hpp) only moves bytes; these
// functions are what the tests call directly.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "digitnet/error.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/network.hpp"
#include "digitnet/train_config.hpp"

namespace digitnet::serve {

// A request the API refuses: the HTTP status (4xx) and one line naming the field, what was
// expected and what was found. Nothing else reaches a client.
class ApiError : public Error {
public:
    ApiError(int status, const std::string& message) : Error(message), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

// What the page shows about a model (its "card").
struct ModelCard {
    std::string source;              // the file it was read from ("" for one trained in this session)
    std::string data;                // the data it was trained on, from the file's metadata
    Metadata metadata;               // the file's metadata (training settings as JSON, ...)
    double test_accuracy = kNotMeasured;
    std::string test_accuracy_source;       // where test_accuracy comes from, in words
    std::vector<EpochMetrics> curves;       // a metrics file, or this session's training
};

// The answer to one picture. `digit` is -1 for a blank canvas (no guess is made then).
struct Answer {
    bool blank = false;
    int digit = -1;
    std::string name;                // the class's name ("7", or "yes"/"no")
    double confidence = 0.0;
    std::vector<float> outputs;
    std::vector<float> input;        // the 28x28 the network was given
    std::vector<std::string> unfamiliar;
    // With `inside`: each hidden dense layer's activations, and a CNN's feature maps as PNG.
    std::vector<std::vector<float>> hidden;
    std::vector<std::string> hidden_activation;
    std::vector<std::uint8_t> feature_maps_png;
};

// One network, used by one request at a time (a forward pass writes the layers' buffers).
class Model {
public:
    Model(std::string name, Network network, ModelCard card);
    const std::string& name() const { return name_; }
    const ModelCard& card() const { return card_; }
    bool convolutional() const { return convolutional_; }
    // The network's answer to 784 pixels already made MNIST-like (ink 1, background 0).
    Answer answer(const std::vector<float>& input, bool inside);
    // Its first layer's weights (a fully connected network) or its filters (a CNN) as PNG.
    std::vector<std::uint8_t> weights_png();
    // The card as JSON: architecture, layers, parameters, training settings, test accuracy, curves.
    nlohmann::json card_json();
    // A copy of the network (to save it).
    Network network_copy();

private:
    std::string name_;
    std::mutex mutex_;
    Network network_;
    ModelCard card_;
    bool convolutional_ = false;
    std::vector<std::uint8_t> weights_png_;  // drawn once, at the first request
};

// The models a server answers with, in the order they were added; the first is the default.
class Models {
public:
    // Adds `model`, or replaces the one of the same name.
    void put(std::shared_ptr<Model> model);
    // The model called `name` ("" = the first); ApiError 404 naming the field `model` otherwise.
    std::shared_ptr<Model> find(const std::string& name) const;
    std::vector<std::shared_ptr<Model>> list() const;
    // `base`, or base-2, base-3, ... : a name no model has yet.
    std::string unused_name(const std::string& base) const;

private:
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<Model>> models_;
};

// A model name as it appears in URLs: 1..64 of [A-Za-z0-9._-], not starting with '.'.
bool valid_model_name(std::string_view name);
// A file's stem made into a valid model name ("my model.safetensors" -> "my-model").
std::string model_name_for(const std::string& path);

// The card of a model read from a file: its metadata, and the curves of a metrics file ("" for none).
ModelCard card_from_file(const std::string& path, const Metadata& metadata, const std::string& metrics_path);

// The limits of a predict request.
inline constexpr std::size_t kMaxImageBytes = 48 * 1024;  // base64 of it fits the 64 KiB body
inline constexpr std::uint64_t kMaxRequestPixels = 4'000'000;  // an image's width x height

// POST /api/predict, checked field by field.
struct PredictRequest {
    std::vector<float> pixels;             // 784 values in [0, 1] ("pixels")
    std::vector<std::uint8_t> image;       // a PNG or JPEG file ("image", base64)
    bool raw = false;                      // only resize: no MNIST-style crop and centring
    bool inside = false;                   // add the hidden activations or feature maps
    std::string model;                     // "" = the first
};
PredictRequest parse_predict_request(std::string_view body);

// The 28x28 input of a request, made by the library exactly as `digitnet predict` makes it
// (preprocess_digit, or resize_to with raw); `blank` is set for an empty or near-empty picture.
std::vector<float> request_input(const PredictRequest& request, bool& blank);

// The JSON answer: digit, outputs, input, model, confidence, blank, unsure, message, ...
nlohmann::json predict_json(Models& models, const PredictRequest& request);

// The body of a request as a JSON object; ApiError 400 for text that is not one (with the byte
// where it goes wrong, never the parser's own message).
nlohmann::json parse_object(std::string_view body);

// {"error": message}.
std::string error_body(const std::string& message);

// Standard base64 (RFC 4648, with padding). Throws ApiError 400 naming `field`.
std::vector<std::uint8_t> decode_base64(std::string_view text, const std::string& field, std::size_t max_bytes);
std::string encode_base64(const std::vector<std::uint8_t>& bytes);

// The JSON of one epoch's metrics (what train --metrics writes, as an object).
nlohmann::json epoch_json(const EpochMetrics& metrics);

}  // namespace digitnet::serve

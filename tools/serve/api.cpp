// The JSON API's models, request checks and answers (api.hpp).
#include "serve/api.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "digitnet/answers.hpp"
#include "digitnet/conv_pictures.hpp"
#include "digitnet/image.hpp"
#include "digitnet/inside.hpp"
#include "digitnet/preprocess.hpp"
#include "settings_text.hpp"

namespace digitnet::serve {

namespace {

using nlohmann::json;

// Values rounded to `digits` decimals: a shorter answer, and more than any picture needs.
json rounded(const std::vector<float>& values, double digits) {
    const double scale = std::pow(10.0, digits);
    json out = json::array();
    for (float v : values) out.push_back(std::round(static_cast<double>(v) * scale) / scale);
    return out;
}

// A finite number or null (JSON has no NaN).
json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

const char* json_type_name(const json& j) {
    switch (j.type()) {
        case json::value_t::null: return "null";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::string: return "a string";
        case json::value_t::array: return "an array";
        case json::value_t::object: return "an object";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned:
        case json::value_t::number_float: return "a number";
        default: return "something else";
    }
}

// The width and height a PNG (IHDR) or JPEG (its SOF segment) declares, read before anything is
// decoded; {0, 0} for bytes that are neither.
std::pair<std::uint32_t, std::uint32_t> declared_size(const std::vector<std::uint8_t>& b) {
    auto be16 = [&](std::size_t i) { return static_cast<std::uint32_t>(b[i] << 8 | b[i + 1]); };
    auto be32 = [&](std::size_t i) { return be16(i) << 16 | be16(i + 2); };
    static constexpr std::uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (b.size() >= 24 && std::equal(kPng, kPng + 8, b.begin()) && std::equal(b.begin() + 12, b.begin() + 16, "IHDR"))
        return {be32(16), be32(20)};
    if (b.size() < 4 || b[0] != 0xff || b[1] != 0xd8) return {0, 0};
    for (std::size_t i = 2; i + 9 < b.size();) {
        if (b[i] != 0xff) return {0, 0};
        const std::uint8_t marker = b[i + 1];
        if (marker == 0xff) {  // fill byte
            ++i;
            continue;
        }
        const bool frame = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
        if (frame) return {be16(i + 7), be16(i + 5)};
        i += 2 + be16(i + 2);
    }
    return {0, 0};
}

}  // namespace

// --- models ---

Model::Model(std::string name, Network network, ModelCard card)
    : name_(std::move(name)), network_(std::move(network)), card_(std::move(card)) {
    convolutional_ = has_convolutions(network_);
}

Answer Model::answer(const std::vector<float>& input, bool inside) {
    std::lock_guard lock(mutex_);
    Answer a;
    a.input = input;
    Matrix x(1, input.size()), encoded;
    std::copy(input.begin(), input.end(), x.begin());
    network_.encode_inputs(x, encoded);
    const Matrix& out = network_.forward(encoded);
    a.outputs.assign(out.begin(), out.end());
    std::vector<int> classes;
    network_.classes(out, classes);
    const int answer = classes[0];
    a.digit = network_.architecture().encoding.target_digit >= 0 ? -1 : answer;
    a.name = class_names(network_)[static_cast<std::size_t>(answer)];
    a.confidence = answer_confidence(network_, a.outputs, answer);
    a.unfamiliar = unfamiliar_reasons(ink_statistics(input, kDigitSide, kDigitSide));
    if (inside) {
        // The forward pass above left each dense layer's activations in its `a`.
        for (std::size_t l = 0; l + 1 < network_.layers.size(); ++l) {
            const Matrix& h = network_.layers[l].a;
            a.hidden.emplace_back(h.begin(), h.end());
            a.hidden_activation.push_back(to_string(network_.layers[l].activation));
        }
        if (convolutional_) a.feature_maps_png = encode_png(draw_feature_maps(network_, input.data()));
    }
    return a;
}

std::vector<std::uint8_t> Model::weights_png() {
    std::lock_guard lock(mutex_);
    if (weights_png_.empty()) {
        if (convolutional_) weights_png_ = encode_png(draw_filters(network_));
        else if (!network_.architecture().is_net() && network_.input_size() == kDigitSide * kDigitSide)
            weights_png_ = encode_png(draw_first_layer_weights(network_));
        else
            throw ApiError(404, "model: '" + name_ + "' has no first-layer weights or filters to draw");
    }
    return weights_png_;
}

Network Model::network_copy() {
    std::lock_guard lock(mutex_);
    return network_;
}

json Model::card_json() {
    std::lock_guard lock(mutex_);
    const Architecture& arch = network_.architecture();
    json layers = json::array();
    if (arch.is_net()) {
        for (const LayerSpec& s : network_.plan()) {
            const std::string shape = s.out.rows == 1 && s.out.cols == 1
                                          ? std::to_string(s.out.channels)
                                          : std::to_string(s.out.channels) + "x" + std::to_string(s.out.rows) + "x" +
                                                std::to_string(s.out.cols);
            layers.push_back({{"layer", s.word}, {"output", shape}, {"parameters", s.parameter_count()}});
        }
    } else {
        for (const DenseLayer& layer : network_.layers)
            layers.push_back({{"layer", "dense " + std::to_string(layer.n_in()) + " -> " + std::to_string(layer.n_out()) +
                                            " " + to_string(layer.activation)},
                              {"output", std::to_string(layer.n_out())},
                              {"parameters", layer.parameter_count()}});
    }
    json settings = json::array();
    if (auto it = card_.metadata.find("training"); it != card_.metadata.end()) {
        try {
            for (const std::string& line : cli::settings_lines(train_config_from_json(it->second))) settings.push_back(line);
        } catch (const Error&) {
            settings.push_back("training settings stored, but unreadable");
        }
    }
    json curves = json::array();
    for (const EpochMetrics& m : card_.curves) curves.push_back(epoch_json(m));
    return {{"name", name_},
            {"kind", convolutional_ ? "cnn" : "mlp"},
            {"architecture", arch.describe()},
            {"parameters", network_.parameter_count()},
            {"layers", layers},
            {"classes", class_names(network_)},
            {"question", yes_no_question(network_)},
            {"probabilities", outputs_are_probabilities(network_)},
            {"source", card_.source.empty() ? json(nullptr) : json(std::filesystem::path(card_.source).filename().string())},
            {"data", card_.data},
            {"settings", settings},
            {"test_accuracy", number_or_null(card_.test_accuracy)},
            {"test_accuracy_source", card_.test_accuracy_source},
            {"curves", curves},
            {"pictures", convolutional_ ? "filters" : arch.is_net() ? "none" : "weights"}};
}

void Models::put(std::shared_ptr<Model> model) {
    std::lock_guard lock(mutex_);
    for (auto& m : models_)
        if (m->name() == model->name()) {
            m = std::move(model);
            return;
        }
    models_.push_back(std::move(model));
}

std::shared_ptr<Model> Models::find(const std::string& name) const {
    std::lock_guard lock(mutex_);
    if (models_.empty()) throw ApiError(404, "model: no model is loaded");
    if (name.empty()) return models_.front();
    for (const auto& m : models_)
        if (m->name() == name) return m;
    std::string known;
    for (const auto& m : models_) known += (known.empty() ? "'" : ", '") + m->name() + "'";
    throw ApiError(404, "model: expected one of " + known + ", found " + quote_text(name, 64));
}

std::vector<std::shared_ptr<Model>> Models::list() const {
    std::lock_guard lock(mutex_);
    return models_;
}

std::string Models::unused_name(const std::string& base) const {
    std::lock_guard lock(mutex_);
    auto taken = [&](const std::string& n) {
        return std::any_of(models_.begin(), models_.end(), [&](const auto& m) { return m->name() == n; });
    };
    if (!taken(base)) return base;
    for (int k = 2;; ++k)
        if (!taken(base + "-" + std::to_string(k))) return base + "-" + std::to_string(k);
}

bool valid_model_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || name[0] == '.') return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
    });
}

std::string model_name_for(const std::string& path) {
    std::string stem = std::filesystem::path(path).stem().string();
    for (char& c : stem)
        if (!valid_model_name(std::string_view(&c, 1)) && c != '.') c = '-';
    while (!stem.empty() && stem[0] == '.') stem.erase(0, 1);
    if (stem.size() > 48) stem.resize(48);
    return valid_model_name(stem) ? stem : "model";
}

ModelCard card_from_file(const std::string& path, const Metadata& metadata, const std::string& metrics_path) {
    ModelCard card;
    card.source = path;
    card.metadata = metadata;
    if (auto it = metadata.find("data"); it != metadata.end()) card.data = escape_text(it->second, 200);
    if (!metrics_path.empty()) card.curves = read_metrics_file(metrics_path);
    // The test accuracy: the file's own record (train writes it), else the metrics file's last
    // epoch that has one.
    if (auto it = metadata.find("test_accuracy"); it != metadata.end()) {
        char* end = nullptr;
        const double accuracy = std::strtod(it->second.c_str(), &end);
        if (end != it->second.c_str() && *end == '\0' && accuracy >= 0.0 && accuracy <= 1.0) {
            card.test_accuracy = accuracy;
            card.test_accuracy_source = "the model file (measured by train after the last epoch)";
            return card;
        }
    }
    for (auto it = card.curves.rbegin(); it != card.curves.rend(); ++it)
        if (std::isfinite(it->test_accuracy)) {
            card.test_accuracy = it->test_accuracy;
            card.test_accuracy_source = "the last epoch of " + std::filesystem::path(metrics_path).filename().string();
            break;
        }
    return card;
}

// --- requests ---

json parse_object(std::string_view body) {
    json j;
    try {
        j = json::parse(body.begin(), body.end());
    } catch (const json::parse_error& e) {
        throw ApiError(400, "body: expected a JSON object, found text that is not JSON or not UTF-8 (at byte " +
                                std::to_string(e.byte) + ")");
    } catch (const json::exception&) {
        throw ApiError(400, "body: expected a JSON object, found text that is not JSON");
    }
    if (!j.is_object()) throw ApiError(400, std::string("body: expected a JSON object, found ") + json_type_name(j));
    return j;
}

PredictRequest parse_predict_request(std::string_view body) {
    const json j = parse_object(body);
    PredictRequest r;
    for (const auto& [key, value] : j.items())
        if (key != "pixels" && key != "image" && key != "raw" && key != "model" && key != "inside")
            throw ApiError(400, "body: unknown field " + quote_text(key, 40) +
                                    " (expected pixels or image, and optionally raw, model, inside)");
    const bool has_pixels = j.contains("pixels"), has_image = j.contains("image");
    if (has_pixels == has_image)
        throw ApiError(400, has_pixels ? "pixels, image: give one of them, found both"
                                       : "pixels: expected 784 numbers in 0..1 (or image: a base64 PNG or JPEG), found neither");
    if (has_pixels) {
        const json& p = j["pixels"];
        if (!p.is_array()) throw ApiError(400, std::string("pixels: expected an array of 784 numbers, found ") + json_type_name(p));
        if (p.size() != kDigitSide * kDigitSide)
            throw ApiError(400, "pixels: expected 784 numbers (28x28, row-major), found " + std::to_string(p.size()));
        r.pixels.reserve(p.size());
        for (std::size_t i = 0; i < p.size(); ++i) {
            if (!p[i].is_number())
                throw ApiError(400, "pixels[" + std::to_string(i) + "]: expected a number in 0..1, found " + json_type_name(p[i]));
            const double v = p[i].get<double>();
            if (!std::isfinite(v) || v < 0.0 || v > 1.0)
                throw ApiError(400, "pixels[" + std::to_string(i) + "]: expected a number in 0..1, found " +
                                        (std::isfinite(v) ? std::to_string(v) : std::string("a number out of range")));
            r.pixels.push_back(static_cast<float>(v));
        }
    } else {
        const json& im = j["image"];
        if (!im.is_string()) throw ApiError(400, std::string("image: expected a base64 string, found ") + json_type_name(im));
        std::string_view text = im.get_ref<const std::string&>();
        // A data URL as a canvas gives it ("data:image/png;base64,...") is accepted too.
        if (text.rfind("data:", 0) == 0) {
            const std::size_t comma = text.find(',');
            if (comma == std::string_view::npos || text.substr(0, comma).find(";base64") == std::string_view::npos)
                throw ApiError(400, "image: expected base64 or a base64 data URL, found a data URL without ;base64,");
            text.remove_prefix(comma + 1);
        }
        r.image = decode_base64(text, "image", kMaxImageBytes);
        if (r.image.empty()) throw ApiError(400, "image: expected a base64 PNG or JPEG, found an empty string");
    }
    auto flag = [&](const char* key, bool& out) {
        if (!j.contains(key)) return;
        if (!j[key].is_boolean())
            throw ApiError(400, std::string(key) + ": expected true or false, found " + json_type_name(j[key]));
        out = j[key].get<bool>();
    };
    flag("raw", r.raw);
    flag("inside", r.inside);
    if (j.contains("model")) {
        const json& m = j["model"];
        if (!m.is_string()) throw ApiError(400, std::string("model: expected a model's name, found ") + json_type_name(m));
        r.model = m.get<std::string>();
        if (!valid_model_name(r.model))
            throw ApiError(400, "model: expected a model's name (letters, digits, '.', '_', '-'; see /api/models), found " +
                                    quote_text(r.model, 64));
    }
    return r;
}

std::vector<float> request_input(const PredictRequest& request, bool& blank) {
    blank = false;
    GrayImage image;
    if (!request.image.empty()) {
        // Only PNG and JPEG, and only as large as a photo needs: a small file can declare a huge
        // image, and decoding one costs 5 bytes a pixel.
        const auto [width, height] = declared_size(request.image);
        if (!width || !height)
            throw ApiError(400, "image: expected a PNG or JPEG file in base64, found bytes that are neither");
        if (static_cast<std::uint64_t>(width) * height > kMaxRequestPixels)
            throw ApiError(400, "image: expected at most " + std::to_string(kMaxRequestPixels / 1000000) +
                                    " megapixels, found " + std::to_string(width) + "x" + std::to_string(height));
        try {
            image = decode_image(request.image, "image");
        } catch (const Error&) {
            throw ApiError(400, "image: expected a PNG or JPEG file in base64, found bytes no image decoder reads");
        }
    } else {
        image = GrayImage{kDigitSide, kDigitSide, request.pixels};
    }
    if (request.raw) {
        std::vector<float> input = resize_to(image, kDigitSide, kDigitSide);
        double ink = 0.0;
        for (float v : input) ink += v;
        blank = ink < 1.0;  // less than one pixel's worth of ink
        return input;
    }
    PreprocessInfo info;
    try {
        std::vector<float> input = preprocess_digit(image, &info);
        // A speck: ink whose box spans under a fourteenth of the picture is no digit yet.
        const std::size_t side = std::max(image.width, image.height);
        blank = std::max(info.box_width, info.box_height) * 14 < side;
        return input;
    } catch (const Error&) {
        blank = true;  // preprocess_digit found no ink (the pixels are known to be finite)
        return std::vector<float>(kDigitSide * kDigitSide, 0.0f);
    }
}

// Below this confidence the page says "not sure" rather than only the digit.
constexpr double kSureEnough = 0.6;

json predict_json(Models& models, const PredictRequest& request) {
    const std::shared_ptr<Model> model = models.find(request.model);
    bool blank = false;
    const std::vector<float> input = request_input(request, blank);
    json j{{"model", model->name()}, {"input", rounded(input, 4)}, {"blank", blank}};
    if (blank) {
        j["digit"] = nullptr;
        j["answer"] = nullptr;
        j["outputs"] = nullptr;
        j["unsure"] = false;
        j["message"] = "draw a digit";
        return j;
    }
    const Answer a = model->answer(input, request.inside);
    const bool unsure = a.confidence < kSureEnough;
    j["digit"] = a.digit >= 0 ? json(a.digit) : json(nullptr);
    j["answer"] = a.name;
    j["outputs"] = rounded(a.outputs, 6);
    j["confidence"] = std::round(a.confidence * 1e6) / 1e6;
    j["unsure"] = unsure;
    j["unfamiliar"] = a.unfamiliar;
    j["message"] = unsure ? "not sure: maybe " + a.name : a.name;
    if (request.inside) {
        json hidden = json::array();
        for (std::size_t l = 0; l < a.hidden.size(); ++l)
            hidden.push_back({{"activation", a.hidden_activation[l]}, {"values", rounded(a.hidden[l], 4)}});
        j["hidden"] = hidden;
        if (!a.feature_maps_png.empty()) j["feature_maps"] = encode_base64(a.feature_maps_png);
    }
    return j;
}

std::string error_body(const std::string& message) { return json{{"error", message}}.dump(); }

json epoch_json(const EpochMetrics& metrics) { return json::parse(to_json(metrics)); }

// --- base64 ---

std::vector<std::uint8_t> decode_base64(std::string_view text, const std::string& field, std::size_t max_bytes) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    if (text.size() % 4 != 0)
        throw ApiError(400, field + ": expected base64 (a multiple of 4 characters), found " + std::to_string(text.size()) +
                                " characters");
    if (text.size() / 4 * 3 > max_bytes + 2)
        throw ApiError(400, field + ": expected at most " + std::to_string(max_bytes / 1024) + " KiB of image, found " +
                                std::to_string(text.size() / 4 * 3 / 1024) + " KiB");
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        int v[4];
        int padding = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = text[i + static_cast<std::size_t>(k)];
            const bool last_group = i + 4 == text.size();
            if (c == '=' && last_group && k >= 2 && (k == 3 || text[i + 3] == '=')) {
                v[k] = 0;
                ++padding;
                continue;
            }
            v[k] = value(c);
            if (v[k] < 0 || padding)
                throw ApiError(400, field + ": expected base64, found a character that is not base64 at " +
                                        std::to_string(i + static_cast<std::size_t>(k)));
        }
        const std::uint32_t n = static_cast<std::uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
        out.push_back(static_cast<std::uint8_t>(n >> 16));
        if (padding < 2) out.push_back(static_cast<std::uint8_t>(n >> 8));
        if (padding < 1) out.push_back(static_cast<std::uint8_t>(n));
    }
    return out;
}

std::string encode_base64(const std::vector<std::uint8_t>& bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
        std::uint32_t v = static_cast<std::uint32_t>(bytes[i]) << 16;
        if (n > 1) v |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
        if (n > 2) v |= bytes[i + 2];
        out += kAlphabet[v >> 18 & 63];
        out += kAlphabet[v >> 12 & 63];
        out += n > 1 ? kAlphabet[v >> 6 & 63] : '=';
        out += n > 2 ? kAlphabet[v & 63] : '=';
    }
    return out;
}

}  // namespace digitnet::serve

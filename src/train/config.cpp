// The training configuration: its checks, and its JSON form (stored in model files and checkpoints),
// with the per-epoch metrics' JSON lines.
#include "digitnet/train_config.hpp"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "digitnet/error.hpp"
#include "digitnet/network.hpp"
#include "digitnet/safetensors.hpp"

namespace digitnet {

using json = nlohmann::json;

namespace {

// Values a model file of this architecture holds: per layer the weights and the biases, or
// batch normalisation's γ, β and running mean and variance.
std::uint64_t file_values(const Architecture& a) {
    std::uint64_t values = 0;
    for (std::size_t l = 0; l + 1 < a.sizes.size(); ++l)
        values += static_cast<std::uint64_t>(a.sizes[l]) * a.sizes[l + 1] + 4ull * a.sizes[l + 1];
    return values;
}

std::string gigabytes(std::uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f GB", static_cast<double>(bytes) / 1e9);
    return buf;
}

constexpr std::uint64_t kMaxFileValues = (kSafetensorsMaxFileBytes - kFileHeadroomBytes) / 4;

}  // namespace

void check_architecture_limits(const Architecture& a) {
    if (a.sizes.size() < 2 || a.sizes.size() > kMaxLayerSizes)
        throw Error("layer sizes: expected 2..64 sizes (input, hidden..., output), found " +
                    std::to_string(a.sizes.size()));
    for (std::size_t s : a.sizes)
        if (s == 0 || s > kMaxLayerSize)
            throw Error("layer sizes: each should be 1..100000, found " + std::to_string(s));
    for (std::size_t l = 0; l + 1 < a.sizes.size(); ++l)
        if (static_cast<std::uint64_t>(a.sizes[l]) * a.sizes[l + 1] > kSafetensorsMaxElements)
            throw Error("layer sizes: layer " + std::to_string(l + 1) + " has " + std::to_string(a.sizes[l]) + " x " +
                        std::to_string(a.sizes[l + 1]) + " weights, more than the " +
                        std::to_string(kSafetensorsMaxElements) + " one tensor of a file can be read back with");
    const std::uint64_t values = file_values(a);
    if (values > kMaxFileValues)
        throw Error("layer sizes: a model file would hold " + std::to_string(values) + " values (" +
                    gigabytes(4 * values) + "), more than a file can be read back with (" +
                    gigabytes(4 * kMaxFileValues) + ")");
}

void validate(const TrainConfig& c) {
    try {
        check_architecture_limits(c.architecture);
    } catch (const Error& e) {
        throw Error("--layers " + c.architecture.describe() + ": " + e.what());
    }
    // A checkpoint holds the weights, the optimiser's slots (momentum's velocity, Adam's two
    // moments, ...) and, with early stopping, the best weights so far.
    const std::uint64_t slots = c.optimizer.name == "sgd" ? 0 : c.optimizer.name == "adam" ? 2 : 1;
    const std::uint64_t checkpoint_values = file_values(c.architecture) * (1 + slots + (c.early_stop ? 1 : 0));
    if (checkpoint_values > kMaxFileValues)
        throw Error("--layers " + c.architecture.describe() + ": a checkpoint of this network (with " +
                    c.optimizer.name + "'s state" + (c.early_stop ? " and the best weights" : "") + ") would hold " +
                    std::to_string(checkpoint_values) + " values (" + gigabytes(4 * checkpoint_values) +
                    "), more than a file can be read back with (" + gigabytes(4 * kMaxFileValues) + ")");
    validate(c.optimizer);
    Network probe(c.architecture);  // checks the cost/output pair
    if (c.epochs == 0 || c.epochs > 100000) throw Error("--epochs: expected 1..100000, found " + std::to_string(c.epochs));
    if (!(c.learning_rate > 0.0f) || !std::isfinite(c.learning_rate))
        throw Error("--lr: expected a positive learning rate, found " + std::to_string(c.learning_rate));
    if (!(c.l2 >= 0.0f) || !std::isfinite(c.l2)) throw Error("--l2: expected λ >= 0, found " + std::to_string(c.l2));
    if (!(c.l1 >= 0.0f) || !std::isfinite(c.l1)) throw Error("--l1: expected λ >= 0, found " + std::to_string(c.l1));
    if (!(c.dropout >= 0.0f && c.dropout < 1.0f))
        throw Error("--dropout: expected a probability in [0, 1), found " + std::to_string(c.dropout));
    if (c.lr_decay != "none" && c.lr_decay != "step" && c.lr_decay != "plateau")
        throw Error("--lr-decay: expected none, step or plateau, found '" + c.lr_decay + "'");
    if (!(c.lr_decay_factor > 0.0f && c.lr_decay_factor <= 1.0f))
        throw Error("--lr-decay-factor: expected a value in (0, 1], found " + std::to_string(c.lr_decay_factor));
    if (!(c.elastic_alpha >= 0.0f && c.elastic_alpha <= 100.0f))
        throw Error("--elastic-alpha: expected 0..100 pixels, found " + std::to_string(c.elastic_alpha));
    if (!(c.elastic_sigma > 0.0f && c.elastic_sigma <= 20.0f))
        throw Error("--elastic-sigma: expected a value in (0, 20], found " + std::to_string(c.elastic_sigma));
    if (c.lr_step == 0) throw Error("--lr-step: expected at least 1 epoch, found 0");
    const Encoding& e = c.architecture.encoding;
    if (!(e.input_low >= 0.0f && e.input_low < 1.0f))
        throw Error("input_low: expected a value in [0, 1), found " + std::to_string(e.input_low));
    if (e.target_digit > 9) throw Error("--target-digit: expected 0..9, found " + std::to_string(e.target_digit));
}

static json architecture_json(const Architecture& a) {
    return json{{"sizes", a.sizes},
                {"hidden", to_string(a.hidden)},
                {"output", to_string(a.output)},
                {"cost", to_string(a.cost)},
                {"use_bias", a.use_bias},
                {"batch_norm", a.batch_norm},
                {"encoding",
                 {{"input_low", a.encoding.input_low},
                  {"target_low", a.encoding.target_low},
                  {"target_high", a.encoding.target_high},
                  {"target_digit", a.encoding.target_digit}}}};
}

static Architecture architecture_from(const json& j) {
    Architecture a;
    a.sizes = j.at("sizes").get<std::vector<std::size_t>>();
    a.hidden = parse_activation(j.at("hidden").get<std::string>(), "hidden");
    a.output = parse_activation(j.at("output").get<std::string>(), "output");
    a.cost = parse_cost(j.at("cost").get<std::string>(), "cost");
    a.use_bias = j.at("use_bias").get<bool>();
    a.batch_norm = j.value("batch_norm", false);
    const json& e = j.at("encoding");
    a.encoding.input_low = e.at("input_low").get<float>();
    a.encoding.target_low = e.at("target_low").get<float>();
    a.encoding.target_high = e.at("target_high").get<float>();
    a.encoding.target_digit = e.at("target_digit").get<int>();
    check_architecture_limits(a);
    return a;
}

std::string architecture_to_json(const Architecture& a) {
    check_architecture_limits(a);  // never write what the reader refuses
    return architecture_json(a).dump();
}

Architecture architecture_from_json(const std::string& text) {
    try {
        return architecture_from(json::parse(text));
    } catch (const json::exception& e) {
        throw Error(std::string("architecture JSON: ") + e.what());
    }
}

std::string to_json(const TrainConfig& c) {
    check_architecture_limits(c.architecture);
    json j{{"architecture", architecture_json(c.architecture)},
           {"init", to_string(c.init)},
           {"epochs", c.epochs},
           {"batch_size", c.batch_size},
           {"learning_rate", c.learning_rate},
           {"seed", c.seed},
           {"optimizer",
            {{"name", c.optimizer.name},
             {"momentum", c.optimizer.momentum},
             {"rho", c.optimizer.rho},
             {"beta1", c.optimizer.beta1},
             {"beta2", c.optimizer.beta2},
             {"epsilon", c.optimizer.epsilon}}},
           {"l2", c.l2},
           {"l1", c.l1},
           {"dropout", c.dropout},
           {"augment", c.augment},
           {"elastic_alpha", c.elastic_alpha},
           {"elastic_sigma", c.elastic_sigma},
           {"train_size", c.train_size},
           {"early_stop", c.early_stop},
           {"lr_decay", c.lr_decay},
           {"lr_decay_factor", c.lr_decay_factor},
           {"lr_step", c.lr_step},
           {"evaluate_test", c.evaluate_test}};
    return j.dump();
}

TrainConfig train_config_from_json(const std::string& text) {
    try {
        const json j = json::parse(text);
        TrainConfig c;
        c.architecture = architecture_from(j.at("architecture"));
        c.init = parse_init(j.at("init").get<std::string>(), "init");
        c.epochs = j.at("epochs").get<std::size_t>();
        c.batch_size = j.at("batch_size").get<std::size_t>();
        c.learning_rate = j.at("learning_rate").get<float>();
        c.seed = j.at("seed").get<std::uint64_t>();
        const json& o = j.at("optimizer");
        c.optimizer.name = o.at("name").get<std::string>();
        c.optimizer.momentum = o.at("momentum").get<float>();
        c.optimizer.rho = o.at("rho").get<float>();
        c.optimizer.beta1 = o.at("beta1").get<float>();
        c.optimizer.beta2 = o.at("beta2").get<float>();
        c.optimizer.epsilon = o.at("epsilon").get<float>();
        c.l2 = j.at("l2").get<float>();
        c.l1 = j.at("l1").get<float>();
        c.dropout = j.at("dropout").get<float>();
        c.augment = j.at("augment").get<bool>();
        c.elastic_alpha = j.value("elastic_alpha", 0.0f);
        c.elastic_sigma = j.value("elastic_sigma", 4.0f);
        c.train_size = j.at("train_size").get<std::size_t>();
        c.early_stop = j.at("early_stop").get<std::size_t>();
        c.lr_decay = j.at("lr_decay").get<std::string>();
        c.lr_decay_factor = j.at("lr_decay_factor").get<float>();
        c.lr_step = j.at("lr_step").get<std::size_t>();
        c.evaluate_test = j.at("evaluate_test").get<bool>();
        return c;
    } catch (const json::exception& e) {
        throw Error(std::string("training configuration JSON: ") + e.what());
    }
}

std::string to_json(const EpochMetrics& m) {
    json j{{"epoch", m.epoch}};
    auto put = [&](const char* key, double v) {
        if (std::isfinite(v)) j[key] = v;
    };
    put("train_cost", m.train_cost);
    put("train_accuracy", m.train_accuracy);
    put("validation_cost", m.validation_cost);
    put("validation_accuracy", m.validation_accuracy);
    put("test_accuracy", m.test_accuracy);
    put("seconds", m.seconds);
    put("learning_rate", m.learning_rate);
    return j.dump();
}

EpochMetrics epoch_metrics_from_json(const std::string& text) {
    try {
        const json j = json::parse(text);
        EpochMetrics m;
        m.epoch = j.at("epoch").get<std::size_t>();
        auto get = [&](const char* key) { return j.contains(key) ? j[key].get<double>() : kNotMeasured; };
        m.train_cost = get("train_cost");
        m.train_accuracy = get("train_accuracy");
        m.validation_cost = get("validation_cost");
        m.validation_accuracy = get("validation_accuracy");
        m.test_accuracy = get("test_accuracy");
        m.seconds = j.value("seconds", 0.0);
        m.learning_rate = j.value("learning_rate", 0.0);
        return m;
    } catch (const json::exception& e) {
        throw Error(std::string("metrics JSON: ") + e.what());
    }
}

}  // namespace digitnet

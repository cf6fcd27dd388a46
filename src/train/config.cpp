// The training configuration: its checks, and its JSON form (stored in model files and checkpoints),
// with the per-epoch metrics' JSON lines and the metrics files made of them.
#include "digitnet/train_config.hpp"

#include <cmath>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

#include "digitnet/error.hpp"
#include "digitnet/format.hpp"
#include "digitnet/file_io.hpp"
#include "digitnet/network.hpp"

namespace digitnet {

using json = nlohmann::json;

void validate(const Architecture& a) {
    if (a.sizes.size() < 2 || a.sizes.size() > 64)
        throw Error("layer sizes (--layers): expected 2..64 sizes, found " + std::to_string(a.sizes.size()));
    for (std::size_t s : a.sizes)
        if (s == 0 || s > 100000)
            throw Error("layer sizes (--layers): expected each size in 1..100000, found " + std::to_string(s));
    const Encoding& e = a.encoding;
    if (!(e.input_low >= 0.0f && e.input_low < 1.0f))
        throw Error("input_low (--input-low): expected a value in [0, 1), found " + format_number(e.input_low));
    if (!std::isfinite(e.target_low) || !std::isfinite(e.target_high) || !(e.target_low < e.target_high))
        throw Error("target_low, target_high (--targets): expected finite values with target_low < target_high, found " +
                    format_number(e.target_low) + ", " + format_number(e.target_high));
    if (e.target_digit < -1 || e.target_digit > 9)
        throw Error("target_digit (--target-digit): expected -1 (none) or 0..9, found " + std::to_string(e.target_digit));
}

void validate(const TrainConfig& c) {
    validate(c.optimizer);
    validate(c.architecture);
    // The labels are the digits 0..9: a classifier needs one output per digit, a yes/no network one.
    const std::size_t outputs = c.architecture.sizes.empty() ? 0 : c.architecture.sizes.back();
    const int digit = c.architecture.encoding.target_digit;
    if (digit < 0 && outputs != 10)
        throw Error("--layers: a digit classifier needs 10 outputs, one per digit 0..9; found " + std::to_string(outputs) +
                    " (a yes/no network has 1: --target-digit D)");
    if (digit >= 0 && outputs != 1)
        throw Error("--layers: a yes/no network (--target-digit " + std::to_string(digit) +
                    ") needs 1 output answering \"is it a " + std::to_string(digit) + "?\"; found " +
                    std::to_string(outputs));
    Network probe(c.architecture);  // checks the cost/output pair and the rest of the structure
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

// The architecture in `j`, its numbers checked by validate(Architecture). Layer sizes and the
// target digit must be whole numbers in the JSON (a plain conversion would turn 100.5 into 100).
static Architecture architecture_from(const json& j) {
    Architecture a;
    a.sizes.clear();
    const json& sizes = j.at("sizes");
    if (!sizes.is_array()) throw Error(std::string("'sizes' should be a list of layer sizes, found ") + sizes.type_name());
    for (const json& size : sizes) {
        if (!size.is_number_unsigned())
            throw Error("'sizes' should hold whole layer sizes 1..100000, found " + quote_text(size.dump(), 30));
        a.sizes.push_back(size.get<std::size_t>());
    }
    a.hidden = parse_activation(j.at("hidden").get<std::string>(), "hidden");
    a.output = parse_activation(j.at("output").get<std::string>(), "output");
    a.cost = parse_cost(j.at("cost").get<std::string>(), "cost");
    a.use_bias = j.at("use_bias").get<bool>();
    a.batch_norm = j.value("batch_norm", false);
    const json& e = j.at("encoding");
    a.encoding.input_low = e.at("input_low").get<float>();
    a.encoding.target_low = e.at("target_low").get<float>();
    a.encoding.target_high = e.at("target_high").get<float>();
    const json& digit = e.at("target_digit");
    const bool fits_int = digit.is_number_unsigned() ? digit.get<std::uint64_t>() <= 1000
                                                      : digit.is_number_integer() && digit.get<std::int64_t>() >= -1000;
    if (!fits_int) throw Error("target_digit: expected -1 (none) or 0..9, found " + quote_text(digit.dump(), 30));
    a.encoding.target_digit = digit.get<int>();
    validate(a);
    return a;
}

std::string architecture_to_json(const Architecture& a) { return architecture_json(a).dump(); }

Architecture architecture_from_json(const std::string& text) {
    try {
        return architecture_from(json::parse(text));
    } catch (const json::exception& e) {
        throw Error(std::string("architecture JSON: ") + e.what());
    }
}

std::string to_json(const TrainConfig& c) {
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

// The measurements in one metrics object. `where` begins each error message. A missing or null
// value (null: how a non-finite number is written) is not measured; a missing "epoch" is
// `epoch_if_missing`, or an error where there is none.
static EpochMetrics metrics_from(const json& j, const std::string& where,
                                 std::optional<std::size_t> epoch_if_missing) {
    if (!j.is_object()) throw Error(where + ": expected one JSON object per line, found a JSON " + j.type_name());
    auto number = [&](const char* key, double missing) -> double {
        const auto it = j.find(key);
        if (it == j.end() || it->is_null()) return missing;
        if (!it->is_number())
            throw Error(where + ": expected \"" + key + "\" to be a number, found a JSON " + it->type_name());
        const double v = it->get<double>();
        return std::isfinite(v) ? v : missing;
    };
    EpochMetrics m;
    const auto epoch = j.find("epoch");
    if (epoch == j.end() || epoch->is_null()) {
        if (!epoch_if_missing) throw Error(where + ": expected an \"epoch\", found none");
        m.epoch = *epoch_if_missing;
    } else if (epoch->is_number_unsigned()) {
        m.epoch = epoch->get<std::size_t>();
    } else {
        throw Error(where + ": expected \"epoch\" to be a whole number >= 0, found " + epoch->dump());
    }
    m.train_cost = number("train_cost", kNotMeasured);
    m.train_accuracy = number("train_accuracy", kNotMeasured);
    m.validation_cost = number("validation_cost", kNotMeasured);
    m.validation_accuracy = number("validation_accuracy", kNotMeasured);
    m.test_accuracy = number("test_accuracy", kNotMeasured);
    m.seconds = number("seconds", 0.0);
    m.learning_rate = number("learning_rate", 0.0);
    return m;
}

EpochMetrics epoch_metrics_from_json(const std::string& text) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        throw Error(std::string("metrics JSON: ") + e.what());
    }
    return metrics_from(j, "metrics JSON", std::nullopt);
}

std::vector<EpochMetrics> read_metrics_file(const std::string& path) {
    const std::vector<std::uint8_t> bytes = read_file(path, std::size_t{256} << 20);
    const std::string text(bytes.begin(), bytes.end());
    std::vector<EpochMetrics> history;
    std::size_t line_number = 0, start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(line_number);
        json j;
        try {
            j = json::parse(line);
        } catch (const json::parse_error&) {
            throw Error(where + ": expected one JSON object per line, found text that is not JSON");
        }
        history.push_back(metrics_from(j, where, history.size() + 1));
    }
    return history;
}

}  // namespace digitnet

// The training configuration: its checks, and its JSON form (stored in model files and checkpoints),
// with the per-epoch metrics' JSON lines and the metrics files made of them.
#include "digitnet/train_config.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>

#include <nlohmann/json.hpp>

#include "digitnet/error.hpp"
#include "digitnet/format.hpp"
#include "digitnet/file_io.hpp"
#include "digitnet/network.hpp"
#include "digitnet/safetensors.hpp"
#include "train/json_fields.hpp"

namespace digitnet {

using json = nlohmann::json;

namespace {

// Values a model file of this architecture holds: per layer the weights and the biases, or
// batch normalisation's γ, β and running mean and variance.
std::uint64_t file_values(const Architecture& a) {
    std::uint64_t values = 0;
    if (a.is_net()) {  // every tensor the plan names, running statistics included
        for (const LayerSpec& s : plan_net(a.net, a.input))
            for (const TensorSpec& t : s.tensors) {
                std::uint64_t size = 1;
                for (std::size_t d : t.shape) size *= d;
                values += size;
            }
        return values;
    }
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

// A --net network's limits: what plan_net checks, then the memory one example costs (each layer's
// output, and a convolution's receptive fields) and the size of each tensor.
static void check_net_limits(const Architecture& a) {
    if (a.input.channels == 0 || a.input.channels > 4096 || a.input.rows == 0 || a.input.rows > 4096 ||
        a.input.cols == 0 || a.input.cols > 4096)
        throw Error("input shape: expected channels, rows and columns 1..4096, found " + a.input.describe());
    constexpr std::uint64_t kMaxValuesPerExample = 16u << 20;
    const std::vector<LayerSpec> plan = plan_net(a.net, a.input);
    for (std::size_t i = 0; i < plan.size(); ++i) {
        const LayerSpec& s = plan[i];
        std::uint64_t per_example = s.out.size();
        if (s.kind == LayerKind::conv)
            per_example = std::max<std::uint64_t>(per_example, static_cast<std::uint64_t>(s.out.plane()) * s.in.channels *
                                                                   s.kernel_rows * s.kernel_cols);
        if (per_example > kMaxValuesPerExample)
            throw Error("--net: layer " + std::to_string(i + 1) + " '" + s.word + "' needs " +
                        std::to_string(per_example) + " values per example, more than the " +
                        std::to_string(kMaxValuesPerExample) + " allowed");
        for (const TensorSpec& t : s.tensors) {
            std::uint64_t size = 1;
            for (std::size_t d : t.shape) size *= d;
            if (size > kSafetensorsMaxElements)
                throw Error("--net: layer " + std::to_string(i + 1) + " '" + s.word + "' has " + std::to_string(size) +
                            " weights, more than the " + std::to_string(kSafetensorsMaxElements) +
                            " one tensor of a file can be read back with");
        }
    }
}

void check_architecture_limits(const Architecture& a) {
    if (a.is_net()) check_net_limits(a);
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

void check_cost_output_flags(const Architecture& a) {
    try {
        check_cost_output(a.cost, a.output);
    } catch (const Error&) {
        throw Error("--cost " + to_string(a.cost) +
                    " needs probabilities as outputs: expected --output-activation sigmoid or softmax, found "
                    "--output-activation " + to_string(a.output));
    }
}

void validate(const Architecture& a) {
    check_architecture_limits(a);
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
    const std::string network_option = c.architecture.is_net() ? "--net" : "--layers";
    try {
        check_architecture_limits(c.architecture);
    } catch (const Error& e) {
        if (c.architecture.is_net()) throw;  // its messages name --net and the layer
        throw Error("--layers " + c.architecture.describe() + ": " + e.what());
    }
    if (c.architecture.is_net() && c.dropout > 0.0f)
        throw Error("--dropout: a --net network writes its dropout in its text (e.g. 'dense100 relu dropout0.5'), "
                    "found --dropout " + format_number(c.dropout));
    // A checkpoint holds the weights, the optimiser's slots (momentum's velocity, Adam's two
    // moments, ...) and, with early stopping, the best weights so far.
    const std::uint64_t slots = c.optimizer.name == "sgd" ? 0 : c.optimizer.name == "adam" ? 2 : 1;
    const std::uint64_t checkpoint_values = file_values(c.architecture) * (1 + slots + (c.early_stop ? 1 : 0));
    if (checkpoint_values > kMaxFileValues)
        throw Error(network_option + " " + c.architecture.describe() + ": a checkpoint of this network (with " +
                    c.optimizer.name + "'s state" + (c.early_stop ? " and the best weights" : "") + ") would hold " +
                    std::to_string(checkpoint_values) + " values (" + gigabytes(4 * checkpoint_values) +
                    "), more than a file can be read back with (" + gigabytes(4 * kMaxFileValues) + ")");
    validate(c.optimizer);
    validate(c.architecture);
    // The labels are the digits 0..9: a classifier needs one output per digit, a yes/no network one.
    const std::size_t outputs = c.architecture.sizes.empty() ? 0 : c.architecture.sizes.back();
    const int digit = c.architecture.encoding.target_digit;
    if (digit < 0 && outputs != 10)
        throw Error(network_option + ": a digit classifier needs 10 outputs, one per digit 0..9; found " + std::to_string(outputs) +
                    " (a yes/no network has 1: --target-digit D)");
    if (digit >= 0 && outputs != 1)
        throw Error(network_option + ": a yes/no network (--target-digit " + std::to_string(digit) +
                    ") needs 1 output answering \"is it a " + std::to_string(digit) + "?\"; found " +
                    std::to_string(outputs));
    // The rest of what Network's constructor checks, without building it (a checkpoint or a
    // command line may name layers far larger than the memory a check should cost).
    check_cost_output_flags(c.architecture);
    if (c.architecture.hidden == Activation::softmax)
        throw Error("--activation: softmax is an output activation, not a hidden one");
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
    if (!(c.augment_scale >= 0.0f && c.augment_scale <= 0.5f))
        throw Error("--augment-scale: expected 0..0.5, found " + std::to_string(c.augment_scale));
    if (!(c.elastic_sigma > 0.0f && c.elastic_sigma <= 20.0f))
        throw Error("--elastic-sigma: expected a value in (0, 20], found " + std::to_string(c.elastic_sigma));
    if (c.lr_step == 0 || c.lr_step > kMaxEpochs)
        throw Error("--lr-step: expected 1..100000 epochs, found " + std::to_string(c.lr_step));
    if (!(c.weight_average >= 0.0f && c.weight_average < 1.0f))
        throw Error("--weight-average: expected a decay in [0, 1), found " + std::to_string(c.weight_average));
    if (c.early_stop > kMaxEpochs)
        throw Error("--early-stop: expected 0..100000 epochs, found " + std::to_string(c.early_stop));
    if (!std::isfinite(c.optimizer.epsilon))
        throw Error("--epsilon: expected a finite value, found " + std::to_string(c.optimizer.epsilon));
}

static json architecture_json(const Architecture& a) {
    json j{{"sizes", a.sizes},
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
    if (a.is_net()) {
        j["net"] = a.net;
        j["input"] = {a.input.channels, a.input.rows, a.input.cols};
    }
    return j;
}

// The architecture in `j`, its numbers checked by validate(Architecture). Layer sizes and the
// target digit must be whole numbers in the JSON (a plain conversion would turn 100.5 into 100).
static Architecture architecture_from(const json& j) {
    using namespace json_fields;
    only_keys(j, {"sizes", "hidden", "output", "cost", "use_bias", "batch_norm", "encoding", "net", "input"});
    Architecture a;
    const json& sizes = field(j, "sizes");
    if (!sizes.is_array() || sizes.size() > kMaxLayerSizes)
        throw Error("'sizes' should list 2..64 layer sizes, found " + shown(sizes));
    a.sizes.clear();
    for (const json& size : sizes) {
        if (!size.is_number_unsigned() || size.get<std::uint64_t>() == 0 || size.get<std::uint64_t>() > kMaxLayerSize)
            throw Error("'sizes' should hold layer sizes 1..100000, found " + shown(size));
        a.sizes.push_back(static_cast<std::size_t>(size.get<std::uint64_t>()));
    }
    a.hidden = parse_activation(text(j, "hidden"), "hidden");
    a.output = parse_activation(text(j, "output"), "output");
    a.cost = parse_cost(text(j, "cost"), "cost");
    a.use_bias = boolean(j, "use_bias");
    a.batch_norm = j.contains("batch_norm") ? boolean(j, "batch_norm") : false;
    const json& e = field(j, "encoding");
    only_keys(e, {"input_low", "target_low", "target_high", "target_digit"});
    a.encoding.input_low = real_float(e, "input_low");
    a.encoding.target_low = real_float(e, "target_low");
    a.encoding.target_high = real_float(e, "target_high");
    const json& digit = field(e, "target_digit");
    if (!digit.is_number_integer() || digit.get<std::int64_t>() < -1 || digit.get<std::int64_t>() > 9)
        throw Error("'target_digit' should be -1 or 0..9, found " + shown(digit));
    a.encoding.target_digit = digit.get<int>();
    if (j.contains("net") || j.contains("input")) {
        a.net = text(j, "net");
        const json& input = field(j, "input");
        if (!input.is_array() || input.size() != 3)
            throw Error("'input' should be [channels, rows, columns], found " + shown(input));
        std::size_t dims[3];
        for (std::size_t i = 0; i < 3; ++i) {
            if (!input[i].is_number_unsigned() || input[i].get<std::uint64_t>() == 0 || input[i].get<std::uint64_t>() > 4096)
                throw Error("'input' should hold sizes 1..4096, found " + shown(input[i]));
            dims[i] = static_cast<std::size_t>(input[i].get<std::uint64_t>());
        }
        a.input = {dims[0], dims[1], dims[2]};
        check_net_limits(a);  // before the plan is used to check the rest
        Architecture planned = a;
        apply_net(planned);
        if (planned.net != a.net || planned.sizes != a.sizes || planned.output != a.output)
            throw Error("'sizes' and 'output' should be those of 'net' (" + planned.describe() + ")");
    }
    validate(a);
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
           {"augment_scale", c.augment_scale},
           {"train_size", c.train_size},
           {"early_stop", c.early_stop},
           {"weight_average", c.weight_average},
           {"lr_decay", c.lr_decay},
           {"lr_decay_factor", c.lr_decay_factor},
           {"lr_step", c.lr_step},
           {"evaluate_test", c.evaluate_test}};
    return j.dump();
}

TrainConfig train_config_from_json(const std::string& text) {
    using namespace json_fields;
    try {
        const json j = json::parse(text);
        only_keys(j, {"architecture", "init", "epochs", "batch_size", "learning_rate", "seed", "optimizer", "l2", "l1",
                      "dropout", "augment", "elastic_alpha", "elastic_sigma", "augment_scale", "train_size", "early_stop", "weight_average",
                      "lr_decay", "lr_decay_factor", "lr_step", "evaluate_test"});
        TrainConfig c;
        c.architecture = architecture_from(field(j, "architecture"));
        c.init = parse_init(json_fields::text(j, "init"), "init");
        c.epochs = whole(j, "epochs", kMaxEpochs);
        c.batch_size = whole(j, "batch_size");
        c.learning_rate = real_float(j, "learning_rate");
        c.seed = whole(j, "seed");
        const json& o = field(j, "optimizer");
        only_keys(o, {"name", "momentum", "rho", "beta1", "beta2", "epsilon"});
        c.optimizer.name = json_fields::text(o, "name");
        c.optimizer.momentum = real_float(o, "momentum");
        c.optimizer.rho = real_float(o, "rho");
        c.optimizer.beta1 = real_float(o, "beta1");
        c.optimizer.beta2 = real_float(o, "beta2");
        c.optimizer.epsilon = real_float(o, "epsilon");
        c.l2 = real_float(j, "l2");
        c.l1 = real_float(j, "l1");
        c.dropout = real_float(j, "dropout");
        c.augment = boolean(j, "augment");
        c.elastic_alpha = j.contains("elastic_alpha") ? real_float(j, "elastic_alpha") : 0.0f;
        c.elastic_sigma = j.contains("elastic_sigma") ? real_float(j, "elastic_sigma") : 4.0f;
        c.augment_scale = j.contains("augment_scale") ? real_float(j, "augment_scale") : 0.0f;
        c.train_size = whole(j, "train_size");
        c.early_stop = whole(j, "early_stop");
        c.weight_average = j.contains("weight_average") ? real_float(j, "weight_average") : 0.0f;
        c.lr_decay = json_fields::text(j, "lr_decay");
        c.lr_decay_factor = real_float(j, "lr_decay_factor");
        c.lr_step = whole(j, "lr_step");
        c.evaluate_test = boolean(j, "evaluate_test");
        return c;
    } catch (const json::exception& e) {
        throw Error(std::string("training configuration JSON: ") + e.what());
    } catch (const Error& e) {
        throw Error(std::string("training configuration: ") + e.what());
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
    put("train_seconds", m.train_seconds);
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
    m.train_seconds = number("train_seconds", 0.0);
    m.learning_rate = number("learning_rate", 0.0);
    return m;
}

EpochMetrics epoch_metrics_from_json(const std::string& text) {
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        throw Error(std::string("metrics JSON: ") + e.what());
    } catch (const Error& e) {
        throw Error(std::string("metrics: ") + e.what());
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

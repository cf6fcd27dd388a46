// Checkpoints: everything a training run needs to continue exactly, in one safetensors file,
// and everything a file must pass before a run continues from it. A checkpoint is evidence,
// not an order: every field's type and range is checked, every tensor against the
// architecture, the state against what the run's own history implies, and checksums of the
// tensor data and of the metadata (docs/reliability.md, "Checkpoints: what one must contain").
#include "digitnet/train.hpp"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "digitnet/error.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/safetensors.hpp"
#include "train/json_fields.hpp"
#include "train/parameters.hpp"

namespace digitnet {

using json = nlohmann::json;

namespace {

constexpr const char* kFormat = "digitnet-checkpoint";
constexpr const char* kDataChecksum = "data_crc32";
constexpr const char* kMetadataChecksum = "metadata_crc32";
// The model file the run writes when it ends ("" for none): new in format 3. A format 2
// checkpoint, without it, is still read, as a run that names no model file.
constexpr const char* kOutput = "output";
constexpr std::size_t kMaxOutputBytes = 4096;
const char* const kMetadataKeys[] = {"format", "format_version", "architecture", "config",      "rng",
                                     "state",  "metrics",        kOutput,        kDataChecksum, kMetadataChecksum};

// zlib's CRC-32, fed in pieces (zlib takes at most 4 GiB at a time).
class Crc32 {
public:
    void add(const void* data, std::size_t bytes) {
        const auto* p = static_cast<const Bytef*>(data);
        while (bytes > 0) {
            const auto chunk = static_cast<uInt>(std::min<std::size_t>(bytes, std::size_t{1} << 30));
            crc_ = crc32(crc_, p, chunk);
            p += chunk;
            bytes -= chunk;
        }
    }
    void add_u64(std::uint64_t v) {
        std::uint8_t bytes[8];
        for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::uint8_t>(v >> (8 * i));
        add(bytes, 8);
    }
    void add_floats(const float* values, std::size_t count) {
        if constexpr (std::endian::native == std::endian::little) {
            add(values, count * sizeof(float));
        } else {
            for (std::size_t i = 0; i < count; ++i) {
                const auto bits = std::bit_cast<std::uint32_t>(values[i]);
                const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(bits), static_cast<std::uint8_t>(bits >> 8),
                                               static_cast<std::uint8_t>(bits >> 16), static_cast<std::uint8_t>(bits >> 24)};
                add(bytes, 4);
            }
        }
    }
    std::uint32_t value() const { return static_cast<std::uint32_t>(crc_); }

private:
    uLong crc_ = crc32(0L, Z_NULL, 0);
};

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", v);
    return buf;
}

bool is_hex32(const std::string& text) {
    return text.size() == 8 && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

// The CRC-32 of the data section as encode_safetensors lays it out: each tensor's values in
// order, F32 or I64, little-endian (so it equals zlib.crc32 of the file's data section).
std::uint32_t data_checksum(const std::vector<Tensor>& tensors) {
    Crc32 crc;
    for (const Tensor& t : tensors) {
        crc.add_floats(t.values.data(), t.values.size());
        for (std::int64_t v : t.integers) crc.add_u64(static_cast<std::uint64_t>(v));
    }
    return crc.value();
}

// The CRC-32 of every other metadata entry, in key order, as key NUL value NUL.
std::uint32_t metadata_checksum(const std::map<std::string, std::string>& metadata) {
    Crc32 crc;
    for (const auto& [key, value] : metadata) {
        if (key == kDataChecksum || key == kMetadataChecksum) continue;
        const char nul = '\0';
        crc.add(key.data(), key.size());
        crc.add(&nul, 1);
        crc.add(value.data(), value.size());
        crc.add(&nul, 1);
    }
    return crc.value();
}

Tensor matrix_tensor(const std::string& name, const Matrix& m) {
    Tensor t;
    t.name = name;
    t.shape = {m.rows(), m.cols()};
    t.values.assign(m.begin(), m.end());
    return t;
}

Matrix tensor_matrix(const Tensor& t) {
    Matrix m(t.shape[0], t.shape[1]);
    std::copy(t.values.begin(), t.values.end(), m.begin());
    return m;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + ")";
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

std::size_t examples_per_epoch(const TrainConfig& config, std::size_t available) {
    return config.train_size ? std::min(config.train_size, available) : available;
}

// The optimiser's slots per parameter, as Optimizer::state() names them ("velocity.3"), and
// which of them hold sums of squared gradients (never negative: their square roots divide).
struct Slots {
    std::vector<std::string> names;
    std::set<std::string> squares;
};
Slots optimizer_slots(const std::string& optimizer) {
    if (optimizer == "momentum" || optimizer == "nesterov") return {{"velocity"}, {}};
    if (optimizer == "adagrad" || optimizer == "rmsprop") return {{"h"}, {"h"}};
    if (optimizer == "adam") return {{"m", "v"}, {"v"}};
    return {};
}

// Everything a checkpoint holds, checked without the data.
struct Parsed {
    CheckpointInfo info;
    Network network;
    std::size_t position = 0;
    float learning_rate = 0.0f;
    double best_validation = -1.0;
    std::size_t epochs_since_best = 0;
    double epoch_cost_sum = 0.0;
    std::size_t epoch_correct = 0;
    double epoch_seconds = 0.0;
    std::string rng;
    std::vector<EpochMetrics> history;
    std::map<std::string, Matrix> optimizer_state;
    std::vector<Matrix> best;
    std::vector<Matrix> average;
    std::vector<std::uint32_t> order;
};

const std::string& metadata(const SafetensorsFile& file, const char* key) {
    const auto it = file.metadata.find(key);
    if (it == file.metadata.end()) throw Error(std::string("metadata '") + key + "' is missing");
    return it->second;
}

std::string clipped(const std::string& text) {
    std::string shown;
    for (char c : text.substr(0, 40)) shown += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    return text.size() > 40 ? shown + "..." : shown;
}

json parse_json(const SafetensorsFile& file, const char* key) {
    try {
        return json::parse(metadata(file, key));
    } catch (const json::exception&) {
        throw Error(std::string("metadata '") + key + "' is not valid JSON");
    }
}

// The format's checks; returns whether the file has the "output" entry (format 3).
bool check_format(const SafetensorsFile& file) {
    const auto format = file.metadata.find("format");
    if (format == file.metadata.end()) throw Error("not a digitnet checkpoint (metadata 'format' is missing)");
    if (format->second != kFormat)
        throw Error("not a digitnet checkpoint (metadata 'format' is '" + clipped(format->second) + "', expected " +
                    kFormat + ")");
    const std::string& version = metadata(file, "format_version");
    if (version == "1")
        throw Error("written in checkpoint format 1 by an older digitnet; this one reads formats 2 and " +
                    std::string(kCheckpointFormatVersion) +
                    " only (start the run again, or finish it with the digitnet that wrote it)");
    if (version != "2" && version != kCheckpointFormatVersion)
        throw Error("format_version '" + clipped(version) + "' is not one this digitnet reads (it reads 2 and " +
                    kCheckpointFormatVersion + ")");
    const bool has_output = version != "2";
    for (const auto& entry : file.metadata) {
        const std::string& key = entry.first;
        const bool known = std::find_if(std::begin(kMetadataKeys), std::end(kMetadataKeys),
                                        [&](const char* k) { return key == k; }) != std::end(kMetadataKeys);
        if (!known || (key == kOutput && !has_output))
            throw Error("unexpected metadata '" + clipped(key) + "'" +
                        (known ? " (format_version 2 has none; format 3 does)" : ""));
    }
    for (const char* key : kMetadataKeys)
        if (has_output || std::string(key) != kOutput) (void)metadata(file, key);
    const std::string& meta_crc = metadata(file, kMetadataChecksum);
    const std::string& data_crc = metadata(file, kDataChecksum);
    if (!is_hex32(meta_crc) || !is_hex32(data_crc))
        throw Error("its checksums should be 8 lowercase hex digits, found '" + clipped(meta_crc) + "' and '" +
                    clipped(data_crc) + "'");
    if (hex32(metadata_checksum(file.metadata)) != meta_crc)
        throw Error("the metadata does not match its checksum (metadata_crc32 " + meta_crc + ", computed " +
                    hex32(metadata_checksum(file.metadata)) + "): the file is corrupt");
    if (hex32(data_checksum(file.tensors)) != data_crc)
        throw Error("the tensor data does not match its checksum (data_crc32 " + data_crc + ", computed " +
                    hex32(data_checksum(file.tensors)) + "): the file is corrupt");
    return has_output;
}

// The "output" entry: a path of at most kMaxOutputBytes without control characters, or "".
std::string parse_output(const std::string& text) {
    if (text.size() > kMaxOutputBytes)
        throw Error("metadata 'output' should be a path of at most " + std::to_string(kMaxOutputBytes) +
                    " bytes, found " + std::to_string(text.size()));
    for (char c : text)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            throw Error("metadata 'output' should be a path without control characters, found '" + clipped(text) + "'");
    return text;
}

// The metrics of `epochs` epochs, each checked for its range.
std::vector<EpochMetrics> parse_metrics(const json& metrics, std::size_t epochs, std::size_t validation_size) {
    if (!metrics.is_array() || metrics.size() != epochs)
        throw Error("metrics: expected one entry for each of the " + std::to_string(epochs) + " epochs done, found " +
                    (metrics.is_array() ? std::to_string(metrics.size()) + " entries" : json_fields::shown(metrics)));
    std::vector<EpochMetrics> history;
    for (std::size_t i = 0; i < epochs; ++i) {
        const std::string where = "metrics of epoch " + std::to_string(i + 1) + ": ";
        const EpochMetrics m = epoch_metrics_from_json(metrics[i].dump());
        if (m.epoch != i + 1) throw Error(where + "'epoch' should be " + std::to_string(i + 1) + ", found " + std::to_string(m.epoch));
        auto fraction = [&](const char* key, double v, bool required) {
            if (std::isnan(v)) {
                if (required) throw Error(where + "'" + key + "' is missing");
                return;
            }
            if (!(v >= 0.0 && v <= 1.0)) throw Error(where + "'" + key + "' should be in [0, 1], found " + number(v));
        };
        auto non_negative = [&](const char* key, double v, bool required) {
            if (std::isnan(v)) {
                if (required) throw Error(where + "'" + key + "' is missing");
                return;
            }
            if (!(v >= 0.0)) throw Error(where + "'" + key + "' should be 0 or more, found " + number(v));
        };
        const bool validation = validation_size > 0;
        non_negative("train_cost", m.train_cost, true);
        fraction("train_accuracy", m.train_accuracy, true);
        non_negative("validation_cost", m.validation_cost, validation);
        fraction("validation_accuracy", m.validation_accuracy, validation);
        if (!validation && (!std::isnan(m.validation_cost) || !std::isnan(m.validation_accuracy)))
            throw Error(where + "validation values without a validation split");
        fraction("test_accuracy", m.test_accuracy, false);
        non_negative("seconds", m.seconds, true);
        if (!(m.learning_rate > 0.0)) throw Error(where + "'learning_rate' should be positive, found " + number(m.learning_rate));
        history.push_back(m);
    }
    return history;
}

Parsed parse_checkpoint(const SafetensorsFile& file, const std::string& path) {
    using namespace json_fields;
    const bool has_output = check_format(file);
    Parsed p;
    CheckpointInfo& info = p.info;
    if (has_output) info.output = parse_output(metadata(file, kOutput));

    // The configuration and the architecture.
    try {
        info.config = train_config_from_json(metadata(file, "config"));
        validate(info.config);
    } catch (const Error& e) {
        throw Error(std::string("its training configuration is invalid: ") + e.what());
    }
    const TrainConfig& c = info.config;
    if (!(architecture_from_json(metadata(file, "architecture")) == c.architecture))
        throw Error("metadata 'architecture' disagrees with the training configuration's (" +
                    c.architecture.describe() + ")");
    p.rng = metadata(file, "rng");
    Rng probe;
    probe.set_state_string(p.rng);

    // The training state.
    const json state = parse_json(file, "state");
    try {
        only_keys(state, {"epoch", "position", "train_examples", "learning_rate", "best_validation", "epochs_since_best",
                          "epoch_cost_sum", "epoch_correct", "epoch_seconds", "validation_size", "threads", "data"});
        info.epochs_done = whole(state, "epoch", c.epochs);
        info.train_examples = whole(state, "train_examples", 0xffffffffu);
        if (info.train_examples == 0) throw Error("'train_examples' should be 1 or more, found 0");
        if (c.train_size && info.train_examples > c.train_size)
            throw Error("'train_examples' " + std::to_string(info.train_examples) + " is more than --train-size " +
                        std::to_string(c.train_size));
        const std::size_t n = info.train_examples;
        const std::size_t batch = c.batch_size == 0 ? n : c.batch_size;
        p.position = whole(state, "position");
        if (p.position >= n || p.position % batch != 0)
            throw Error("'position' " + std::to_string(p.position) + " is not where a mini-batch of " +
                        std::to_string(batch) + " begins in an epoch of " + std::to_string(n) + " examples");
        p.epoch_cost_sum = real(state, "epoch_cost_sum");
        p.epoch_correct = whole(state, "epoch_correct");
        p.epoch_seconds = real(state, "epoch_seconds");
        if (p.position == 0 && (p.epoch_cost_sum != 0.0 || p.epoch_correct != 0 || p.epoch_seconds != 0.0))
            throw Error("'epoch_cost_sum', 'epoch_correct' and 'epoch_seconds' should be 0 at the start of an epoch");
        if (!(p.epoch_cost_sum >= 0.0)) throw Error("'epoch_cost_sum' should be 0 or more, found " + number(p.epoch_cost_sum));
        if (p.epoch_correct > p.position)
            throw Error("'epoch_correct' " + std::to_string(p.epoch_correct) + " is more than the " +
                        std::to_string(p.position) + " examples seen");
        if (!(p.epoch_seconds >= 0.0)) throw Error("'epoch_seconds' should be 0 or more, found " + number(p.epoch_seconds));
        p.learning_rate = real_float(state, "learning_rate");
        p.best_validation = real(state, "best_validation");
        p.epochs_since_best = whole(state, "epochs_since_best");
        info.validation_size = whole(state, "validation_size");
        info.threads = static_cast<int>(whole(state, "threads", 1024));
        if (info.threads == 0) throw Error("'threads' should be 1..1024, found 0");
        const json& data = field(state, "data");
        only_keys(data, {"name", "fingerprint"});
        info.data_name = text(data, "name");
        info.data_fingerprint = text(data, "fingerprint");
        if (info.data_fingerprint.rfind("crc32:", 0) != 0 || !is_hex32(info.data_fingerprint.substr(6)))
            throw Error("'fingerprint' should be crc32: and 8 hex digits, found '" + clipped(info.data_fingerprint) + "'");
    } catch (const Error& e) {
        throw Error(std::string("state: ") + e.what());
    }
    p.history = parse_metrics(parse_json(file, "metrics"), info.epochs_done, info.validation_size);

    // What the run's own history implies (Trainer::run's bookkeeping, replayed).
    double best = -1.0;
    std::size_t since = 0;
    float lr = c.learning_rate;
    for (const EpochMetrics& m : p.history) {
        const bool have_validation = std::isfinite(m.validation_accuracy);
        bool improved = false;
        if (have_validation) {
            improved = m.validation_accuracy > best;
            if (improved) {
                best = m.validation_accuracy;
                since = 0;
            } else {
                ++since;
            }
        }
        if (c.lr_decay == "step" && m.epoch % c.lr_step == 0) lr *= c.lr_decay_factor;
        if (c.lr_decay == "plateau" && have_validation && !improved && since % c.lr_step == 0) lr *= c.lr_decay_factor;
    }
    if (p.learning_rate != lr)
        throw Error("state: 'learning_rate' " + number(p.learning_rate) + " is not what --lr " + number(c.learning_rate) +
                    " and --lr-decay " + c.lr_decay + " give after " + std::to_string(info.epochs_done) + " epochs (" +
                    number(lr) + ")");
    if (p.best_validation != best)
        throw Error("state: 'best_validation' " + number(p.best_validation) +
                    " is not the best validation accuracy in the metrics (" + number(best) + ")");
    if (p.epochs_since_best != since)
        throw Error("state: 'epochs_since_best' " + std::to_string(p.epochs_since_best) + " disagrees with the metrics (" +
                    std::to_string(since) + ")");

    // The tensors: the network's, the optimiser's, the best weights, the weights' average, the
    // epoch's order; nothing else.
    p.network = network_from_tensors(c.architecture, file, "", path);
    std::set<std::string> network_names;
    {
        std::vector<Tensor> expected;
        append_network_tensors(p.network, "", expected);
        for (const Tensor& t : expected) network_names.insert(t.name);
    }
    const auto parameters = parameter_list(std::as_const(p.network));
    const Slots slots = optimizer_slots(c.optimizer.name);
    const std::size_t n = info.train_examples, batch = c.batch_size == 0 ? n : c.batch_size;
    const std::uint64_t steps = static_cast<std::uint64_t>(info.epochs_done) * ((n + batch - 1) / batch) + p.position / batch;
    const bool have_best = c.early_stop > 0 && best >= 0.0;
    // The number after `prefix` characters of a name ("best.12" -> 12), or npos.
    constexpr std::size_t npos = std::string::npos;
    auto index_of = [](const std::string& name, std::size_t prefix) -> std::size_t {
        const std::string digits = name.substr(prefix);
        const bool all_digits = std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
        if (digits.empty() || digits.size() > 6 || !all_digits || (digits.size() > 1 && digits[0] == '0'))
            return npos;
        return static_cast<std::size_t>(std::stoul(digits));
    };
    auto expect_shape = [](const Tensor& t, const Matrix& like) {
        const std::vector<std::size_t> want{like.rows(), like.cols()};
        if (t.shape != want)
            throw Error("tensor '" + t.name + "' should have shape " + shape_text(want) + ", found " + shape_text(t.shape));
    };
    const auto best_state = best_state_list(std::as_const(p.network));
    std::vector<const Tensor*> best_tensors(have_best ? best_state.size() : 0, nullptr);
    std::vector<const Tensor*> average_tensors(c.weight_average > 0.0f ? best_state.size() : 0, nullptr);
    const Tensor* order = nullptr;
    bool have_steps = false;
    for (const Tensor& t : file.tensors) {
        const std::string unexpected = "unexpected tensor '" + clipped(t.name) + "'";
        if (t.is_integer != (t.name == "epoch_order"))
            throw Error("tensor '" + clipped(t.name) + "' should hold " + (t.is_integer ? "floats, found integers (I64)" : "integers (I64), found floats"));
        if (network_names.count(t.name)) continue;
        if (t.name == "epoch_order") {
            if (p.position == 0) throw Error(unexpected + " (the checkpoint is at the start of an epoch)");
            order = &t;
        } else if (t.name == "optimizer.steps") {
            if (t.shape != std::vector<std::size_t>{1, 1} || t.values[0] != static_cast<float>(steps))
                throw Error("tensor 'optimizer.steps' should be (1, 1) holding the " + std::to_string(steps) +
                            " mini-batches done, found " + shape_text(t.shape) +
                            (t.values.empty() ? std::string() : " holding " + number(t.values[0])));
            have_steps = true;
            p.optimizer_state["steps"] = tensor_matrix(t);
        } else if (t.name.rfind("optimizer.", 0) == 0) {
            const std::string key = t.name.substr(10);
            const std::string slot = key.substr(0, key.find('.'));
            const std::size_t index = key.find('.') == npos ? npos : index_of(key, slot.size() + 1);
            if (std::find(slots.names.begin(), slots.names.end(), slot) == slots.names.end() ||
                index >= parameters.size() || steps == 0)
                throw Error(unexpected + " (" + c.optimizer.name + " after " + std::to_string(steps) + " steps keeps " +
                            (slots.names.empty() || steps == 0 ? std::string("no slots")
                                                               : std::to_string(slots.names.size() * parameters.size()) +
                                                                     " slots for " + std::to_string(parameters.size()) +
                                                                     " parameters") +
                            ")");
            expect_shape(t, *parameters[index]);
            if (slots.squares.count(slot))
                for (float v : t.values)
                    if (v < 0.0f)
                        throw Error("tensor '" + t.name + "' holds a negative value (" + number(v) + ") where " +
                                    c.optimizer.name + " keeps squared gradients");
            p.optimizer_state[key] = tensor_matrix(t);
        } else if (t.name.rfind("best.", 0) == 0 && index_of(t.name, 5) < best_tensors.size()) {
            expect_shape(t, *best_state[index_of(t.name, 5)]);
            best_tensors[index_of(t.name, 5)] = &t;
        } else if (t.name.rfind("average.", 0) == 0 && index_of(t.name, 8) < average_tensors.size()) {
            expect_shape(t, *best_state[index_of(t.name, 8)]);
            average_tensors[index_of(t.name, 8)] = &t;
        } else {
            // best.<i> and average.<i> copy the network's parameter and statistics tensors
            auto why = [&](bool kept, const char* none) {
                return " (" + (kept ? "the network has " + std::to_string(best_state.size()) + " parameter and statistics tensors"
                                    : std::string(none)) + ")";
            };
            throw Error(unexpected + (t.name.rfind("best.", 0) == 0      ? why(have_best, "no best weights are kept")
                                      : t.name.rfind("average.", 0) == 0 ? why(c.weight_average > 0.0f, "the run keeps no weight average")
                                                                         : std::string()));
        }
    }
    if (!have_steps) throw Error("tensor 'optimizer.steps' is missing");
    if (steps > 0)
        for (const std::string& slot : slots.names)
            for (std::size_t i = 0; i < parameters.size(); ++i)
                if (!p.optimizer_state.count(slot + "." + std::to_string(i)))
                    throw Error("tensor 'optimizer." + slot + "." + std::to_string(i) + "' is missing");
    for (std::size_t i = 0; i < best_tensors.size(); ++i) {
        if (!best_tensors[i])
            throw Error("tensor 'best." + std::to_string(i) + "' is missing (with early stopping a checkpoint holds best.0 to best." +
                        std::to_string(best_tensors.size() - 1) + ")");
        p.best.push_back(tensor_matrix(*best_tensors[i]));
    }
    for (std::size_t i = 0; i < average_tensors.size(); ++i) {
        if (!average_tensors[i])
            throw Error("tensor 'average." + std::to_string(i) + "' is missing (with --weight-average a checkpoint holds average.0 to average." +
                        std::to_string(average_tensors.size() - 1) + ")");
        p.average.push_back(tensor_matrix(*average_tensors[i]));
    }
    if (p.position > 0) {
        if (!order) throw Error("tensor 'epoch_order' is missing (the checkpoint is inside an epoch)");
        if (order->shape != std::vector<std::size_t>{n})
            throw Error("tensor 'epoch_order' should have shape (" + std::to_string(n) + "), found " + shape_text(order->shape));
        std::vector<bool> seen(n, false);
        for (std::int64_t v : order->integers) {
            if (v < 0 || static_cast<std::uint64_t>(v) >= n || seen[static_cast<std::size_t>(v)])
                throw Error("tensor 'epoch_order' is not an order of the " + std::to_string(n) + " examples (" +
                            std::to_string(v) + (v >= 0 && static_cast<std::uint64_t>(v) < n ? " twice)" : " is out of range)"));
            seen[static_cast<std::size_t>(v)] = true;
        }
        p.order.assign(order->integers.begin(), order->integers.end());
    }
    return p;
}

// Runs f; an Error that does not already name the file gets "PATH: " in front.
template <typename F>
auto naming_the_file(const std::string& path, F&& f) {
    try {
        return f();
    } catch (const Error& e) {
        const std::string message = e.what();
        if (message.rfind(path + ": ", 0) == 0) throw;
        throw Error(path + ": " + message);
    } catch (const json::exception& e) {
        throw Error(path + ": checkpoint state is invalid: " + e.what());
    }
}

}  // namespace

std::string data_fingerprint(const DataSplits& data) {
    Crc32 crc;
    for (const Dataset* d : {&data.train, &data.validation}) {
        crc.add_u64(d->image_rows);
        crc.add_u64(d->image_cols);
        crc.add_u64(d->size());
        crc.add(d->labels.data(), d->labels.size());
        crc.add_floats(d->images.data(), d->images.size());
    }
    return "crc32:" + hex32(crc.value());
}

void Trainer::save_checkpoint(const std::string& path) const {
    const std::size_t n = examples_per_epoch(config_, data_->train.size());
    if (data_fingerprint_.empty()) data_fingerprint_ = data_fingerprint(*data_);
    SafetensorsFile file;
    append_network_tensors(network_, "", file.tensors);
    for (const auto& [name, m] : optimizer_->state()) file.tensors.push_back(matrix_tensor("optimizer." + name, m));
    for (std::size_t i = 0; i < best_weights_.size(); ++i)
        file.tensors.push_back(matrix_tensor("best." + std::to_string(i), best_weights_[i]));
    for (std::size_t i = 0; i < averaged_.size(); ++i)
        file.tensors.push_back(matrix_tensor("average." + std::to_string(i), averaged_[i]));
    if (position_ > 0) {
        // An interrupted epoch: its order, as integers.
        Tensor order;
        order.name = "epoch_order";
        order.shape = {order_.size()};
        order.is_integer = true;
        order.integers.assign(order_.begin(), order_.end());
        file.tensors.push_back(std::move(order));
    }
    json metrics = json::array();
    for (const auto& m : history_) metrics.push_back(json::parse(to_json(m)));
    // At the start of an epoch its sums are not used (the next epoch starts them afresh): 0.
    const bool inside = position_ > 0;
    json state{{"epoch", epoch_},
               {"position", position_},
               {"train_examples", n},
               {"learning_rate", learning_rate_},
               {"best_validation", best_validation_},
               {"epochs_since_best", epochs_since_best_},
               {"epoch_cost_sum", inside ? epoch_cost_sum_ : 0.0},
               {"epoch_correct", inside ? epoch_correct_ : 0},
               {"epoch_seconds", inside ? epoch_seconds_ : 0.0},
               {"validation_size", data_->validation.size()},
               {"threads", num_threads()},
               {"data", {{"name", data_->name}, {"fingerprint", data_fingerprint_}}}};
    file.metadata["format"] = kFormat;
    file.metadata["format_version"] = kCheckpointFormatVersion;
    file.metadata["architecture"] = architecture_to_json(network_.architecture());
    file.metadata["config"] = to_json(config_);
    file.metadata["rng"] = rng_.state_string();
    file.metadata["state"] = state.dump();
    file.metadata["metrics"] = metrics.dump();
    file.metadata[kOutput] = parse_output(output_);  // never write what the reader refuses
    file.metadata[kMetadataChecksum] = hex32(metadata_checksum(file.metadata));
    file.metadata[kDataChecksum] = hex32(data_checksum(file.tensors));
    save_safetensors(path, file);
}

CheckpointInfo read_checkpoint_info(const std::string& path) {
    return naming_the_file(path, [&] { return parse_checkpoint(load_safetensors(path), path).info; });
}

std::optional<std::size_t> checkpoint_validation_size(const std::string& path) {
    return read_checkpoint_info(path).validation_size;
}

Trainer Trainer::resume(const std::string& path, const DataSplits& data) {
    return naming_the_file(path, [&] {
        Parsed p = parse_checkpoint(load_safetensors(path), path);
        const CheckpointInfo& info = p.info;
        const TrainConfig& config = info.config;

        // The same data, the same split, the same threads.
        const std::size_t n = examples_per_epoch(config, data.train.size());
        if (info.validation_size != data.validation.size())
            throw Error("the checkpoint was trained with a validation split of " + std::to_string(info.validation_size) +
                        " examples, the data has " + std::to_string(data.validation.size()) + " (--validation-size)");
        if (n != info.train_examples)
            throw Error("the checkpoint was trained on " + std::to_string(info.train_examples) +
                        " training examples per epoch, the data gives " + std::to_string(n) + " (--data, --train-size)");
        if (data.train.features() != p.network.input_size())
            throw Error("the checkpoint's network takes " + std::to_string(p.network.input_size()) +
                        " inputs but the data's images have " + std::to_string(data.train.features()) + " pixels");
        if (num_threads() != info.threads)
            throw Error("the checkpoint was trained with " + std::to_string(info.threads) +
                        " matrix-product threads, this run has " + std::to_string(num_threads()) +
                        ", which would give other sums and other bytes (resume with --threads " +
                        std::to_string(info.threads) + ")");
        const std::string fingerprint = data_fingerprint(data);
        if (fingerprint != info.data_fingerprint)
            throw Error("the checkpoint was trained on '" + clipped(info.data_name) + "' (fingerprint " +
                        info.data_fingerprint + "), the data given, '" + clipped(data.name) + "', has fingerprint " +
                        fingerprint + ": resume with the same --data and --validation-size");

        Trainer t(ResumeTag{}, config, data);
        t.network_ = std::move(p.network);
        apply_mlp_dropout(t.network_, config.dropout);  // the loaded network replaced the one built above
        t.rng_.set_state_string(p.rng);
        t.optimizer_->load_state(p.optimizer_state, t.parameter_values());
        if (t.optimizer_->state().size() != p.optimizer_state.size())
            throw Error("the optimiser state does not match " + config.optimizer.name + "'s");
        t.best_weights_ = std::move(p.best);
        t.averaged_ = std::move(p.average);
        t.order_ = std::move(p.order);
        t.epoch_ = info.epochs_done;
        t.position_ = p.position;
        t.learning_rate_ = p.learning_rate;
        t.best_validation_ = p.best_validation;
        t.epochs_since_best_ = p.epochs_since_best;
        t.epoch_cost_sum_ = p.epoch_cost_sum;
        t.epoch_correct_ = p.epoch_correct;
        t.epoch_seconds_ = p.epoch_seconds;
        t.history_ = std::move(p.history);
        t.data_fingerprint_ = fingerprint;
        t.output_ = info.output;
        return t;
    });
}

}  // namespace digitnet

#include "digitnet/train.hpp"

#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>

#include <nlohmann/json.hpp>

#include "digitnet/augment.hpp"
#include "digitnet/error.hpp"
#include "digitnet/evaluate.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/safetensors.hpp"

namespace digitnet {

using json = nlohmann::json;

// ---------------------------------------------------------------- configuration

void validate(const TrainConfig& c) {
    validate(c.optimizer);
    Network probe(c.architecture);  // checks sizes and the cost/output pair
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
    if (a.sizes.size() < 2 || a.sizes.size() > 64) throw Error("'sizes' should list 2..64 layer sizes");
    for (std::size_t s : a.sizes)
        if (s == 0 || s > 100000) throw Error("a layer size should be 1..100000, found " + std::to_string(s));
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

// ---------------------------------------------------------------- training

Trainer::Trainer(ResumeTag, const TrainConfig& config, const DataSplits& data)
    : config_(config), data_(&data), network_(config.architecture), rng_(config.seed),
      optimizer_(make_optimizer(config.optimizer)), learning_rate_(config.learning_rate),
      train_bytes_(PixelBytes::from_pixels(data.train.images)) {
    for (std::size_t l = 0; l + 1 < network_.layers.size(); ++l) network_.layers[l].dropout = config.dropout;
}

Trainer::Trainer(const TrainConfig& config, const DataSplits& data) : Trainer(ResumeTag{}, config, data) {
    validate(config_);
    const std::size_t features = data.train.features();
    if (data.train.size() > 0 && features != network_.input_size())
        throw Error("--layers: the network takes " + std::to_string(network_.input_size()) +
                    " inputs but the data's images have " + std::to_string(features) + " pixels");
    if (config_.architecture.encoding.target_digit < 0 && network_.output_size() < 10)
        throw Error("--layers: a digit classifier needs 10 outputs, found " + std::to_string(network_.output_size()));
    network_.initialize(config_.init, rng_);
}

std::vector<Matrix*> Trainer::parameter_values() {
    std::vector<Matrix*> values;
    for (auto& layer : network_.layers) {
        values.push_back(&layer.weights);
        if (layer.use_bias) values.push_back(&layer.biases);
        if (layer.batch_norm) {
            values.push_back(&layer.norm.gamma);
            values.push_back(&layer.norm.beta);
        }
    }
    return values;
}

std::vector<const Matrix*> Trainer::parameter_grads() const {
    std::vector<const Matrix*> grads;
    for (const auto& layer : network_.layers) {
        grads.push_back(&layer.grad_weights);
        if (layer.use_bias) grads.push_back(&layer.grad_biases);
        if (layer.batch_norm) {
            grads.push_back(&layer.norm.grad_gamma);
            grads.push_back(&layer.norm.grad_beta);
        }
    }
    return grads;
}

void Trainer::apply_regularization(std::size_t n_train) {
    if (config_.l2 == 0.0f && config_.l1 == 0.0f) return;
    // L2: ∂/∂w [λ/(2n) Σ w²] = (λ/n) w;  L1: ∂/∂w [λ/n Σ |w|] = (λ/n) sgn(w). Weights only, not biases.
    const float l2 = config_.l2 / static_cast<float>(n_train), l1 = config_.l1 / static_cast<float>(n_train);
    for (auto& layer : network_.layers) {
        float* g = layer.grad_weights.data();
        const float* w = layer.weights.data();
        for (std::size_t i = 0; i < layer.weights.size(); ++i)
            g[i] += l2 * w[i] + l1 * static_cast<float>((w[i] > 0.0f) - (w[i] < 0.0f));
    }
}

// A float is NaN or ±inf exactly when all its exponent bits are set; testing the bits
// (rather than summing) lets the compiler vectorise the scan over every parameter.
static bool all_finite(const Matrix& m) {
    std::uint32_t bad = 0;
    const float* p = m.data();
    for (std::size_t i = 0; i < m.size(); ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, p + i, sizeof bits);
        bad |= static_cast<std::uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
    }
    return bad == 0;
}

bool Trainer::weights_finite() const {
    for (const auto& layer : network_.layers)
        if (!all_finite(layer.weights) || !all_finite(layer.biases)) return false;
    return true;
}

bool Trainer::train_one_epoch(const TrainHooks& hooks) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const Dataset& train = data_->train;
    const std::size_t n = config_.train_size ? std::min(config_.train_size, train.size()) : train.size();
    if (n == 0) throw Error("training data: no training examples");
    const std::size_t batch = config_.batch_size == 0 ? n : config_.batch_size;
    if (position_ == 0) {
        // A new epoch: every example once, in a Fisher-Yates order from the seeded generator.
        order_.resize(n);
        std::iota(order_.begin(), order_.end(), 0u);
        rng_.shuffle(order_);
        epoch_cost_sum_ = 0.0;
        epoch_correct_ = 0;
        epoch_seconds_ = 0.0;
    }
    auto values = parameter_values();
    auto grads = parameter_grads();
    const std::size_t n_batches = (n + batch - 1) / batch;
    const bool use_dropout = config_.dropout > 0.0f;
    while (position_ < n) {
        if (hooks.stop && hooks.stop->load()) {
            epoch_seconds_ += std::chrono::duration<double>(clock::now() - start).count();
            return false;
        }
        const std::size_t count = std::min(batch, n - position_);
        std::span<const std::uint32_t> indices(order_.data() + position_, count);
        if (train_bytes_)
            network_.encode_batch(*train_bytes_, train.labels, indices, x_, y_);
        else
            network_.encode_batch(train.images, train.labels, indices, x_, y_);
        if (config_.augment) {
            AugmentOptions augment;
            augment.elastic_alpha = config_.elastic_alpha;
            augment.elastic_sigma = config_.elastic_sigma;
            augment_batch(x_, train.image_rows, train.image_cols, rng_, augment);
        }
        const double cost = network_.backprop(x_, y_, use_dropout ? &rng_ : nullptr);
        // Accuracy on the examples as they were seen, from the outputs just computed.
        network_.classes(network_.layers.back().a, predicted_);
        for (std::size_t r = 0; r < count; ++r)
            epoch_correct_ += predicted_[r] == network_.label_class(train.labels[indices[r]]);
        apply_regularization(n);
        optimizer_->step(values, grads, learning_rate_);
        const std::size_t batch_index = position_ / batch + 1;
        // The cost is checked after every mini-batch; the weights (a scan of every parameter) after
        // every 16th and the last, so a NaN or ±inf weight still stops training within the epoch.
        const bool check_weights = batch_index % 16 == 0 || batch_index == n_batches;
        if (!std::isfinite(cost) || (check_weights && !weights_finite())) {
            divergence_message_ = "training diverged in epoch " + std::to_string(epoch_ + 1) + ", batch " +
                                  std::to_string(batch_index) + " of " + std::to_string(n_batches) +
                                  " (the cost or a weight became NaN or infinite); try a smaller learning rate than --lr " +
                                  std::to_string(learning_rate_);
            return false;
        }
        epoch_cost_sum_ += cost * static_cast<double>(count);
        position_ += count;
        if (hooks.on_batch) hooks.on_batch(batch_index, n_batches);
    }
    position_ = 0;
    ++epoch_;

    EpochMetrics m;
    m.epoch = epoch_;
    m.train_cost = epoch_cost_sum_ / static_cast<double>(n);
    m.train_accuracy = static_cast<double>(epoch_correct_) / static_cast<double>(n);
    m.learning_rate = learning_rate_;
    if (data_->validation.size()) {
        Evaluation v = evaluate_accuracy(network_, data_->validation);
        m.validation_cost = v.cost;
        m.validation_accuracy = v.accuracy;
    }
    if (config_.evaluate_test && data_->test.size()) m.test_accuracy = evaluate_accuracy(network_, data_->test).accuracy;
    m.seconds = epoch_seconds_ + std::chrono::duration<double>(clock::now() - start).count();
    history_.push_back(m);
    return true;
}

TrainStatus Trainer::run(const TrainHooks& hooks) {
    divergence_message_.clear();
    while (epoch_ < config_.epochs) {
        if (!train_one_epoch(hooks)) return divergence_message_.empty() ? TrainStatus::interrupted : TrainStatus::diverged;
        const EpochMetrics& m = history_.back();
        // Early stopping and the plateau schedule look at validation accuracy, never at the test set.
        const bool have_validation = std::isfinite(m.validation_accuracy);
        bool improved = false;
        if (have_validation) {
            improved = m.validation_accuracy > best_validation_;
            if (improved) {
                best_validation_ = m.validation_accuracy;
                epochs_since_best_ = 0;
                if (config_.early_stop) {
                    best_weights_.clear();
                    for (auto* v : parameter_values()) best_weights_.push_back(*v);
                }
            } else {
                ++epochs_since_best_;
            }
        }
        if (config_.lr_decay == "step" && epoch_ % config_.lr_step == 0) learning_rate_ *= config_.lr_decay_factor;
        if (config_.lr_decay == "plateau" && have_validation && !improved && epochs_since_best_ % config_.lr_step == 0)
            learning_rate_ *= config_.lr_decay_factor;
        if (hooks.on_epoch) hooks.on_epoch(m);
        if (config_.early_stop && have_validation && epochs_since_best_ >= config_.early_stop) {
            // Keep the best weights seen.
            auto values = parameter_values();
            for (std::size_t i = 0; i < values.size() && i < best_weights_.size(); ++i) *values[i] = best_weights_[i];
            return TrainStatus::early_stopped;
        }
        if (hooks.stop && hooks.stop->load()) return TrainStatus::interrupted;
    }
    return TrainStatus::finished;
}

// ---------------------------------------------------------------- checkpoints

static Tensor matrix_tensor(const std::string& name, const Matrix& m) {
    Tensor t;
    t.name = name;
    t.shape = {m.rows(), m.cols()};
    t.values.assign(m.begin(), m.end());
    return t;
}

static Matrix tensor_matrix(const Tensor& t, const std::string& source) {
    if (t.shape.size() != 2) throw Error(source + ": tensor '" + t.name + "' should be 2-dimensional");
    Matrix m(t.shape[0], t.shape[1]);
    std::copy(t.values.begin(), t.values.end(), m.begin());
    return m;
}

void Trainer::save_checkpoint(const std::string& path) const {
    SafetensorsFile file;
    append_network_tensors(network_, "", file.tensors);
    for (const auto& [name, m] : optimizer_->state()) file.tensors.push_back(matrix_tensor("optimizer." + name, m));
    for (std::size_t i = 0; i < best_weights_.size(); ++i)
        file.tensors.push_back(matrix_tensor("best." + std::to_string(i), best_weights_[i]));
    if (position_ > 0) {
        // An interrupted epoch: its order (indices < 2^24 are exact in float32).
        Tensor order;
        order.name = "epoch_order";
        order.shape = {order_.size()};
        order.values.assign(order_.begin(), order_.end());
        file.tensors.push_back(std::move(order));
    }
    json metrics = json::array();
    for (const auto& m : history_) metrics.push_back(json::parse(to_json(m)));
    json state{{"epoch", epoch_},
               {"position", position_},
               {"learning_rate", learning_rate_},
               {"best_validation", best_validation_},
               {"epochs_since_best", epochs_since_best_},
               {"epoch_cost_sum", epoch_cost_sum_},
               {"epoch_correct", epoch_correct_},
               {"epoch_seconds", epoch_seconds_},
               {"validation_size", data_->validation.size()}};
    file.metadata["format"] = "digitnet-checkpoint";
    file.metadata["format_version"] = "1";
    file.metadata["architecture"] = architecture_to_json(network_.architecture());
    file.metadata["config"] = to_json(config_);
    file.metadata["rng"] = rng_.state_string();
    file.metadata["state"] = state.dump();
    file.metadata["metrics"] = metrics.dump();
    save_safetensors(path, file);
}

std::optional<std::size_t> checkpoint_validation_size(const std::string& path) {
    const SafetensorsFile file = load_safetensors(path);
    auto it = file.metadata.find("state");
    if (it == file.metadata.end()) return std::nullopt;
    try {
        const json state = json::parse(it->second);
        if (!state.contains("validation_size")) return std::nullopt;
        return state.at("validation_size").get<std::size_t>();
    } catch (const json::exception& e) {
        throw Error(path + ": checkpoint state is invalid: " + e.what());
    }
}

Trainer Trainer::resume(const std::string& path, const DataSplits& data) {
    const SafetensorsFile file = load_safetensors(path);
    auto meta = [&](const char* key) -> const std::string& {
        auto it = file.metadata.find(key);
        if (it == file.metadata.end()) throw Error(path + ": not a digitnet checkpoint (metadata '" + key + "' is missing)");
        return it->second;
    };
    if (meta("format") != "digitnet-checkpoint")
        throw Error(path + ": not a digitnet checkpoint (format is '" + meta("format") + "')");
    TrainConfig config = train_config_from_json(meta("config"));
    validate(config);
    Trainer t(ResumeTag{}, config, data);
    t.network_ = network_from_tensors(config.architecture, file, "", path);
    for (std::size_t l = 0; l + 1 < t.network_.layers.size(); ++l) t.network_.layers[l].dropout = config.dropout;
    t.rng_.set_state_string(meta("rng"));
    std::map<std::string, Matrix> opt_state;
    std::vector<Matrix> best;
    for (const Tensor& tensor : file.tensors) {
        if (tensor.name.rfind("optimizer.", 0) == 0) opt_state[tensor.name.substr(10)] = tensor_matrix(tensor, path);
    }
    auto values = t.parameter_values();
    for (std::size_t i = 0; i < values.size(); ++i)
        if (const Tensor* b = file.find("best." + std::to_string(i))) best.push_back(tensor_matrix(*b, path));
    t.optimizer_->load_state(opt_state, values);
    try {
        const json state = json::parse(meta("state"));
        t.epoch_ = state.at("epoch").get<std::size_t>();
        t.position_ = state.at("position").get<std::size_t>();
        t.learning_rate_ = state.at("learning_rate").get<float>();
        t.best_validation_ = state.at("best_validation").get<double>();
        t.epochs_since_best_ = state.at("epochs_since_best").get<std::size_t>();
        t.epoch_cost_sum_ = state.at("epoch_cost_sum").get<double>();
        t.epoch_correct_ = state.at("epoch_correct").get<std::size_t>();
        t.epoch_seconds_ = state.at("epoch_seconds").get<double>();
        const std::size_t validation_size = state.value("validation_size", data.validation.size());
        if (validation_size != data.validation.size())
            throw Error(path + ": the checkpoint was trained with a validation split of " +
                        std::to_string(validation_size) + " examples, the data has " +
                        std::to_string(data.validation.size()) + " (--validation-size)");
        for (const auto& m : json::parse(meta("metrics"))) t.history_.push_back(epoch_metrics_from_json(m.dump()));
    } catch (const json::exception& e) {
        throw Error(path + ": checkpoint state is invalid: " + e.what());
    }
    t.best_weights_ = std::move(best);
    const std::size_t n = config.train_size ? std::min(config.train_size, data.train.size()) : data.train.size();
    if (t.position_ > 0) {
        const Tensor* order = file.find("epoch_order");
        if (!order || order->values.size() != n || t.position_ >= n)
            throw Error(path + ": the interrupted epoch's order does not match " + std::to_string(n) + " training examples");
        t.order_.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const float v = order->values[i];
            if (!(v >= 0.0f && v < static_cast<float>(n))) throw Error(path + ": epoch_order holds an index out of range");
            t.order_[i] = static_cast<std::uint32_t>(v);
        }
    }
    if (data.train.features() != t.network_.input_size())
        throw Error(path + ": the checkpoint's network takes " + std::to_string(t.network_.input_size()) +
                    " inputs but the data's images have " + std::to_string(data.train.features()) + " pixels");
    return t;
}

Network train(const TrainConfig& config, const DataSplits& data, const TrainHooks& hooks) {
    Trainer trainer(config, data);
    const TrainStatus status = trainer.run(hooks);
    if (status == TrainStatus::diverged) throw Error(trainer.divergence_message());
    return std::move(trainer.network());
}

}  // namespace digitnet

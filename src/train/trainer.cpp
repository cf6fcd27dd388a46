// The training loop: mini-batch gradient descent over shuffled epochs, with early stopping, the
// learning-rate schedules and the divergence check.
#include "digitnet/train.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <utility>

#include "digitnet/augment.hpp"
#include "digitnet/error.hpp"
#include "digitnet/evaluate.hpp"
#include "kernels/pixel_bytes.hpp"
#include "train/parameters.hpp"
#include "train/workspace.hpp"

namespace digitnet {

Trainer::~Trainer() = default;
Trainer::Trainer(Trainer&&) noexcept = default;
Trainer& Trainer::operator=(Trainer&&) noexcept = default;

Trainer::Trainer(ResumeTag, const TrainConfig& config, const DataSplits& data)
    : config_(config), data_(&data), network_(config.architecture), rng_(config.seed),
      optimizer_(make_optimizer(config.optimizer)), learning_rate_(config.learning_rate),
      workspace_(std::make_unique<Workspace>(Workspace{PixelBytes::from_pixels(data.train.images), {}})) {
    apply_mlp_dropout(network_, config.dropout);
}

Trainer::Trainer(const TrainConfig& config, const DataSplits& data) : Trainer(ResumeTag{}, config, data) {
    validate(config_);
    const std::size_t features = data.train.features();
    const ImageShape& input = config_.architecture.input;
    if (config_.architecture.is_net() && data.train.size() > 0 &&
        (data.train.image_rows != input.rows || data.train.image_cols != input.cols || input.channels != 1))
        throw Error("--net: the network takes " + input.describe() + " images, the data's are 1×" +
                    std::to_string(data.train.image_rows) + "×" + std::to_string(data.train.image_cols));
    if (data.train.size() > 0 && features != network_.input_size())
        throw Error("--layers: the network takes " + std::to_string(network_.input_size()) +
                    " inputs but the data's images have " + std::to_string(features) + " pixels");
    if (config_.architecture.encoding.target_digit < 0 && network_.output_size() < 10)
        throw Error("--layers: a digit classifier needs 10 outputs, found " + std::to_string(network_.output_size()));
    network_.initialize(config_.init, rng_);
    if (config_.weight_average > 0.0f)
        for (const Matrix* v : best_state_list(network_)) averaged_.push_back(*v);
}

std::vector<Matrix*> Trainer::parameter_values() { return parameter_list(network_); }

std::vector<const Matrix*> Trainer::parameter_grads() const {
    std::vector<const Matrix*> grads;
    if (network_.architecture().is_net()) {
        for (const LayerTensor& t : network_.tensors())
            if (t.grad) grads.push_back(t.grad);
        return grads;
    }
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
    auto decay = [&](const Matrix& weights, Matrix& grad) {
        float* g = grad.data();
        const float* w = weights.data();
        for (std::size_t i = 0; i < weights.size(); ++i)
            g[i] += l2 * w[i] + l1 * static_cast<float>((w[i] > 0.0f) - (w[i] < 0.0f));
    };
    if (network_.architecture().is_net()) {
        for (const LayerTensor& t : network_.tensors())  // convolution and dense weights
            if (t.is_weight) decay(*t.value, *t.grad);
        return;
    }
    for (auto& layer : network_.layers) decay(layer.weights, layer.grad_weights);
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
    if (network_.architecture().is_net()) {  // every trained tensor, dense layers included
        for (const LayerTensor& t : network_.tensors())
            if (t.grad && !all_finite(*t.value)) return false;
        return true;
    }
    for (const auto& layer : network_.layers)
        if (!all_finite(layer.weights) || !all_finite(layer.biases)) return false;
    return true;
}

// Polyak averaging: w̄ ← d·w̄ + (1 - d)·w after every step, for the parameters and batch
// normalisation's running statistics. d starts as (1 + t)/(10 + t) after t steps and grows to
// config.weight_average, so that the first epochs' average is not mostly the initial weights.
void Trainer::update_average(std::size_t steps) {
    const float t = static_cast<float>(steps);
    const float d = std::min(config_.weight_average, (1.0f + t) / (10.0f + t));
    const auto values = best_state_list(network_);
    for (std::size_t i = 0; i < values.size(); ++i) {
        float* average = averaged_[i].data();
        const float* w = values[i]->data();
        for (std::size_t k = 0; k < averaged_[i].size(); ++k) average[k] = d * average[k] + (1.0f - d) * w[k];
    }
}

// The network's weights and their average change places (twice: back as they were).
void Trainer::swap_average() {
    const auto values = best_state_list(network_);
    for (std::size_t i = 0; i < values.size(); ++i) std::swap(*values[i], averaged_[i]);
}

bool Trainer::train_one_epoch(const TrainHooks& hooks) {
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const Dataset& train = data_->train;
    const std::size_t n = config_.train_size ? std::min(config_.train_size, train.size()) : train.size();
    if (n == 0) throw Error("training data: no training examples");
    const std::size_t batch = config_.batch_size == 0 ? n : config_.batch_size;
    if (position_ == 0) {
        // Asked to stop before the epoch begins (Ctrl-C while the data loaded): stop before its
        // order is drawn, so that a checkpoint holds the generator as this position needs it.
        if (hooks.stop && hooks.stop->load()) return false;
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
    bool use_dropout = config_.dropout > 0.0f;  // the generator draws dropout masks
    for (const LayerSpec& s : network_.plan()) use_dropout = use_dropout || (s.kind == LayerKind::dropout && s.p > 0.0f);
    while (position_ < n) {
        // Once the order is drawn, the first mini-batch always runs (see above).
        if (position_ > 0 && hooks.stop && hooks.stop->load()) {
            epoch_seconds_ += std::chrono::duration<double>(clock::now() - start).count();
            return false;
        }
        const std::size_t count = std::min(batch, n - position_);
        std::span<const std::uint32_t> indices(order_.data() + position_, count);
        if (workspace_->train_bytes)
            encode_batch(network_, *workspace_->train_bytes, train.labels, indices, x_, y_);
        else
            network_.encode_batch(train.images, train.labels, indices, x_, y_);
        if (config_.augment) {
            AugmentOptions augment;
            augment.elastic_alpha = config_.elastic_alpha;
            augment.elastic_sigma = config_.elastic_sigma;
            augment.max_scale = config_.augment_scale;
            augment_batch(x_, train.image_rows, train.image_cols, rng_, augment, workspace_->augment_buffers);
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
        if (!averaged_.empty()) update_average(epoch_ * n_batches + batch_index);
        epoch_cost_sum_ += cost * static_cast<double>(count);
        position_ += count;
        if (hooks.on_batch) hooks.on_batch(batch_index, n_batches);
    }
    position_ = 0;
    ++epoch_;
    const double train_seconds = epoch_seconds_ + std::chrono::duration<double>(clock::now() - start).count();

    EpochMetrics m;
    m.train_seconds = train_seconds;
    m.epoch = epoch_;
    m.train_cost = epoch_cost_sum_ / static_cast<double>(n);
    m.train_accuracy = static_cast<double>(epoch_correct_) / static_cast<double>(n);
    m.learning_rate = learning_rate_;
    if (!averaged_.empty()) swap_average();  // validation and test accuracy judge the average
    if (data_->validation.size()) {
        Evaluation v = evaluate_accuracy(network_, data_->validation);
        m.validation_cost = v.cost;
        m.validation_accuracy = v.accuracy;
    }
    if (config_.evaluate_test && data_->test.size()) m.test_accuracy = evaluate_accuracy(network_, data_->test).accuracy;
    if (!averaged_.empty()) swap_average();
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
                    if (!averaged_.empty()) best_weights_ = averaged_;  // the weights the epoch was judged by
                    else
                        for (auto* v : best_state_list(network_)) best_weights_.push_back(*v);
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
            // Keep the best weights seen, with their batch normalisation statistics.
            auto values = best_state_list(network_);
            for (std::size_t i = 0; i < values.size() && i < best_weights_.size(); ++i) *values[i] = best_weights_[i];
            return TrainStatus::early_stopped;
        }
        if (hooks.stop && hooks.stop->load()) return TrainStatus::interrupted;
    }
    if (!averaged_.empty()) {
        // The run's result is the average; the trained weights stay behind in the last checkpoint.
        auto values = best_state_list(network_);
        for (std::size_t i = 0; i < values.size(); ++i) *values[i] = averaged_[i];
    }
    return TrainStatus::finished;
}

Network train(const TrainConfig& config, const DataSplits& data, const TrainHooks& hooks) {
    Trainer trainer(config, data);
    const TrainStatus status = trainer.run(hooks);
    if (status == TrainStatus::diverged) throw Error(trainer.divergence_message());
    return std::move(trainer.network());
}

}  // namespace digitnet

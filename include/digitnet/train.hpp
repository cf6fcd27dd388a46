#pragma once
// Training by gradient descent: full-batch, stochastic (one example) or mini-batch.
// The gradient of a mini-batch is the AVERAGE over its examples, so the learning rate means
// the same at batch 1 and batch 1024. Every epoch visits each training example exactly once,
// in an order drawn by a Fisher-Yates shuffle from the seeded generator; the last, partial
// mini-batch is used.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "digitnet/dataset.hpp"
#include "digitnet/init.hpp"
#include "digitnet/network.hpp"
#include "digitnet/pixel_bytes.hpp"
#include "digitnet/optimizer.hpp"
#include "digitnet/random.hpp"

namespace digitnet {

struct TrainConfig {
    Architecture architecture;
    Init init = Init::normal;
    std::size_t epochs = 30;
    std::size_t batch_size = 10;     // 0 = the full training set (batch gradient descent)
    float learning_rate = 3.0f;      // η
    std::uint64_t seed = 1;
    OptimizerConfig optimizer;
    float l2 = 0.0f;                 // λ: C = C0 + λ/(2n) Σ w²   (n = training-set size)
    float l1 = 0.0f;                 // λ: C = C0 + λ/n Σ |w|
    float dropout = 0.0f;            // p on every hidden layer, in [0, 1)
    bool augment = false;            // random shifts and rotations (src/augment.cpp)
    float elastic_alpha = 0.0f;      // with augment: elastic distortion strength α (0 = none)
    float elastic_sigma = 4.0f;      // with augment: smoothness σ of the displacement field
    std::size_t train_size = 0;      // use only the first N training examples (0 = all)
    std::size_t early_stop = 0;      // stop after N epochs without a better validation accuracy
    std::string lr_decay = "none";   // none, step (× factor every lr_step epochs), plateau
    float lr_decay_factor = 0.5f;
    std::size_t lr_step = 10;        // for step: epochs between decays; for plateau: patience
    bool evaluate_test = true;       // report test accuracy each epoch (never used for choices)
    bool operator==(const TrainConfig&) const = default;
};

// Throws Error naming the option for any value out of range (negative λ, dropout outside
// [0, 1), unknown optimiser, ...).
void validate(const TrainConfig& config);

// JSON text of a config (for model metadata and checkpoints) and back.
std::string to_json(const TrainConfig& config);
TrainConfig train_config_from_json(const std::string& json);
std::string architecture_to_json(const Architecture& architecture);
Architecture architecture_from_json(const std::string& json);

constexpr double kNotMeasured = std::numeric_limits<double>::quiet_NaN();

struct EpochMetrics {
    std::size_t epoch = 0;
    double train_cost = kNotMeasured;       // average cost over the epoch's mini-batches
    double train_accuracy = kNotMeasured;   // accuracy on the training examples as they were seen
    double validation_cost = kNotMeasured;
    double validation_accuracy = kNotMeasured;
    double test_accuracy = kNotMeasured;
    double seconds = 0.0;
    double learning_rate = 0.0;
};
// One JSON object on one line (missing values are left out).
std::string to_json(const EpochMetrics& metrics);
EpochMetrics epoch_metrics_from_json(const std::string& json);

enum class TrainStatus { finished, early_stopped, interrupted, diverged };

struct TrainHooks {
    std::function<void(const EpochMetrics&)> on_epoch;                    // after each epoch
    std::function<void(std::size_t done, std::size_t total)> on_batch;   // progress within an epoch
    const std::atomic<bool>* stop = nullptr;                              // checked between batches
};

// The size of the validation split a checkpoint was trained with (load the data with it
// before Trainer::resume); nullopt for a checkpoint that does not record it.
std::optional<std::size_t> checkpoint_validation_size(const std::string& path);

class Trainer {
public:
    // Builds the network and draws its weights from the seed. `data` must outlive the trainer and
    // stay as it is while it trains (the training images are also kept as bytes when they are
    // bytes / 255, the loaders' scale: see PixelBytes).
    Trainer(const TrainConfig& config, const DataSplits& data);

    // Trains until config.epochs are done, early stopping, divergence or *hooks.stop.
    TrainStatus run(const TrainHooks& hooks = {});

    Network& network() { return network_; }
    const Network& network() const { return network_; }
    const TrainConfig& config() const { return config_; }
    const std::vector<EpochMetrics>& history() const { return history_; }
    std::size_t epochs_done() const { return epoch_; }
    // Set when run() returned diverged: which epoch and batch, and a hint.
    const std::string& divergence_message() const { return divergence_message_; }
    // Raise the number of epochs (e.g. when resuming with a larger --epochs).
    void set_epochs(std::size_t epochs) { config_.epochs = epochs; }

    // Everything needed to continue exactly: weights, optimiser state, generator state, the
    // epoch (and the position inside it when interrupted), the metrics so far. Atomic write.
    void save_checkpoint(const std::string& path) const;
    // Rebuilds a trainer from a checkpoint; the file is validated completely first, and `data`
    // must have the validation split the checkpoint was trained with.
    static Trainer resume(const std::string& path, const DataSplits& data);

private:
    struct ResumeTag {};
    Trainer(ResumeTag, const TrainConfig& config, const DataSplits& data);
    bool train_one_epoch(const TrainHooks& hooks);  // false when interrupted or diverged
    void apply_regularization(std::size_t n_train);
    bool weights_finite() const;
    std::vector<Matrix*> parameter_values();
    std::vector<const Matrix*> parameter_grads() const;

    TrainConfig config_;
    const DataSplits* data_;
    Network network_;
    Rng rng_;
    std::unique_ptr<Optimizer> optimizer_;
    std::vector<EpochMetrics> history_;
    std::size_t epoch_ = 0;          // completed epochs
    float learning_rate_ = 0.0f;     // current (after any decay)
    // Early stopping and plateau bookkeeping.
    double best_validation_ = -1.0;
    std::size_t epochs_since_best_ = 0;
    std::vector<Matrix> best_weights_;  // weights and biases of the best epoch, when early stopping
    // An interrupted epoch: its order, how far it got, and what it had summed.
    std::vector<std::uint32_t> order_;
    std::size_t position_ = 0;
    double epoch_cost_sum_ = 0.0;
    std::size_t epoch_correct_ = 0;
    double epoch_seconds_ = 0.0;
    std::string divergence_message_;
    // The training images as bytes, when they are (mini-batches are gathered from these).
    std::optional<PixelBytes> train_bytes_;
    // Buffers reused by every batch.
    Matrix x_, y_;
    std::vector<int> predicted_;
};

// The same training as a single call: returns the trained network.
Network train(const TrainConfig& config, const DataSplits& data, const TrainHooks& hooks = {});

}  // namespace digitnet

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
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "digitnet/dataset.hpp"
#include "digitnet/network.hpp"
#include "digitnet/optimizer.hpp"
#include "digitnet/random.hpp"
#include "digitnet/train_config.hpp"

namespace digitnet {

enum class TrainStatus { finished, early_stopped, interrupted, diverged };

struct TrainHooks {
    std::function<void(const EpochMetrics&)> on_epoch;                    // after each epoch
    std::function<void(std::size_t done, std::size_t total)> on_batch;   // progress within an epoch
    const std::atomic<bool>* stop = nullptr;                              // checked between batches
};

// A dataset's identity for checkpoints: "crc32:XXXXXXXX", zlib's CRC-32 over the training and
// validation splits (for each: rows, columns and count as 64-bit little-endian, the labels, the
// pixels as float32 bits). The test split plays no part in training and is left out.
std::string data_fingerprint(const DataSplits& data);

// The checkpoint format this digitnet writes; it reads this one and format 2 (the same without
// the model file's path). docs/reliability.md lists what a checkpoint must contain. Older formats
// are refused with a message saying so.
inline constexpr const char* kCheckpointFormatVersion = "3";

// What a checkpoint records about its run. read_checkpoint_info checks the file completely
// (checksums, every field's type and range, every tensor against the architecture) except
// against the data, which Trainer::resume does; every message starts with the path.
struct CheckpointInfo {
    TrainConfig config;
    std::size_t epochs_done = 0;
    std::size_t train_examples = 0;   // examples per epoch (after train_size)
    std::size_t validation_size = 0;  // load the data with this split before Trainer::resume
    int threads = 0;                  // matrix-product threads it was trained with
    std::string data_name;            // DataSplits::name of its data (--data)
    std::string data_fingerprint;     // data_fingerprint() of its data
    std::string output;               // the model file the run writes when it ends ("" for none)
};
CheckpointInfo read_checkpoint_info(const std::string& path);

// read_checkpoint_info(path).validation_size.
std::optional<std::size_t> checkpoint_validation_size(const std::string& path);

class Trainer {
public:
    // Builds the network and draws its weights from the seed. `data` must outlive the trainer and
    // stay as it is while it trains.
    Trainer(const TrainConfig& config, const DataSplits& data);
    Trainer(const TrainConfig& config, DataSplits&& data) = delete;  // it keeps a reference to data
    ~Trainer();
    Trainer(Trainer&&) noexcept;
    Trainer& operator=(Trainer&&) noexcept;

    // Trains until config.epochs are done, early stopping, divergence or *hooks.stop. With
    // config.weight_average the network holds the weights' average once training has finished
    // (validation and test accuracy judge the average every epoch).
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
    // The model file the run writes when it ends ("" for none; the trainer writes no model
    // itself): kept in its checkpoints and restored by resume, so that a resumed run writes the
    // file the run was started for. At most 4096 bytes, no control characters.
    void set_output(const std::string& path) { output_ = path; }
    const std::string& output() const { return output_; }

    // Everything needed to continue exactly: weights, optimiser state, generator state, the
    // epoch (and the position inside it when interrupted, with that epoch's example order),
    // the metrics so far, the data's fingerprint and the thread count, and checksums of the
    // tensor data and of the metadata. Atomic write.
    void save_checkpoint(const std::string& path) const;
    // Rebuilds a trainer from a checkpoint. The file is validated completely first (see
    // read_checkpoint_info), then against `data` (the same training and validation examples:
    // count and fingerprint) and the current thread count (num_threads(), which must be the
    // one recorded: the sums, and so the bytes, depend on it); every message names the file.
    static Trainer resume(const std::string& path, const DataSplits& data);

private:
    struct ResumeTag {};
    Trainer(ResumeTag, const TrainConfig& config, const DataSplits& data);
    bool train_one_epoch(const TrainHooks& hooks);  // false when interrupted or diverged
    void apply_regularization(std::size_t n_train);
    bool weights_finite() const;
    std::vector<Matrix*> parameter_values();
    void update_average(std::size_t steps);
    void swap_average();
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
    std::vector<Matrix> best_weights_;  // the best epoch's parameters and batch-norm statistics, when early stopping
    std::vector<Matrix> averaged_;      // with weight_average: w̄ of the same tensors, in best_state_list order
    // An interrupted epoch: its order, how far it got, and what it had summed.
    std::vector<std::uint32_t> order_;
    std::size_t position_ = 0;
    double epoch_cost_sum_ = 0.0;
    std::size_t epoch_correct_ = 0;
    double epoch_seconds_ = 0.0;
    std::string divergence_message_;
    mutable std::string data_fingerprint_;  // computed at the first checkpoint
    std::string output_;
    // The training images in the form the mini-batch gather reads fastest (src/train/workspace.hpp).
    struct Workspace;
    std::unique_ptr<Workspace> workspace_;
    // Buffers reused by every batch.
    Matrix x_, y_;
    std::vector<int> predicted_;
};

// The same training as a single call: returns the trained network.
Network train(const TrainConfig& config, const DataSplits& data, const TrainHooks& hooks = {});

}  // namespace digitnet

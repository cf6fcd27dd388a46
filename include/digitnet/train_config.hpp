#pragma once
// What a training run is asked to do (TrainConfig), its checks and its JSON form, and what each
// epoch measured (EpochMetrics), as JSON lines and metrics files.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "digitnet/init.hpp"
#include "digitnet/network.hpp"
#include "digitnet/optimizer.hpp"

namespace digitnet {

// The most epochs a run may ask for (--epochs; also the bound of --early-stop and --lr-step).
inline constexpr std::size_t kMaxEpochs = 100000;

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
    bool augment = false;            // random shifts and rotations (src/train/augment.cpp)
    float elastic_alpha = 0.0f;      // with augment: elastic distortion strength α (0 = none)
    float elastic_sigma = 4.0f;      // with augment: smoothness σ of the displacement field
    float augment_scale = 0.0f;      // with augment: size factor uniform in [1 - this, 1 + this] (0 = none)
    std::size_t train_size = 0;      // use only the first N training examples (0 = all)
    std::size_t early_stop = 0;      // stop after N epochs without a better validation accuracy
    float weight_average = 0.0f;     // d: evaluate and keep w̄ ← d·w̄ + (1 - d)·w after each step (0 = off)
    std::string lr_decay = "none";   // none, step (× factor every lr_step epochs), plateau
    float lr_decay_factor = 0.5f;
    std::size_t lr_step = 10;        // for step: epochs between decays; for plateau: patience
    bool evaluate_test = true;       // report test accuracy each epoch (never used for choices)
    bool operator==(const TrainConfig&) const = default;
};

// What a model file or checkpoint can hold and still be read back (load_safetensors' limits):
// 2..64 layer sizes of 1..100000 each, at most kSafetensorsMaxElements values per tensor, and
// a file of at most kSafetensorsMaxFileBytes less kFileHeadroomBytes (kept for the header, the
// metadata and a checkpoint's example order). One check, applied by the writer
// (architecture_to_json, so save_model and save_checkpoint), the reader (architecture_from_json)
// and at the start of training (validate). Computed from the sizes: nothing is allocated.
inline constexpr std::size_t kMaxLayerSizes = 64;
inline constexpr std::size_t kMaxLayerSize = 100000;
inline constexpr std::uint64_t kFileHeadroomBytes = 64ull << 20;
void check_architecture_limits(const Architecture& architecture);

// Throws Error naming the option for any value out of range (negative λ, dropout outside
// [0, 1), unknown optimiser, ...), and for a network whose checkpoint (weights, optimiser
// state, best weights) would be larger than a file that can be read back. Checks the
// architecture with validate(Architecture).
void validate(const TrainConfig& config);

// check_cost_output (the cost needs probabilities from the output layer), its message naming the
// command-line flags that choose them: --cost and --output-activation.
void check_cost_output_flags(const Architecture& architecture);

// The ranges an architecture's numbers must lie in, wherever it comes from (training's options,
// a model file, a checkpoint): 2..64 layer sizes, each 1..100000; input_low in [0, 1);
// target_low < target_high, both finite; target_digit -1 (none) or 0..9. Allocates nothing, so
// it can run before anything is built from a file. (The network's constructor checks the rest:
// the cost against the output activation, no hidden softmax, one output for a yes/no network.)
void validate(const Architecture& architecture);

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
    double seconds = 0.0;        // the whole epoch: training, then evaluating
    double train_seconds = 0.0;  // the training loop alone (time to accuracy), evaluation excluded
    double learning_rate = 0.0;
};
// One JSON object on one line (missing values are left out), and back: a missing or null value
// is kNotMeasured (seconds and learning_rate 0); "epoch" is required. Throws Error naming the key
// of a value that is not a number.
std::string to_json(const EpochMetrics& metrics);
EpochMetrics epoch_metrics_from_json(const std::string& json);

// A metrics file (what `digitnet train --metrics` writes): one JSON object per line, read as
// epoch_metrics_from_json reads one; blank lines are skipped, and a line without an "epoch" is
// the epoch of its place among the objects read. Throws Error naming the file and the line
// ("run.jsonl:3: ...") for a line that is not a JSON object or holds a value that is not a number.
std::vector<EpochMetrics> read_metrics_file(const std::string& path);

}  // namespace digitnet

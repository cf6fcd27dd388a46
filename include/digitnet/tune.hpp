#pragma once
// Random search over hyper-parameters (Bergstra & Bengio 2012): each trial draws
//   learning rate η   log-uniform in [lr_min, lr_max]          (log η ~ U(log lr_min, log lr_max))
//   L2 λ              0 with probability l2_zero_probability, else log-uniform in [l2_min, l2_max]
//   hidden size       log-uniform integer in [hidden_min, hidden_max] (every hidden layer)
//   mini-batch size   a power of two in [batch_min, batch_max], each equally likely
// trains a network with the base configuration and those settings, and scores it on the
// VALIDATION split only: the test set is never looked at, so choosing the best trial does
// not leak the test set into the choice. The draws come from Rng(seed), so the same seed
// gives the same trials; every trial trains with the same seed (the same weight draw for a
// given shape and the same order of examples), so trials differ only by their settings.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "digitnet/dataset.hpp"
#include "digitnet/random.hpp"
#include "digitnet/train.hpp"

namespace digitnet {

struct TuneSpace {
    float lr_min = 0.001f, lr_max = 1.0f;
    float l2_min = 0.1f, l2_max = 30.0f;
    double l2_zero_probability = 0.25;
    std::size_t hidden_min = 30, hidden_max = 300;
    std::size_t batch_min = 8, batch_max = 256;  // powers of two
};

// A search space around a base configuration: η from base/10 to base·10, the rest as above.
TuneSpace default_space(const TrainConfig& base);

// Throws Error naming the bound for empty or non-positive ranges, a batch bound that is not a
// power of two, or a probability outside [0, 1].
void validate(const TuneSpace& space);

struct TrialSettings {
    float learning_rate = 0.0f;
    float l2 = 0.0f;
    std::size_t hidden = 0;
    std::size_t batch_size = 0;
    bool operator==(const TrialSettings&) const = default;
};

// One draw from the space (always four groups of draws from rng, in the order above).
TrialSettings draw_trial(const TuneSpace& space, Rng& rng);

// The base configuration with the trial's settings applied (every hidden layer gets the
// drawn size). Throws Error when the base network has no hidden layer.
TrainConfig trial_config(const TrainConfig& base, const TrialSettings& settings);

struct TrialResult {
    std::size_t index = 0;  // 1-based, in the order the trials were drawn
    TrialSettings settings;
    TrainStatus status = TrainStatus::finished;
    std::size_t epochs = 0;                 // epochs trained
    double validation_accuracy = 0.0;       // of the final (or early-stopping best) weights; NaN if diverged
    double validation_cost = 0.0;
    double train_accuracy = 0.0;            // last epoch, as the examples were seen
    double seconds = 0.0;
};

struct TuneOptions {
    TrainConfig base;        // everything that is not searched (architecture shape, optimiser, epochs, ...)
    TuneSpace space;
    std::size_t trials = 8;  // at most this many trials (0 = no trial limit; then seconds must be > 0)
    double seconds = 0.0;    // no new trial starts once this much time has passed (0 = no limit)
    std::uint64_t seed = 1;  // draws the trials and seeds every trial's training
};

struct TuneHooks {
    std::function<void(const TrialResult&)> on_trial;  // after each trial
};

// Runs the trials one after another and returns them in the order drawn. The first trial
// always runs. Throws Error when the data has no validation split, or a budget of neither
// trials nor seconds was given.
std::vector<TrialResult> random_search(const TuneOptions& options, const DataSplits& data, const TuneHooks& hooks = {});

// Best validation accuracy first; diverged trials last; ties keep the drawing order.
std::vector<TrialResult> sorted_by_validation(std::vector<TrialResult> results);

// "digitnet train --preset P --layers 784,H,10 --lr η --l2 λ --batch B --epochs E ..." that
// trains the trial's network again (same seed, same train size; η and λ written with the
// shortest text that reads back as the same float). `extra` (e.g. "--data fashion-mnist")
// is appended when not empty.
std::string train_command_line(const std::string& preset, const TrainConfig& config, const std::string& extra = "");

}  // namespace digitnet

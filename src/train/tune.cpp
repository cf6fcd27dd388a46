#include "digitnet/tune.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>

#include "digitnet/error.hpp"
#include "digitnet/evaluate.hpp"
#include "digitnet/format.hpp"

namespace digitnet {

namespace {

// exp(U(ln lo, ln hi)): every factor of ten equally likely.
double log_uniform(double lo, double hi, Rng& rng) { return std::exp(rng.uniform(std::log(lo), std::log(hi))); }

}  // namespace

TuneSpace default_space(const TrainConfig& base) {
    TuneSpace s;
    s.lr_min = base.learning_rate / 10.0f;
    s.lr_max = base.learning_rate * 10.0f;
    return s;
}

void validate(const TuneSpace& s) {
    if (!(s.lr_min > 0.0f && s.lr_min <= s.lr_max && std::isfinite(s.lr_max)))
        throw Error("learning-rate range: expected 0 < lr_min <= lr_max, found " + format_number(s.lr_min) + ".." +
                    format_number(s.lr_max));
    if (!(s.l2_min > 0.0f && s.l2_min <= s.l2_max && std::isfinite(s.l2_max)))
        throw Error("L2 range: expected 0 < l2_min <= l2_max, found " + format_number(s.l2_min) + ".." +
                    format_number(s.l2_max));
    if (!(s.l2_zero_probability >= 0.0 && s.l2_zero_probability <= 1.0))
        throw Error("L2 zero probability: expected a value in [0, 1], found " + format_number(s.l2_zero_probability));
    if (s.hidden_min == 0 || s.hidden_min > s.hidden_max || s.hidden_max > 100000)
        throw Error("hidden-size range: expected 1 <= hidden_min <= hidden_max <= 100000, found " +
                    std::to_string(s.hidden_min) + ".." + std::to_string(s.hidden_max));
    if (!std::has_single_bit(s.batch_min) || !std::has_single_bit(s.batch_max) || s.batch_min > s.batch_max)
        throw Error("batch-size range: expected powers of two batch_min <= batch_max, found " +
                    std::to_string(s.batch_min) + ".." + std::to_string(s.batch_max));
}

TrialSettings draw_trial(const TuneSpace& s, Rng& rng) {
    TrialSettings t;
    t.learning_rate = static_cast<float>(log_uniform(s.lr_min, s.lr_max, rng));
    // L2: a coin for λ = 0, then a log-uniform value (drawn either way, so every trial uses
    // the same number of draws and trial k does not depend on earlier outcomes).
    const bool zero = rng.uniform() < s.l2_zero_probability;
    const double l2 = log_uniform(s.l2_min, s.l2_max, rng);
    t.l2 = zero ? 0.0f : static_cast<float>(l2);
    // Hidden size: log-uniform on [min, max + 1), rounded down.
    const double h = log_uniform(static_cast<double>(s.hidden_min), static_cast<double>(s.hidden_max) + 1.0, rng);
    t.hidden = std::clamp(static_cast<std::size_t>(h), s.hidden_min, s.hidden_max);
    // Batch: 2^k, k uniform in [log2 min, log2 max].
    const int k_min = std::countr_zero(s.batch_min), k_max = std::countr_zero(s.batch_max);
    t.batch_size = std::size_t{1} << (k_min + static_cast<int>(rng.below(static_cast<std::uint64_t>(k_max - k_min + 1))));
    return t;
}

TrainConfig trial_config(const TrainConfig& base, const TrialSettings& t) {
    TrainConfig c = base;
    auto& sizes = c.architecture.sizes;
    if (sizes.size() < 3)
        throw Error("--preset: tuning searches the hidden-layer size, but the base network " +
                    base.architecture.describe() + " has no hidden layer");
    for (std::size_t l = 1; l + 1 < sizes.size(); ++l) sizes[l] = t.hidden;
    c.learning_rate = t.learning_rate;
    c.l2 = t.l2;
    c.batch_size = t.batch_size;
    return c;
}

std::vector<TrialResult> random_search(const TuneOptions& o, const DataSplits& data, const TuneHooks& hooks) {
    validate(o.space);
    if (o.trials == 0 && !(o.seconds > 0.0))
        throw Error("--trials/--seconds: expected a budget (a number of trials or of seconds), found neither");
    if (!(o.seconds >= 0.0) || !std::isfinite(o.seconds))
        throw Error("--seconds: expected a time budget >= 0, found " + format_number(o.seconds));
    if (data.validation.size() == 0)
        throw Error("--validation-size: trials are scored on the validation split, which is empty (use N > 0)");
    {
        Rng probe(o.seed);  // checks the base configuration before any training
        validate(trial_config(o.base, draw_trial(o.space, probe)));
    }

    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    Rng draws(o.seed);
    std::vector<TrialResult> results;
    for (std::size_t k = 0; o.trials == 0 || k < o.trials; ++k) {
        const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
        if (k > 0 && o.seconds > 0.0 && elapsed >= o.seconds) break;  // budget spent: start no new trial
        TrialResult r;
        r.index = k + 1;
        r.settings = draw_trial(o.space, draws);
        TrainConfig config = trial_config(o.base, r.settings);
        config.seed = o.seed;
        config.evaluate_test = false;  // never look at the test set while choosing
        const auto trial_start = clock::now();
        Trainer trainer(config, data);
        r.status = trainer.run();
        r.epochs = trainer.epochs_done();
        if (!trainer.history().empty()) r.train_accuracy = trainer.history().back().train_accuracy;
        if (r.status == TrainStatus::diverged) {
            r.validation_accuracy = kNotMeasured;
            r.validation_cost = kNotMeasured;
        } else {
            // The weights the trainer ends with (the best epoch's when early stopping).
            const Evaluation v = evaluate_accuracy(trainer.network(), data.validation);
            r.validation_accuracy = v.accuracy;
            r.validation_cost = v.cost;
        }
        r.seconds = std::chrono::duration<double>(clock::now() - trial_start).count();
        results.push_back(r);
        if (hooks.on_trial) hooks.on_trial(results.back());
    }
    return results;
}

std::vector<TrialResult> sorted_by_validation(std::vector<TrialResult> results) {
    auto score = [](const TrialResult& r) { return std::isfinite(r.validation_accuracy) ? r.validation_accuracy : -1.0; };
    std::stable_sort(results.begin(), results.end(),
                     [&](const TrialResult& a, const TrialResult& b) { return score(a) > score(b); });
    return results;
}

std::string train_command_line(const std::string& preset, const TrainConfig& c, const std::string& extra) {
    // The shortest text that reads back as the same float (0.025, 0.0123456791), so that the
    // command trains exactly the trial's network.
    auto exact = [](float v) {
        char buf[64];
        const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
        return std::string(buf, end);
    };
    std::string layers;
    for (std::size_t s : c.architecture.sizes) layers += (layers.empty() ? "" : ",") + std::to_string(s);
    std::string line = "digitnet train --preset " + preset + " --layers " + layers + " --lr " + exact(c.learning_rate) +
                       " --l2 " + exact(c.l2) + " --batch " + std::to_string(c.batch_size) + " --epochs " +
                       std::to_string(c.epochs) + " --seed " + std::to_string(c.seed);
    if (c.train_size) line += " --train-size " + std::to_string(c.train_size);
    if (!extra.empty()) line += " " + extra;
    return line;
}

}  // namespace digitnet

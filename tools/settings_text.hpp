#pragma once
// A run's training settings as a person reads them, one "name: value" line each: train prints
// them at the start, inspect MODEL prints those the model file stores. Only what is active is
// listed (no "regularisation" line for a run without L2, L1 or dropout); the network's shape,
// activations, cost, biases and batch normalisation are in Architecture::describe().
#include <string>
#include <vector>

#include "digitnet/augment.hpp"
#include "digitnet/format.hpp"
#include "digitnet/init.hpp"
#include "digitnet/train_config.hpp"

namespace digitnet::cli {

// `threads` > 0 adds the matrix-product thread count to the first line (a model file does not
// record it).
inline std::vector<std::string> settings_lines(const TrainConfig& c, int threads = 0) {
    auto number = [](double v) { return format_number(v); };
    std::vector<std::string> lines;

    std::string training = "training: " + std::to_string(c.epochs) + (c.epochs == 1 ? " epoch" : " epochs") +
                           ", batch " + (c.batch_size ? std::to_string(c.batch_size) : std::string("all")) + ", lr " +
                           number(c.learning_rate) + ", seed " + std::to_string(c.seed) + ", init " + to_string(c.init);
    if (c.train_size) training += ", the first " + std::to_string(c.train_size) + " training examples";
    if (threads > 0) training += ", " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
    lines.push_back(training);

    const OptimizerConfig& o = c.optimizer;
    std::string optimizer = "optimizer: " + o.name;
    if (o.name == "momentum" || o.name == "nesterov") optimizer += " (μ " + number(o.momentum) + ")";
    if (o.name == "adagrad") optimizer += " (ε " + number(o.epsilon) + ")";
    if (o.name == "rmsprop") optimizer += " (ρ " + number(o.rho) + ", ε " + number(o.epsilon) + ")";
    if (o.name == "adam")
        optimizer += " (β1 " + number(o.beta1) + ", β2 " + number(o.beta2) + ", ε " + number(o.epsilon) + ")";
    lines.push_back(optimizer);

    std::vector<std::string> regularisation;
    if (c.l2 > 0) regularisation.push_back("L2 λ " + number(c.l2));
    if (c.l1 > 0) regularisation.push_back("L1 λ " + number(c.l1));
    if (c.dropout > 0) regularisation.push_back("dropout " + number(c.dropout));
    if (!regularisation.empty()) {
        std::string line = "regularisation: ";
        for (std::size_t i = 0; i < regularisation.size(); ++i) line += (i ? ", " : "") + regularisation[i];
        lines.push_back(line);
    }

    if (c.augment) {
        const AugmentOptions a;  // the shift and rotation are fixed; train sets the size and elastic parts
        std::string line = "augmentation: shifts up to " + number(a.max_shift) + " pixels, rotations up to " +
                           number(a.max_rotation) + " degrees";
        if (c.augment_scale > 0) line += ", sizes ×" + number(1 - c.augment_scale) + " to ×" + number(1 + c.augment_scale);
        if (c.elastic_alpha > 0)
            line += ", elastic distortions α " + number(c.elastic_alpha) + ", σ " + number(c.elastic_sigma);
        lines.push_back(line);
    }

    if (c.weight_average > 0)
        lines.push_back("weight average: w̄ ← d·w̄ + (1 - d)·w after every step, d " + number(c.weight_average) +
                        " (validation, test and the saved model use w̄)");

    if (c.lr_decay == "step")
        lines.push_back("lr schedule: step, ×" + number(c.lr_decay_factor) + " every " + std::to_string(c.lr_step) +
                        (c.lr_step == 1 ? " epoch" : " epochs"));
    if (c.lr_decay == "plateau")
        lines.push_back("lr schedule: plateau, ×" + number(c.lr_decay_factor) + " after " + std::to_string(c.lr_step) +
                        (c.lr_step == 1 ? " epoch" : " epochs") + " without a better validation accuracy");

    if (c.early_stop)
        lines.push_back("early stop: after " + std::to_string(c.early_stop) + (c.early_stop == 1 ? " epoch" : " epochs") +
                        " without a better validation accuracy, keeping the best epoch's weights");

    const Encoding& e = c.architecture.encoding;
    if (e.input_low != 0.0f || e.target_low != 0.0f || e.target_high != 1.0f)
        lines.push_back("encoding: inputs " + number(e.input_low) + "..1, targets " + number(e.target_low) + " and " +
                        number(e.target_high));
    if (e.target_digit >= 0) lines.push_back("question: is it a " + std::to_string(e.target_digit) + "?");
    if (!c.evaluate_test) lines.push_back("test accuracy: not measured after each epoch");
    return lines;
}

}  // namespace digitnet::cli

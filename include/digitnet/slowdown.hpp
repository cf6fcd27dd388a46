#pragma once
// The learning slowdown (Nielsen, "Neural Networks and Deep Learning", ch. 3): one sigmoid
// neuron with one input x and target y, trained by gradient descent from a badly wrong start,
// once with the quadratic cost and once with the cross-entropy cost.
//   a = σ(z), z = w x + b
//   quadratic       C = ½ (a - y)²                       ∂C/∂w = (a - y) σ'(z) x,  ∂C/∂b = (a - y) σ'(z)
//   cross-entropy   C = -[y ln a + (1 - y) ln(1 - a)]    ∂C/∂w = (a - y) x,        ∂C/∂b = (a - y)
// When the neuron is saturated (a ≈ 1, so σ'(z) = a (1 - a) ≈ 0) the quadratic gradient is tiny
// although the answer is badly wrong; the cross-entropy gradient is proportional to the error.
#include <cstddef>
#include <vector>

namespace digitnet {

struct SlowdownOptions {
    double x = 1.0;               // the one input
    double y = 0.0;               // the target
    double w = 2.0;               // starting weight (Nielsen's bad start: w = 2, b = 2, a ≈ 0.98)
    double b = 2.0;               // starting bias   (his good start:     w = 0.6, b = 0.9, a ≈ 0.82)
    double learning_rate = 0.15;  // η, the same for both costs
    std::size_t epochs = 300;     // gradient-descent steps (one example, so one step per epoch)
};

// One cost's run. Index e holds the value after e epochs (index 0 = the start), so each
// vector has epochs + 1 entries.
struct NeuronTrace {
    std::vector<double> cost;    // that run's own cost C
    std::vector<double> output;  // a
    std::vector<double> w, b;
};

struct SlowdownResult {
    SlowdownOptions options;
    NeuronTrace quadratic;
    NeuronTrace cross_entropy;
};

// Throws Error naming the option for epochs outside 1..1000000 or a learning rate that is not
// positive and finite.
SlowdownResult run_slowdown(const SlowdownOptions& options);

// The first epoch e at which values[e] < threshold, or values.size() when none is.
std::size_t first_below(const std::vector<double>& values, double threshold);

}  // namespace digitnet

#include "digitnet/slowdown.hpp"

#include <cmath>
#include <string>

#include "digitnet/error.hpp"

namespace digitnet {

namespace {

double sigmoid_d(double z) { return z >= 0.0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z)); }

enum class NeuronCost { quadratic, cross_entropy };

double neuron_cost(NeuronCost cost, double a, double y) {
    if (cost == NeuronCost::quadratic) return 0.5 * (a - y) * (a - y);  // ½ (a - y)²
    // -[y ln a + (1 - y) ln(1 - a)], with a clamped away from 0 and 1 so the cost stays finite.
    const double p = std::fmin(std::fmax(a, 1e-15), 1.0 - 1e-15);
    return -(y * std::log(p) + (1.0 - y) * std::log(1.0 - p));
}

NeuronTrace train_neuron(NeuronCost cost, const SlowdownOptions& o) {
    NeuronTrace t;
    double w = o.w, b = o.b;
    for (std::size_t e = 0;; ++e) {
        const double a = sigmoid_d(w * o.x + b);
        t.cost.push_back(neuron_cost(cost, a, o.y));
        t.output.push_back(a);
        t.w.push_back(w);
        t.b.push_back(b);
        if (e == o.epochs) break;
        // ∂C/∂z: (a - y) σ'(z) for the quadratic cost, (a - y) for cross-entropy (σ' cancels).
        const double delta = cost == NeuronCost::quadratic ? (a - o.y) * a * (1.0 - a) : a - o.y;
        w -= o.learning_rate * delta * o.x;  // ∂C/∂w = delta x
        b -= o.learning_rate * delta;        // ∂C/∂b = delta
    }
    return t;
}

}  // namespace

SlowdownResult run_slowdown(const SlowdownOptions& options) {
    if (options.epochs < 1 || options.epochs > 1000000)
        throw Error("--epochs: expected 1..1000000, found " + std::to_string(options.epochs));
    if (!(options.learning_rate > 0.0) || !std::isfinite(options.learning_rate))
        throw Error("--lr: expected a positive learning rate, found " + std::to_string(options.learning_rate));
    if (!std::isfinite(options.x) || !std::isfinite(options.w) || !std::isfinite(options.b))
        throw Error("slowdown: the input, weight and bias must be finite");
    if (!(options.y >= 0.0 && options.y <= 1.0))
        throw Error("slowdown: the target y must be in [0, 1], found " + std::to_string(options.y));
    return {options, train_neuron(NeuronCost::quadratic, options), train_neuron(NeuronCost::cross_entropy, options)};
}

std::size_t first_below(const std::vector<double>& values, double threshold) {
    for (std::size_t i = 0; i < values.size(); ++i)
        if (values[i] < threshold) return i;
    return values.size();
}

}  // namespace digitnet

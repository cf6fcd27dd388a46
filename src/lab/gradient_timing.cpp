// The numerical gradient against backpropagation, timed (see gradient_timing.hpp).
#include "digitnet/gradient_timing.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include "digitnet/gradcheck.hpp"

namespace digitnet {

GradientTimings time_gradients(Network& network, ConstMatrixView x, ConstMatrixView y, double epsilon) {
    using clock = std::chrono::steady_clock;
    auto seconds_since = [](clock::time_point start) { return std::chrono::duration<double>(clock::now() - start).count(); };
    GradientTimings t;
    t.examples = x.rows;
    for (const DenseLayer& layer : network.layers)
        t.parameters += layer.weights.size() + (layer.use_bias ? layer.biases.size() : 0);
    t.cost_evaluations = 2 * t.parameters;

    std::vector<Matrix> grad_w, grad_b;
    const auto numerical_start = clock::now();
    numerical_gradients(network, x, y, epsilon, grad_w, grad_b);
    t.numerical_seconds = seconds_since(numerical_start);

    // Backpropagation is quick: the median of up to 101 runs, within about 50 ms in all.
    std::vector<double> runs;
    const auto all_start = clock::now();
    while (runs.size() < 101 && (runs.size() < 5 || seconds_since(all_start) < 0.05)) {
        const auto start = clock::now();
        network.backprop(x, y);
        runs.push_back(seconds_since(start));
    }
    std::nth_element(runs.begin(), runs.begin() + static_cast<std::ptrdiff_t>(runs.size() / 2), runs.end());
    t.backprop_seconds = runs[runs.size() / 2];
    return t;
}

}  // namespace digitnet

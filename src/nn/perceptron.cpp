// Perceptrons, logic gates and Rosenblatt's learning rule (see perceptron.hpp).
#include "digitnet/perceptron.hpp"

#include <cmath>
#include <numeric>
#include <string>

#include "digitnet/error.hpp"

namespace digitnet {
namespace {

void check_bit(int x, const char* name) {
    if (x != 0 && x != 1) throw Error(std::string("gate input ") + name + " must be 0 or 1, found " + std::to_string(x));
}

void check_examples(std::span<const Example> examples, int max_epochs, float eta) {
    if (examples.empty()) throw Error("perceptron learning: no examples");
    if (max_epochs < 1) throw Error("perceptron learning: epochs must be >= 1, found " + std::to_string(max_epochs));
    if (!(eta > 0.0f) || !std::isfinite(eta))
        throw Error("perceptron learning: eta must be a positive number, found " + std::to_string(eta));
    for (std::size_t i = 0; i < examples.size(); ++i) {
        if (examples[i].inputs.size() != examples[0].inputs.size())
            throw Error("perceptron learning: example " + std::to_string(i) + " has " +
                        std::to_string(examples[i].inputs.size()) + " inputs, expected " +
                        std::to_string(examples[0].inputs.size()));
        if (examples[i].target != 0 && examples[i].target != 1)
            throw Error("perceptron learning: example " + std::to_string(i) + " has target " +
                        std::to_string(examples[i].target) + ", expected 0 or 1");
    }
}

// Passes over examples in the order given by `order` (reshuffled each pass when rng is set).
LearnResult learn(std::span<const Example> examples, int max_epochs, float eta, Rng* rng) {
    check_examples(examples, max_epochs, eta);
    LearnResult result;
    result.p.weights.assign(examples[0].inputs.size(), 0.0f);
    std::vector<std::size_t> order(examples.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    for (int epoch = 1; epoch <= max_epochs; ++epoch) {
        if (rng) rng->shuffle(order);
        int mistakes = 0;
        for (std::size_t i : order) {
            const Example& e = examples[i];
            const int error = e.target - result.p.output(e.inputs);  // t - y
            if (error == 0) continue;
            ++mistakes;
            for (std::size_t k = 0; k < e.inputs.size(); ++k) result.p.weights[k] += eta * error * e.inputs[k];
            result.p.bias += eta * error;
        }
        result.epochs = epoch;
        if (mistakes == 0) {
            result.converged = true;
            break;
        }
    }
    return result;
}

}  // namespace

int step(float z) { return z > 0.0f ? 1 : 0; }

float Perceptron::weighted_sum(std::span<const float> x) const {
    if (x.size() != weights.size())
        throw Error("perceptron has " + std::to_string(weights.size()) + " weights but got " +
                    std::to_string(x.size()) + " inputs");
    float z = bias;
    for (std::size_t i = 0; i < x.size(); ++i) z += weights[i] * x[i];
    return z;
}

int Perceptron::output(std::span<const float> x) const { return step(weighted_sum(x)); }

int Perceptron::output(std::initializer_list<int> x) const {
    std::vector<float> values(x.begin(), x.end());
    return output(values);
}

Perceptron and_gate() { return {{0.5f, 0.5f}, -0.7f}; }
Perceptron nand_gate() { return {{-0.5f, -0.5f}, 0.7f}; }
Perceptron or_gate() { return {{0.5f, 0.5f}, -0.2f}; }

XorTrace xor_layers(int x1, int x2) {
    check_bit(x1, "x1");
    check_bit(x2, "x2");
    const int s1 = nand_gate().output({x1, x2});
    const int s2 = or_gate().output({x1, x2});
    return {s1, s2, and_gate().output({s1, s2})};
}

int xor_gate(int x1, int x2) { return xor_layers(x1, x2).y; }

Perceptron cheese_festival(float threshold) { return {{6.0f, 2.0f, 2.0f}, -threshold}; }

LearnResult learn_perceptron(std::span<const Example> examples, int max_epochs, float eta) {
    return learn(examples, max_epochs, eta, nullptr);
}

LearnResult learn_perceptron(std::span<const Example> examples, int max_epochs, float eta, Rng& rng) {
    return learn(examples, max_epochs, eta, &rng);
}

}  // namespace digitnet

#pragma once
// Perceptrons (Rosenblatt 1958; Nielsen ch. 1; Saito ch. 2): a neuron that outputs
//
//   y = step(w . x + b),   step(z) = 1 if z > 0 else 0,   b = -threshold,
//
// the logic gates built from them (XOR needs two layers), Nielsen's cheese-festival
// decision, and the perceptron learning rule.
#include <cstddef>
#include <initializer_list>
#include <span>
#include <vector>

#include "digitnet/random.hpp"

namespace digitnet {

// step(z) = 1 if z > 0 else 0.
int step(float z);

struct Perceptron {
    std::vector<float> weights;
    float bias = 0.0f;  // b = -threshold

    // w . x + b. Throws digitnet::Error when x and w differ in length.
    float weighted_sum(std::span<const float> x) const;
    // step(w . x + b).
    int output(std::span<const float> x) const;
    int output(std::initializer_list<int> x) const;
};

// Hand-set gates (Saito ch. 2): AND w = (0.5, 0.5), b = -0.7; NAND w = (-0.5, -0.5), b = 0.7;
// OR w = (0.5, 0.5), b = -0.2.
Perceptron and_gate();
Perceptron nand_gate();
Perceptron or_gate();

// XOR is not linearly separable, so no single perceptron computes it; two layers do:
//   s1 = NAND(x1, x2), s2 = OR(x1, x2), y = AND(s1, s2).
// Inputs must be 0 or 1 (digitnet::Error otherwise).
struct XorTrace {
    int s1, s2, y;
};
XorTrace xor_layers(int x1, int x2);
int xor_gate(int x1, int x2);

// Nielsen's cheese festival: inputs x1 = the weather is good, x2 = your partner comes
// along, x3 = the festival is near public transit; weights (6, 2, 2), b = -threshold.
// At threshold 5 you go exactly when the weather is good; at threshold 3 you also go when
// both other factors hold.
Perceptron cheese_festival(float threshold);

// One row of a truth table: inputs and the wanted output t (0 or 1).
struct Example {
    std::vector<float> inputs;
    int target = 0;
};
// The four rows (0,0), (0,1), (1,0), (1,1) with targets gate(x1, x2).
template <typename Gate>
std::vector<Example> truth_table(Gate gate) {
    std::vector<Example> rows;
    for (int x1 : {0, 1})
        for (int x2 : {0, 1})
            rows.push_back({{static_cast<float>(x1), static_cast<float>(x2)}, gate(x1, x2)});
    return rows;
}

struct LearnResult {
    Perceptron p;
    bool converged = false;  // a whole pass over the examples made no mistake
    int epochs = 0;          // passes made, including that last mistake-free one
};

// Rosenblatt's learning rule, from w = 0, b = 0, one example at a time:
//   y = step(w . x + b),   w <- w + eta (t - y) x,   b <- b + eta (t - y),
// repeated over the examples until a pass makes no mistake or max_epochs passes are done.
// It converges whenever the examples are linearly separable (AND, OR), never for XOR.
// The default eta = 0.5 is a power of two, so with 0/1 inputs every sum is exact in float.
// Throws digitnet::Error on no examples, inputs of differing length, a target other than
// 0/1, max_epochs < 1 or eta <= 0.
LearnResult learn_perceptron(std::span<const Example> examples, int max_epochs, float eta = 0.5f);
// The same with the examples visited in a fresh random order each pass.
LearnResult learn_perceptron(std::span<const Example> examples, int max_epochs, float eta, Rng& rng);

}  // namespace digitnet

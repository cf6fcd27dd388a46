#pragma once
// One step of backpropagation written out neuron by neuron, for a learner to follow beside the
// equations (sigmoid neurons, quadratic cost C = ½ Σ_j (y_j - a_j)², one training example):
//   z^l_j = Σ_k w^l_jk a^{l-1}_k + b^l_j          a^l_j = σ(z^l_j)
//   δ^L_j = (a^L_j - y_j) σ'(z^L_j)                (output error)
//   δ^l_k = (Σ_j w^{l+1}_jk δ^{l+1}_j) σ'(z^l_k)    (error sent backwards)
//   ∂C/∂w^l_jk = a^{l-1}_k δ^l_j    ∂C/∂b^l_j = δ^l_j
//   w ← w - η ∂C/∂w                b ← b - η ∂C/∂b
// The loops here are plain scalar code, deliberately independent of the matrix engine, so that
// a test can check one against the other.
#include <string>
#include <vector>

#include "digitnet/network.hpp"

namespace digitnet {

struct ExplainLayer {
    std::vector<std::vector<float>> weights;       // [j][k], before the update
    std::vector<float> biases;                     // [j]
    std::vector<float> z, activation;              // [j]
    std::vector<float> delta;                      // [j]
    std::vector<std::vector<float>> grad_weights;  // [j][k]
    std::vector<float> grad_biases;                // [j]
    std::vector<std::vector<float>> new_weights;   // [j][k], after the update
    std::vector<float> new_biases;
};

struct Explanation {
    std::vector<float> input, target;
    float learning_rate = 0.5f;
    std::vector<ExplainLayer> layers;
    std::vector<float> output_error;  // a^L - y
    double cost = 0.0;                // ½ Σ (y - a)²
    double cost_after = 0.0;          // the same example after the update
};

// The classic worked example: a 2-2-2 sigmoid network with given weights, x = (0.05, 0.10),
// y = (0.01, 0.99), η = 0.5 (as in many textbook walk-throughs of backpropagation).
Network explain_example_network();
// One step on `network` (sigmoid layers, quadratic cost; biases optional). The network is
// left unchanged; the explanation holds the updated weights.
Explanation explain_step(const Network& network, const std::vector<float>& x, const std::vector<float>& y,
                         float learning_rate);
// The explanation as text laid out for reading beside the equations.
std::string format_explanation(const Explanation& e);

}  // namespace digitnet

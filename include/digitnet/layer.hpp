#pragma once
// A fully connected layer: z = x Wᵀ + b, a = σ(z), for a whole mini-batch at once.
#include <cstddef>

#include "digitnet/activation.hpp"
#include "digitnet/batch_norm.hpp"
#include "digitnet/init.hpp"
#include "digitnet/matrix.hpp"
#include "digitnet/random.hpp"

namespace digitnet {

class DenseLayer {
public:
    DenseLayer() = default;
    DenseLayer(std::size_t n_in, std::size_t n_out, Activation activation, bool use_bias = true);

    std::size_t n_in() const { return weights.cols(); }
    std::size_t n_out() const { return weights.rows(); }
    std::size_t parameter_count() const {
        return weights.size() + (use_bias ? biases.size() : 0) + (batch_norm ? 2 * n_out() : 0);
    }

    // Draw the weights, or the biases, as `init` says (formulas in init.cpp). Network::initialize
    // calls them for every layer: all the biases first, then all the weights.
    void initialize_weights(Init init, Rng& rng);
    void initialize_biases(Init init, Rng& rng);

    // x: (batch, n_in), weights: (n_out, n_in) -> z, activation: (batch, n_out)
    // z = x Wᵀ + b (then batch-normalised when batch_norm) ; a = σ(z).
    // `training`: batch normalisation uses the batch's statistics. With an `rng` and dropout > 0, inverted dropout: each
    // activation is kept with probability 1-p and scaled by 1/(1-p), so evaluation needs no change.
    void forward(ConstMatrixView x, bool training = false, Rng* rng = nullptr);

    // x: (batch, n_in), grad_activation = ∂C/∂a: (batch, n_out).
    // OVERWRITES delta = ∂C/∂a ⊙ σ'(z) (through the dropout mask; BP2's ⊙ σ'(zˡ)), then backward_delta().
    void backward(ConstMatrixView x, ConstMatrixView grad_activation, Matrix* grad_x);

    // x: (batch, n_in), delta = δ = ∂C_x/∂z already set (batch, n_out).
    // OVERWRITES grad_weights = (1/batch) deltaᵀ x (BP4) and grad_biases = (1/batch) Σ_x delta (BP3) — the
    // mini-batch average — and, if grad_x is given, sets grad_x = delta W: (batch, n_in) (BP2's product).
    void backward_delta(ConstMatrixView x, Matrix* grad_x);

    Activation activation = Activation::sigmoid;
    bool use_bias = true;
    float dropout = 0.0f;      // probability of dropping a unit while training
    bool batch_norm = false;   // normalise z over the mini-batch (see batch_norm.hpp)
    BatchNorm norm;            // its γ, β and running statistics, when batch_norm
    bool fast_tanh = false;    // tanh as a convolutional network's feature layers make it (within a few units
                               // in the last place of std::tanh, vectorised); an MLP keeps std::tanh

    Matrix weights;            // (n_out, n_in): row j holds neuron j's incoming weights
    Matrix biases;             // (1, n_out)
    Matrix grad_weights;       // (n_out, n_in) ∂C/∂W averaged over the mini-batch
    Matrix grad_biases;        // (1, n_out) ∂C/∂b averaged over the mini-batch

    // Per-batch buffers, reallocated only when the batch size grows.
    Matrix z;                  // (batch, n_out) weighted input
    Matrix a;                  // (batch, n_out) activation
    Matrix delta;              // (batch, n_out) δ = ∂C_x/∂z, the layer's error
    Matrix dropout_mask;       // (batch, n_out) 0 or 1/(1-p) while training with dropout
    Matrix a_before_dropout;   // (batch, n_out) σ(z) before the mask, for σ' in backward
    ProductWorkspace workspace;  // the products' working memory
};

}  // namespace digitnet

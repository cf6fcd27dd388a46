#include "digitnet/layer.hpp"

#include "digitnet/feature_layer.hpp"  // draw_dropout_mask
#include "kernels/tanh_floats.hpp"

namespace digitnet {

DenseLayer::DenseLayer(std::size_t n_in, std::size_t n_out, Activation activation_, bool use_bias_)
    : activation(activation_), use_bias(use_bias_), weights(n_out, n_in), biases(1, n_out),
      grad_weights(n_out, n_in), grad_biases(1, n_out) {}

// The schemes' formulas are in init.cpp.
void DenseLayer::initialize_weights(Init init, Rng& rng) {
    const double w_std = weight_std(init, n_in(), n_out());
    for (float& w : weights) w = static_cast<float>(rng.normal() * w_std);
}

void DenseLayer::initialize_biases(Init init, Rng& rng) {
    const bool normal = use_bias && normal_biases(init);
    for (float& b : biases) b = normal ? static_cast<float>(rng.normal()) : 0.0f;
}

void DenseLayer::forward(ConstMatrixView x, bool training, Rng* rng) {
    // x: (batch, n_in), weights: (n_out, n_in) -> z, a: (batch, n_out)
    const std::size_t batch = x.rows;
    z.resize(batch, n_out());
    a.resize(batch, n_out());
    // z = x Wᵀ + b: start z at b (one row per example), then one GEMM adds x Wᵀ.
    if (use_bias) {
        for (std::size_t r = 0; r < batch; ++r) std::copy(biases.begin(), biases.end(), z.row(r));
        matmul_add_xWt(x, weights, z, workspace);
    } else {
        matmul_xWt(x, weights, z, workspace);
    }
    if (batch_norm) norm.forward(z, training);  // z ← γ ẑ + β
    // a = σ(z)
    if (fast_tanh && activation == Activation::tanh)
        tanh_floats(z.data(), a.data(), z.size());
    else
        activate(activation, z, a);
    if (training && dropout > 0.0f && rng) {
        // Inverted dropout: a ← a ⊙ mask, keeping σ(z) for σ' in backward.
        dropout_mask.resize(batch, n_out());
        draw_dropout_mask(dropout, *rng, dropout_mask);
        a_before_dropout = a;
        for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] *= dropout_mask.data()[i];
    } else {
        dropout_mask.resize(0, 0);
    }
}

void DenseLayer::backward(ConstMatrixView x, ConstMatrixView grad_activation, Matrix* grad_x) {
    // x: (batch, n_in), grad_activation = ∂C/∂aˡ: (batch, n_out); overwrites delta, the gradients, *grad_x
    // BP2, second half: δˡ = ∂C/∂aˡ ⊙ σ'(zˡ), where ∂C/∂aˡ = δˡ⁺¹ Wˡ⁺¹ came from the layer above.
    delta.resize(grad_activation.rows, grad_activation.cols);
    if (!dropout_mask.empty()) {
        // Through the dropout mask first: ∂C/∂a_kept = ∂C/∂a ⊙ mask; then σ' of the unmasked a.
        for (std::size_t i = 0; i < delta.size(); ++i)
            delta.data()[i] = grad_activation.data[i] * dropout_mask.data()[i];
        activation_backward(activation, z, a_before_dropout, delta, delta);
    } else {
        activation_backward(activation, z, a, grad_activation, delta);
    }
    if (batch_norm) norm.backward(delta);  // from ∂C/∂(γẑ+β) to ∂C/∂z; sets ∂C/∂γ, ∂C/∂β
    backward_delta(x, grad_x);
}

void DenseLayer::backward_delta(ConstMatrixView x, Matrix* grad_x) {
    // x = aˡ⁻¹: (batch, n_in), delta = δˡ: (batch, n_out); overwrites grad_weights, grad_biases, *grad_x
    const std::size_t batch = x.rows;
    const float inv_batch = batch ? 1.0f / static_cast<float>(batch) : 0.0f;
    // BP4: ∂C/∂wˡ_jk = aˡ⁻¹_k δˡ_j for one example; averaged over the batch,
    // (1/n) Σ_x δ_xᵀ x_x = (1/n) deltaᵀ x.
    matmul_deltaT_x(inv_batch, delta, x, grad_weights, workspace);
    // BP3: ∂C/∂bˡ = δˡ for one example; averaged over the batch, (1/n) Σ_x δ_x.
    grad_biases.fill(0.0f);
    if (use_bias) {
        for (std::size_t r = 0; r < batch; ++r) {
            const float* d = delta.row(r);
            for (std::size_t j = 0; j < n_out(); ++j) grad_biases.data()[j] += d[j];
        }
        for (float& g : grad_biases) g *= inv_batch;
    }
    // BP2, first half: ∂C/∂aˡ⁻¹ = δˡ Wˡ ((wˡ)ᵀ δˡ in Nielsen's columns), for the layer below.
    if (grad_x) {
        grad_x->resize(batch, n_in());
        matmul_delta_W(delta, weights, *grad_x);
    }
}

}  // namespace digitnet

// The element-wise layers of a convolutional network's feature stack: activation, dropout and
// batch normalisation per channel (feature_layer.hpp).
#include "digitnet/feature_layer.hpp"

#include <algorithm>
#include <cstdint>

#include "kernels/parallel.hpp"
#include "kernels/tanh_floats.hpp"

namespace digitnet {

// Each unit is decided by 16 random bits (four units per 64-bit draw): dropped when they are
// below p · 2^16, so p is honoured to within 1/65536.
void draw_dropout_mask(float p, Rng& rng, Matrix& mask) {
    const float keep_scale = 1.0f / (1.0f - p);
    const std::uint64_t threshold = static_cast<std::uint64_t>(p * 65536.0f + 0.5f);
    float* m = mask.data();
    const std::size_t n = mask.size();
    for (std::size_t i = 0; i < n; i += 4) {
        const std::uint64_t bits = rng.next_u64();
        for (std::size_t j = 0; j < 4 && i + j < n; ++j)
            m[i + j] = ((bits >> (16 * j)) & 0xffffu) < threshold ? 0.0f : keep_scale;
    }
}

// --- activation: a = σ(x) ---

ActivationLayer::ActivationLayer(ImageShape shape, Activation activation_)
    : Layer(shape, shape), activation(activation_) {}

void ActivationLayer::forward(ConstMatrixView x, bool, Rng*) {
    // x: (batch, n) -> output: (batch, n)
    output.resize(x.rows, x.cols);
    for_image_ranges(workers, x.rows, [&](std::size_t first, std::size_t last) {
        if (activation == Activation::tanh)  // libm's tanhf one value at a time is most of LeNet-5's step
            return tanh_floats(x.row(first), output.row(first), (last - first) * x.cols);
        activate(activation, read_rows(x, first, last), write_rows(output, first, last));
    });
}

void ActivationLayer::backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) {
    // x: (batch, n), grad_output: (batch, n); overwrites *grad_x = grad_output ⊙ σ'(x)
    if (!grad_x) return;
    grad_x->resize(x.rows, x.cols);
    for_image_ranges(workers, x.rows, [&](std::size_t first, std::size_t last) {
        activation_backward(activation, read_rows(x, first, last), read_rows(output, first, last),
                            read_rows(grad_output, first, last), write_rows(*grad_x, first, last));
    });
}

// --- dropout: a = x ⊙ mask while training ---

DropoutLayer::DropoutLayer(ImageShape shape, float p_) : Layer(shape, shape), p(p_) {}

void DropoutLayer::forward(ConstMatrixView x, bool training, Rng* rng) {
    // x: (batch, n) -> output: (batch, n)
    output.resize(x.rows, x.cols);
    if (training && rng && p > 0.0f) {
        mask.resize(x.rows, x.cols);
        draw_dropout_mask(p, *rng, mask);
        for (std::size_t i = 0; i < output.size(); ++i) output.data()[i] = x.data[i] * mask.data()[i];
    } else {
        mask.resize(0, 0);
        std::copy(x.data, x.data + output.size(), output.data());
    }
}

void DropoutLayer::backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) {
    // grad_output: (batch, n); overwrites *grad_x = grad_output ⊙ mask
    if (!grad_x) return;
    grad_x->resize(x.rows, x.cols);
    for (std::size_t i = 0; i < grad_x->size(); ++i)
        grad_x->data()[i] = mask.empty() ? grad_output.data[i] : grad_output.data[i] * mask.data()[i];
}

// --- batch normalisation per channel ---

ChannelBatchNorm::ChannelBatchNorm(ImageShape shape) : Layer(shape, shape), norm(shape.channels, shape.plane()) {}

void ChannelBatchNorm::forward(ConstMatrixView x, bool training, Rng*) {
    // x: (batch, C·H·W) -> output = γ_c ẑ + β_c: (batch, C·H·W)
    output.resize(x.rows, x.cols);
    norm.forward(x, output, training, workers);
}

void ChannelBatchNorm::backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) {
    // grad_output = ∂C_x/∂u: (batch, C·H·W); overwrites γ's and β's gradients and *grad_x = ∂C_x/∂x
    Matrix& delta = grad_x ? *grad_x : scratch_;
    delta.resize(x.rows, x.cols);
    norm.backward(x, grad_output, delta, workers);
}

std::vector<LayerTensor> ChannelBatchNorm::tensors() {
    const std::size_t c = norm.gamma.size();
    return {{"weight", {c}, &norm.gamma, &norm.grad_gamma},
            {"bias", {c}, &norm.beta, &norm.grad_beta},
            {"running_mean", {c}, &norm.running_mean, nullptr},
            {"running_var", {c}, &norm.running_var, nullptr}};
}

}  // namespace digitnet

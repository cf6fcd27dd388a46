// The convolutional layer (conv.hpp): im2col, then one product per image (kernels/conv_kernels.cpp).
#include "digitnet/conv.hpp"

#include <algorithm>
#include <string>

#include "digitnet/error.hpp"
#include "kernels/conv_kernels.hpp"

namespace digitnet {

ConvGeometry conv_geometry(ImageShape in, std::size_t kernel_rows, std::size_t kernel_cols, std::size_t stride,
                           bool same) {
    if (in.size() == 0) throw Error("convolution: the input " + in.describe() + " is empty");
    if (kernel_rows == 0 || kernel_cols == 0) throw Error("convolution: a kernel of size 0");
    if (stride == 0) throw Error("convolution: a stride of 0");
    ConvGeometry g;
    g.in = in;
    g.kernel_rows = kernel_rows;
    g.kernel_cols = kernel_cols;
    g.stride = stride;
    if (same) {
        // out = ⌈in / s⌉; the padding that needs, split with the odd one at the bottom or right
        g.out_rows = (in.rows + stride - 1) / stride;
        g.out_cols = (in.cols + stride - 1) / stride;
        const std::size_t need_rows = (g.out_rows - 1) * stride + kernel_rows;
        const std::size_t need_cols = (g.out_cols - 1) * stride + kernel_cols;
        g.pad_top = need_rows > in.rows ? (need_rows - in.rows) / 2 : 0;
        g.pad_left = need_cols > in.cols ? (need_cols - in.cols) / 2 : 0;
        return g;
    }
    if (kernel_rows > in.rows || kernel_cols > in.cols)
        throw Error("convolution: a " + std::to_string(kernel_rows) + "×" + std::to_string(kernel_cols) +
                    " kernel is larger than its input " + in.describe());
    g.out_rows = (in.rows - kernel_rows) / stride + 1;
    g.out_cols = (in.cols - kernel_cols) / stride + 1;
    return g;
}

Conv2d::Conv2d(const ConvGeometry& g, std::size_t filters)
    : Layer(g.in, ImageShape{filters, g.out_rows, g.out_cols}), geometry(g), weights(filters, g.patch_size()),
      biases(1, filters), grad_weights(filters, g.patch_size()), grad_biases(1, filters) {}

void Conv2d::initialize(Init init, Rng& rng) {
    // Every output sees C·kh·kw inputs; every input reaches F·kh·kw outputs.
    const std::size_t kernel = geometry.kernel_rows * geometry.kernel_cols;
    const double w_std = weight_std(init, geometry.patch_size(), filters() * kernel);
    const bool normal = use_bias && normal_biases(init);
    for (float& b : biases) b = normal ? static_cast<float>(rng.normal()) : 0.0f;
    for (float& w : weights) w = static_cast<float>(rng.normal() * w_std);
}

void Conv2d::forward(ConstMatrixView x, bool, Rng*) {
    // x: (batch, C·H·W), weights: (F, C·kh·kw) -> output: (batch, F·P)
    // z_b = W · im2col(x_b) + b: row f of W against every receptive field at once (kernels/conv_kernels.cpp)
    output.resize(x.rows, out.size());
    conv_forward(x, geometry, weights, use_bias ? biases.data() : nullptr, columns, output, workers);
}

void Conv2d::backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) {
    // x: (batch, C·H·W), grad_output = δ: (batch, F·P); overwrites grad_weights, grad_biases, *grad_x
    //   ∂C/∂W = (1/batch) Σ_x δ_x columns_xᵀ     (a dense layer's BP4, over the receptive fields)
    //   ∂C/∂b_f = (1/batch) Σ_x Σ_p δ_x(f, p)
    //   ∂C/∂x = col2im(Wᵀ δ_x): each receptive field's share added back to the pixels it was made of
    const std::size_t batch = x.rows;
    const float inv_batch = batch ? 1.0f / static_cast<float>(batch) : 0.0f;
    MatrixView grad_x_view;
    if (grad_x) {
        grad_x->resize(batch, in.size());
        grad_x_view = *grad_x;
    }
    conv_backward(x, geometry, weights, grad_output, inv_batch, grad_weights, use_bias ? grad_biases.data() : nullptr,
                  grad_x ? &grad_x_view : nullptr, columns, grad_weight_parts, grad_bias_parts, grad_columns, workers);
    if (!use_bias) grad_biases.fill(0.0f);
}

std::vector<LayerTensor> Conv2d::tensors() {
    const ConvGeometry& g = geometry;
    std::vector<LayerTensor> t{{"weight", {filters(), g.in.channels, g.kernel_rows, g.kernel_cols}, &weights, &grad_weights, true}};
    if (use_bias) t.push_back({"bias", {filters()}, &biases, &grad_biases, false});
    return t;
}

// --- the reference: the definition, loop by loop ---

// x(b, c, iy, ix), or 0 in the padding.
static float input_at(ConstMatrixView x, const ConvGeometry& g, std::size_t b, std::size_t c, long iy, long ix) {
    if (iy < 0 || ix < 0 || iy >= static_cast<long>(g.in.rows) || ix >= static_cast<long>(g.in.cols)) return 0.0f;
    return x(b, (c * g.in.rows + static_cast<std::size_t>(iy)) * g.in.cols + static_cast<std::size_t>(ix));
}

void conv2d_reference_forward(ConstMatrixView x, const ConvGeometry& g, ConstMatrixView weights,
                              ConstMatrixView biases, Matrix& out) {
    const std::size_t F = weights.rows, kh = g.kernel_rows, kw = g.kernel_cols, P = g.positions();
    out.resize(x.rows, F * P);
    for (std::size_t b = 0; b < x.rows; ++b)
        for (std::size_t f = 0; f < F; ++f)
            for (std::size_t oy = 0; oy < g.out_rows; ++oy)
                for (std::size_t ox = 0; ox < g.out_cols; ++ox) {
                    double z = biases.data[f];
                    for (std::size_t c = 0; c < g.in.channels; ++c)
                        for (std::size_t ky = 0; ky < kh; ++ky)
                            for (std::size_t kx = 0; kx < kw; ++kx) {
                                const long iy = static_cast<long>(oy * g.stride + ky) - static_cast<long>(g.pad_top);
                                const long ix = static_cast<long>(ox * g.stride + kx) - static_cast<long>(g.pad_left);
                                z += static_cast<double>(weights(f, (c * kh + ky) * kw + kx)) * input_at(x, g, b, c, iy, ix);
                            }
                    out(b, f * P + oy * g.out_cols + ox) = static_cast<float>(z);
                }
}

void conv2d_reference_backward(ConstMatrixView x, const ConvGeometry& g, ConstMatrixView weights,
                               ConstMatrixView grad_out, Matrix& grad_weights, Matrix& grad_biases, Matrix* grad_x) {
    const std::size_t F = weights.rows, kh = g.kernel_rows, kw = g.kernel_cols, P = g.positions();
    const double inv_batch = 1.0 / static_cast<double>(x.rows);
    std::vector<double> gw(weights.rows * weights.cols, 0.0), gb(F, 0.0), gx(x.rows * x.cols, 0.0);
    for (std::size_t b = 0; b < x.rows; ++b)
        for (std::size_t f = 0; f < F; ++f)
            for (std::size_t oy = 0; oy < g.out_rows; ++oy)
                for (std::size_t ox = 0; ox < g.out_cols; ++ox) {
                    const double d = grad_out(b, f * P + oy * g.out_cols + ox);
                    gb[f] += d;
                    for (std::size_t c = 0; c < g.in.channels; ++c)
                        for (std::size_t ky = 0; ky < kh; ++ky)
                            for (std::size_t kx = 0; kx < kw; ++kx) {
                                const long iy = static_cast<long>(oy * g.stride + ky) - static_cast<long>(g.pad_top);
                                const long ix = static_cast<long>(ox * g.stride + kx) - static_cast<long>(g.pad_left);
                                const std::size_t w = (c * kh + ky) * kw + kx;
                                gw[f * weights.cols + w] += d * input_at(x, g, b, c, iy, ix);
                                if (iy >= 0 && ix >= 0 && iy < static_cast<long>(g.in.rows) && ix < static_cast<long>(g.in.cols))
                                    gx[b * x.cols + (c * g.in.rows + static_cast<std::size_t>(iy)) * g.in.cols +
                                       static_cast<std::size_t>(ix)] += d * weights(f, w);
                            }
                }
    grad_weights.resize(weights.rows, weights.cols);
    for (std::size_t i = 0; i < gw.size(); ++i) grad_weights.data()[i] = static_cast<float>(gw[i] * inv_batch);
    grad_biases.resize(1, F);
    for (std::size_t f = 0; f < F; ++f) grad_biases.data()[f] = static_cast<float>(gb[f] * inv_batch);
    if (grad_x) {
        grad_x->resize(x.rows, x.cols);
        for (std::size_t i = 0; i < gx.size(); ++i) grad_x->data()[i] = static_cast<float>(gx[i]);
    }
}

}  // namespace digitnet

#pragma once
// A convolutional layer (Nielsen ch. 6, Saito ch. 7): F filters, each kh × kw × C weights and a
// bias, slid over the input image with a stride, the input padded with zeros for `same`.
//   z(f, oy, ox) = b_f + Σ_{c, ky, kx} W(f, c, ky, kx) · x(c, oy·s + ky - pad_top, ox·s + kx - pad_left)
// The weights are (F, C · kh · kw): row f is filter f in PyTorch's (out, in, kh, kw) order.
// Computed as im2col and one matrix product per image: the image's receptive fields become the
// columns of `columns`, and the F output planes are z = W · columns + b.
#include <cstddef>
#include <memory>
#include <vector>

#include "digitnet/feature_layer.hpp"
#include "digitnet/init.hpp"

namespace digitnet {

// Where each output position looks in the input.
struct ConvGeometry {
    ImageShape in;
    std::size_t kernel_rows = 0, kernel_cols = 0, stride = 1;
    std::size_t pad_top = 0, pad_left = 0;  // zeros before the first row and column
    std::size_t out_rows = 0, out_cols = 0;
    std::size_t positions() const { return out_rows * out_cols; }
    std::size_t patch_size() const { return in.channels * kernel_rows * kernel_cols; }
};

// valid: no padding, out = (in - k) / s + 1. same: out = ⌈in / s⌉, padded with zeros around
// (the extra row or column, if any, at the bottom or right). Throws Error when the kernel does
// not fit a valid convolution's input or a size is 0.
ConvGeometry conv_geometry(ImageShape in, std::size_t kernel_rows, std::size_t kernel_cols, std::size_t stride,
                           bool same);

class Conv2d : public Layer {
public:
    Conv2d(const ConvGeometry& geometry, std::size_t filters);
    std::unique_ptr<Layer> clone() const override { return std::make_unique<Conv2d>(*this); }
    std::size_t filters() const { return weights.rows(); }

    void initialize(Init init, Rng& rng);  // weights ~ N(0, σ²) with n_in = C·kh·kw, n_out = F·kh·kw

    // x: (batch, C·H·W), weights: (F, C·kh·kw) -> output z: (batch, F·out_rows·out_cols)
    void forward(ConstMatrixView x, bool training, Rng* rng) override;
    // x: (batch, C·H·W), grad_output = δ = ∂C_x/∂z: (batch, F·positions).
    // OVERWRITES grad_weights = (1/batch) Σ_x Σ_p δ_xp patch_xpᵀ, grad_biases = (1/batch) Σ_x Σ_p δ_xp,
    // and *grad_x = col2im(Wᵀ δ): every receptive field's share added back where it came from.
    void backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) override;
    std::vector<LayerTensor> tensors() override;

    ConvGeometry geometry;
    bool use_bias = true;  // false before batch normalisation: the biases stay 0
    Matrix weights;       // (F, C·kh·kw)
    Matrix biases;        // (1, F)
    Matrix grad_weights;  // (F, C·kh·kw)
    Matrix grad_biases;   // (1, F)

    // Buffers, one row per chunk of the batch's images, reallocated only when they grow. The chunks
    // are shared between threads and their sums added in a fixed order, so the sums do not depend
    // on the thread count.
    Matrix columns;            // (chunks, C·kh·kw · positions): one image's receptive fields (im2col)
    Matrix grad_weight_parts;  // (chunks, F·C·kh·kw)
    Matrix grad_bias_parts;    // (chunks, F)
    Matrix grad_columns;       // (chunks, C·kh·kw · positions): one image's ∂C/∂columns
};

// The same layer with seven plain loops and no padding tricks: slow, obviously correct, what the
// tests compare Conv2d with. out: (batch, F·positions); grad_* are OVERWRITTEN (grad_x may be null).
void conv2d_reference_forward(ConstMatrixView x, const ConvGeometry& g, ConstMatrixView weights,
                              ConstMatrixView biases, Matrix& out);
void conv2d_reference_backward(ConstMatrixView x, const ConvGeometry& g, ConstMatrixView weights,
                               ConstMatrixView grad_out, Matrix& grad_weights, Matrix& grad_biases, Matrix* grad_x);

}  // namespace digitnet

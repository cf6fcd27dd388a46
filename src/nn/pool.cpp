// Max and average pooling (pool.hpp).
#include "digitnet/pool.hpp"

#include <algorithm>
#include <string>

#include "digitnet/error.hpp"

namespace digitnet {

ImageShape pool_output_shape(ImageShape in, std::size_t window, std::size_t stride) {
    if (window == 0 || stride == 0) throw Error("pooling: a window or stride of 0");
    if (window > in.rows || window > in.cols)
        throw Error("pooling: a " + std::to_string(window) + "×" + std::to_string(window) +
                    " window is larger than its input " + in.describe());
    return {in.channels, (in.rows - window) / stride + 1, (in.cols - window) / stride + 1};
}

MaxPool2d::MaxPool2d(ImageShape in_, std::size_t window_, std::size_t stride_)
    : Layer(in_, pool_output_shape(in_, window_, stride_)), window(window_), stride(stride_) {}

void MaxPool2d::forward(ConstMatrixView x, bool, Rng*) {
    // x: (batch, C·H·W) -> output: (batch, C·out_rows·out_cols); a = max over each block
    output.resize(x.rows, out.size());
    argmax.resize(x.rows * out.size());
    for (std::size_t b = 0; b < x.rows; ++b) {
        const float* xb = x.row(b);
        float* ob = output.row(b);
        std::uint32_t* ab = argmax.data() + b * out.size();
        for (std::size_t c = 0; c < in.channels; ++c)
            for (std::size_t oy = 0; oy < out.rows; ++oy)
                for (std::size_t ox = 0; ox < out.cols; ++ox) {
                    std::size_t best = (c * in.rows + oy * stride) * in.cols + ox * stride;
                    for (std::size_t ky = 0; ky < window; ++ky)
                        for (std::size_t kx = 0; kx < window; ++kx) {
                            const std::size_t i = (c * in.rows + oy * stride + ky) * in.cols + ox * stride + kx;
                            if (xb[i] > xb[best]) best = i;  // ties keep the first in reading order
                        }
                    const std::size_t o = (c * out.rows + oy) * out.cols + ox;
                    ob[o] = xb[best];
                    ab[o] = static_cast<std::uint32_t>(best);
                }
    }
}

void MaxPool2d::backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) {
    // grad_output: (batch, C·out_rows·out_cols); overwrites *grad_x: (batch, C·H·W)
    if (!grad_x) return;
    grad_x->resize(x.rows, x.cols);
    grad_x->fill(0.0f);
    for (std::size_t b = 0; b < x.rows; ++b) {
        const float* g = grad_output.row(b);
        const std::uint32_t* ab = argmax.data() + b * out.size();
        float* gx = grad_x->row(b);
        for (std::size_t o = 0; o < out.size(); ++o) gx[ab[o]] += g[o];  // blocks may overlap
    }
}

AvgPool2d::AvgPool2d(ImageShape in_, std::size_t window_, std::size_t stride_)
    : Layer(in_, pool_output_shape(in_, window_, stride_)), window(window_), stride(stride_) {}

void AvgPool2d::forward(ConstMatrixView x, bool, Rng*) {
    // x: (batch, C·H·W) -> output: (batch, C·out_rows·out_cols); a = mean of each block
    output.resize(x.rows, out.size());
    const float inv_area = 1.0f / static_cast<float>(window * window);
    for (std::size_t b = 0; b < x.rows; ++b) {
        const float* xb = x.row(b);
        float* ob = output.row(b);
        for (std::size_t c = 0; c < in.channels; ++c)
            for (std::size_t oy = 0; oy < out.rows; ++oy)
                for (std::size_t ox = 0; ox < out.cols; ++ox) {
                    float sum = 0.0f;
                    for (std::size_t ky = 0; ky < window; ++ky)
                        for (std::size_t kx = 0; kx < window; ++kx)
                            sum += xb[(c * in.rows + oy * stride + ky) * in.cols + ox * stride + kx];
                    ob[(c * out.rows + oy) * out.cols + ox] = sum * inv_area;
                }
    }
}

void AvgPool2d::backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) {
    // grad_output: (batch, C·out_rows·out_cols); overwrites *grad_x: (batch, C·H·W)
    if (!grad_x) return;
    grad_x->resize(x.rows, x.cols);
    grad_x->fill(0.0f);
    const float inv_area = 1.0f / static_cast<float>(window * window);
    for (std::size_t b = 0; b < x.rows; ++b) {
        const float* g = grad_output.row(b);
        float* gx = grad_x->row(b);
        for (std::size_t c = 0; c < in.channels; ++c)
            for (std::size_t oy = 0; oy < out.rows; ++oy)
                for (std::size_t ox = 0; ox < out.cols; ++ox) {
                    const float share = g[(c * out.rows + oy) * out.cols + ox] * inv_area;
                    for (std::size_t ky = 0; ky < window; ++ky)
                        for (std::size_t kx = 0; kx < window; ++kx)
                            gx[(c * in.rows + oy * stride + ky) * in.cols + ox * stride + kx] += share;
                }
    }
}

}  // namespace digitnet

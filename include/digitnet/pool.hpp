#pragma once
// Pooling layers (Nielsen ch. 6, LeNet-5's subsampling): each channel's window × window blocks,
// taken every `stride` positions, become one value. out = (in - window) / stride + 1.
//   max pooling      a = max over the block;  ∂C/∂x = ∂C/∂a at the block's maximum (the first
//                    one in reading order when several are equal), 0 elsewhere
//   average pooling  a = mean of the block;   ∂C/∂x = ∂C/∂a / window² at every element of it
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "digitnet/feature_layer.hpp"

namespace digitnet {

// The output shape; throws Error when the window does not fit the input or a size is 0.
ImageShape pool_output_shape(ImageShape in, std::size_t window, std::size_t stride);

class MaxPool2d : public Layer {
public:
    MaxPool2d(ImageShape in, std::size_t window, std::size_t stride);
    std::unique_ptr<Layer> clone() const override { return std::make_unique<MaxPool2d>(*this); }
    // x: (batch, C·H·W) -> output: (batch, C·out_rows·out_cols)
    void forward(ConstMatrixView x, bool training, Rng* rng) override;
    // OVERWRITES grad_x: grad_output routed to each block's maximum, found again in x (the first
    // element equal to the block's output)
    void backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) override;
    std::size_t window, stride;
};

class AvgPool2d : public Layer {
public:
    AvgPool2d(ImageShape in, std::size_t window, std::size_t stride);
    std::unique_ptr<Layer> clone() const override { return std::make_unique<AvgPool2d>(*this); }
    // x: (batch, C·H·W) -> output: (batch, C·out_rows·out_cols)
    void forward(ConstMatrixView x, bool training, Rng* rng) override;
    // OVERWRITES grad_x: each output's gradient shared equally by its block
    void backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) override;
    std::size_t window, stride;
};

}  // namespace digitnet

#pragma once
// The layers of a convolutional network that come before its fully connected ones (Saito ch. 7's
// layers.py, one class each): each keeps what its backward pass needs from its forward pass.
// Inputs and outputs hold one example per row, an image laid out as image_shape.hpp says.
//   Layer             the interface: forward, backward, the parameters it trains
//   ActivationLayer   a = σ(x) elementwise (relu, sigmoid, tanh, identity)
//   DropoutLayer      inverted dropout: a = x ⊙ mask while training, a = x otherwise
//   ChannelBatchNorm  batch normalisation per channel, over the batch and every position
// Conv2d is in conv.hpp, MaxPool2d and AvgPool2d in pool.hpp. Flatten has no class: in this
// layout an image is already the flat row a dense layer takes.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "digitnet/activation.hpp"
#include "digitnet/batch_norm.hpp"
#include "digitnet/image_shape.hpp"
#include "digitnet/matrix.hpp"
#include "digitnet/random.hpp"

namespace digitnet {

// One tensor a layer keeps: what a model file names it (PyTorch's names: weight, bias,
// running_mean, running_var), its shape in the file, and its gradient (null for running statistics,
// which are not trained). `is_weight`: a convolution's or dense layer's weights, the ones weight
// decay (L2, L1) applies to.
struct LayerTensor {
    std::string name;
    std::vector<std::size_t> shape;
    Matrix* value = nullptr;
    Matrix* grad = nullptr;
    bool is_weight = false;
};

class Layer {
public:
    Layer(ImageShape in, ImageShape out) : in(in), out(out) {}
    virtual ~Layer() = default;
    virtual std::unique_ptr<Layer> clone() const = 0;

    // x: (batch, in.size()) -> output: (batch, out.size()). `training`: dropout draws its mask
    // from `rng`, batch normalisation uses the batch's statistics.
    virtual void forward(ConstMatrixView x, bool training, Rng* rng) = 0;
    // x: the forward pass's input, grad_output = ∂C/∂output: (batch, out.size()), one example's
    // ∂C_x per row. OVERWRITES the parameters' gradients (averaged over the batch) and, when
    // grad_x is given, *grad_x = ∂C/∂x: (batch, in.size()).
    virtual void backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) = 0;

    // The layer's tensors in a fixed order (empty for a layer without parameters).
    virtual std::vector<LayerTensor> tensors() { return {}; }

    ImageShape in, out;
    Matrix output;  // (batch, out.size()), the last forward pass's result
    // Threads kept by the network that owns the layer, to share a batch's images between (none:
    // threads are started for each pass).
    WorkerPool* workers = nullptr;
};

class ActivationLayer : public Layer {
public:
    ActivationLayer(ImageShape shape, Activation activation);
    std::unique_ptr<Layer> clone() const override { return std::make_unique<ActivationLayer>(*this); }
    // x: (batch, n) -> output = σ(x): (batch, n)
    void forward(ConstMatrixView x, bool training, Rng* rng) override;
    // OVERWRITES grad_x = grad_output ⊙ σ'(x)
    void backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) override;
    Activation activation;
};

class DropoutLayer : public Layer {
public:
    DropoutLayer(ImageShape shape, float p);
    std::unique_ptr<Layer> clone() const override { return std::make_unique<DropoutLayer>(*this); }
    // x: (batch, n) -> output = x ⊙ mask while training (mask_i = 0 with probability p, else
    // 1/(1-p)), output = x otherwise.
    void forward(ConstMatrixView x, bool training, Rng* rng) override;
    // OVERWRITES grad_x = grad_output ⊙ mask (grad_output when no mask was drawn)
    void backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) override;
    float p;
    Matrix mask;  // (batch, n), empty when the last forward pass drew none
};

class ChannelBatchNorm : public Layer {
public:
    explicit ChannelBatchNorm(ImageShape shape);
    std::unique_ptr<Layer> clone() const override { return std::make_unique<ChannelBatchNorm>(*this); }
    // x: (batch, channels · rows · cols) -> output = γ_c ẑ + β_c, with μ_c and σ²_c taken over
    // the batch and every position of channel c (batch_norm.hpp)
    void forward(ConstMatrixView x, bool training, Rng* rng) override;
    // OVERWRITES norm.grad_gamma, norm.grad_beta and grad_x = ∂C/∂x
    void backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) override;
    std::vector<LayerTensor> tensors() override;
    BatchNorm norm;

private:
    Matrix scratch_;  // ∂C/∂x when the layer below needs none (γ and β still need it computed)
};

// Inverted dropout's mask for drop probability p, filling `mask` as it is sized: mask_i = 0 with
// probability p, else 1/(1-p) (layer.cpp).
void draw_dropout_mask(float p, Rng& rng, Matrix& mask);

}  // namespace digitnet

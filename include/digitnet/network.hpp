#pragma once
// A feed-forward network: a stack of fully connected layers, the cost it is trained on, and
// how inputs and targets are encoded (one-hot or Rashid's 0.01/0.99, a yes/no "is this a 9?").
// A convolutional network (Architecture::net) puts its feature layers (convolution, pooling,
// activation, dropout, batch normalisation: feature_layer.hpp) before the fully connected ones.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "digitnet/activation.hpp"
#include "digitnet/cost.hpp"
#include "digitnet/feature_layer.hpp"
#include "digitnet/image_shape.hpp"
#include "digitnet/init.hpp"
#include "digitnet/layer.hpp"
#include "digitnet/matrix.hpp"
#include "digitnet/net_spec.hpp"
#include "digitnet/random.hpp"

namespace digitnet {

// How a label becomes the target vector y, and a pixel the input x.
struct Encoding {
    float input_low = 0.0f;    // x = input_low + (1 - input_low) * pixel   (Rashid: 0.01)
    float target_low = 0.0f;   // y_j for the wrong classes                 (Rashid: 0.01)
    float target_high = 1.0f;  // y_j for the right class                   (Rashid: 0.99)
    int target_digit = -1;     // >= 0: one output neuron answering "is this a <digit>?"
    bool operator==(const Encoding&) const = default;
};

// What a network is made of, enough to rebuild it: sizes, activations, bias choice, cost; or,
// for a network described by --net, that text, the input image's shape and the cost.
struct Architecture {
    std::vector<std::size_t> sizes{784, 30, 10};  // input, hidden..., output
    Activation hidden = Activation::sigmoid;
    Activation output = Activation::sigmoid;
    Cost cost = Cost::quadratic;
    bool use_bias = true;
    bool batch_norm = false;  // batch normalisation on every hidden layer (which then has no bias: β does its job)
    Encoding encoding;
    std::string net;           // a --net description (net_spec.hpp); empty for the MLP above
    ImageShape input;          // the input image, for a --net network
    bool operator==(const Architecture&) const = default;
    bool is_net() const { return !net.empty(); }
    // "784-30-10 sigmoid/sigmoid quadratic" (or the --net text and the cost) for messages.
    std::string describe() const;
};

// Checks a.net against a.input and makes the rest of a agree with it: sizes = {input values,
// outputs}, output = the last activation, net = its words separated by single spaces. Throws
// Error naming the layer at fault (plan_net) or the cost that does not fit the output.
void apply_net(Architecture& a);

// Parses "784,30,10" (or "784-30-10"); throws Error naming `option`.
std::vector<std::size_t> parse_layer_sizes(const std::string& text, const std::string& option = "--layers");

class Network {
public:
    Network() = default;
    // Builds the layers with zero weights (call initialize()). Throws Error on bad sizes or a
    // cost that does not fit the output activation.
    explicit Network(const Architecture& architecture);
    Network(const Network& other);
    Network& operator=(const Network& other);
    Network(Network&&) noexcept = default;
    Network& operator=(Network&&) noexcept = default;

    void initialize(Init init, Rng& rng);

    const Architecture& architecture() const { return architecture_; }
    std::size_t input_size() const { return architecture_.sizes.front(); }
    std::size_t output_size() const { return architecture_.sizes.back(); }
    std::size_t parameter_count() const;

    // x: (batch, input_size) -> (batch, output_size). Returns the last layer's activation.
    const Matrix& forward(ConstMatrixView x, bool training = false, Rng* rng = nullptr);

    // Forward and backward over one mini-batch. x: (batch, n_in), y: (batch, n_out).
    // OVERWRITES every layer's grad_weights/grad_biases with ∂C/∂W, ∂C/∂b averaged over the batch,
    // and returns the batch's cost C = (1/n) Σ_x C_x.
    //   BP1  δᴸ = ∇ₐC ⊙ σ'(zᴸ)              (output layer; see output_delta)
    //   BP2  δˡ = (δˡ⁺¹ Wˡ⁺¹) ⊙ σ'(zˡ)       (hidden layers, one row per example)
    //   BP3  ∂C/∂bˡ = δˡ,  BP4  ∂C/∂wˡ = aˡ⁻¹ δˡ  (each layer's backward_delta)
    double backprop(ConstMatrixView x, ConstMatrixView y, Rng* dropout_rng = nullptr);

    // Cost of the current weights on a batch, without touching the gradients. `training`:
    // batch normalisation uses the batch's statistics, as in backprop().
    double cost(ConstMatrixView x, ConstMatrixView y, bool training = false);

    // The predicted class of each row: argmax of the outputs, or for a target_digit network
    // 1 ("yes") when the output is above the middle of target_low..target_high, else 0.
    std::vector<int> predict(ConstMatrixView x);
    // The same answer from outputs already computed (one row per example), into `result`
    // (resized; no allocation once it is large enough).
    void classes(ConstMatrixView outputs, std::vector<int>& result) const;

    // The class a label stands for in this network's answers (the label, or yes/no).
    int label_class(int label) const;

    // Fill x with the encoded inputs of the given examples of `pixels` (rows in [0, 1]) and y
    // with their encoded targets. x, y are resized (allocation only when the batch grows).
    void encode_batch(ConstMatrixView pixels, std::span<const std::uint8_t> labels,
                      std::span<const std::uint32_t> indices, Matrix& x, Matrix& y) const;
    // x = the encoded inputs of pixels (which may be x itself).
    void encode_inputs(ConstMatrixView pixels, Matrix& x) const;
    // y row r = the target vector of labels[indices[r]].
    void encode_targets(std::span<const std::uint8_t> labels, std::span<const std::uint32_t> indices,
                        Matrix& y) const;

    // The layers of a --net network, as planned from its text (empty for an MLP).
    const std::vector<LayerSpec>& plan() const { return plan_; }
    // Every tensor of a --net network in the plan's order, named as in its model file
    // ("0.weight", "3.running_var", ...); pointers into this network.
    std::vector<LayerTensor> tensors();
    std::vector<LayerTensor> tensors() const;

    std::vector<std::unique_ptr<Layer>> features;  // a --net network's layers before its first dense one
    std::vector<DenseLayer> layers;                // the fully connected layers

private:
    Architecture architecture_;
    std::vector<LayerSpec> plan_;
    Matrix grad_buffer_[2];  // ∂C/∂a handed down between layers
    std::shared_ptr<WorkerPool> workers_;  // the feature layers' threads (a copy gets its own)
    void share_workers();
};

}  // namespace digitnet

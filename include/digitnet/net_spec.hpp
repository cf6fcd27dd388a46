#pragma once
// One text describes any network (--net): words separated by spaces, read left to right from the
// input image to the output, e.g. Nielsen's chapter-6 network
//   conv5x5x20 relu maxpool2 conv5x5x40 relu maxpool2 flatten dense100 relu dense10 softmax
// The words:
//   conv<kh>x<kw>x<F>[:same][:stride<s>]   F filters of kh × kw (valid padding and stride 1 unless said)
//   maxpool<k>[:stride<s>]  avgpool<k>[:stride<s>]   k × k pooling, stride k unless said
//   flatten                                the image as one row of values (moves no data)
//   dense<N>                               a fully connected layer of N neurons
//   relu sigmoid tanh identity softmax     the activation of the layer before (softmax: output only)
//   dropout<p>                             inverted dropout of the layer before's output (0 <= p < 1)
//   batchnorm                              batch normalisation: per channel after a convolution,
//                                          per neuron after a dense layer (either then has no bias:
//                                          β does its job)
// After the first dense layer only dense layers follow, each as: dense<N> [batchnorm] [activation]
// [dropout<p>]. A dense layer without an activation word is linear (identity).
#include <cstddef>
#include <string>
#include <vector>

#include "digitnet/activation.hpp"
#include "digitnet/image_shape.hpp"

namespace digitnet {

enum class LayerKind { conv, maxpool, avgpool, flatten, dense, activation, dropout, batchnorm };

// A tensor a layer keeps in a model file: "<layer index>.<name>" with PyTorch's names and shapes,
// so that the file is a torch.nn.Sequential's state_dict.
struct TensorSpec {
    std::string name;
    std::vector<std::size_t> shape;
    bool trained = true;  // false for batch normalisation's running statistics
};

struct LayerSpec {
    LayerKind kind = LayerKind::dense;
    std::string word;  // as written
    std::size_t filters = 0, kernel_rows = 0, kernel_cols = 0;  // conv
    bool same = false;                                            // conv: zero padding to keep the size
    std::size_t window = 0;                                       // pooling
    std::size_t stride = 1;                                       // conv, pooling
    std::size_t units = 0;                                        // dense
    Activation activation = Activation::identity;                 // activation
    float p = 0.0f;                                               // dropout
    ImageShape in, out;              // worked out by plan_net
    std::vector<TensorSpec> tensors;  // worked out by plan_net
    std::size_t parameter_count() const;
};

// Parses `net` and works out every layer's input and output shape and tensors, starting from an
// input image of shape `input`. Refuses, in one line naming the layer ("--net: layer 3
// 'conv9x9x8': ..."), an unknown word, a size of 0 or out of range, a kernel or window larger
// than its input, a dense layer given an image without flatten, a convolution or pooling after
// flatten, softmax anywhere but at the end, and a network that does not end in a dense layer.
std::vector<LayerSpec> plan_net(const std::string& net, ImageShape input);

// The network's output activation (that of its last dense layer) and number of outputs.
Activation net_output_activation(const std::vector<LayerSpec>& plan);
std::size_t net_outputs(const std::vector<LayerSpec>& plan);

// "conv5x5x20 relu maxpool2": the words, separated by one space.
std::string net_text(const std::vector<LayerSpec>& plan);

}  // namespace digitnet

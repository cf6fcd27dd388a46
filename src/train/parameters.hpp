#pragma once
// A network's trained parameters in one fixed order: per layer its weights, its biases (when
// it has them), then batch normalisation's γ and β; for a --net network, its trained tensors in
// the order of Network::tensors(). The optimiser's slots are numbered in this order.
#include <type_traits>
#include <vector>

#include "digitnet/network.hpp"

namespace digitnet {

template <typename NetworkType>
auto parameter_list(NetworkType& network) {
    using Pointer = std::conditional_t<std::is_const_v<NetworkType>, const Matrix*, Matrix*>;
    std::vector<Pointer> values;
    if (network.architecture().is_net()) {
        for (const LayerTensor& t : network.tensors())
            if (t.grad) values.push_back(t.value);
        return values;
    }
    for (auto& layer : network.layers) {
        values.push_back(&layer.weights);
        if (layer.use_bias) values.push_back(&layer.biases);
        if (layer.batch_norm) {
            values.push_back(&layer.norm.gamma);
            values.push_back(&layer.norm.beta);
        }
    }
    return values;
}

// What early stopping keeps of its best epoch: the parameters above, then every batch
// normalisation's running mean and variance (evaluation reads those, so weights without them
// would be judged with another epoch's statistics). A checkpoint's best.<i> follow this order.
template <typename NetworkType>
auto best_state_list(NetworkType& network) {
    auto values = parameter_list(network);
    if (network.architecture().is_net()) {
        for (const LayerTensor& t : network.tensors())
            if (!t.grad) values.push_back(t.value);
        return values;
    }
    for (auto& layer : network.layers)
        if (layer.batch_norm) {
            values.push_back(&layer.norm.running_mean);
            values.push_back(&layer.norm.running_var);
        }
    return values;
}

// --dropout for an MLP's hidden layers (its model file does not hold it); a --net network has its
// dropout from its text, and keeps it.
inline void apply_mlp_dropout(Network& network, float dropout) {
    if (network.architecture().is_net()) return;
    for (std::size_t l = 0; l + 1 < network.layers.size(); ++l) network.layers[l].dropout = dropout;
}

}  // namespace digitnet

#include "digitnet/gradcheck.hpp"

#include <algorithm>
#include <cmath>

namespace digitnet {

void numerical_gradients(Network& network, ConstMatrixView x, ConstMatrixView y, double epsilon,
                         std::vector<Matrix>& grad_weights, std::vector<Matrix>& grad_biases) {
    grad_weights.clear();
    grad_biases.clear();
    // ∂C/∂p ≈ (C(p + ε) - C(p - ε)) / 2ε, one parameter at a time.
    auto central_difference = [&](float& p) {
        const float saved = p;
        p = static_cast<float>(saved + epsilon);
        const double plus = network.cost(x, y, true);
        p = static_cast<float>(saved - epsilon);
        const double minus = network.cost(x, y, true);
        p = saved;
        return static_cast<float>((plus - minus) / (2.0 * epsilon));
    };
    for (auto& layer : network.layers) {
        Matrix gw(layer.weights.rows(), layer.weights.cols());
        for (std::size_t i = 0; i < layer.weights.size(); ++i) gw.data()[i] = central_difference(layer.weights.data()[i]);
        Matrix gb(1, layer.biases.size());
        if (layer.use_bias)
            for (std::size_t i = 0; i < layer.biases.size(); ++i) gb.data()[i] = central_difference(layer.biases.data()[i]);
        grad_weights.push_back(std::move(gw));
        grad_biases.push_back(std::move(gb));
    }
}

// |a - b| / max(|a| + |b|, floor): relative where the gradient is large, absolute (scaled by
// 1/floor) where both are tiny, so that float rounding of near-zero gradients is not reported.
static double relative_error(double a, double b) {
    return std::abs(a - b) / std::max(std::abs(a) + std::abs(b), 1e-2);
}

std::vector<TensorGradientCheck> check_tensor_gradients(Network& network, ConstMatrixView x, ConstMatrixView y,
                                                        double epsilon) {
    network.backprop(x, y);
    std::vector<TensorGradientCheck> result;
    std::vector<Matrix> backprop;
    std::vector<LayerTensor> tensors;
    for (const LayerTensor& t : network.tensors())
        if (t.grad) {
            tensors.push_back(t);
            backprop.push_back(*t.grad);
        }
    for (std::size_t k = 0; k < tensors.size(); ++k) {
        TensorGradientCheck check{tensors[k].name, 0.0};
        float* values = tensors[k].value->data();
        for (std::size_t i = 0; i < tensors[k].value->size(); ++i) {
            // ∂C/∂p ≈ (C(p + ε) - C(p - ε)) / 2ε
            const float saved = values[i];
            values[i] = static_cast<float>(saved + epsilon);
            const double plus = network.cost(x, y, true);
            values[i] = static_cast<float>(saved - epsilon);
            const double minus = network.cost(x, y, true);
            values[i] = saved;
            const double numerical = (plus - minus) / (2.0 * epsilon);
            check.max_relative_error =
                std::max(check.max_relative_error, relative_error(backprop[k].data()[i], numerical));
        }
        result.push_back(check);
    }
    return result;
}

std::vector<LayerGradientCheck> check_gradients(Network& network, ConstMatrixView x, ConstMatrixView y,
                                                double epsilon) {
    network.backprop(x, y);
    std::vector<Matrix> bp_w, bp_b;
    for (const auto& layer : network.layers) {
        bp_w.push_back(layer.grad_weights);
        bp_b.push_back(layer.grad_biases);
    }
    std::vector<Matrix> num_w, num_b;
    numerical_gradients(network, x, y, epsilon, num_w, num_b);
    std::vector<LayerGradientCheck> result(network.layers.size());
    for (std::size_t l = 0; l < network.layers.size(); ++l) {
        for (std::size_t i = 0; i < bp_w[l].size(); ++i)
            result[l].max_relative_error_weights =
                std::max(result[l].max_relative_error_weights, relative_error(bp_w[l].data()[i], num_w[l].data()[i]));
        if (network.layers[l].use_bias)
            for (std::size_t i = 0; i < bp_b[l].size(); ++i)
                result[l].max_relative_error_biases =
                    std::max(result[l].max_relative_error_biases, relative_error(bp_b[l].data()[i], num_b[l].data()[i]));
    }
    return result;
}

}  // namespace digitnet

#pragma once
// Numerical gradients by central differences, ∂C/∂w ≈ (C(w + ε) - C(w - ε)) / 2ε — the slow
// method — compared with backpropagation.
#include <cstddef>
#include <string>
#include <vector>

#include "digitnet/matrix.hpp"
#include "digitnet/network.hpp"

namespace digitnet {

struct LayerGradientCheck {
    double max_relative_error_weights = 0.0;
    double max_relative_error_biases = 0.0;
    double max_relative_error() const {
        return std::max(max_relative_error_weights, max_relative_error_biases);
    }
};

// Numerical gradient of the cost on (x, y) for every parameter, in the layers' own shapes.
// Each evaluation is done in double precision through the network's float code, so use
// epsilon around 1e-3. Leaves the weights as they were.
void numerical_gradients(Network& network, ConstMatrixView x, ConstMatrixView y, double epsilon,
                         std::vector<Matrix>& grad_weights, std::vector<Matrix>& grad_biases);

// Backprop's gradients against the numerical ones, per layer. Relative error
// |g_bp - g_num| / max(|g_bp| + |g_num|, 1e-4)... see the .cpp for the exact formula.
std::vector<LayerGradientCheck> check_gradients(Network& network, ConstMatrixView x, ConstMatrixView y,
                                                double epsilon = 1e-3);

// A --net network's check, tensor by tensor (Network::tensors(): "0.weight", "0.bias", ...),
// over every trained value. Dropout is off (no generator), batch normalisation uses the batch.
struct TensorGradientCheck {
    std::string name;
    double max_relative_error = 0.0;
};
std::vector<TensorGradientCheck> check_tensor_gradients(Network& network, ConstMatrixView x, ConstMatrixView y,
                                                        double epsilon = 1e-3);

}  // namespace digitnet

#pragma once
// Activation functions a = σ(z) and their derivatives σ'(z). In activation.cpp each one is a
// small pair: its value σ(z) and its backward rule ∂C/∂z = ∂C/∂a ⊙ σ'(z), side by side.
//   step      a = 1 if z > 0 else 0            (the perceptron; σ' = 0, not trainable)
//   sigmoid   a = 1 / (1 + e^-z)               σ' = a (1 - a)
//   tanh      a = tanh z                       σ' = 1 - a²
//   relu      a = max(0, z)                    σ' = 1 if z > 0 else 0
//   identity  a = z                            σ' = 1
//   softmax   a_j = e^{z_j} / Σ_k e^{z_k}       ∂a_j/∂z_i = a_j (δ_ij - a_i)   (per row)
#include <string>
#include <string_view>

#include "digitnet/matrix.hpp"

namespace digitnet {

enum class Activation { step, sigmoid, tanh, relu, identity, softmax };

std::string to_string(Activation activation);
// Parses "sigmoid", "relu", ...; throws Error naming `option` and the accepted names.
Activation parse_activation(std::string_view name, std::string_view option = "--activation");

// Sigmoid without overflow for any finite z: e^-z is only taken for z >= 0.
float sigmoid(float z);

// Elementwise activation of one value (not for softmax, which needs the whole row).
float activate(Activation activation, float z);
// Elementwise derivative σ'(z) (not for softmax): the backward rule with ∂C/∂a = 1.
float activation_derivative(Activation activation, float z);

// a = σ(z) for a whole batch. z, a: (batch, n). Softmax is taken per row, shifted by the
// row's maximum so that e^z never overflows.
void activate(Activation activation, ConstMatrixView z, MatrixView a);

// delta = ∂C/∂z from grad_a = ∂C/∂a: delta = grad_a ⊙ σ'(z) elementwise, or for softmax
// the Jacobian-vector product delta_i = a_i (grad_a_i - Σ_j grad_a_j a_j). Overwrites delta
// (which may alias grad_a).
void activation_backward(Activation activation, ConstMatrixView z, ConstMatrixView a, ConstMatrixView grad_a,
                         MatrixView delta);

}  // namespace digitnet

#include "digitnet/activation.hpp"

#include <algorithm>
#include <cmath>

#include "digitnet/error.hpp"

namespace digitnet {

std::string to_string(Activation activation) {
    switch (activation) {
        case Activation::step: return "step";
        case Activation::sigmoid: return "sigmoid";
        case Activation::tanh: return "tanh";
        case Activation::relu: return "relu";
        case Activation::identity: return "identity";
        case Activation::softmax: return "softmax";
    }
    return "?";
}

Activation parse_activation(std::string_view name, std::string_view option) {
    for (Activation a : {Activation::step, Activation::sigmoid, Activation::tanh, Activation::relu,
                         Activation::identity, Activation::softmax})
        if (name == to_string(a)) return a;
    throw Error(std::string(option) + ": expected one of step, sigmoid, tanh, relu, identity, softmax; found '" +
                std::string(name) + "'");
}

float sigmoid(float z) {
    // For z < 0 use e^z / (1 + e^z), so that e^{-z} never overflows.
    if (z >= 0.0f) return 1.0f / (1.0f + std::exp(-z));
    const float e = std::exp(z);
    return e / (1.0f + e);
}

float activate(Activation activation, float z) {
    switch (activation) {
        case Activation::step: return z > 0.0f ? 1.0f : 0.0f;
        case Activation::sigmoid: return sigmoid(z);
        case Activation::tanh: return std::tanh(z);
        case Activation::relu: return z > 0.0f ? z : 0.0f;
        case Activation::identity: return z;
        case Activation::softmax: break;
    }
    throw Error("activate: softmax needs a whole row, not one value");
}

float activation_derivative(Activation activation, float z) {
    switch (activation) {
        case Activation::step: return 0.0f;
        case Activation::sigmoid: { const float s = sigmoid(z); return s * (1.0f - s); }
        case Activation::tanh: { const float t = std::tanh(z); return 1.0f - t * t; }
        case Activation::relu: return z > 0.0f ? 1.0f : 0.0f;
        case Activation::identity: return 1.0f;
        case Activation::softmax: break;
    }
    throw Error("activation_derivative: softmax has a Jacobian, not an elementwise derivative");
}

void activate(Activation activation, ConstMatrixView z, MatrixView a) {
    const std::size_t n = z.size();
    const float* zp = z.data;
    float* ap = a.data;
    switch (activation) {
        case Activation::step: for (std::size_t i = 0; i < n; ++i) ap[i] = zp[i] > 0.0f ? 1.0f : 0.0f; break;
        case Activation::sigmoid: for (std::size_t i = 0; i < n; ++i) ap[i] = sigmoid(zp[i]); break;
        case Activation::tanh: for (std::size_t i = 0; i < n; ++i) ap[i] = std::tanh(zp[i]); break;
        case Activation::relu: for (std::size_t i = 0; i < n; ++i) ap[i] = zp[i] > 0.0f ? zp[i] : 0.0f; break;
        case Activation::identity: if (ap != zp) std::copy(zp, zp + n, ap); break;
        case Activation::softmax:
            // a_j = e^{z_j - max z} / Σ_k e^{z_k - max z}: the shift cancels and keeps e^x <= 1.
            for (std::size_t r = 0; r < z.rows; ++r) {
                const float* zr = z.row(r);
                float* ar = a.row(r);
                const float zmax = *std::max_element(zr, zr + z.cols);
                float sum = 0.0f;
                for (std::size_t j = 0; j < z.cols; ++j) sum += (ar[j] = std::exp(zr[j] - zmax));
                const float inv = 1.0f / sum;
                for (std::size_t j = 0; j < z.cols; ++j) ar[j] *= inv;
            }
            break;
    }
}

void activation_backward(Activation activation, ConstMatrixView z, ConstMatrixView a, ConstMatrixView grad_a,
                         MatrixView delta) {
    const std::size_t n = z.size();
    const float* zp = z.data;
    const float* ap = a.data;
    const float* gp = grad_a.data;
    float* dp = delta.data;
    switch (activation) {
        case Activation::step: for (std::size_t i = 0; i < n; ++i) dp[i] = 0.0f; break;
        case Activation::sigmoid: for (std::size_t i = 0; i < n; ++i) dp[i] = gp[i] * ap[i] * (1.0f - ap[i]); break;
        case Activation::tanh: for (std::size_t i = 0; i < n; ++i) dp[i] = gp[i] * (1.0f - ap[i] * ap[i]); break;
        case Activation::relu:
            // Load g first so that the select compiles to a blend, not a branch.
            for (std::size_t i = 0; i < n; ++i) {
                const float g = gp[i];
                dp[i] = zp[i] > 0.0f ? g : 0.0f;
            }
            break;
        case Activation::identity: if (dp != gp) std::copy(gp, gp + n, dp); break;
        case Activation::softmax:
            // delta_i = Σ_j grad_a_j ∂a_j/∂z_i = a_i (grad_a_i - Σ_j grad_a_j a_j)
            for (std::size_t r = 0; r < z.rows; ++r) {
                const float* ar = a.row(r);
                const float* gr = grad_a.row(r);
                float* dr = delta.row(r);
                float dot = 0.0f;
                for (std::size_t j = 0; j < z.cols; ++j) dot += gr[j] * ar[j];
                for (std::size_t j = 0; j < z.cols; ++j) dr[j] = ar[j] * (gr[j] - dot);
            }
            break;
    }
}

}  // namespace digitnet

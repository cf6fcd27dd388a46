#include "digitnet/activation.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

#include "digitnet/error.hpp"
#include "kernels/exp_floats.hpp"

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

// e^x for x in [-87, 88] (clamped there), without branches or calls so that loops over it
// vectorise: e^x = 2^n e^r with n = round(x / ln 2) and r = x - n ln 2 in [-ln2/2, ln2/2];
// e^r from Cephes' expf polynomial (relative error about 1e-7), 2^n built in the exponent bits.
static inline float exp_clamped(float x) {
    x = std::min(std::max(x, -87.0f), 88.0f);
    // n = round(x / ln 2): adding and subtracting 1.5 * 2^23 rounds to the nearest integer.
    const float n = (x * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
    const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;  // x - n ln 2, ln 2 in two parts
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    const float er = p * r * r + r + 1.0f;
    const std::int32_t bits = (static_cast<std::int32_t>(n) + 127) << 23;  // 2^n, n in [-126, 127]
    return er * std::bit_cast<float>(bits);
}

static inline float sigmoid_inline(float z) {
    // σ(z) = 1 / (1 + e^{-z}) with e^{-z} clamped to [e^-88, e^87], so nothing overflows; below
    // z = -87, σ(z) < 1.7e-38 is returned as 0 (both sides compile to a select, not a branch).
    const float a = 1.0f / (1.0f + exp_clamped(-z));
    return z < -87.0f ? 0.0f : a;
}

float sigmoid(float z) { return sigmoid_inline(z); }

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
        case Activation::sigmoid: for (std::size_t i = 0; i < n; ++i) ap[i] = sigmoid_inline(zp[i]); break;
        case Activation::tanh: for (std::size_t i = 0; i < n; ++i) ap[i] = std::tanh(zp[i]); break;
        case Activation::relu: for (std::size_t i = 0; i < n; ++i) ap[i] = zp[i] > 0.0f ? zp[i] : 0.0f; break;
        case Activation::identity: if (ap != zp) std::copy(zp, zp + n, ap); break;
        case Activation::softmax:
            // a_j = e^{z_j - max z} / Σ_k e^{z_k - max z}: the shift cancels and keeps e^x <= 1.
            for (std::size_t r = 0; r < z.rows; ++r) {
                const float* zr = z.row(r);
                float* ar = a.row(r);
                const float zmax = *std::max_element(zr, zr + z.cols);
                for (std::size_t j = 0; j < z.cols; ++j) ar[j] = zr[j] - zmax;
            }
            exp_floats(ap, ap, n);  // every e^{z_j - max z} of the batch at once
            for (std::size_t r = 0; r < z.rows; ++r) {
                float* ar = a.row(r);
                float sum = 0.0f;
                for (std::size_t j = 0; j < z.cols; ++j) sum += ar[j];
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

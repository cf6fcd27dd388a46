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

// Each activation as a pair: value(z) = σ(z), and the backward rule delta(z, a, g) = g σ'(z), which
// turns g = ∂C/∂a into ∂C/∂z using whichever of z and a = σ(z) gives σ' most simply.
struct Step {      // a = 1 if z > 0 else 0       σ' = 0
    static float value(float z) { return z > 0.0f ? 1.0f : 0.0f; }
    static float delta(float, float, float) { return 0.0f; }
};
struct Sigmoid {   // a = 1 / (1 + e^-z)          σ' = a (1 - a)
    static float value(float z) { return sigmoid_inline(z); }
    static float delta(float, float a, float g) { return g * a * (1.0f - a); }
};
struct Tanh {      // a = tanh z                  σ' = 1 - a²
    static float value(float z) { return std::tanh(z); }
    static float delta(float, float a, float g) { return g * (1.0f - a * a); }
};
struct Relu {      // a = max(0, z)               σ' = 1 if z > 0 else 0
    static float value(float z) { return z > 0.0f ? z : 0.0f; }
    static float delta(float z, float, float g) { return z > 0.0f ? g : 0.0f; }
};
struct Identity {  // a = z                       σ' = 1
    static float value(float z) { return z; }
    static float delta(float, float, float g) { return g; }
};

// σ'(z) from the same pair: the backward rule with g = 1.
template <class F>
static float derivative(float z) { return F::delta(z, F::value(z), 1.0f); }

float activate(Activation activation, float z) {
    switch (activation) {
        case Activation::step: return Step::value(z);
        case Activation::sigmoid: return Sigmoid::value(z);
        case Activation::tanh: return Tanh::value(z);
        case Activation::relu: return Relu::value(z);
        case Activation::identity: return Identity::value(z);
        case Activation::softmax: break;
    }
    throw Error("activate: softmax needs a whole row, not one value");
}

float activation_derivative(Activation activation, float z) {
    switch (activation) {
        case Activation::step: return derivative<Step>(z);
        case Activation::sigmoid: return derivative<Sigmoid>(z);
        case Activation::tanh: return derivative<Tanh>(z);
        case Activation::relu: return derivative<Relu>(z);
        case Activation::identity: return derivative<Identity>(z);
        case Activation::softmax: break;
    }
    throw Error("activation_derivative: softmax has a Jacobian, not an elementwise derivative");
}

// a_i = σ(z_i) over n values.
template <class F>
static void activate_all(const float* z, float* a, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) a[i] = F::value(z[i]);
}

// delta_i = grad_a_i σ'(z_i) over n values; delta may be grad_a. Every operand is loaded before the
// rule is applied, so ReLU's select compiles to a blend, not a branch.
template <class F>
static void backward_all(const float* z, const float* a, const float* grad_a, float* delta, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) delta[i] = F::delta(z[i], a[i], grad_a[i]);
}

// Softmax, row by row: a_j = e^{z_j - max z} / Σ_k e^{z_k - max z} (the shift cancels and keeps e^x <= 1).
static void softmax_rows(ConstMatrixView z, MatrixView a) {
    for (std::size_t r = 0; r < z.rows; ++r) {
        const float* zr = z.row(r);
        float* ar = a.row(r);
        const float zmax = *std::max_element(zr, zr + z.cols);
        for (std::size_t j = 0; j < z.cols; ++j) ar[j] = zr[j] - zmax;
    }
    exp_floats(a.data, a.data, z.size());  // every e^{z_j - max z} of the batch at once
    for (std::size_t r = 0; r < z.rows; ++r) {
        float* ar = a.row(r);
        float sum = 0.0f;
        for (std::size_t j = 0; j < z.cols; ++j) sum += ar[j];
        const float inv = 1.0f / sum;
        for (std::size_t j = 0; j < z.cols; ++j) ar[j] *= inv;
    }
}

// Softmax's Jacobian-vector product, row by row:
// delta_i = Σ_j grad_a_j ∂a_j/∂z_i = a_i (grad_a_i - Σ_j grad_a_j a_j).
static void softmax_backward_rows(ConstMatrixView a, ConstMatrixView grad_a, MatrixView delta) {
    for (std::size_t r = 0; r < a.rows; ++r) {
        const float* ar = a.row(r);
        const float* gr = grad_a.row(r);
        float* dr = delta.row(r);
        float dot = 0.0f;
        for (std::size_t j = 0; j < a.cols; ++j) dot += gr[j] * ar[j];
        for (std::size_t j = 0; j < a.cols; ++j) dr[j] = ar[j] * (gr[j] - dot);
    }
}

void activate(Activation activation, ConstMatrixView z, MatrixView a) {
    const std::size_t n = z.size();
    switch (activation) {
        case Activation::step: return activate_all<Step>(z.data, a.data, n);
        case Activation::sigmoid: return activate_all<Sigmoid>(z.data, a.data, n);
        case Activation::tanh: return activate_all<Tanh>(z.data, a.data, n);
        case Activation::relu: return activate_all<Relu>(z.data, a.data, n);
        case Activation::identity: return activate_all<Identity>(z.data, a.data, n);
        case Activation::softmax: return softmax_rows(z, a);
    }
}

void activation_backward(Activation activation, ConstMatrixView z, ConstMatrixView a, ConstMatrixView grad_a,
                         MatrixView delta) {
    const std::size_t n = z.size();
    switch (activation) {
        case Activation::step: return backward_all<Step>(z.data, a.data, grad_a.data, delta.data, n);
        case Activation::sigmoid: return backward_all<Sigmoid>(z.data, a.data, grad_a.data, delta.data, n);
        case Activation::tanh: return backward_all<Tanh>(z.data, a.data, grad_a.data, delta.data, n);
        case Activation::relu: return backward_all<Relu>(z.data, a.data, grad_a.data, delta.data, n);
        case Activation::identity: return backward_all<Identity>(z.data, a.data, grad_a.data, delta.data, n);
        case Activation::softmax: return softmax_backward_rows(a, grad_a, delta);
    }
}

}  // namespace digitnet

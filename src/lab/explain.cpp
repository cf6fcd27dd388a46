#include "digitnet/explain.hpp"

#include <cmath>
#include <cstdarg>
#include <cstdio>

#include "digitnet/error.hpp"

namespace digitnet {

Network explain_example_network() {
    Architecture a;
    a.sizes = {2, 2, 2};
    a.hidden = Activation::sigmoid;
    a.output = Activation::sigmoid;
    a.cost = Cost::quadratic;
    Network net(a);
    net.layers[0].weights = Matrix(2, 2, {0.15f, 0.20f, 0.25f, 0.30f});
    net.layers[0].biases = Matrix(1, 2, {0.35f, 0.35f});
    net.layers[1].weights = Matrix(2, 2, {0.40f, 0.45f, 0.50f, 0.55f});
    net.layers[1].biases = Matrix(1, 2, {0.60f, 0.60f});
    return net;
}

Explanation explain_step(const Network& network, const std::vector<float>& x, const std::vector<float>& y,
                         float learning_rate) {
    const Architecture& arch = network.architecture();
    if (arch.hidden != Activation::sigmoid || arch.output != Activation::sigmoid || arch.cost != Cost::quadratic)
        throw Error("explain: written out for sigmoid neurons and the quadratic cost, found " + arch.describe());
    if (x.size() != network.input_size() || y.size() != network.output_size())
        throw Error("explain: expected " + std::to_string(network.input_size()) + " inputs and " +
                    std::to_string(network.output_size()) + " targets, found " + std::to_string(x.size()) + " and " +
                    std::to_string(y.size()));
    Explanation e;
    e.input = x;
    e.target = y;
    e.learning_rate = learning_rate;
    // Forward: z^l_j = Σ_k w_jk a_k + b_j, a^l_j = σ(z^l_j)
    std::vector<float> a_prev = x;
    for (const DenseLayer& layer : network.layers) {
        ExplainLayer L;
        const std::size_t n_out = layer.n_out(), n_in = layer.n_in();
        L.weights.assign(n_out, std::vector<float>(n_in));
        L.biases.assign(n_out, 0.0f);
        L.z.assign(n_out, 0.0f);
        L.activation.assign(n_out, 0.0f);
        for (std::size_t j = 0; j < n_out; ++j) {
            float z = layer.use_bias ? layer.biases(0, j) : 0.0f;
            L.biases[j] = z;
            for (std::size_t k = 0; k < n_in; ++k) {
                L.weights[j][k] = layer.weights(j, k);
                z += layer.weights(j, k) * a_prev[k];
            }
            L.z[j] = z;
            L.activation[j] = sigmoid(z);
        }
        a_prev = L.activation;
        e.layers.push_back(std::move(L));
    }
    // Output error and cost: C = ½ Σ (y_j - a_j)²
    ExplainLayer& out = e.layers.back();
    for (std::size_t j = 0; j < y.size(); ++j) {
        e.output_error.push_back(out.activation[j] - y[j]);
        e.cost += 0.5 * (y[j] - out.activation[j]) * (y[j] - out.activation[j]);
    }
    // δ^L_j = (a_j - y_j) σ'(z_j), σ'(z) = a (1 - a)
    out.delta.resize(y.size());
    for (std::size_t j = 0; j < y.size(); ++j)
        out.delta[j] = e.output_error[j] * out.activation[j] * (1.0f - out.activation[j]);
    // δ^l_k = (Σ_j w^{l+1}_jk δ^{l+1}_j) σ'(z^l_k)
    for (std::size_t l = e.layers.size() - 1; l-- > 0;) {
        ExplainLayer& here = e.layers[l];
        const ExplainLayer& above = e.layers[l + 1];
        here.delta.assign(here.z.size(), 0.0f);
        for (std::size_t k = 0; k < here.z.size(); ++k) {
            float sum = 0.0f;
            for (std::size_t j = 0; j < above.delta.size(); ++j) sum += above.weights[j][k] * above.delta[j];
            here.delta[k] = sum * here.activation[k] * (1.0f - here.activation[k]);
        }
    }
    // ∂C/∂w_jk = a^{l-1}_k δ^l_j, ∂C/∂b_j = δ^l_j, and the gradient-descent update.
    for (std::size_t l = 0; l < e.layers.size(); ++l) {
        ExplainLayer& L = e.layers[l];
        const std::vector<float>& a_in = l == 0 ? x : e.layers[l - 1].activation;
        const bool bias = network.layers[l].use_bias;
        L.grad_weights = L.weights;
        L.new_weights = L.weights;
        L.grad_biases.assign(L.delta.size(), 0.0f);
        L.new_biases = L.biases;
        for (std::size_t j = 0; j < L.delta.size(); ++j) {
            for (std::size_t k = 0; k < a_in.size(); ++k) {
                L.grad_weights[j][k] = a_in[k] * L.delta[j];
                L.new_weights[j][k] = L.weights[j][k] - learning_rate * L.grad_weights[j][k];
            }
            if (bias) {
                L.grad_biases[j] = L.delta[j];
                L.new_biases[j] = L.biases[j] - learning_rate * L.delta[j];
            }
        }
    }
    // The cost of the same example after the update, to show that it went down.
    std::vector<float> a = x;
    for (const ExplainLayer& L : e.layers) {
        std::vector<float> next(L.new_biases.size());
        for (std::size_t j = 0; j < next.size(); ++j) {
            float z = L.new_biases[j];
            for (std::size_t k = 0; k < a.size(); ++k) z += L.new_weights[j][k] * a[k];
            next[j] = sigmoid(z);
        }
        a = next;
    }
    for (std::size_t j = 0; j < y.size(); ++j) e.cost_after += 0.5 * (y[j] - a[j]) * (y[j] - a[j]);
    return e;
}

static std::string fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));
static std::string fmt(const char* format, ...) {
    char buf[512];
    va_list args;
    va_start(args, format);
    std::vsnprintf(buf, sizeof buf, format, args);
    va_end(args);
    return buf;
}

std::string format_explanation(const Explanation& e) {
    std::string s;
    const std::size_t L = e.layers.size();
    s += "input  x = (";
    for (std::size_t k = 0; k < e.input.size(); ++k) s += fmt("%s%.4f", k ? ", " : "", e.input[k]);
    s += ")   target y = (";
    for (std::size_t j = 0; j < e.target.size(); ++j) s += fmt("%s%.4f", j ? ", " : "", e.target[j]);
    s += fmt(")   learning rate η = %g\n\n", e.learning_rate);
    s += "1. forward:  z^l_j = Σ_k w^l_jk a^(l-1)_k + b^l_j,   a^l_j = σ(z^l_j)\n";
    for (std::size_t l = 0; l < L; ++l) {
        const ExplainLayer& layer = e.layers[l];
        for (std::size_t j = 0; j < layer.z.size(); ++j) {
            s += fmt("   layer %zu neuron %zu: z = ", l + 1, j + 1);
            for (std::size_t k = 0; k < layer.weights[j].size(); ++k)
                s += fmt("%s%.4f·%.4f", k ? " + " : "", layer.weights[j][k],
                         l == 0 ? e.input[k] : e.layers[l - 1].activation[k]);
            s += fmt(" + %.4f = %.6f   a = σ(z) = %.6f\n", layer.biases[j], layer.z[j], layer.activation[j]);
        }
    }
    s += "\n2. cost:  C = ½ Σ_j (y_j - a_j)²\n";
    for (std::size_t j = 0; j < e.target.size(); ++j)
        s += fmt("   output %zu: a - y = %.6f - %.4f = %.6f\n", j + 1, e.layers.back().activation[j], e.target[j],
                 e.output_error[j]);
    s += fmt("   C = %.8f\n", e.cost);
    s += "\n3. backward:  δ^L_j = (a_j - y_j) σ'(z_j);   δ^l_k = (Σ_j w^(l+1)_jk δ^(l+1)_j) σ'(z^l_k);   σ' = a(1 - a)\n";
    for (std::size_t l = L; l-- > 0;) {
        const ExplainLayer& layer = e.layers[l];
        for (std::size_t j = 0; j < layer.delta.size(); ++j)
            s += fmt("   layer %zu neuron %zu: σ'(z) = %.6f   δ = %.8f\n", l + 1, j + 1,
                     layer.activation[j] * (1 - layer.activation[j]), layer.delta[j]);
    }
    s += "\n4. gradients and update:  ∂C/∂w_jk = a^(l-1)_k δ^l_j,  ∂C/∂b_j = δ^l_j,  w ← w - η ∂C/∂w\n";
    for (std::size_t l = 0; l < L; ++l) {
        const ExplainLayer& layer = e.layers[l];
        for (std::size_t j = 0; j < layer.delta.size(); ++j) {
            for (std::size_t k = 0; k < layer.weights[j].size(); ++k)
                s += fmt("   w^%zu_%zu%zu: ∂C/∂w = %.8f   %.6f → %.6f\n", l + 1, j + 1, k + 1, layer.grad_weights[j][k],
                         layer.weights[j][k], layer.new_weights[j][k]);
            s += fmt("   b^%zu_%zu:  ∂C/∂b = %.8f   %.6f → %.6f\n", l + 1, j + 1, layer.grad_biases[j], layer.biases[j],
                     layer.new_biases[j]);
        }
    }
    s += fmt("\ncost before the step %.8f, after %.8f\n", e.cost, e.cost_after);
    return s;
}

}  // namespace digitnet

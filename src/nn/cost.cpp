#include "digitnet/cost.hpp"

#include <algorithm>
#include <cmath>

#include "digitnet/error.hpp"

namespace digitnet {

std::string to_string(Cost cost) {
    switch (cost) {
        case Cost::quadratic: return "quadratic";
        case Cost::cross_entropy: return "cross-entropy";
        case Cost::log_likelihood: return "log-likelihood";
    }
    return "?";
}

Cost parse_cost(std::string_view name, std::string_view option) {
    for (Cost c : {Cost::quadratic, Cost::cross_entropy, Cost::log_likelihood})
        if (name == to_string(c)) return c;
    throw Error(std::string(option) + ": expected one of quadratic, cross-entropy, log-likelihood; found '" +
                std::string(name) + "'");
}

void check_cost_output(Cost cost, Activation output) {
    if (cost == Cost::quadratic) return;
    if (output == Activation::sigmoid || output == Activation::softmax) return;
    throw Error("--cost " + to_string(cost) + " needs probabilities as outputs: expected a sigmoid or softmax output "
                "layer, found " + to_string(output));
}

static double safe_log(double p) { return std::log(std::clamp(p, 1e-12, 1.0)); }

double cost_value(Cost cost, ConstMatrixView a, ConstMatrixView y) {
    if (a.rows == 0) return 0.0;
    double total = 0.0;
    const std::size_t n = a.size();
    for (std::size_t i = 0; i < n; ++i) {
        const double av = a.data[i], yv = y.data[i];
        switch (cost) {
            case Cost::quadratic: total += 0.5 * (yv - av) * (yv - av); break;
            case Cost::cross_entropy: total -= yv * safe_log(av) + (1.0 - yv) * safe_log(1.0 - av); break;
            case Cost::log_likelihood: if (yv != 0.0) total -= yv * safe_log(av); break;
        }
    }
    return total / static_cast<double>(a.rows);
}

void output_delta(Cost cost, Activation output, ConstMatrixView z, ConstMatrixView a, ConstMatrixView y,
                  MatrixView delta) {
    // delta: (batch, n_out); overwritten with BP1's δᴸ = ∇ₐC_x ⊙ σ'(zᴸ)
    const std::size_t n = a.size();
    // The pairs where σ' cancels against the cost's denominator: δᴸ = a - y.
    if ((cost == Cost::cross_entropy && output == Activation::sigmoid) ||
        (cost == Cost::log_likelihood && output == Activation::softmax) ||
        (cost == Cost::quadratic && output == Activation::identity)) {
        for (std::size_t i = 0; i < n; ++i) delta.data[i] = a.data[i] - y.data[i];
        return;
    }
    // General case: grad_a = ∇ₐC_x, then δᴸ = grad_a ⊙ σ'(zᴸ) (softmax: Jacobian product).
    for (std::size_t i = 0; i < n; ++i) {
        const float av = a.data[i], yv = y.data[i];
        const float p = std::clamp(av, 1e-7f, 1.0f - 1e-7f);
        switch (cost) {
            case Cost::quadratic: delta.data[i] = av - yv; break;
            case Cost::cross_entropy: delta.data[i] = (p - yv) / (p * (1.0f - p)); break;
            case Cost::log_likelihood: delta.data[i] = yv == 0.0f ? 0.0f : -yv / std::max(av, 1e-7f); break;
        }
    }
    activation_backward(output, z, a, delta, delta);
}

}  // namespace digitnet

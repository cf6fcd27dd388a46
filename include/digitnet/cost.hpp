#pragma once
// Cost functions, averaged over the n examples of a batch: C = (1/n) Σ_x C_x.
//   quadratic       C_x = ½ ‖y - a‖²                         ∂C_x/∂a = a - y
//   cross-entropy   C_x = -Σ_j [y_j ln a_j + (1-y_j) ln(1-a_j)]  ∂C_x/∂a = (a - y) / (a (1 - a))
//   log-likelihood  C_x = -Σ_j y_j ln a_j  (= -ln a_label)     ∂C_x/∂a = -y / a
// Cross-entropy and log-likelihood need outputs in (0, 1): sigmoid or softmax.
#include <string>
#include <string_view>

#include "digitnet/activation.hpp"
#include "digitnet/matrix.hpp"

namespace digitnet {

enum class Cost { quadratic, cross_entropy, log_likelihood };

std::string to_string(Cost cost);
Cost parse_cost(std::string_view name, std::string_view option = "--cost");

// Throws Error when the cost cannot be used with that output activation (e.g. cross-entropy
// after relu, whose outputs are not probabilities).
void check_cost_output(Cost cost, Activation output);

// C = (1/n) Σ_x C_x for outputs a and targets y, both (n, n_out). The logs are taken of
// probabilities clamped to [1e-12, 1], so an output of exactly 0 or 1 gives a finite cost.
double cost_value(Cost cost, ConstMatrixView a, ConstMatrixView y);

// BP1, the output error δᴸ = ∂C_x/∂zᴸ = ∇ₐC_x ⊙ σ'(zᴸ) for each example (not yet divided by n).
// Overwrites delta. Uses the delta that belongs to the pair where the σ' cancels:
//   sigmoid + cross-entropy, softmax + log-likelihood, identity + quadratic: delta = a - y
// otherwise delta = ∂C_x/∂a ⊙ σ'(z) (or the softmax Jacobian product).
void output_delta(Cost cost, Activation output, ConstMatrixView z, ConstMatrixView a, ConstMatrixView y,
                  MatrixView delta);

}  // namespace digitnet

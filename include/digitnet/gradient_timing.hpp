#pragma once
// Why backpropagation (Saito, "Deep Learning from Scratch", ch. 4-5; seed 004): the numerical
// gradient, ∂C/∂w ≈ (C(w + ε) − C(w − ε)) / 2ε, needs two evaluations of the cost per
// parameter — 26,004 forward passes for the 13,002 parameters of 784-16-16-10 — where
// backpropagation finds every ∂C/∂w with one forward and one backward pass.
#include <cstddef>

#include "digitnet/matrix.hpp"
#include "digitnet/network.hpp"

namespace digitnet {

struct GradientTimings {
    std::size_t parameters = 0;
    std::size_t examples = 0;          // rows of the batch
    std::size_t cost_evaluations = 0;  // the numerical gradient's: two per weight and bias
    double backprop_seconds = 0.0;     // one backpropagation (the median of several)
    double numerical_seconds = 0.0;    // one numerical gradient
    double times_slower() const { return backprop_seconds > 0.0 ? numerical_seconds / backprop_seconds : 0.0; }
};

// Times both ways of computing the whole gradient of the cost on (x, y). Leaves the weights as
// they were (the gradients hold backpropagation's).
GradientTimings time_gradients(Network& network, ConstMatrixView x, ConstMatrixView y, double epsilon = 1e-3);

}  // namespace digitnet

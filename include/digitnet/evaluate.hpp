#pragma once
// How well a network does on a dataset: accuracy, cost, confusion matrix, per-class
// precision and recall.
#include <cstddef>
#include <vector>

#include "digitnet/dataset.hpp"
#include "digitnet/network.hpp"

namespace digitnet {

struct Evaluation {
    std::size_t examples = 0;
    std::size_t correct = 0;
    double accuracy = 0.0;  // correct / examples, a fraction
    double cost = 0.0;      // the network's own cost, averaged over the examples
    // confusion[true][predicted]: 10x10 for digits, 2x2 (no, yes) for a yes/no network
    std::vector<std::vector<std::size_t>> confusion;
    std::vector<double> precision;  // per predicted class: TP / (TP + FP); 0 when never predicted
    std::vector<double> recall;     // per true class: TP / (TP + FN)
    // Each example's true class and the class answered, in the data's order (with the confusion
    // matrix only): for naming the examples it got wrong.
    std::vector<int> truth, predicted;
};

// Runs the data through the network in batches of `batch_size` (one GEMM per layer each).
Evaluation evaluate(Network& network, const Dataset& data, std::size_t batch_size = 1000);

// Only the accuracy and cost (no confusion bookkeeping), for per-epoch monitoring.
Evaluation evaluate_accuracy(Network& network, const Dataset& data, std::size_t batch_size = 1000);

// An ensemble (Nielsen ch. 6): the networks' output activations averaged, a = (1/k) Σ_i a_i, and
// the answer read from the average; the cost is the first network's cost of it. The networks need
// the same inputs, outputs and encoding (Error otherwise).
Evaluation evaluate_ensemble(std::vector<Network>& networks, const Dataset& data, std::size_t batch_size = 1000);

// The ensemble's outputs for x (encoded as the networks encode their inputs): average =
// (1/k) Σ_i a_i, (batch, outputs). Throws Error when the networks do not fit together.
void ensemble_outputs(std::vector<Network>& networks, ConstMatrixView x, Matrix& average);

}  // namespace digitnet

#pragma once
// A network's answers in words a learner reads:
//   - the names of its classes: "0".."9" for a digit classifier, "no" and "yes" for a network
//     with one output answering "is it a 9?" (the same names in predict, eval, mistakes and the
//     confusion matrix);
//   - what its outputs are: probabilities only where softmax makes them sum to 1, else outputs;
//   - whether an input looks like anything it was trained on. A network answers every input,
//     noise and smileys included, often confidently (seed 001); these checks compare simple
//     facts about the ink with the range they take on MNIST's digits.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "digitnet/network.hpp"

namespace digitnet {

// "0".."9" (one per output), or {"no", "yes"} for a yes/no network: class c's name is names[c].
std::vector<std::string> class_names(const Network& network);

// Throws digitnet::Error, starting with `name` (the model file), unless the network answers in
// the labels' terms: 10 outputs, one per digit 0..9, or 1 for a yes/no network. The library can
// build any other (train refuses to); eval and plot confusion compare outputs with labels.
void check_digit_outputs(const Network& network, const std::string& name);

// "is it a 9?" for a yes/no network, "" otherwise.
std::string yes_no_question(const Network& network);

// True when the outputs are probabilities (softmax: each in [0, 1], summing to 1). Sigmoid
// outputs are each in [0, 1] but need not sum to 1: they are "outputs", not probabilities.
bool outputs_are_probabilities(const Network& network);

// How sure the answer is, as a learner would say it: for softmax the answer's probability,
// for a yes/no network max(a, 1 - a), for other outputs the answer's output over the sum of
// the (non-negative) outputs.
double answer_confidence(const Network& network, std::span<const float> outputs, int answer);

// Facts about the ink of an image (values in [0, 1], ink = 1), as a network's input sees it.
struct InkStatistics {
    double ink = 0.0;                 // Σ pixels: a pixel of full ink counts 1
    std::size_t marks = 0;            // separate marks: 8-connected pieces of pixels >= 0.25, 2 pixels or more
    std::size_t enclosed_marks = 0;   // marks inside a closed loop of another mark (the eyes of a face)
    double edge_fraction = 0.0;       // the share of the ink within 2 pixels of the border
};
InkStatistics ink_statistics(std::span<const float> pixels, std::size_t rows, std::size_t cols);

// The ranges these take on MNIST's 28x28 digits after digitnet's preprocessing (measured on the
// 60,000 training images): ink 18.8..310.2; at most 4 marks (19 images have 4); 13 images have a
// mark inside a loop (none of the 10,000 test images); edge ink at most 8% (raw, unprocessed).
inline constexpr double kMnistInkMin = 18.0, kMnistInkMax = 320.0;
inline constexpr std::size_t kMnistMarksMax = 3;       // 4 or more is flagged (0.03% of MNIST)
inline constexpr double kMnistEdgeFractionMax = 0.10;

// Why an input does not look like the MNIST digits a network learned from, one sentence per
// reason in plain words; empty when it does.
std::vector<std::string> unfamiliar_reasons(const InkStatistics& statistics);

}  // namespace digitnet

#pragma once
// Ways to see inside a trained network (seeds 001 and 002):
//   - each first-layer neuron's incoming weights as an image;
//   - how confident the network is on random noise (it still answers, often confidently);
//   - Rashid's backwards query: push a label back through the inverse activations to the
//     input image the network "thinks" that label looks like;
//   - the test images it gets most wrong.
#include <cstddef>
#include <string>
#include <vector>

#include "digitnet/dataset.hpp"
#include "digitnet/image.hpp"
#include "digitnet/network.hpp"
#include "digitnet/random.hpp"

namespace digitnet {

// One tile per first-layer neuron: its n_in incoming weights (row j of W¹).
std::vector<std::vector<float>> first_layer_weight_tiles(const Network& network);

// The first `count` of those tiles (0 or more than there are = all) drawn side by side on a
// blue (< 0) - white - red (> 0) scale, each captioned with its neuron's number, counting from 0
// as everything else does (layer j's neuron 0 is row 0 of W). The inputs must form a square image.
RgbImage draw_first_layer_weights(const Network& network, std::size_t count = 0);

struct NoiseReport {
    std::size_t images = 0;
    std::vector<std::size_t> histogram;        // top output over the outputs' sum, in 10 bins [0,0.1) .. [0.9,1]
    std::vector<std::size_t> predicted_counts; // how often each class was answered
    double mean_top_probability = 0.0;
    double fraction_above_90 = 0.0;            // answers given with more than 90% confidence
};
// Feeds `n` images of uniform random pixels in [0, 1] (drawn from `rng`).
NoiseReport noise_confidence(Network& network, std::size_t n, Rng& rng);

// Rashid's backquery: for each class c, the target y (target_high for c, target_low elsewhere)
// is pushed backwards: z = σ⁻¹(a) (logit for sigmoid, log for softmax, a itself for identity and
// ReLU), then a_prev = W ᵀ (z - b), rescaled to 0.01..0.99 so that σ⁻¹ is defined. Returns
// one input-sized image per class, values in [0, 1].
std::vector<std::vector<float>> backquery(const Network& network);

struct Mistake {
    std::size_t index = 0;       // in the dataset
    int label = 0;
    int predicted = 0;
    float confidence = 0.0f;     // the output of the predicted class
    float true_output = 0.0f;    // the output of the true class
};
// The `count` misclassified examples whose true class got the lowest output, worst first.
std::vector<Mistake> worst_mistakes(Network& network, const Dataset& data, std::size_t count);

// "true->predicted" in the network's class names: "4->9", or "yes->no" for an "is it a 9?" network.
std::string mistake_caption(const Network& network, const Mistake& mistake);

}  // namespace digitnet

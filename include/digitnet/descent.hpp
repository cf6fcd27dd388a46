#pragma once
// Gradient descent seen twice (seeds 001 and 002; `digitnet demo descent`):
//
// 1. A ball rolling down a valley. The cost of two variables
//        C(v1, v2) = ½ (v1² + k v2²)          ∇C = (v1, k v2)
//    is a long valley, k times steeper across (v2) than along (v1); k = 1 is a round bowl.
//    Each step moves the ball a little way downhill, v ← v − η ∇C. Across the valley a large
//    step overshoots and zigzags; along it the ball creeps.
//
// 2. Batch, mini-batch and stochastic gradient descent: the same network, from the same
//    starting weights, trained on the same examples with the same η, once for each batch size:
//        all n examples per step   batch gradient descent       (one careful step per epoch)
//        m examples per step       mini-batch gradient descent  (n/m steps per epoch)
//        1 example per step        stochastic gradient descent  (n steps per epoch)
//    Each step is w ← w − η (1/m) Σ_x ∂C_x/∂w over that step's examples. Stochastic steps see
//    one example each, so their direction is noisy — the "drunk walk" — but it makes n of them
//    in the time batch descent makes one.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "digitnet/dataset.hpp"
#include "digitnet/image.hpp"
#include "digitnet/init.hpp"
#include "digitnet/network.hpp"

namespace digitnet {

// ---- 1. the ball ----

struct BallOptions {
    double steepness = 10.0;      // k
    double v1 = -4.5, v2 = 1.5;   // where the ball starts
    double learning_rate = 0.17;  // η; the ball zigzags across the valley when η k > 1, diverges when η k > 2
    std::size_t steps = 30;
};

// C(v1, v2) = ½ (v1² + k v2²).
double valley_cost(double steepness, double v1, double v2);

struct BallPath {
    BallOptions options;
    std::vector<double> v1, v2, cost;  // after each step; index 0 is the start (steps + 1 entries)
};

// Throws Error for steps outside 1..100000 or a non-positive or non-finite η or k.
BallPath roll_ball(const BallOptions& options);

// ---- 2. batch sizes ----

struct BatchComparisonOptions {
    Architecture architecture;                 // default: 784-30-10 sigmoid, quadratic cost (Nielsen ch. 1)
    Init init = Init::scaled_normal;
    std::vector<std::size_t> batch_sizes{0, 10, 1};  // 0 = all the training examples
    float learning_rate = 3.0f;
    std::size_t epochs = 5;
    std::uint64_t seed = 1;                    // the starting weights and every run's order of examples
};

struct DescentRun {
    std::string name;               // "batch (all 1000)", "mini-batch 10", "stochastic (1)"
    std::size_t batch_size = 0;     // as used: n for "all"
    std::size_t steps_per_epoch = 0;
    // The cost of each step's own examples, computed by that step's backpropagation (before its
    // update): the noisy cost a stochastic step sees. epochs x steps_per_epoch entries.
    std::vector<double> step_cost;
    // The cost over all the training examples after each epoch; index 0 is the start.
    std::vector<double> epoch_cost;
    std::vector<double> epoch_accuracy;  // the same for the accuracy, as a fraction
    // Two weights of the output layer (neuron 0's from hidden neurons 0 and 1) after each step;
    // index 0 is the start: the path the descent takes, seen in two of its dimensions.
    std::vector<double> w1, w2;
    double seconds = 0.0;
};

struct BatchComparison {
    BatchComparisonOptions options;
    std::size_t examples = 0;  // training examples used
    std::vector<DescentRun> runs;
};

// Trains one network per batch size on `train` (all of it) with plain gradient descent.
// Throws Error when the data and the network do not fit together, or the options are out of
// range (epochs 1..1000, η > 0, at most 20000 examples for a quick demonstration).
BatchComparison compare_batch_sizes(const BatchComparisonOptions& options, const Dataset& train);

// How noisy a run's steps are, over its last epoch: the mean step-to-step change of the step
// cost, |c[i+1] - c[i]|, over the mean step cost (0 when an epoch has a single step). A smooth
// descent is near 0; one example per step is near or above 1.
double step_noise(const DescentRun& run);

// The share of a run's steps whose examples cost more than the step before's (0 for batch
// descent with a small enough η: every step goes downhill on the same cost).
double uphill_fraction(const DescentRun& run);

// The demonstration as one figure: the ball on the valley's contours, the cost at each step
// (x in epochs, so the runs line up), the training-set cost after each epoch, and the two
// weights' paths. 2 x 2 panels of 760 x 480, each with its legend beside it.
RgbImage draw_descent(const BallPath& ball, const BatchComparison& comparison);

}  // namespace digitnet

// Gradient descent seen twice: the ball in the valley, and batch vs mini-batch vs stochastic descent.
#include <gtest/gtest.h>

#include <cmath>

#include "digitnet/descent.hpp"
#include "digitnet/error.hpp"
#include "digitnet/plot.hpp"
#include "test_support.hpp"

using namespace digitnet;

namespace {

std::size_t pixels_of(const RgbImage& im, Rgb c, std::size_t x0, std::size_t y0, std::size_t x1, std::size_t y1) {
    std::size_t n = 0;
    for (std::size_t y = y0; y < y1; ++y)
        for (std::size_t x = x0; x < x1; ++x) n += im.get(x, y) == c;
    return n;
}

std::size_t non_white(const RgbImage& im, std::size_t x0, std::size_t y0, std::size_t x1, std::size_t y1) {
    return (x1 - x0) * (y1 - y0) - pixels_of(im, Rgb{255, 255, 255}, x0, y0, x1, y1);
}

BatchComparisonOptions small_network() {
    BatchComparisonOptions o;
    o.architecture.sizes = {64, 20, 10};
    o.epochs = 3;
    o.learning_rate = 1.0f;
    return o;
}

}  // namespace

TEST(Descent, TheBallRollsDownhillAndZigzagsAcrossTheValley) {
    BallOptions o;  // k = 10, η = 0.17: η k = 1.7 > 1, so v2 overshoots each step
    const BallPath path = roll_ball(o);
    ASSERT_EQ(path.cost.size(), o.steps + 1);
    EXPECT_DOUBLE_EQ(path.cost[0], valley_cost(o.steepness, o.v1, o.v2));
    for (std::size_t s = 1; s <= o.steps; ++s) {
        EXPECT_LT(path.cost[s], path.cost[s - 1]) << s;           // every step goes downhill
        EXPECT_LT(path.v2[s] * path.v2[s - 1], 0.0) << s;          // across the valley: the sign flips
        EXPECT_GT(path.v1[s] * path.v1[s - 1], 0.0) << s;          // along it: the same side, closer
        EXPECT_LT(std::fabs(path.v1[s]), std::fabs(path.v1[s - 1])) << s;
    }
    EXPECT_LT(path.cost.back(), 1e-3 * path.cost.front());
    // v ← v − η ∇C: one step by hand.
    EXPECT_NEAR(path.v1[1], o.v1 - o.learning_rate * o.v1, 1e-12);
    EXPECT_NEAR(path.v2[1], o.v2 - o.learning_rate * o.steepness * o.v2, 1e-12);
    BallOptions bad = o;
    bad.learning_rate = 0.0;
    EXPECT_THROW(roll_ball(bad), Error);
}

TEST(Descent, StochasticTakesMoreStepsAndIsNoisierThanMiniBatchThanBatch) {
    const Dataset train = digitnet::testing::synthetic_digits(300, 5);
    const BatchComparison c = compare_batch_sizes(small_network(), train);
    ASSERT_EQ(c.runs.size(), 3u);
    const DescentRun &batch = c.runs[0], &mini = c.runs[1], &sgd = c.runs[2];
    EXPECT_EQ(batch.batch_size, 300u);
    EXPECT_EQ(mini.batch_size, 10u);
    EXPECT_EQ(sgd.batch_size, 1u);
    EXPECT_EQ(batch.step_cost.size(), 3u);       // one step per epoch
    EXPECT_EQ(mini.step_cost.size(), 3u * 30u);  // n / 10 per epoch
    EXPECT_EQ(sgd.step_cost.size(), 3u * 300u);  // n per epoch
    EXPECT_EQ(sgd.w1.size(), sgd.step_cost.size() + 1);
    // The same starting weights: the same cost before the first step, and the same two weights.
    EXPECT_DOUBLE_EQ(batch.epoch_cost[0], sgd.epoch_cost[0]);
    EXPECT_DOUBLE_EQ(batch.w1[0], mini.w1[0]);
    EXPECT_DOUBLE_EQ(batch.w2[0], sgd.w2[0]);
    // A full batch's first step sees the training-set cost itself.
    EXPECT_NEAR(batch.step_cost[0], batch.epoch_cost[0], 1e-6);
    // Noise: batch steps all go downhill on one cost; one example per step jumps about.
    EXPECT_EQ(step_noise(batch), 0.0);
    EXPECT_EQ(uphill_fraction(batch), 0.0);
    EXPECT_GT(step_noise(mini), 0.01);
    EXPECT_GT(step_noise(sgd), 2.0 * step_noise(mini));
    EXPECT_GT(uphill_fraction(sgd), 0.25);
    // Per epoch, the many small steps get further than the one careful one.
    for (const DescentRun& r : c.runs) EXPECT_LT(r.epoch_cost.back(), r.epoch_cost.front()) << r.name;
    EXPECT_LT(sgd.epoch_cost.back(), batch.epoch_cost.back());
    EXPECT_LT(mini.epoch_cost.back(), batch.epoch_cost.back());
    // The stochastic path of the two weights wanders further than the batch path.
    auto travelled = [](const DescentRun& r) {
        double d = 0.0;
        for (std::size_t i = 1; i < r.w1.size(); ++i) d += std::hypot(r.w1[i] - r.w1[i - 1], r.w2[i] - r.w2[i - 1]);
        return d;
    };
    EXPECT_GT(travelled(sgd), 2.0 * travelled(batch));
}

TEST(Descent, TheSameSeedGivesTheSameRuns) {
    const Dataset train = digitnet::testing::synthetic_digits(100, 2);
    BatchComparisonOptions o = small_network();
    o.batch_sizes = {7};
    const BatchComparison a = compare_batch_sizes(o, train), b = compare_batch_sizes(o, train);
    EXPECT_EQ(a.runs[0].step_cost, b.runs[0].step_cost);
    EXPECT_EQ(a.runs[0].steps_per_epoch, 15u);  // the last, partial batch is a step too
    o.seed = 2;
    EXPECT_NE(compare_batch_sizes(o, train).runs[0].step_cost, a.runs[0].step_cost);
}

TEST(Descent, RefusesDataThatDoesNotFitTheNetwork) {
    const Dataset train = digitnet::testing::synthetic_digits(50, 1);
    BatchComparisonOptions o = small_network();
    o.architecture.sizes = {784, 20, 10};
    EXPECT_THROW(compare_batch_sizes(o, train), Error);
    o = small_network();
    o.architecture.sizes = {64, 20, 30};
    EXPECT_THROW(compare_batch_sizes(o, train), Error);
    o = small_network();
    o.epochs = 0;
    EXPECT_THROW(compare_batch_sizes(o, train), Error);
    EXPECT_THROW(compare_batch_sizes(small_network(), Dataset{}), Error);
}

TEST(Descent, TheFigureDrawsFourPanelsWithEveryRunInItsColour) {
    const Dataset train = digitnet::testing::synthetic_digits(200, 3);
    const BatchComparison c = compare_batch_sizes(small_network(), train);
    const RgbImage im = draw_descent(roll_ball(BallOptions{}), c);
    ASSERT_EQ(im.width, 2u * 760u);
    ASSERT_EQ(im.height, 2u * 480u);
    const std::size_t w = im.width / 2, h = im.height / 2;
    for (std::size_t panel = 0; panel < 4; ++panel) {
        const std::size_t x0 = panel % 2 * w, y0 = panel / 2 * h;
        EXPECT_GT(non_white(im, x0, y0, x0 + w, y0 + h), w * h / 40) << "panel " << panel;
    }
    // The ball's path (red) over the contours, in the first panel.
    EXPECT_GT(pixels_of(im, palette_colour(1), 0, 0, w, h), 300u);
    // The step-cost and epoch-cost panels draw all three runs (more pixels than a legend's sample
    // line, 36 x 3); the weight-path panel the stochastic run's long walk.
    for (std::size_t panel = 1; panel < 3; ++panel) {
        const std::size_t x0 = panel % 2 * w, y0 = panel / 2 * h;
        for (std::size_t run = 0; run < 3; ++run)
            EXPECT_GT(pixels_of(im, palette_colour(run), x0, y0, x0 + w, y0 + h), 200u) << "panel " << panel << " run " << run;
    }
    EXPECT_GT(pixels_of(im, palette_colour(2), w, h, 2 * w, 2 * h), 400u);
    // The stochastic run's many noisy steps cover more of the step-cost panel than the batch run's few.
    EXPECT_GT(pixels_of(im, palette_colour(2), w, 0, 2 * w, h), 3 * pixels_of(im, palette_colour(0), w, 0, 2 * w, h));
}

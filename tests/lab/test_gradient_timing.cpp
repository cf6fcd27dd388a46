// Saito's point, measured: the numerical gradient is far slower than backpropagation.
#include <gtest/gtest.h>

#include "digitnet/gradient_timing.hpp"

using namespace digitnet;

TEST(GradientTiming, TheNumericalGradientNeedsTwoCostsPerParameterAndIsSlower) {
    Architecture a;
    a.sizes = {64, 16, 10};
    Network network(a);
    Rng rng(2);
    network.initialize(Init::xavier, rng);
    Matrix x(4, 64), y(4, 10);
    for (float& v : x) v = static_cast<float>(rng.uniform());
    for (std::size_t r = 0; r < 4; ++r) y(r, r) = 1.0f;
    const Matrix before = network.layers[0].weights;
    const GradientTimings t = time_gradients(network, x, y);
    EXPECT_EQ(t.parameters, 64u * 16u + 16u + 16u * 10u + 10u);
    EXPECT_EQ(t.cost_evaluations, 2 * t.parameters);
    EXPECT_EQ(t.examples, 4u);
    EXPECT_GT(t.backprop_seconds, 0.0);
    // 2,420 forward passes against one forward and backward pass.
    EXPECT_GT(t.times_slower(), 20.0);
    for (std::size_t i = 0; i < before.size(); ++i) ASSERT_EQ(before.data()[i], network.layers[0].weights.data()[i]);
}

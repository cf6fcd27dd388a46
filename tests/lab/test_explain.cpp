#include <gtest/gtest.h>

#include "digitnet/error.hpp"
#include "digitnet/explain.hpp"

using namespace digitnet;

// The classic worked example's published numbers: out_o1 = 0.75136507, E_total = 0.298371109,
// and w5 (hidden 1 → output 1) updated to 0.35891648.
TEST(Explain, ReproducesTheClassicWorkedExample) {
    const Explanation e = explain_step(explain_example_network(), {0.05f, 0.10f}, {0.01f, 0.99f}, 0.5f);
    EXPECT_NEAR(e.layers[0].activation[0], 0.593269992, 1e-6);
    EXPECT_NEAR(e.layers[1].activation[0], 0.75136507, 1e-6);
    EXPECT_NEAR(e.cost, 0.298371109, 1e-6);
    EXPECT_NEAR(e.layers[1].new_weights[0][0], 0.35891648, 1e-6);
    EXPECT_NEAR(e.layers[0].new_weights[0][0], 0.149780716, 1e-6);
    EXPECT_LT(e.cost_after, e.cost);
}

// The scalar walk-through agrees with the engine's matrix backpropagation.
TEST(Explain, AgreesWithTheEngineGradients) {
    Architecture a;
    a.sizes = {3, 4, 2, 2};
    Network net(a);
    Rng rng(5);
    net.initialize(Init::xavier, rng);
    const std::vector<float> x{0.2f, 0.7f, 0.1f}, y{0.01f, 0.99f};
    const Explanation e = explain_step(net, x, y, 0.5f);
    Matrix xm(1, 3, {0.2f, 0.7f, 0.1f}), ym(1, 2, {0.01f, 0.99f});
    const double cost = net.backprop(xm, ym);
    EXPECT_NEAR(cost, e.cost, 1e-6);
    for (std::size_t l = 0; l < net.layers.size(); ++l)
        for (std::size_t j = 0; j < net.layers[l].n_out(); ++j) {
            EXPECT_NEAR(net.layers[l].grad_biases(0, j), e.layers[l].grad_biases[j], 1e-6);
            EXPECT_NEAR(net.layers[l].delta(0, j), e.layers[l].delta[j], 1e-6);
            for (std::size_t k = 0; k < net.layers[l].n_in(); ++k)
                EXPECT_NEAR(net.layers[l].grad_weights(j, k), e.layers[l].grad_weights[j][k], 1e-6);
        }
    EXPECT_NE(format_explanation(e).find("δ"), std::string::npos);
}

TEST(Explain, RefusesOtherActivationsAndWrongSizes) {
    EXPECT_THROW(explain_step(explain_example_network(), {0.1f}, {0.0f, 1.0f}, 0.5f), Error);
    Architecture a;
    a.sizes = {2, 2};
    a.output = Activation::softmax;
    a.cost = Cost::log_likelihood;
    EXPECT_THROW(explain_step(Network(a), {0.1f, 0.2f}, {0.0f, 1.0f}, 0.5f), Error);
}

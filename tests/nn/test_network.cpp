// Activations, costs, layers, forward propagation and backpropagation.
#include <algorithm>
#include <gtest/gtest.h>

#include <cmath>

#include "digitnet/activation.hpp"
#include "digitnet/cost.hpp"
#include "digitnet/error.hpp"
#include "digitnet/gradcheck.hpp"
#include "digitnet/network.hpp"

using namespace digitnet;

TEST(Activation, SigmoidIsFiniteAndCorrectAtExtremes) {
    EXPECT_FLOAT_EQ(sigmoid(0.0f), 0.5f);
    EXPECT_FLOAT_EQ(sigmoid(1000.0f), 1.0f);
    EXPECT_FLOAT_EQ(sigmoid(-1000.0f), 0.0f);
    EXPECT_TRUE(std::isfinite(sigmoid(-1000.0f)));
    EXPECT_NEAR(sigmoid(2.0f), 1.0 / (1.0 + std::exp(-2.0)), 1e-7);
    EXPECT_NEAR(sigmoid(-2.0f), 1.0 / (1.0 + std::exp(2.0)), 1e-7);
}

// sigmoid() computes e^{-z} with its own polynomial (so that its loops vectorise): it stays
// within a few float roundings of the exact value everywhere it is not 0 or 1.
TEST(Activation, SigmoidIsWithinThreeRoundingsOfTheExactValue) {
    double worst = 0.0;
    for (double z = -86.0; z <= 30.0; z += 0.001) {
        const float zf = static_cast<float>(z);
        const double exact = 1.0 / (1.0 + std::exp(-static_cast<double>(zf)));
        worst = std::max(worst, std::fabs(sigmoid(zf) - exact) / exact);
    }
    EXPECT_LT(worst, 3.0 * 5.96e-8);  // 3 × 2^-24
    Matrix z(1, 4, {-3.0f, -0.5f, 0.25f, 7.0f}), a(1, 4);
    activate(Activation::sigmoid, z, a);
    for (std::size_t j = 0; j < 4; ++j) EXPECT_EQ(a(0, j), sigmoid(z(0, j)));
}

TEST(Activation, SoftmaxIsStableForLargeInputs) {
    Matrix z(1, 3, {1000, 1001, 1002}), a(1, 3);
    activate(Activation::softmax, z, a);
    const double e0 = std::exp(-2.0), e1 = std::exp(-1.0), sum = e0 + e1 + 1.0;
    EXPECT_NEAR(a(0, 0), e0 / sum, 1e-6);
    EXPECT_NEAR(a(0, 1), e1 / sum, 1e-6);
    EXPECT_NEAR(a(0, 2), 1.0 / sum, 1e-6);
    Matrix zneg(1, 2, {-1000, 1000}), aneg(1, 2);
    activate(Activation::softmax, zneg, aneg);
    EXPECT_EQ(aneg(0, 0), 0.0f);
    EXPECT_EQ(aneg(0, 1), 1.0f);
}

TEST(Activation, EachHasItsOwnDerivative) {
    // σ'(z) against a central difference of σ, for every elementwise activation.
    for (Activation act : {Activation::sigmoid, Activation::tanh, Activation::relu, Activation::identity}) {
        for (float z : {-3.0f, -0.5f, 0.7f, 2.5f}) {
            const double h = 1e-3;
            const double numeric = (activate(act, z + static_cast<float>(h)) - activate(act, z - static_cast<float>(h))) / (2 * h);
            EXPECT_NEAR(activation_derivative(act, z), numeric, 2e-3) << to_string(act) << " at " << z;
        }
    }
    EXPECT_EQ(activate(Activation::step, 0.1f), 1.0f);
    EXPECT_EQ(activate(Activation::step, -0.1f), 0.0f);
    EXPECT_EQ(activate(Activation::step, 0.0f), 0.0f);
    EXPECT_THROW(parse_activation("swish"), Error);
}

TEST(Cost, KnownValues) {
    Matrix a(2, 2, {0.8f, 0.2f, 0.4f, 0.6f}), y(2, 2, {1, 0, 0, 1});
    // quadratic: (1/n) Σ ½‖y-a‖² = ½ (0.04+0.04 + 0.16+0.16) / 2
    EXPECT_NEAR(cost_value(Cost::quadratic, a, y), 0.1, 1e-6);
    // log-likelihood: -(ln 0.8 + ln 0.6) / 2
    EXPECT_NEAR(cost_value(Cost::log_likelihood, a, y), -(std::log(0.8) + std::log(0.6)) / 2, 1e-6);
    // cross-entropy: -Σ [y ln a + (1-y) ln(1-a)] / 2
    const double ce = -(std::log(0.8) + std::log(0.8) + std::log(0.6) + std::log(0.6)) / 2;
    EXPECT_NEAR(cost_value(Cost::cross_entropy, a, y), ce, 1e-6);
}

TEST(Cost, LogOfProbabilityZeroOrOneIsFinite) {
    Matrix a(1, 2, {0.0f, 1.0f}), y(1, 2, {1, 0});
    EXPECT_TRUE(std::isfinite(cost_value(Cost::cross_entropy, a, y)));
    EXPECT_TRUE(std::isfinite(cost_value(Cost::log_likelihood, a, y)));
    Matrix z(1, 2, {-1000, 1000}), delta(1, 2);
    for (Cost c : {Cost::cross_entropy, Cost::log_likelihood, Cost::quadratic})
        for (Activation out : {Activation::sigmoid, Activation::softmax}) {
            Matrix act(1, 2);
            activate(out, z, act);
            output_delta(c, out, z, act, y, delta);
            EXPECT_TRUE(std::isfinite(delta(0, 0)) && std::isfinite(delta(0, 1))) << to_string(c) << "/" << to_string(out);
        }
}

TEST(Cost, RefusesProbabilityCostsAfterNonProbabilityOutputs) {
    EXPECT_THROW(check_cost_output(Cost::cross_entropy, Activation::relu), Error);
    EXPECT_THROW(check_cost_output(Cost::log_likelihood, Activation::identity), Error);
    EXPECT_NO_THROW(check_cost_output(Cost::quadratic, Activation::relu));
}

TEST(Network, ParameterCountsOfTheSeedNetworks) {
    Architecture a;
    a.sizes = {784, 16, 16, 10};
    EXPECT_EQ(Network(a).parameter_count(), 13002u);  // seed 001 (3Blue1Brown)
    a.sizes = {784, 200, 10};
    a.use_bias = false;
    EXPECT_EQ(Network(a).parameter_count(), 784u * 200 + 200 * 10);  // Rashid, no biases
    EXPECT_EQ(parse_layer_sizes("784-30-10"), (std::vector<std::size_t>{784, 30, 10}));
    EXPECT_THROW(parse_layer_sizes("784,x,10"), Error);
    EXPECT_THROW(parse_layer_sizes("784"), Error);
}

// Saito's 3-layer network (seed 004): 2-3-2-2, sigmoid hidden layers, identity output,
// fixed weights, x = (1.0, 0.5). The book prints y = [0.31682708 0.69627909].
TEST(Network, SaitoFixedWeightNetwork) {
    Architecture a;
    a.sizes = {2, 3, 2, 2};
    a.hidden = Activation::sigmoid;
    a.output = Activation::identity;
    Network net(a);
    // The book's W is (n_in, n_out); ours is (n_out, n_in), so these are its transposes.
    net.layers[0].weights = Matrix(3, 2, {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f});
    net.layers[0].biases = Matrix(1, 3, {0.1f, 0.2f, 0.3f});
    net.layers[1].weights = Matrix(2, 3, {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f});
    net.layers[1].biases = Matrix(1, 2, {0.1f, 0.2f});
    net.layers[2].weights = Matrix(2, 2, {0.1f, 0.2f, 0.3f, 0.4f});
    net.layers[2].biases = Matrix(1, 2, {0.1f, 0.2f});
    Matrix x(1, 2, {1.0f, 0.5f});
    const Matrix& y = net.forward(x);
    EXPECT_NEAR(y(0, 0), 0.31682708, 1e-6);
    EXPECT_NEAR(y(0, 1), 0.69627909, 1e-6);
}

TEST(Network, ForwardOfABatchEqualsForwardOfEachRow) {
    Architecture a;
    a.sizes = {6, 5, 4};
    a.hidden = Activation::tanh;
    a.output = Activation::softmax;
    a.cost = Cost::log_likelihood;
    Network net(a);
    Rng rng(3);
    net.initialize(Init::xavier, rng);
    Matrix x(3, 6);
    for (float& v : x) v = static_cast<float>(rng.uniform());
    Matrix batch_out = net.forward(x);
    for (std::size_t r = 0; r < 3; ++r) {
        Matrix row(1, 6);
        std::copy(x.row(r), x.row(r) + 6, row.data());
        const Matrix& out = net.forward(row);
        for (std::size_t j = 0; j < 4; ++j) EXPECT_NEAR(out(0, j), batch_out(r, j), 1e-6);
    }
}

// Backpropagation against central differences for every hidden activation × output
// activation × cost that fits together.
struct Combo {
    Activation hidden, output;
    Cost cost;
};

class GradientCheck : public ::testing::TestWithParam<Combo> {};

TEST_P(GradientCheck, BackpropAgreesWithNumericalGradient) {
    const Combo c = GetParam();
    for (bool use_bias : {true, false}) {
        Architecture a;
        a.sizes = {5, 4, 3, 3};
        a.hidden = c.hidden;
        a.output = c.output;
        a.cost = c.cost;
        a.use_bias = use_bias;
        Network net(a);
        Rng rng(11);
        net.initialize(Init::xavier, rng);
        Matrix x(4, 5), y(4, 3);
        for (std::size_t r = 0; r < 4; ++r) y(r, rng.below(3)) = 1.0f;
        // ReLU has a kink at z = 0 where a central difference is meaningless: redraw the
        // inputs until no weighted input lies within 0.05 of it.
        for (int attempt = 0; attempt < 1000; ++attempt) {
            for (float& v : x) v = static_cast<float>(rng.uniform(-1, 1));
            net.forward(x);
            bool near_kink = false;
            for (const auto& layer : net.layers)
                for (float z : layer.z) near_kink = near_kink || std::abs(z) < 0.05f;
            if (!near_kink) break;
        }
        for (const auto& layer : check_gradients(net, x, y, 1e-3))
            EXPECT_LT(layer.max_relative_error(), 1e-2) << to_string(c.hidden) << "/" << to_string(c.output) << " "
                                                        << to_string(c.cost) << (use_bias ? "" : " no bias");
    }
}

static std::vector<Combo> all_combos() {
    std::vector<Combo> combos;
    for (Activation h : {Activation::sigmoid, Activation::tanh, Activation::relu, Activation::identity})
        for (Activation o : {Activation::sigmoid, Activation::softmax, Activation::tanh, Activation::relu, Activation::identity})
            for (Cost c : {Cost::quadratic, Cost::cross_entropy, Cost::log_likelihood}) {
                const bool probabilities = o == Activation::sigmoid || o == Activation::softmax;
                if (c != Cost::quadratic && !probabilities) continue;
                combos.push_back({h, o, c});
            }
    return combos;
}

INSTANTIATE_TEST_SUITE_P(EveryCombination, GradientCheck, ::testing::ValuesIn(all_combos()),
                         [](const auto& info) {
                             std::string s = to_string(info.param.hidden) + "_" + to_string(info.param.output) + "_" +
                                             to_string(info.param.cost);
                             for (char& ch : s) if (ch == '-') ch = '_';
                             return s;
                         });

TEST(GradientCheck, DetectsAWrongGradient) {
    Architecture a;
    a.sizes = {3, 2};
    Network net(a);
    Rng rng(1);
    net.initialize(Init::xavier, rng);
    Matrix x(2, 3, {0.1f, 0.5f, 0.9f, 0.3f, 0.2f, 0.7f}), y(2, 2, {1, 0, 0, 1});
    net.backprop(x, y);
    std::vector<Matrix> gw, gb;
    numerical_gradients(net, x, y, 1e-3, gw, gb);
    for (std::size_t i = 0; i < gw[0].size(); ++i) EXPECT_NEAR(gw[0].data()[i], net.layers[0].grad_weights.data()[i], 1e-3);
    // A sum instead of a mean over the batch would be 2x off: the check must see that.
    EXPECT_GT(std::abs(2 * net.layers[0].grad_weights.data()[0] - gw[0].data()[0]), 1e-3);
}

TEST(Network, MiniBatchGradientIsTheMeanOfSingleExampleGradients) {
    Architecture a;
    a.sizes = {4, 3, 2};
    Network net(a);
    Rng rng(2);
    net.initialize(Init::normal, rng);
    Matrix x(5, 4), y(5, 2);
    for (float& v : x) v = static_cast<float>(rng.uniform());
    for (std::size_t r = 0; r < 5; ++r) y(r, r % 2) = 1.0f;
    net.backprop(x, y);
    std::vector<Matrix> batch_grads;
    for (auto& l : net.layers) batch_grads.push_back(l.grad_weights);
    std::vector<Matrix> mean(batch_grads.size());
    for (std::size_t l = 0; l < mean.size(); ++l) mean[l] = Matrix(batch_grads[l].rows(), batch_grads[l].cols());
    for (std::size_t r = 0; r < 5; ++r) {
        Matrix xr(1, 4), yr(1, 2);
        std::copy(x.row(r), x.row(r) + 4, xr.data());
        std::copy(y.row(r), y.row(r) + 2, yr.data());
        net.backprop(xr, yr);
        for (std::size_t l = 0; l < mean.size(); ++l)
            for (std::size_t i = 0; i < mean[l].size(); ++i) mean[l].data()[i] += net.layers[l].grad_weights.data()[i] / 5;
    }
    for (std::size_t l = 0; l < mean.size(); ++l)
        for (std::size_t i = 0; i < mean[l].size(); ++i) EXPECT_NEAR(batch_grads[l].data()[i], mean[l].data()[i], 1e-6);
}

// Batch normalisation: backpropagation through the batch statistics against central
// differences of the training-mode cost, for each hidden activation and cost pairing.
TEST(BatchNorm, BackpropAgreesWithNumericalGradient) {
    for (Activation hidden : {Activation::sigmoid, Activation::tanh, Activation::relu}) {
        Architecture a;
        a.sizes = {5, 4, 3, 3};
        a.hidden = hidden;
        a.output = Activation::softmax;
        a.cost = Cost::log_likelihood;
        a.batch_norm = true;
        Network net(a);
        Rng rng(21);
        net.initialize(Init::xavier, rng);
        for (auto& layer : net.layers)
            if (layer.batch_norm)
                for (std::size_t j = 0; j < layer.n_out(); ++j) {
                    layer.norm.gamma(0, j) = static_cast<float>(rng.uniform(0.5, 1.5));
                    layer.norm.beta(0, j) = static_cast<float>(rng.uniform(-0.5, 0.5));
                }
        Matrix x(6, 5), y(6, 3);
        for (float& v : x) v = static_cast<float>(rng.uniform(-1, 1));
        for (std::size_t r = 0; r < 6; ++r) y(r, r % 3) = 1.0f;
        net.backprop(x, y);
        // γ and β: central differences by hand.
        for (std::size_t l = 0; l + 1 < net.layers.size(); ++l) {
            auto& norm = net.layers[l].norm;
            for (std::size_t j = 0; j < net.layers[l].n_out(); ++j)
                for (auto [param, grad] : {std::pair{&norm.gamma, &norm.grad_gamma}, std::pair{&norm.beta, &norm.grad_beta}}) {
                    const float g = (*grad)(0, j), saved = (*param)(0, j);
                    (*param)(0, j) = saved + 1e-3f;
                    const double plus = net.cost(x, y, true);
                    (*param)(0, j) = saved - 1e-3f;
                    const double minus = net.cost(x, y, true);
                    (*param)(0, j) = saved;
                    EXPECT_NEAR(g, (plus - minus) / 2e-3, 2e-3) << to_string(hidden) << " layer " << l;
                }
        }
        for (const auto& layer : check_gradients(net, x, y, 1e-3))
            EXPECT_LT(layer.max_relative_error(), 2e-2) << to_string(hidden);
    }
}

TEST(BatchNorm, TrainingNormalisesAndEvaluationUsesRunningStatistics) {
    Architecture a;
    a.sizes = {3, 4, 2};
    a.batch_norm = true;
    a.hidden = Activation::identity;
    Network net(a);
    Rng rng(2);
    net.initialize(Init::xavier, rng);
    EXPECT_FALSE(net.layers[0].use_bias);
    EXPECT_EQ(net.parameter_count(), 3u * 4 + 2 * 4 + 4u * 2 + 2);
    Matrix x(8, 3);
    for (float& v : x) v = static_cast<float>(rng.uniform(0, 5));
    net.forward(x, true);
    for (std::size_t j = 0; j < 4; ++j) {  // mean 0, variance 1 over the batch
        double mean = 0, var = 0;
        for (std::size_t r = 0; r < 8; ++r) mean += net.layers[0].z(r, j) / 8;
        for (std::size_t r = 0; r < 8; ++r) var += (net.layers[0].z(r, j) - mean) * (net.layers[0].z(r, j) - mean) / 8;
        EXPECT_NEAR(mean, 0.0, 1e-5);
        EXPECT_NEAR(var, 1.0, 1e-3);
    }
    // Evaluation: one example's output does not depend on the rest of the batch.
    Matrix one(1, 3, {x(0, 0), x(0, 1), x(0, 2)});
    const float alone = net.forward(one)(0, 0);
    EXPECT_FLOAT_EQ(net.forward(x)(0, 0), alone);
}

// Optimisers on f(w) = ½ Σ a_i (w_i - c_i)², whose minimum is w = c and gradient a_i (w_i - c_i).
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "digitnet/error.hpp"
#include "digitnet/matrix.hpp"
#include "digitnet/optimizer.hpp"

using namespace digitnet;

namespace {

const std::vector<float> kCurvature = {1.0f, 2.0f, 0.5f, 4.0f};  // a_i
const std::vector<float> kMinimum = {0.5f, -1.0f, 2.0f, 0.25f};  // c_i
const std::vector<float> kStart = {-1.0f, 1.0f, 0.0f, 1.5f};

// Two parameters (a 1x2 and a 2x1 matrix) so that slot bookkeeping per parameter is exercised.
struct Problem {
    Matrix w0{1, 2, {kStart[0], kStart[1]}};
    Matrix w1{2, 1, {kStart[2], kStart[3]}};
    Matrix g0{1, 2};
    Matrix g1{2, 1};
    std::vector<Matrix*> values() { return {&w0, &w1}; }
    std::vector<const Matrix*> grads() const { return {&g0, &g1}; }
    float& w(std::size_t i) { return i < 2 ? w0.data()[i] : w1.data()[i - 2]; }
    float& g(std::size_t i) { return i < 2 ? g0.data()[i] : g1.data()[i - 2]; }
    // g_i = ∂f/∂w_i = a_i (w_i - c_i)
    void compute_gradient() {
        for (std::size_t i = 0; i < 4; ++i) g(i) = kCurvature[i] * (w(i) - kMinimum[i]);
    }
    void step(Optimizer& opt, float lr) {
        compute_gradient();
        opt.step(values(), grads(), lr);
    }
    std::vector<float> weights() {
        std::vector<float> out;
        for (std::size_t i = 0; i < 4; ++i) out.push_back(w(i));
        return out;
    }
};

std::unique_ptr<Optimizer> make(const std::string& name) {
    OptimizerConfig c;
    c.name = name;
    return make_optimizer(c);
}

struct Case {
    const char* name;
    float lr;
    int steps;
    float tolerance;
};

// Step sizes each method converges with on this problem. RMSProp and Adam take steps of about
// η near the minimum, so they are given a small η and a looser tolerance.
const Case kCases[] = {
    {"sgd", 0.1f, 600, 1e-4f},     {"momentum", 0.05f, 600, 1e-4f}, {"nesterov", 0.05f, 600, 1e-4f},
    {"adagrad", 0.5f, 3000, 1e-3f}, {"rmsprop", 0.003f, 3000, 2e-2f}, {"adam", 0.01f, 3000, 1e-2f},
};

}  // namespace

TEST(Optimizer, EachConvergesToTheKnownMinimum) {
    for (const Case& c : kCases) {
        auto opt = make(c.name);
        EXPECT_EQ(opt->name(), c.name);
        Problem p;
        for (int s = 0; s < c.steps; ++s) p.step(*opt, c.lr);
        for (std::size_t i = 0; i < 4; ++i)
            EXPECT_NEAR(p.w(i), kMinimum[i], c.tolerance) << c.name << " coordinate " << i;
        EXPECT_EQ(opt->steps(), c.steps) << c.name;
    }
}

TEST(Optimizer, SgdTakesExactlyMinusLearningRateTimesGradient) {
    auto opt = make("sgd");
    Problem p;
    p.step(*opt, 0.1f);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_FLOAT_EQ(p.w(i), kStart[i] - 0.1f * kCurvature[i] * (kStart[i] - kMinimum[i]));
}

TEST(Optimizer, MomentumNesterovAndAdamDifferFromSgdAfterAFewSteps) {
    Problem reference;
    auto sgd = make("sgd");
    for (int s = 0; s < 3; ++s) reference.step(*sgd, 0.05f);
    for (const char* name : {"momentum", "nesterov", "adam", "adagrad", "rmsprop"}) {
        Problem p;
        auto opt = make(name);
        for (int s = 0; s < 3; ++s) p.step(*opt, 0.05f);
        double difference = 0.0;
        for (std::size_t i = 0; i < 4; ++i) difference += std::fabs(p.w(i) - reference.w(i));
        EXPECT_GT(difference, 1e-3) << name;
    }
    // Momentum and Nesterov differ from each other too (the look-ahead).
    Problem m, n;
    auto om = make("momentum"), on = make("nesterov");
    for (int s = 0; s < 3; ++s) {
        m.step(*om, 0.05f);
        n.step(*on, 0.05f);
    }
    EXPECT_GT(std::fabs(m.w(0) - n.w(0)), 1e-4);
}

TEST(Optimizer, MomentumFirstStepIsSgdThenAccelerates) {
    // v1 = -η g0 so the first step equals SGD's; later steps add μ v.
    Problem p, q;
    auto mom = make("momentum"), sgd = make("sgd");
    p.step(*mom, 0.01f);
    q.step(*sgd, 0.01f);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(p.w(i), q.w(i));
    p.step(*mom, 0.01f);
    q.step(*sgd, 0.01f);
    // Far from the minimum both move the same way; momentum has moved further.
    EXPECT_GT(std::fabs(p.w(0) - kStart[0]), std::fabs(q.w(0) - kStart[0]));
}

TEST(Optimizer, AdamFirstStepHasTheSizeOfTheLearningRate) {
    // With bias correction, m̂1 = g and v̂1 = g², so the first step is η g / |g| = ±η in every
    // coordinate whatever the gradient's size.
    auto adam = make("adam");
    Problem p;
    const float lr = 0.01f;
    p.step(*adam, lr);
    for (std::size_t i = 0; i < 4; ++i) {
        const float moved = kStart[i] - p.w(i);
        EXPECT_NEAR(std::fabs(moved), lr, 1e-5f) << "coordinate " << i;
        EXPECT_EQ(moved > 0, kStart[i] > kMinimum[i]) << "coordinate " << i << " moved the wrong way";
    }
}

TEST(Optimizer, StateRoundTripContinuesExactlyLikeAnUninterruptedRun) {
    for (const char* name : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}) {
        Problem straight;
        auto a = make(name);
        for (int s = 0; s < 20; ++s) straight.step(*a, 0.01f);

        Problem split;
        auto b = make(name);
        for (int s = 0; s < 10; ++s) split.step(*b, 0.01f);
        const std::map<std::string, Matrix> saved = b->state();
        auto c = make(name);  // a fresh optimiser, as after a restart
        c->load_state(saved, split.values());
        EXPECT_EQ(c->steps(), 10) << name;
        for (int s = 0; s < 10; ++s) split.step(*c, 0.01f);

        for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(split.w(i), straight.w(i)) << name << " coordinate " << i;
    }
}

TEST(Optimizer, LoadStateWithoutItsSlotsWouldNotContinueTheSameWay) {
    // The round trip above is meaningful: dropping the state changes the trajectory.
    Problem straight, restarted;
    auto a = make("adam"), b = make("adam");
    for (int s = 0; s < 20; ++s) straight.step(*a, 0.01f);
    for (int s = 0; s < 10; ++s) restarted.step(*b, 0.01f);
    auto fresh = make("adam");
    for (int s = 0; s < 10; ++s) restarted.step(*fresh, 0.01f);
    EXPECT_NE(restarted.w(0), straight.w(0));
}

TEST(Optimizer, LoadStateRefusesWrongShapesAndMissingSlots) {
    Problem p;
    auto opt = make("momentum");
    for (int s = 0; s < 3; ++s) p.step(*opt, 0.01f);
    auto state = opt->state();
    ASSERT_TRUE(state.count("velocity.0"));
    auto other = make("momentum");

    auto wrong_shape = state;
    wrong_shape["velocity.0"] = Matrix(3, 3);
    EXPECT_THROW(other->load_state(wrong_shape, p.values()), Error);
    auto missing = state;
    missing.erase("velocity.1");
    EXPECT_THROW(other->load_state(missing, p.values()), Error);
    auto no_steps = state;
    no_steps.erase("steps");
    EXPECT_THROW(other->load_state(no_steps, p.values()), Error);
    // Adam's state is not a momentum state.
    Problem q;
    auto adam = make("adam");
    q.step(*adam, 0.01f);
    EXPECT_THROW(other->load_state(adam->state(), q.values()), Error);
    EXPECT_EQ(other->steps(), 0);  // nothing was half-loaded
}

TEST(Optimizer, LoadStateRefusesAStepCountThatIsNotAWholeNumberOfSteps) {
    // Found by fuzz_checkpoint: a count of 4.46e30 was converted to a long, which is undefined.
    Problem p;
    auto opt = make("momentum");
    p.step(*opt, 0.01f);
    for (float bad : {4.46441e30f, 2.5f, -1.0f, INFINITY, NAN}) {
        auto state = opt->state();
        state["steps"](0, 0) = bad;
        auto other = make("momentum");
        EXPECT_THROW(other->load_state(state, p.values()), Error) << bad;
        EXPECT_EQ(other->steps(), 0) << bad;
    }
}

TEST(Optimizer, ValidateRefusesUnknownNamesAndOutOfRangeValues) {
    auto message = [](const OptimizerConfig& c) {
        try {
            validate(c);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    OptimizerConfig c;
    for (const char* name : {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}) {
        c.name = name;
        EXPECT_NO_THROW(validate(c)) << name;
    }
    c.name = "adamw";
    EXPECT_NE(message(c).find("--optimizer"), std::string::npos);
    EXPECT_NE(message(c).find("adamw"), std::string::npos);
    EXPECT_THROW(make_optimizer(c), Error);

    c = OptimizerConfig{};
    c.momentum = 1.0f;
    EXPECT_NE(message(c).find("--momentum"), std::string::npos);
    c.momentum = -0.1f;
    EXPECT_NE(message(c).find("--momentum"), std::string::npos);
    c = OptimizerConfig{};
    c.beta1 = 1.5f;
    EXPECT_NE(message(c).find("--beta1"), std::string::npos);
    c = OptimizerConfig{};
    c.beta2 = 1.0f;
    EXPECT_NE(message(c).find("--beta2"), std::string::npos);
    c = OptimizerConfig{};
    c.rho = -1.0f;
    EXPECT_NE(message(c).find("--rho"), std::string::npos);
    c = OptimizerConfig{};
    c.epsilon = 0.0f;
    EXPECT_NE(message(c).find("--epsilon"), std::string::npos);
}

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "digitnet/error.hpp"
#include "digitnet/perceptron.hpp"
#include "digitnet/random.hpp"
#include "test_support.hpp"

using namespace digitnet;

namespace {

// The four rows of a two-input truth table, in the order (0,0), (0,1), (1,0), (1,1).
constexpr int kRows[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};

std::vector<int> table_of(const Perceptron& p) {
    std::vector<int> out;
    for (const auto& r : kRows) out.push_back(p.output({r[0], r[1]}));
    return out;
}

}  // namespace

TEST(Perceptron, StepIsOneOnlyAboveZero) {
    EXPECT_EQ(step(0.0f), 0);
    EXPECT_EQ(step(-0.0f), 0);
    EXPECT_EQ(step(1e-30f), 1);
    EXPECT_EQ(step(-1e-30f), 0);
}

TEST(Perceptron, WeightedSumAndLengthCheck) {
    Perceptron p{{2.0f, -1.0f, 0.5f}, 0.25f};
    const std::vector<float> x = {1.0f, 3.0f, 2.0f};
    EXPECT_FLOAT_EQ(p.weighted_sum(x), 2.0f - 3.0f + 1.0f + 0.25f);
    EXPECT_EQ(p.output(x), 1);
    const std::vector<float> short_x = {1.0f};
    EXPECT_THROW(p.output(short_x), Error);
}

TEST(Perceptron, GateTruthTables) {
    EXPECT_EQ(table_of(and_gate()), std::vector<int>({0, 0, 0, 1}));
    EXPECT_EQ(table_of(nand_gate()), std::vector<int>({1, 1, 1, 0}));
    EXPECT_EQ(table_of(or_gate()), std::vector<int>({0, 1, 1, 1}));
}

TEST(Perceptron, XorFromTwoLayers) {
    const int expected[4] = {0, 1, 1, 0};
    for (int i = 0; i < 4; ++i) EXPECT_EQ(xor_gate(kRows[i][0], kRows[i][1]), expected[i]) << "row " << i;
    // The hidden layer: s1 = NAND, s2 = OR.
    XorTrace t = xor_layers(1, 1);
    EXPECT_EQ(t.s1, 0);
    EXPECT_EQ(t.s2, 1);
    EXPECT_EQ(t.y, 0);
    EXPECT_THROW(xor_gate(2, 0), Error);
    EXPECT_THROW(xor_gate(0, -1), Error);
}

TEST(Perceptron, CheeseFestivalAtThresholdFiveFollowsTheWeather) {
    const Perceptron p = cheese_festival(5.0f);
    EXPECT_FLOAT_EQ(p.bias, -5.0f);
    for (int w : {0, 1})
        for (int partner : {0, 1})
            for (int transit : {0, 1}) EXPECT_EQ(p.output({w, partner, transit}), w) << w << partner << transit;
}

TEST(Perceptron, CheeseFestivalAtThresholdThreeAlsoGoesWhenBothOthersHold) {
    const Perceptron p = cheese_festival(3.0f);
    for (int w : {0, 1})
        for (int partner : {0, 1})
            for (int transit : {0, 1}) {
                const int expected = (w == 1 || (partner == 1 && transit == 1)) ? 1 : 0;
                EXPECT_EQ(p.output({w, partner, transit}), expected) << w << partner << transit;
            }
}

TEST(Perceptron, TruthTableHelper) {
    auto rows = truth_table(xor_gate);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[3].inputs, std::vector<float>({1.0f, 1.0f}));
    EXPECT_EQ(rows[0].target, 0);
    EXPECT_EQ(rows[1].target, 1);
    EXPECT_EQ(rows[3].target, 0);
}

TEST(PerceptronLearning, LearnsAndInAKnownNumberOfEpochs) {
    auto table = truth_table([](int a, int b) { return a & b; });
    LearnResult r = learn_perceptron(table, 100);
    ASSERT_TRUE(r.converged);
    // Worked by hand from w = 0, b = 0 with eta = 0.5: five passes with mistakes, then a clean one.
    EXPECT_EQ(r.epochs, 6);
    EXPECT_EQ(r.p.weights, std::vector<float>({1.0f, 0.5f}));
    EXPECT_EQ(r.p.bias, -1.0f);
    EXPECT_EQ(table_of(r.p), std::vector<int>({0, 0, 0, 1}));
}

TEST(PerceptronLearning, LearnsOr) {
    auto table = truth_table([](int a, int b) { return a | b; });
    LearnResult r = learn_perceptron(table, 100);
    ASSERT_TRUE(r.converged);
    EXPECT_LE(r.epochs, 100);
    EXPECT_EQ(table_of(r.p), std::vector<int>({0, 1, 1, 1}));
}

TEST(PerceptronLearning, LearnsNandWithShuffledOrderAndAnyEta) {
    auto table = truth_table([](int a, int b) { return 1 - (a & b); });
    for (std::uint64_t seed : {1, 2, 3}) {
        Rng rng(seed);
        LearnResult r = learn_perceptron(table, 1000, 0.1f, rng);
        ASSERT_TRUE(r.converged) << "seed " << seed;
        EXPECT_EQ(table_of(r.p), std::vector<int>({1, 1, 1, 0})) << "seed " << seed;
    }
    // Same seed, same run.
    Rng a(9), b(9);
    LearnResult ra = learn_perceptron(table, 1000, 0.1f, a), rb = learn_perceptron(table, 1000, 0.1f, b);
    EXPECT_EQ(ra.epochs, rb.epochs);
    EXPECT_EQ(ra.p.weights, rb.p.weights);
}

TEST(PerceptronLearning, FailsOnXor) {
    LearnResult r = learn_perceptron(truth_table(xor_gate), 100);
    EXPECT_FALSE(r.converged);
    EXPECT_EQ(r.epochs, 100);
    EXPECT_NE(table_of(r.p), std::vector<int>({0, 1, 1, 0}));
    Rng rng(4);
    EXPECT_FALSE(learn_perceptron(truth_table(xor_gate), 500, 0.5f, rng).converged);
}

TEST(PerceptronLearning, StopsAtMaxEpochs) {
    auto table = truth_table([](int a, int b) { return a & b; });
    LearnResult r = learn_perceptron(table, 2);
    EXPECT_FALSE(r.converged);
    EXPECT_EQ(r.epochs, 2);
}

TEST(PerceptronLearning, RefusesBadArguments) {
    auto table = truth_table([](int a, int b) { return a & b; });
    EXPECT_THROW(learn_perceptron(table, 0), Error);
    EXPECT_THROW(learn_perceptron(table, 10, 0.0f), Error);
    EXPECT_THROW(learn_perceptron(std::vector<Example>{}, 10), Error);
    std::vector<Example> ragged = {{{0, 1}, 0}, {{1}, 1}};
    EXPECT_THROW(learn_perceptron(ragged, 10), Error);
    std::vector<Example> bad_target = {{{0, 1}, 2}};
    EXPECT_THROW(learn_perceptron(bad_target, 10), Error);
}

// ---------------------------------------------------------------- digitnet gates

using digitnet::testing::CliRun;
using digitnet::testing::run_cli;

TEST(GatesCommand, PrintsTablesAndLearningResults) {
    if (std::string(DIGITNET_CLI).empty()) GTEST_SKIP() << "the CLI is not built";
    CliRun r = run_cli("gates");
    ASSERT_EQ(r.status, 0) << r.err;
    // The XOR table: x1 x2 | s1 s2 | y.
    for (const char* line : {"   0  0 |  1  0 | 0\n", "   0  1 |  1  1 | 1\n", "   1  0 |  1  1 | 1\n",
                             "   1  1 |  0  1 | 0\n"})
        EXPECT_NE(r.out.find(line), std::string::npos) << "missing XOR row: " << line << "\n" << r.out;
    EXPECT_NE(r.out.find("AND:  learned in 6 epochs, w = (1, 0.5), b = -1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("XOR:  did not converge in 100 epochs (not linearly separable)"), std::string::npos)
        << r.out;
    // Cheese festival row weather=0, partner=1, transit=1: stays home at 5, goes at 3.
    EXPECT_NE(r.out.find("        0       1       1 |                 0 |                 1"), std::string::npos)
        << r.out;
}

TEST(GatesCommand, JsonHasTheSameContent) {
    if (std::string(DIGITNET_CLI).empty()) GTEST_SKIP() << "the CLI is not built";
    CliRun r = run_cli("gates --json --epochs 50");
    ASSERT_EQ(r.status, 0) << r.err;
    nlohmann::json j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["gates"]["XOR"]["table"][3]["y"], 0);
    EXPECT_EQ(j["gates"]["XOR"]["table"][1]["y"], 1);
    EXPECT_EQ(j["gates"]["AND"]["bias"], -0.7);
    EXPECT_EQ(j["cheese_festival"]["rows"].size(), 8u);
    EXPECT_EQ(j["learning"]["max_epochs"], 50);
    EXPECT_EQ(j["learning"]["results"][0]["converged"], true);
    EXPECT_EQ(j["learning"]["results"][2]["gate"], "XOR");
    EXPECT_EQ(j["learning"]["results"][2]["converged"], false);
    EXPECT_EQ(j["learning"]["results"][2]["epochs"], 50);
}

TEST(GatesCommand, RefusesEpochsBelowOne) {
    if (std::string(DIGITNET_CLI).empty()) GTEST_SKIP() << "the CLI is not built";
    CliRun r = run_cli("gates --epochs 0");
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("--epochs"), std::string::npos) << r.err;
}

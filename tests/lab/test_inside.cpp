// Seeing inside a network: weight tiles, noise confidence, backwards query, worst mistakes.
#include <gtest/gtest.h>

#include <algorithm>

#include "digitnet/inside.hpp"
#include "digitnet/train.hpp"
#include "test_support.hpp"

using namespace digitnet;

static Network trained_sigmoid_network(const DataSplits& data) {
    TrainConfig c;
    c.architecture.sizes = {64, 12, 10};
    c.architecture.use_bias = false;
    c.architecture.encoding = {0.01f, 0.01f, 0.99f, -1};
    c.init = Init::rashid;
    c.epochs = 5;
    c.batch_size = 1;
    c.learning_rate = 0.3f;
    return train(c, data);
}

TEST(Inside, WeightTilesAreTheFirstLayerRows) {
    DataSplits data = digitnet::testing::synthetic_splits(300);
    Network net = trained_sigmoid_network(data);
    auto tiles = first_layer_weight_tiles(net);
    ASSERT_EQ(tiles.size(), 12u);
    ASSERT_EQ(tiles[3].size(), 64u);
    EXPECT_EQ(tiles[3][5], net.layers[0].weights(3, 5));
}

TEST(Inside, NoiseReportCountsEveryImageOnce) {
    DataSplits data = digitnet::testing::synthetic_splits(300);
    Network net = trained_sigmoid_network(data);
    Rng rng(1);
    NoiseReport r = noise_confidence(net, 777, rng);
    std::size_t in_histogram = 0, answered = 0;
    for (auto h : r.histogram) in_histogram += h;
    for (auto c : r.predicted_counts) answered += c;
    EXPECT_EQ(in_histogram, 777u);
    EXPECT_EQ(answered, 777u);
    EXPECT_GT(r.mean_top_probability, 0.0);
    EXPECT_LE(r.mean_top_probability, 1.0);
}

// A class's backwards-query image should look more like that class's examples than like others:
// correlate each query image with the mean image of each class.
TEST(Inside, BackqueryImagesResembleTheirOwnClass) {
    DataSplits data = digitnet::testing::synthetic_splits(2000);
    Network net = trained_sigmoid_network(data);
    auto images = backquery(net);
    ASSERT_EQ(images.size(), 10u);
    std::vector<std::vector<double>> mean(10, std::vector<double>(64, 0.0));
    std::vector<int> count(10, 0);
    for (std::size_t i = 0; i < data.train.size(); ++i) {
        count[data.train.labels[i]]++;
        for (int p = 0; p < 64; ++p) mean[data.train.labels[i]][p] += data.train.images(i, p);
    }
    auto centred_dot = [](const std::vector<float>& a, const std::vector<double>& b) {
        double ma = 0, mb = 0, dot = 0;
        for (std::size_t i = 0; i < a.size(); ++i) { ma += a[i]; mb += b[i]; }
        ma /= a.size(); mb /= b.size();
        for (std::size_t i = 0; i < a.size(); ++i) dot += (a[i] - ma) * (b[i] - mb);
        return dot;
    };
    int matches = 0;
    for (int c = 0; c < 10; ++c) {
        for (float v : images[c]) { EXPECT_GE(v, -1e-5f); EXPECT_LE(v, 1.0f + 1e-5f); }
        int best = 0;
        for (int k = 1; k < 10; ++k) if (centred_dot(images[c], mean[k]) > centred_dot(images[c], mean[best])) best = k;
        matches += best == c;
    }
    EXPECT_GE(matches, 8);
}

TEST(Inside, WorstMistakesAreMisclassifiedAndSortedWorstFirst) {
    DataSplits data = digitnet::testing::synthetic_splits(300);
    TrainConfig c;
    c.architecture.sizes = {64, 4, 10};
    c.epochs = 1;
    c.learning_rate = 0.5f;
    Network net = train(c, data);  // deliberately weak, so that it makes mistakes
    auto mistakes = worst_mistakes(net, data.test, 20);
    ASSERT_FALSE(mistakes.empty());
    for (std::size_t i = 0; i < mistakes.size(); ++i) {
        EXPECT_NE(mistakes[i].label, mistakes[i].predicted);
        EXPECT_EQ(mistakes[i].label, data.test.labels[mistakes[i].index]);
        if (i) {
            EXPECT_LE(mistakes[i - 1].true_output, mistakes[i].true_output);
        }
    }
}

TEST(Inside, WorstMistakesOfANetworkWithoutAnOutputForEveryDigitReadNothingOutsideIt) {
    // Five outputs for the digits 0..9 (the library can build one; train refuses to): a 7 has no
    // output of its own, so its output is 0, the worst, rather than a value read past the row.
    DataSplits data = digitnet::testing::synthetic_splits(50);
    Architecture a;
    a.sizes = {64, 5};
    Network net(a);
    Rng rng(1);
    net.initialize(Init::scaled_normal, rng);
    const auto mistakes = worst_mistakes(net, data.test, data.test.size());
    bool saw_digit_without_output = false;
    for (const Mistake& m : mistakes) {
        EXPECT_LT(m.predicted, 5);
        if (m.label >= 5) {
            saw_digit_without_output = true;
            EXPECT_EQ(m.true_output, 0.0f) << "label " << int(m.label);
        }
    }
    EXPECT_TRUE(saw_digit_without_output);
}

// Ensembles: the average of several networks' outputs (Nielsen ch. 6).
#include <gtest/gtest.h>

#include "digitnet/error.hpp"
#include "digitnet/evaluate.hpp"
#include "digitnet/train.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::error_of;
using digitnet::testing::small_config;
using digitnet::testing::synthetic_splits;

TEST(Ensemble, AveragesTheOutputsAndRefusesModelsThatDoNotFit) {
    const DataSplits data = synthetic_splits(400);
    TrainConfig c = small_config();
    c.epochs = 1;
    std::vector<Network> members;
    for (std::uint64_t seed : {1, 2, 3}) {
        c.seed = seed;
        members.push_back(train(c, data));
    }
    // One model twice is that model.
    std::vector<Network> twice = {members[0], members[0]};
    EXPECT_EQ(evaluate_ensemble(twice, data.test).correct, evaluate(members[0], data.test).correct);
    // Three models: each test answer is the argmax of the mean output, worked out here by hand.
    const Evaluation ensemble = evaluate_ensemble(members, data.test);
    std::size_t correct = 0;
    for (std::size_t i = 0; i < data.test.size(); ++i) {
        Matrix x(1, data.test.features());
        std::copy(data.test.images.row(i), data.test.images.row(i) + x.cols(), x.data());
        std::vector<double> mean(10, 0.0);
        for (Network& n : members) {
            const Matrix& out = n.forward(x);
            for (std::size_t j = 0; j < 10; ++j) mean[j] += out(0, j) / 3.0;
        }
        correct += static_cast<std::size_t>(std::max_element(mean.begin(), mean.end()) - mean.begin()) == data.test.labels[i];
    }
    EXPECT_EQ(ensemble.correct, correct);
    EXPECT_EQ(ensemble.confusion.size(), 10u);
    // A yes/no network does not fit a digit classifier's ensemble.
    TrainConfig nine = small_config();
    nine.architecture.sizes = {64, 16, 1};
    nine.architecture.output = Activation::sigmoid;
    nine.architecture.cost = Cost::cross_entropy;
    nine.architecture.encoding.target_digit = 9;
    nine.epochs = 1;
    std::vector<Network> mixed = {members[0], train(nine, data)};
    EXPECT_CONTAINS(error_of([&] { evaluate_ensemble(mixed, data.test); }), "the same inputs, outputs and encoding");
}

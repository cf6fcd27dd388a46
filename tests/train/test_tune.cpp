// Random hyper-parameter search: the draws, the budget, and scoring on the validation split only.
#include <gtest/gtest.h>

#include <unistd.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"
#include "digitnet/tune.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::CliRun;
using digitnet::testing::run_cli;
using digitnet::testing::write_mnist_csv;
namespace fs = std::filesystem;

namespace {

Dataset tune_synthetic(std::size_t n, std::size_t features, std::uint64_t seed) {
    Rng rng(seed);
    Dataset d;
    d.image_rows = 1;
    d.image_cols = features;
    d.images = Matrix(n, features);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t label = i % 10;
        d.labels.push_back(static_cast<std::uint8_t>(label));
        for (std::size_t p = 0; p < features; ++p) d.images(i, p) = static_cast<float>(rng.uniform(0.0, 0.3));
        d.images(i, label % features) = 1.0f;
    }
    return d;
}

DataSplits tune_splits() {
    DataSplits s;
    s.train = tune_synthetic(200, 16, 1);
    s.validation = tune_synthetic(60, 16, 2);
    // A test set the network cannot even read (17 pixels, not 16): any use of it would throw.
    s.test = tune_synthetic(30, 17, 3);
    return s;
}

TuneOptions small_options() {
    TuneOptions o;
    o.base.architecture.sizes = {16, 20, 10};
    o.base.architecture.hidden = Activation::relu;
    o.base.architecture.output = Activation::softmax;
    o.base.architecture.cost = Cost::log_likelihood;
    o.base.init = Init::he;
    o.base.epochs = 2;
    o.base.learning_rate = 0.1f;
    o.space = default_space(o.base);
    o.space.hidden_min = 5;
    o.space.hidden_max = 40;
    o.space.batch_max = 32;
    o.trials = 4;
    o.seed = 5;
    return o;
}

}  // namespace

TEST(Tune, DrawsStayInTheSpaceAndAreLogUniform) {
    TuneSpace s;
    s.lr_min = 0.001f;
    s.lr_max = 1.0f;
    Rng rng(1);
    std::size_t below_geometric_mean = 0, zero_l2 = 0, small_hidden = 0;
    std::set<std::size_t> batches;
    const int n = 4000;
    for (int k = 0; k < n; ++k) {
        const TrialSettings t = draw_trial(s, rng);
        ASSERT_GE(t.learning_rate, s.lr_min);
        ASSERT_LE(t.learning_rate, s.lr_max);
        ASSERT_TRUE(t.l2 == 0.0f || (t.l2 >= s.l2_min && t.l2 <= s.l2_max)) << t.l2;
        ASSERT_GE(t.hidden, s.hidden_min);
        ASSERT_LE(t.hidden, s.hidden_max);
        ASSERT_TRUE(std::has_single_bit(t.batch_size));
        ASSERT_GE(t.batch_size, s.batch_min);
        ASSERT_LE(t.batch_size, s.batch_max);
        below_geometric_mean += t.learning_rate < std::sqrt(s.lr_min * s.lr_max);  // 0.0316: half, if log-uniform
        zero_l2 += t.l2 == 0.0f;
        small_hidden += t.hidden < 95;  // √(30·301) ≈ 95: half, if log-uniform
        batches.insert(t.batch_size);
    }
    EXPECT_NEAR(below_geometric_mean / double(n), 0.5, 0.04);
    EXPECT_NEAR(zero_l2 / double(n), s.l2_zero_probability, 0.04);
    EXPECT_NEAR(small_hidden / double(n), 0.5, 0.04);
    EXPECT_EQ(batches, (std::set<std::size_t>{8, 16, 32, 64, 128, 256}));
}

TEST(Tune, SameSeedSameTrials) {
    TuneSpace s;
    Rng a(42), b(42), c(43);
    bool differs = false;
    for (int k = 0; k < 10; ++k) {
        const TrialSettings ta = draw_trial(s, a), tb = draw_trial(s, b), tc = draw_trial(s, c);
        EXPECT_EQ(ta, tb);
        differs = differs || !(ta == tc);
    }
    EXPECT_TRUE(differs);
}

TEST(Tune, TrialConfigAppliesTheSettings) {
    TrainConfig base;
    base.architecture.sizes = {784, 30, 30, 10};
    const TrialSettings t{0.02f, 3.0f, 77, 64};
    const TrainConfig c = trial_config(base, t);
    EXPECT_EQ(c.architecture.sizes, (std::vector<std::size_t>{784, 77, 77, 10}));
    EXPECT_FLOAT_EQ(c.learning_rate, 0.02f);
    EXPECT_FLOAT_EQ(c.l2, 3.0f);
    EXPECT_EQ(c.batch_size, 64u);
    base.architecture.sizes = {784, 10};
    EXPECT_THROW(trial_config(base, t), Error);
}

TEST(Tune, ValidateRefusesBadSpaces) {
    TuneSpace s;
    EXPECT_NO_THROW(validate(s));
    s.lr_min = 0.0f;
    EXPECT_THROW(validate(s), Error);
    s = TuneSpace{};
    s.lr_min = 2.0f;  // above lr_max
    EXPECT_THROW(validate(s), Error);
    s = TuneSpace{};
    s.batch_max = 100;
    EXPECT_THROW(validate(s), Error);
    s = TuneSpace{};
    s.hidden_min = 0;
    EXPECT_THROW(validate(s), Error);
    s = TuneSpace{};
    s.l2_zero_probability = 1.5;
    EXPECT_THROW(validate(s), Error);
}

TEST(Tune, SearchIsSeededScoresOnValidationAndNeverTouchesTheTestSet) {
    const DataSplits data = tune_splits();
    TuneOptions o = small_options();
    std::vector<std::size_t> seen;
    TuneHooks hooks;
    hooks.on_trial = [&](const TrialResult& r) { seen.push_back(r.index); };
    const std::vector<TrialResult> a = random_search(o, data, hooks);  // would throw if the test set were used
    ASSERT_EQ(a.size(), 4u);
    EXPECT_EQ(seen, (std::vector<std::size_t>{1, 2, 3, 4}));
    Rng draws(o.seed);
    for (std::size_t k = 0; k < a.size(); ++k) {
        EXPECT_EQ(a[k].index, k + 1);
        EXPECT_EQ(a[k].settings, draw_trial(o.space, draws));  // trial k is the k-th draw
        EXPECT_EQ(a[k].epochs, 2u);
        ASSERT_TRUE(std::isfinite(a[k].validation_accuracy));
        EXPECT_GE(a[k].validation_accuracy, 0.0);
        EXPECT_LE(a[k].validation_accuracy, 1.0);
        // A validation accuracy is a multiple of 1/60 (60 validation examples).
        EXPECT_NEAR(a[k].validation_accuracy * 60.0, std::round(a[k].validation_accuracy * 60.0), 1e-9);
    }
    const std::vector<TrialResult> b = random_search(o, data);
    ASSERT_EQ(b.size(), a.size());
    for (std::size_t k = 0; k < a.size(); ++k) {
        EXPECT_EQ(a[k].settings, b[k].settings);
        EXPECT_EQ(a[k].validation_accuracy, b[k].validation_accuracy);
        EXPECT_EQ(a[k].validation_cost, b[k].validation_cost);
    }
    // The search does learn: the best trial is far above chance (0.1) on this easy task.
    EXPECT_GT(sorted_by_validation(a).front().validation_accuracy, 0.5);
}

TEST(Tune, TimeBudgetStopsStartingTrials) {
    const DataSplits data = tune_splits();
    TuneOptions o = small_options();
    o.trials = 0;        // no trial limit
    o.seconds = 1e-9;    // spent as soon as the first trial has run
    EXPECT_EQ(random_search(o, data).size(), 1u);
    o.trials = 0;
    o.seconds = 0.0;  // no budget at all
    EXPECT_THROW(random_search(o, data), Error);
}

TEST(Tune, RefusesDataWithoutValidationSplit) {
    DataSplits data = tune_splits();
    data.validation = Dataset{};
    try {
        random_search(small_options(), data);
        FAIL() << "a search without a validation split was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("validation"), std::string::npos) << e.what();
    }
}

TEST(Tune, SortsByValidationWithDivergedLast) {
    std::vector<TrialResult> r(4);
    r[0].index = 1, r[0].validation_accuracy = 0.5;
    r[1].index = 2, r[1].validation_accuracy = kNotMeasured, r[1].status = TrainStatus::diverged;
    r[2].index = 3, r[2].validation_accuracy = 0.9;
    r[3].index = 4, r[3].validation_accuracy = 0.5;
    const auto s = sorted_by_validation(r);
    EXPECT_EQ(s[0].index, 3u);
    EXPECT_EQ(s[1].index, 1u);  // ties keep the drawing order
    EXPECT_EQ(s[2].index, 4u);
    EXPECT_EQ(s[3].index, 2u);
}

TEST(Tune, CommandLineReproducesTheTrial) {
    TrainConfig base;
    base.architecture.sizes = {784, 30, 10};
    base.epochs = 3;
    base.train_size = 10000;
    base.seed = 9;
    const TrainConfig c = trial_config(base, TrialSettings{0.025f, 0.0f, 120, 32});
    const std::string line = train_command_line("default", c, "--data fashion-mnist");
    EXPECT_EQ(line,
              "digitnet train --preset default --layers 784,120,10 --lr 0.025 --l2 0 --batch 32 --epochs 3 --seed 9 "
              "--train-size 10000 --data fashion-mnist");
}

TEST(TuneCommand, RunsASmallSearch) {
    if (std::string(DIGITNET_CLI).empty()) GTEST_SKIP() << "the CLI is not built";
    const fs::path dir = fs::temp_directory_path() / ("digitnet_tune_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path csv = dir / "tiny.csv";
    write_mnist_csv(csv, 40, [](int k, int p) { return p / 78 == k % 10; });
    const CliRun r = run_cli("tune --data \"" + csv.string() +
                             "\" --validation-size 10 --trials 2 --epochs 1 --train-size 30 --hidden-max 40");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string& o = r.out;
    EXPECT_NE(o.find("sorted by validation accuracy"), std::string::npos) << o;
    EXPECT_NE(o.find("digitnet train --preset default --layers 784,"), std::string::npos) << o;
    EXPECT_NE(o.find("--epochs 1 --seed 1 --train-size 30"), std::string::npos) << o;
    EXPECT_NE(o.find("the test set is not used"), std::string::npos) << o;
    fs::remove_all(dir);
}

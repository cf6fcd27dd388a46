// Regularisation and training schedules on a tiny synthetic task: L2, L1, dropout, early
// stopping, the step learning-rate schedule, option validation (library and CLI), and the
// one-neuron learning-slowdown experiment (quadratic vs cross-entropy cost).
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"
#include "digitnet/slowdown.hpp"
#include "digitnet/train.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::CliRun;
using digitnet::testing::line_count;
using digitnet::testing::run_cli;
using digitnet::testing::write_mnist_csv;
namespace fs = std::filesystem;

namespace {

// n examples of 4x4 images in 10 separable classes: class k lights pixel k (and, more
// faintly, pixel k + 6), on a little uniform noise.
Dataset synthetic(std::size_t n, std::uint64_t seed) {
    Rng rng(seed);
    Dataset d;
    d.image_rows = d.image_cols = 4;
    d.images = Matrix(n, 16);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t label = i % 10;
        d.labels.push_back(static_cast<std::uint8_t>(label));
        for (std::size_t p = 0; p < 16; ++p) d.images(i, p) = static_cast<float>(rng.uniform(0.0, 0.2));
        d.images(i, label) = 1.0f;
        d.images(i, label + 6) = std::max(d.images(i, label + 6), 0.6f);
    }
    return d;
}

DataSplits splits() {
    DataSplits s;
    s.name = "synthetic";
    s.train = synthetic(200, 1);
    s.validation = synthetic(50, 2);
    s.test = synthetic(50, 3);
    return s;
}

TrainConfig small_relu_config() {
    TrainConfig c;
    c.architecture.sizes = {16, 20, 10};
    c.architecture.hidden = Activation::relu;
    c.architecture.output = Activation::softmax;
    c.architecture.cost = Cost::log_likelihood;
    c.init = Init::he;
    c.epochs = 5;
    c.batch_size = 10;
    c.learning_rate = 0.1f;
    c.seed = 7;
    c.evaluate_test = false;
    return c;
}

double weight_sum(const Network& net, bool squared) {
    double s = 0.0;
    for (const auto& layer : net.layers)
        for (float w : layer.weights) s += squared ? double(w) * w : std::fabs(w);
    return s;
}

bool same_parameters(const Network& a, const Network& b) {
    for (std::size_t l = 0; l < a.layers.size(); ++l) {
        for (std::size_t i = 0; i < a.layers[l].weights.size(); ++i)
            if (a.layers[l].weights.data()[i] != b.layers[l].weights.data()[i]) return false;
        for (std::size_t i = 0; i < a.layers[l].biases.size(); ++i)
            if (a.layers[l].biases.data()[i] != b.layers[l].biases.data()[i]) return false;
    }
    return true;
}

std::string validation_message(const TrainConfig& c) {
    try {
        validate(c);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

// ---------------------------------------------------------------- L2 and L1

TEST(Regularization, L2ShrinksTheWeights) {
    const DataSplits data = splits();
    TrainConfig c = small_relu_config();
    Trainer plain(c, data);
    plain.run();
    c.l2 = 20.0f;  // λ/n = 0.1 per step: a strong pull towards 0
    Trainer decayed(c, data);
    decayed.run();
    EXPECT_LT(weight_sum(decayed.network(), true), 0.7 * weight_sum(plain.network(), true));
}

TEST(Regularization, L2AloneDecaysWeightsGeometrically) {
    // With every input 0 and every target equal to the uniform output, the data gradient of the
    // weights is 0 and only the decay acts: w ← (1 - ηλ/n) w per step.
    DataSplits data;
    data.train.image_rows = data.train.image_cols = 4;
    data.train.images = Matrix(10, 16);  // all zero
    for (int i = 0; i < 10; ++i) data.train.labels.push_back(static_cast<std::uint8_t>(i));
    TrainConfig c = small_relu_config();
    c.architecture.use_bias = false;  // zero input, no bias: hidden = relu(0) = 0, softmax uniform
    c.epochs = 1;
    c.batch_size = 10;  // one step
    c.l2 = 1.0f;        // λ/n = 0.1
    c.learning_rate = 0.5f;
    Trainer t(c, data);
    const Matrix before = t.network().layers[0].weights;
    t.run();
    const Matrix& after = t.network().layers[0].weights;
    for (std::size_t i = 0; i < before.size(); ++i)
        EXPECT_NEAR(after.data()[i], (1.0f - 0.5f * 0.1f) * before.data()[i], 1e-6f) << i;
}

TEST(Regularization, L1ReducesTheL1NormAndDrivesWeightsToZero) {
    const DataSplits data = splits();
    TrainConfig c = small_relu_config();
    c.epochs = 10;
    Trainer plain(c, data);
    plain.run();
    c.l1 = 4.0f;  // λ/n = 0.02 per step, against the sign of each weight
    Trainer sparse(c, data);
    sparse.run();
    EXPECT_LT(weight_sum(sparse.network(), false), 0.7 * weight_sum(plain.network(), false));
    auto near_zero = [](const Network& n) {
        std::size_t k = 0;
        for (float w : n.layers[0].weights) k += std::fabs(w) < 0.02f;
        return k;
    };
    EXPECT_GT(near_zero(sparse.network()), 2 * near_zero(plain.network()) + 5);
}

// ---------------------------------------------------------------- dropout

TEST(Regularization, DropoutZeroIsNoDropout) {
    // p = 0: the layer's training forward pass equals the evaluation pass and draws nothing.
    const DataSplits data = splits();
    TrainConfig c = small_relu_config();
    Trainer t(c, data);
    Network& net = t.network();
    net.layers[0].dropout = 0.0f;
    Rng rng(1);
    const Rng::State before = rng.state();
    const Matrix trained = net.forward(data.train.images, true, &rng);
    EXPECT_EQ(rng.state(), before);
    const Matrix evaluated = net.forward(data.train.images);
    for (std::size_t i = 0; i < trained.size(); ++i) ASSERT_EQ(trained.data()[i], evaluated.data()[i]);
    // And two trainers with dropout 0 end identically.
    Trainer a(c, data), b(c, data);
    a.run();
    b.run();
    EXPECT_TRUE(same_parameters(a.network(), b.network()));
}

TEST(Regularization, DropoutChangesTrainingButNotEvaluation) {
    const DataSplits data = splits();
    TrainConfig c = small_relu_config();
    Trainer plain(c, data);
    plain.run();
    c.dropout = 0.5f;
    Trainer dropped(c, data);
    dropped.run();
    EXPECT_FALSE(same_parameters(plain.network(), dropped.network()));

    // Evaluation is deterministic and ignores dropout, even when a generator is handed in.
    Network& net = dropped.network();
    ASSERT_EQ(net.layers[0].dropout, 0.5f);
    const Matrix first = net.forward(data.validation.images);
    const Matrix second = net.forward(data.validation.images);
    Rng rng(3);
    const Matrix with_rng = net.forward(data.validation.images, false, &rng);
    Network copy = net;
    for (auto& layer : copy.layers) layer.dropout = 0.0f;
    const Matrix without = copy.forward(data.validation.images);
    for (std::size_t i = 0; i < first.size(); ++i) {
        ASSERT_EQ(first.data()[i], second.data()[i]);
        ASSERT_EQ(first.data()[i], with_rng.data()[i]);
        ASSERT_EQ(first.data()[i], without.data()[i]);
    }
    // A training pass does drop units: about half of the hidden activations that were > 0
    // become 0, and the kept ones are scaled by 1/(1-p) = 2.
    net.forward(data.validation.images, true, &rng);
    const Matrix& hidden_train = net.layers[0].a;
    copy.forward(data.validation.images);
    const Matrix& hidden_eval = copy.layers[0].a;
    std::size_t positive = 0, dropped_units = 0;
    for (std::size_t i = 0; i < hidden_eval.size(); ++i) {
        if (hidden_eval.data()[i] <= 0.0f) continue;
        ++positive;
        if (hidden_train.data()[i] == 0.0f)
            ++dropped_units;
        else
            EXPECT_NEAR(hidden_train.data()[i], 2.0f * hidden_eval.data()[i], 1e-5f);
    }
    ASSERT_GT(positive, 100u);
    EXPECT_NEAR(static_cast<double>(dropped_units) / positive, 0.5, 0.1);
}

// The mask drops each unit with probability p (16 random bits per unit): over 100 × 1,003 units
// (not a multiple of 4, so the last draw is split) the dropped fraction is p within 1%, the kept
// units are scaled by 1/(1-p), and the same generator state gives the same mask.
TEST(Regularization, DropoutMaskDropsAFractionPOfTheUnits) {
    for (float p : {0.1f, 0.3f, 0.5f}) {
        DenseLayer layer(4, 1003, Activation::identity);
        layer.weights.fill(0.25f);
        layer.biases.fill(1.0f);
        layer.dropout = p;
        Matrix x(100, 4);
        x.fill(1.0f);
        Rng rng(21), same(21);
        layer.forward(x, true, &rng);
        const Matrix first = layer.dropout_mask;
        std::size_t dropped = 0;
        for (float m : first) {
            if (m == 0.0f) ++dropped;
            else EXPECT_FLOAT_EQ(m, 1.0f / (1.0f - p));
        }
        EXPECT_NEAR(static_cast<double>(dropped) / static_cast<double>(first.size()), p, 0.01) << p;
        layer.forward(x, true, &same);
        EXPECT_TRUE(std::equal(first.begin(), first.end(), layer.dropout_mask.begin()));
    }
}

// ---------------------------------------------------------------- early stopping and schedules

TEST(Regularization, EarlyStoppingStopsAndKeepsTheBestWeights) {
    // The validation images are blank and the network has no biases, so every validation output
    // is the uniform softmax and the validation accuracy never changes: it is best after epoch 1
    // and never better again. With --early-stop 2 training ends after epoch 3 of 50, and the
    // weights are those of epoch 1.
    DataSplits data = splits();
    data.validation.images.fill(0.0f);
    TrainConfig c = small_relu_config();
    c.architecture.use_bias = false;
    c.epochs = 50;
    c.early_stop = 2;
    Trainer stopped(c, data);
    EXPECT_EQ(stopped.run(), TrainStatus::early_stopped);
    EXPECT_EQ(stopped.epochs_done(), 3u);
    EXPECT_EQ(stopped.history().size(), 3u);

    c.early_stop = 0;
    c.epochs = 1;
    Trainer one(c, data);
    EXPECT_EQ(one.run(), TrainStatus::finished);
    EXPECT_TRUE(same_parameters(stopped.network(), one.network()));
    c.epochs = 3;
    Trainer three(c, data);
    three.run();
    EXPECT_FALSE(same_parameters(stopped.network(), three.network()));  // the restore mattered
}

// Every tensor of a network, trained or not (batch normalisation's running statistics too).
std::vector<std::vector<float>> all_values(const Network& network) {
    std::vector<std::vector<float>> values;
    auto add = [&](const Matrix& m) { values.emplace_back(m.begin(), m.end()); };
    if (network.architecture().is_net()) {
        for (const LayerTensor& t : network.tensors()) add(*t.value);
        return values;
    }
    for (const auto& layer : network.layers) {
        add(layer.weights);
        add(layer.biases);
        for (const Matrix* m : {&layer.norm.gamma, &layer.norm.beta, &layer.norm.running_mean, &layer.norm.running_var}) add(*m);
    }
    return values;
}

// Evaluation reads batch normalisation's running mean and variance, so the network that early
// stopping keeps is the best epoch's weights together with that epoch's statistics.
TEST(Regularization, EarlyStoppingKeepsTheBestEpochsBatchNormStatistics) {
    for (const bool net : {false, true}) {
        SCOPED_TRACE(net ? "--net with batchnorm" : "MLP with --batch-norm");
        TrainConfig c = small_relu_config();
        if (net) {
            c.architecture.net = "flatten dense20 batchnorm relu dense10 softmax";
            c.architecture.input = ImageShape{1, 4, 4};
            apply_net(c.architecture);
        } else {
            c.architecture.batch_norm = true;
        }
        c.epochs = 60;
        c.early_stop = 3;
        const DataSplits data = splits();
        Trainer t(c, data);
        std::vector<std::vector<std::vector<float>>> after_epoch;
        TrainHooks hooks;
        hooks.on_epoch = [&](const EpochMetrics&) { after_epoch.push_back(all_values(t.network())); };
        ASSERT_EQ(t.run(hooks), TrainStatus::early_stopped) << t.divergence_message();
        std::size_t best = 0;  // the first epoch of the highest validation accuracy
        for (std::size_t e = 1; e < t.history().size(); ++e)
            if (t.history()[e].validation_accuracy > t.history()[best].validation_accuracy) best = e;
        ASSERT_LT(best + 1, after_epoch.size());
        EXPECT_TRUE(all_values(t.network()) == after_epoch[best]) << "best epoch " << best + 1;
        EXPECT_FALSE(after_epoch.back() == after_epoch[best]);  // the restore mattered
    }
}

// --weight-average d: after every step w̄ ← d_t·w̄ + (1 - d_t)·w with d_t = min(d, (1 + t)/(10 + t)),
// over the parameters and batch normalisation's statistics; the finished network is w̄, and
// validation accuracy judges w̄. Averaging changes nothing of the training itself.
TEST(Regularization, WeightAverageIsTheMovingAverageOfEveryStep) {
    TrainConfig c = small_relu_config();
    c.architecture.batch_norm = true;
    c.epochs = 3;
    const DataSplits data = splits();
    // The plain run, its weights read after every step and averaged here.
    Trainer plain(c, data);
    std::vector<std::vector<float>> average;
    std::size_t steps = 0;
    TrainHooks hooks;
    hooks.on_batch = [&](std::size_t, std::size_t) {
        const auto w = all_values(plain.network());
        if (average.empty()) average = all_values(Trainer(c, data).network());  // the initial weights
        ++steps;
        const float d = std::min(0.9f, (1.0f + static_cast<float>(steps)) / (10.0f + static_cast<float>(steps)));
        for (std::size_t i = 0; i < w.size(); ++i)
            for (std::size_t k = 0; k < w[i].size(); ++k) average[i][k] = d * average[i][k] + (1.0f - d) * w[i][k];
    };
    ASSERT_EQ(plain.run(hooks), TrainStatus::finished);
    ASSERT_GT(steps, 20u);

    c.weight_average = 0.9f;
    Trainer averaged(c, data);
    ASSERT_EQ(averaged.run(), TrainStatus::finished);
    const auto got = all_values(averaged.network());
    ASSERT_EQ(got.size(), average.size());
    float worst = 0.0f;
    for (std::size_t i = 0; i < got.size(); ++i)
        for (std::size_t k = 0; k < got[i].size(); ++k) worst = std::max(worst, std::fabs(got[i][k] - average[i][k]));
    EXPECT_LT(worst, 1e-5f);
    EXPECT_FALSE(got == all_values(plain.network()));  // the average is not the last step's weights
    for (std::size_t e = 0; e < 3; ++e)                  // the same steps, judged on other weights
        EXPECT_EQ(averaged.history()[e].train_cost, plain.history()[e].train_cost) << "epoch " << e + 1;
}

TEST(Regularization, WeightAverageOutsideZeroToOneIsRefused) {
    for (const float d : {-0.1f, 1.0f, 1.5f, std::nanf("")}) {
        TrainConfig c = small_relu_config();
        c.weight_average = d;
        const std::string message = digitnet::testing::error_of([&] { validate(c); });
        EXPECT_NE(message.find("--weight-average"), std::string::npos) << d << ": " << message;
    }
}

TEST(Regularization, StepDecayHalvesTheLearningRate) {
    const DataSplits data = splits();
    TrainConfig c = small_relu_config();
    c.epochs = 5;
    c.lr_decay = "step";
    c.lr_step = 2;
    c.lr_decay_factor = 0.5f;
    Trainer t(c, data);
    t.run();
    const float lr = c.learning_rate;
    const double expected[] = {lr, lr, lr / 2, lr / 2, lr / 4};
    ASSERT_EQ(t.history().size(), 5u);
    for (std::size_t e = 0; e < 5; ++e) EXPECT_NEAR(t.history()[e].learning_rate, expected[e], 1e-7) << "epoch " << e + 1;
    c.lr_decay = "none";
    Trainer constant(c, data);
    constant.run();
    EXPECT_NEAR(constant.history().back().learning_rate, lr, 1e-7);
}

// ---------------------------------------------------------------- validation

TEST(Regularization, ValidateNamesTheBadOption) {
    struct Bad {
        const char* option;
        void (*apply)(TrainConfig&);
    };
    const Bad cases[] = {
        {"--l2", [](TrainConfig& c) { c.l2 = -1.0f; }},
        {"--l1", [](TrainConfig& c) { c.l1 = -0.5f; }},
        {"--l2", [](TrainConfig& c) { c.l2 = NAN; }},
        {"--dropout", [](TrainConfig& c) { c.dropout = 1.0f; }},
        {"--dropout", [](TrainConfig& c) { c.dropout = 1.5f; }},
        {"--dropout", [](TrainConfig& c) { c.dropout = -0.1f; }},
        {"--optimizer", [](TrainConfig& c) { c.optimizer.name = "lbfgs"; }},
        {"--lr-decay", [](TrainConfig& c) { c.lr_decay = "cosine"; }},
        {"--lr-decay-factor", [](TrainConfig& c) { c.lr_decay_factor = 0.0f; }},
        {"--lr-step", [](TrainConfig& c) { c.lr_step = 0; }},
        {"--lr", [](TrainConfig& c) { c.learning_rate = -0.1f; }},
        {"--momentum", [](TrainConfig& c) { c.optimizer.momentum = 1.2f; }},
    };
    EXPECT_EQ(validation_message(small_relu_config()), "");
    for (const Bad& b : cases) {
        TrainConfig c = small_relu_config();
        b.apply(c);
        const std::string message = validation_message(c);
        EXPECT_NE(message.find(b.option), std::string::npos) << b.option << ": '" << message << "'";
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
    // The trainer refuses such a configuration before it trains.
    TrainConfig c = small_relu_config();
    c.dropout = 1.5f;
    const DataSplits data = splits();
    EXPECT_THROW(Trainer(c, data), Error);
}

TEST(RegularizationCommand, RefusesBadDropoutWithOneLine) {
    if (std::string(DIGITNET_CLI).empty()) GTEST_SKIP() << "the CLI is not built";
    // A tiny CSV dataset (mnist_train.csv layout) so the command gets as far as the options.
    const fs::path dir = fs::temp_directory_path() / ("digitnet_reg_cli_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path csv = dir / "tiny.csv";
    write_mnist_csv(csv, 12, [](int k, int p) { return p == 100 + k; });
    struct Run {
        std::string args, option;
    };
    const Run runs[] = {{"--dropout 1.5", "--dropout"},
                        {"--l2 -1", "--l2"},
                        {"--optimizer lbfgs", "--optimizer"},
                        {"--lr-decay cosine", "--lr-decay"}};
    for (const Run& r : runs) {
        const CliRun run =
            run_cli("train --data \"" + csv.string() + "\" --validation-size 2 --epochs 1 --quiet " + r.args);
        EXPECT_NE(run.status, 0) << r.args;
        const std::string& e = run.err;
        EXPECT_NE(e.find(r.option), std::string::npos) << r.args << ": " << e;
        EXPECT_EQ(line_count(e), 1u) << r.args << ": " << e;
    }
    fs::remove_all(dir);
}

// ---------------------------------------------------------------- the learning slowdown

TEST(Slowdown, CrossEntropyLearnsFastFromABadStartQuadraticDoesNot) {
    SlowdownOptions o;  // w = 2, b = 2, x = 1, y = 0, η = 0.15, 300 epochs
    const SlowdownResult r = run_slowdown(o);
    ASSERT_EQ(r.quadratic.cost.size(), 301u);
    ASSERT_EQ(r.cross_entropy.cost.size(), 301u);
    EXPECT_NEAR(r.quadratic.output[0], 0.982, 1e-3);  // σ(4)
    EXPECT_NEAR(r.quadratic.cost[0], 0.5 * 0.982 * 0.982, 1e-3);
    EXPECT_NEAR(r.cross_entropy.cost[0], 4.018, 1e-3);  // -ln(1 - σ(4))
    // Cross-entropy: the output falls below 0.1 within 60 epochs (about 50).
    EXPECT_LT(first_below(r.cross_entropy.output, 0.1), 60u);
    // Quadratic: after 100 epochs the neuron still answers about 0.9 or more for a target of 0.
    EXPECT_GT(r.quadratic.output[100], 0.85);
    EXPECT_GT(first_below(r.quadratic.output, 0.1), 100u);
    // Both costs only go down.
    for (std::size_t e = 1; e < r.quadratic.cost.size(); ++e) {
        EXPECT_LE(r.quadratic.cost[e], r.quadratic.cost[e - 1]);
        EXPECT_LE(r.cross_entropy.cost[e], r.cross_entropy.cost[e - 1]);
    }
}

TEST(Slowdown, FromAGoodStartBothLearn) {
    SlowdownOptions o;
    o.w = 0.6;
    o.b = 0.9;
    const SlowdownResult r = run_slowdown(o);
    EXPECT_NEAR(r.quadratic.output[0], 0.818, 1e-3);  // σ(1.5)
    // Without saturation the quadratic neuron is not stuck: it halves its output within 100 epochs.
    EXPECT_LT(r.quadratic.output[100], 0.5 * r.quadratic.output[0]);
    EXPECT_LT(r.cross_entropy.output[100], 0.1);
}

TEST(Slowdown, OneGradientStepMatchesTheFormulas) {
    SlowdownOptions o;
    o.epochs = 1;
    const SlowdownResult r = run_slowdown(o);
    const double a = 1.0 / (1.0 + std::exp(-4.0));
    // quadratic: w ← w - η (a - y) σ'(z) x ; cross-entropy: w ← w - η (a - y) x
    EXPECT_NEAR(r.quadratic.w[1], 2.0 - 0.15 * a * a * (1.0 - a), 1e-12);
    EXPECT_NEAR(r.cross_entropy.w[1], 2.0 - 0.15 * a, 1e-12);
    EXPECT_NEAR(r.cross_entropy.b[1], 2.0 - 0.15 * a, 1e-12);
}

TEST(Slowdown, RefusesBadOptions) {
    SlowdownOptions o;
    o.epochs = 0;
    EXPECT_THROW(run_slowdown(o), Error);
    o = SlowdownOptions{};
    o.learning_rate = -1.0;
    EXPECT_THROW(run_slowdown(o), Error);
    EXPECT_EQ(first_below({3.0, 2.0, 1.0}, 0.5), 3u);
    EXPECT_EQ(first_below({3.0, 2.0, 1.0}, 2.5), 1u);
}

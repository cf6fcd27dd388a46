// Training: averaged mini-batches, the partial last batch, seeds, checkpoints, divergence,
// model files; and a short run on the real MNIST with a fixed seed.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "digitnet/error.hpp"
#include "digitnet/evaluate.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/presets.hpp"
#include "digitnet/train.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::fresh_dir;
using digitnet::testing::read_text;
using digitnet::testing::synthetic_splits;
using digitnet::testing::small_config;
using digitnet::testing::stop_in_second_epoch;

static bool same_weights(const Network& a, const Network& b) {
    if (a.layers.size() != b.layers.size()) return false;
    for (std::size_t l = 0; l < a.layers.size(); ++l) {
        if (!std::equal(a.layers[l].weights.begin(), a.layers[l].weights.end(), b.layers[l].weights.begin())) return false;
        if (!std::equal(a.layers[l].biases.begin(), a.layers[l].biases.end(), b.layers[l].biases.begin())) return false;
    }
    return true;
}

TEST(Training, PartialLastMiniBatchIsUsed) {
    DataSplits data = synthetic_splits(1005);
    TrainConfig c = small_config();
    c.train_size = 1005;
    c.batch_size = 100;
    c.epochs = 1;
    std::size_t batches = 0, total = 0;
    TrainHooks hooks;
    hooks.on_batch = [&](std::size_t done, std::size_t n) { batches = done; total = n; };
    Trainer t(c, data);
    EXPECT_EQ(t.run(hooks), TrainStatus::finished);
    EXPECT_EQ(batches, 11u);
    EXPECT_EQ(total, 11u);
    // Accuracy over the epoch is counted over all 1005 examples: a multiple of 1/1005.
    const double correct = t.history().back().train_accuracy * 1005;
    EXPECT_NEAR(correct, std::round(correct), 1e-6);
}

TEST(Training, BatchOneAndBatchHundredBothLearnAtTheSameRate) {
    DataSplits data = synthetic_splits(2000);
    for (std::size_t batch : {1u, 100u}) {
        TrainConfig c = small_config();
        c.batch_size = batch;
        c.epochs = batch == 1 ? 1 : 30;
        c.learning_rate = 0.5f;
        Trainer t(c, data);
        t.run();
        EXPECT_GT(t.history().back().validation_accuracy, 0.9) << "batch " << batch;
    }
}

TEST(Training, FullBatchGradientDescentLowersTheCost) {
    DataSplits data = synthetic_splits(300);
    TrainConfig c = small_config();
    c.batch_size = 0;  // all 300 at once
    c.epochs = 20;
    c.learning_rate = 2.0f;
    Trainer t(c, data);
    t.run();
    EXPECT_LT(t.history().back().train_cost, t.history().front().train_cost * 0.8);
}

TEST(Training, SameSeedGivesIdenticalBytesDifferentSeedDoesNot) {
    DataSplits data = synthetic_splits(500);
    auto dir = fresh_dir("seed");
    TrainConfig c = small_config();
    c.dropout = 0.2f;  // dropout draws from the generator too
    for (const char* name : {"a", "b"}) save_model((dir / name).string(), train(c, data));
    c.seed = 8;
    save_model((dir / "c").string(), train(c, data));
    EXPECT_EQ(read_text((dir / "a").string()), read_text((dir / "b").string()));
    EXPECT_NE(read_text((dir / "a").string()), read_text((dir / "c").string()));
}

TEST(Training, InterruptedRunResumedFromCheckpointEqualsUninterruptedRun) {
    DataSplits data = synthetic_splits(1000);
    TrainConfig c = small_config();
    c.optimizer.name = "adam";
    c.learning_rate = 0.01f;
    c.dropout = 0.1f;
    c.epochs = 3;
    Trainer uninterrupted(c, data);
    uninterrupted.run();

    auto dir = fresh_dir("resume");
    const std::string path = (dir / "checkpoint.safetensors").string();
    // Stop in the middle of epoch 2 (batch 37 of 100), checkpoint, resume in a new trainer.
    Trainer first(c, data);
    EXPECT_EQ(stop_in_second_epoch(first, 37), TrainStatus::interrupted);
    first.save_checkpoint(path);
    Trainer resumed = Trainer::resume(path, data);
    EXPECT_EQ(resumed.epochs_done(), 1u);
    EXPECT_EQ(resumed.run(), TrainStatus::finished);
    EXPECT_TRUE(same_weights(resumed.network(), uninterrupted.network()));
    ASSERT_EQ(resumed.history().size(), 3u);
    EXPECT_EQ(resumed.history()[2].train_cost, uninterrupted.history()[2].train_cost);

    // And from an end-of-epoch checkpoint.
    Trainer second(c, data);
    second.set_epochs(1);
    second.run();
    second.save_checkpoint(path);
    Trainer resumed2 = Trainer::resume(path, data);
    resumed2.set_epochs(3);
    resumed2.run();
    EXPECT_TRUE(same_weights(resumed2.network(), uninterrupted.network()));
}

TEST(Training, ACheckpointRemembersItsValidationSplitAndRefusesAnother) {
    DataSplits data = synthetic_splits(300);
    TrainConfig c = small_config();
    c.epochs = 1;
    Trainer t(c, data);
    t.run();
    auto dir = fresh_dir("resume-split");
    const std::string path = (dir / "checkpoint.safetensors").string();
    t.save_checkpoint(path);
    EXPECT_EQ(checkpoint_validation_size(path), std::optional<std::size_t>(200));
    data.validation = digitnet::testing::synthetic_digits(100, 5);
    try {
        (void)Trainer::resume(path, data);
        ADD_FAILURE() << "a checkpoint trained with 200 validation examples resumed on 100";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("--validation-size"), std::string::npos) << e.what();
    }
}

TEST(Training, DivergenceStopsWithTheEpochAndBatch) {
    DataSplits data = synthetic_splits(500);
    TrainConfig c = small_config();
    c.architecture.hidden = Activation::relu;
    c.architecture.output = Activation::identity;
    c.architecture.cost = Cost::quadratic;
    c.learning_rate = 1e6f;
    Trainer t(c, data);
    EXPECT_EQ(t.run(), TrainStatus::diverged);
    EXPECT_NE(t.divergence_message().find("epoch 1, batch"), std::string::npos) << t.divergence_message();
    EXPECT_NE(t.divergence_message().find("smaller learning rate"), std::string::npos);
    EXPECT_THROW(train(c, data), Error);
}

TEST(Training, BadValuesAreRefusedNamingTheOption) {
    DataSplits data = synthetic_splits(100);
    auto expect_refused = [&](TrainConfig c, const std::string& option) {
        try {
            Trainer t(c, data);
            ADD_FAILURE() << "accepted a bad " << option;
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(option), std::string::npos) << e.what();
        }
    };
    TrainConfig c = small_config();
    c.learning_rate = -1.0f;
    expect_refused(c, "--lr");
    c = small_config();
    c.l2 = -0.5f;
    expect_refused(c, "--l2");
    c = small_config();
    c.dropout = 1.0f;
    expect_refused(c, "--dropout");
    c = small_config();
    c.optimizer.name = "sgdx";
    expect_refused(c, "--optimizer");
    c = small_config();
    c.architecture.sizes = {100, 10};
    expect_refused(c, "--layers");
}

TEST(ModelFile, SaveThenLoadGivesIdenticalPredictions) {
    DataSplits data = synthetic_splits(500);
    Network net = train(small_config(), data);
    auto dir = fresh_dir("model");
    const std::string path = (dir / "m.safetensors").string();
    save_model(path, net, {{"data", "synthetic"}});
    Metadata meta;
    Network loaded = load_model(path, &meta);
    EXPECT_EQ(meta.at("data"), "synthetic");
    EXPECT_TRUE(loaded.architecture() == net.architecture());
    EXPECT_TRUE(same_weights(loaded, net));
    EXPECT_EQ(net.predict(data.test.images), loaded.predict(data.test.images));
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        EXPECT_EQ(entry.path().filename(), "m.safetensors");  // no temporary file left behind
}

TEST(ModelFile, CorruptTruncatedAndWrongShapeFilesAreRefused) {
    DataSplits data = synthetic_splits(200);
    TrainConfig c = small_config();
    c.epochs = 1;
    Network net = train(c, data);
    auto dir = fresh_dir("corrupt");
    const std::string good = (dir / "good.safetensors").string();
    save_model(good, net);
    const std::string bytes = read_text(good);
    auto write = [&](const std::string& name, const std::string& content) {
        std::ofstream((dir / name).string(), std::ios::binary) << content;
        return (dir / name).string();
    };
    // Truncated: half the file.
    EXPECT_THROW(load_model(write("truncated", bytes.substr(0, bytes.size() / 2))), Error);
    // Not a model at all.
    EXPECT_THROW(load_model(write("garbage", "hello, world, this is not a model")), Error);
    // Wrong shape: a model of another architecture saved under the same tensor names.
    Architecture other = net.architecture();
    other.sizes = {64, 17, 10};
    Network wrong(other);
    SafetensorsFile f;
    append_network_tensors(wrong, "", f.tensors);
    f.metadata = {{"format", "digitnet-model"}, {"architecture", architecture_to_json(net.architecture())}};
    const std::string wrong_path = (dir / "wrong.safetensors").string();
    save_safetensors(wrong_path, f);
    try {
        load_model(wrong_path);
        ADD_FAILURE() << "accepted a wrong-shape file";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("layer.0.weights"), std::string::npos) << e.what();
    }
}

TEST(ModelFile, AFailedLoadLeavesTheNetworkAsItWas) {
    DataSplits data = synthetic_splits(200);
    TrainConfig c = small_config();
    c.epochs = 1;
    Network net = train(c, data);
    const Network before = net;
    auto dir = fresh_dir("failedload");
    // A file of another architecture: refused naming both.
    TrainConfig c2 = c;
    c2.architecture.sizes = {64, 20, 10};
    const std::string other = (dir / "other.safetensors").string();
    save_model(other, train(c2, data));
    try {
        load_weights(net, other);
        ADD_FAILURE() << "loaded a mismatched architecture";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("64-20-10"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("64-16-10"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(same_weights(net, before));
    // A truncated file of the right architecture.
    const std::string good = (dir / "good.safetensors").string();
    save_model(good, train(c, data));
    const std::string bytes = read_text(good);
    std::ofstream((dir / "cut").string(), std::ios::binary) << bytes.substr(0, bytes.size() - 20);
    EXPECT_THROW(load_weights(net, (dir / "cut").string()), Error);
    EXPECT_TRUE(same_weights(net, before));
}

TEST(Presets, EveryPresetIsValid) {
    for (const auto& p : presets()) EXPECT_NO_THROW(validate(p.config)) << p.name;
    EXPECT_THROW(find_preset("nope"), Error);
    EXPECT_EQ(find_preset("nielsen").config.architecture.sizes, (std::vector<std::size_t>{784, 30, 10}));
    EXPECT_FALSE(find_preset("rashid").config.architecture.use_bias);
    // The chapter-1 networks learn from the whole training set; the others hold 10,000 out.
    EXPECT_EQ(find_preset("nielsen").validation_size, 0u);
    EXPECT_EQ(find_preset("rashid").validation_size, 0u);
    EXPECT_EQ(find_preset("nielsen-ch3").validation_size, 10000u);
    EXPECT_EQ(find_preset("default").validation_size, 10000u);
}

// The real MNIST, shortened: Nielsen's network for 10 epochs with seed 1 (93.8% here). With N(0,1)
// weights a run can leave one digit unlearned for its first epochs (seed 1 does, for four: 84%),
// so the run is long enough to get past that.
TEST(MnistTraining, NielsenTenEpochsWithFixedSeedPassesNinetyThreePercent) {
    if (!digitnet::testing::have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist (run scripts/setup.sh)";
    DataOptions o;
    o.data_dir = std::string(DIGITNET_SOURCE_DIR) + "/data";
    DataSplits data = load_data(o);
    ASSERT_EQ(data.train.size(), 50000u);
    TrainConfig c = find_preset("nielsen").config;
    c.epochs = 10;
    c.seed = 1;
    Trainer t(c, data);
    t.run();
    EXPECT_GT(t.history().back().test_accuracy, 0.93);
    EXPECT_GT(t.history().back().validation_accuracy, 0.93);
}

TEST(MnistTraining, OneAndTwoThreadsAgreeWithinAFifthOfAPoint) {
    if (!digitnet::testing::have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist (run scripts/setup.sh)";
    DataOptions o;
    o.data_dir = std::string(DIGITNET_SOURCE_DIR) + "/data";
    DataSplits data = load_data(o);
    TrainConfig c = find_preset("default").config;
    c.epochs = 1;
    c.train_size = 20000;
    double accuracy[2];
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        Trainer t(c, data);
        t.run();
        accuracy[threads - 1] = t.history().back().test_accuracy;
    }
    set_num_threads(0);
    EXPECT_NEAR(accuracy[0], accuracy[1], 0.002);
    EXPECT_GT(accuracy[0], 0.9);
}

// digitnet train/gradcheck/inspect/eval with --net: convolutional networks from the command line.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "test_support.hpp"

using digitnet::testing::cli_command;
using digitnet::testing::expect_killed_run_resumes_bit_for_bit;
using digitnet::testing::CliRun;
using digitnet::testing::fresh_dir;
using digitnet::testing::have_mnist;
using digitnet::testing::line_count;
using digitnet::testing::read_text;
using digitnet::testing::run_cli;

namespace {

const std::string kNetData = "--data-dir " + std::string(DIGITNET_SOURCE_DIR) + "/data";
const std::string kSmallNet = "--net 'conv5x5x6 relu maxpool2 flatten dense10 softmax' --train-size 2000 --batch 20 "
                              "--lr 0.05 --init he --no-test-each-epoch";

}  // namespace

TEST(NetCommand, AnImpossibleNetworkIsRefusedInOneLineBeforeAnythingIsRead) {
    for (const char* net : {"conv9x9x8 relu dense10", "conv3x3x2 relu maxpool2 dense10 softmax", "flatten dense7 softmax",
                                   "conv5x5x0 flatten dense10", "flatten dense10 softmax relu", "conv3x3x4 wobble"}) {
        SCOPED_TRACE(net);
        CliRun r = run_cli("train " + kNetData + " --net '" + net + "'");
        EXPECT_NE(r.status, 0);
        EXPECT_EQ(line_count(r.err), 1u) << r.err;
        EXPECT_NE(r.err.find("--net"), std::string::npos) << r.err;
    }
    CliRun conflict = run_cli("train --net 'flatten dense10 softmax' --layers 784,10");
    EXPECT_NE(conflict.status, 0);
    EXPECT_NE(conflict.err.find("--layers: a --net network is described by its text alone"), std::string::npos) << conflict.err;
    CliRun dropout = run_cli("train --net 'flatten dense10 softmax' --dropout 0.5");
    EXPECT_NE(dropout.status, 0);
    EXPECT_NE(dropout.err.find("dropout0.5"), std::string::npos) << dropout.err;
}

TEST(NetCommand, InspectShowsEachLayersOutputShapeAndParameters) {
    CliRun r = run_cli("inspect --net 'conv5x5x20 relu maxpool2 conv5x5x40 relu maxpool2 flatten dense100 relu dense10 softmax'");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("20x24x24"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("40x4x4"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("parameters: 85670"), std::string::npos) << r.out;  // 520 + 20040 + 64100 + 1010
}

TEST(NetCommand, GradcheckCoversConvolutionPoolingAndBatchNormalisation) {
    CliRun r = run_cli("gradcheck --net 'conv3x3x3:same:stride2 batchnorm tanh avgpool2 flatten dense5 sigmoid dense10 softmax' "
                       "--input-shape 2x7x7 --batch 3");
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("1.weight"), std::string::npos) << r.out;  // batchnorm's γ
    EXPECT_NE(r.out.find("ok: largest relative error"), std::string::npos) << r.out;
}

TEST(MnistNet, TrainSaveEvalAndInspectAConvolutionalNetwork) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    auto dir = fresh_dir("net-train");
    const std::string model = (dir / "cnn.safetensors").string();
    CliRun t = run_cli("train " + kNetData + " " + kSmallNet + " --epochs 2 -o " + model);
    ASSERT_EQ(t.status, 0) << t.err;
    CliRun e = run_cli("eval " + model + " " + kNetData + " --json");
    ASSERT_EQ(e.status, 0) << e.err;
    const auto j = nlohmann::json::parse(e.out);
    EXPECT_GT(j["accuracy"].get<double>(), 0.85);
    CliRun i = run_cli("inspect " + model);
    EXPECT_NE(i.out.find("6x24x24"), std::string::npos) << i.out;
    EXPECT_NE(i.out.find("parameters: 8806"), std::string::npos) << i.out;  // 156 + 864·10 + 10
}

// A mini-batch's images are cut into the same chunks whatever the thread count, and the chunks'
// sums added in chunk order: 1, 2 or 3 threads write the same model file.
TEST(MnistNet, OneTwoAndThreeThreadsWriteTheSameBytes) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    auto dir = fresh_dir("net-threads");
    const std::string args = "train " + kNetData +
                             " --net 'conv3x3x6:same batchnorm relu maxpool2 conv3x3x8 tanh avgpool2 flatten dense20 batchnorm "
                             "relu dense10 softmax' --train-size 640 --batch 32 --epochs 1 --init he --no-test-each-epoch --quiet";
    std::string first;
    for (int threads : {1, 2, 3}) {
        const std::string model = (dir / ("t" + std::to_string(threads) + ".safetensors")).string();
        ASSERT_EQ(run_cli(args + " --threads " + std::to_string(threads) + " -o " + model).status, 0);
        if (threads == 1) first = read_text(model);
        else EXPECT_TRUE(read_text(model) == first) << threads << " threads";
    }
}

// kill -9 in the middle of a run, then --resume: the same bytes as a run never interrupted.
TEST(MnistNet, AConvolutionalRunKilledAndResumedEqualsAnUninterruptedOne) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    auto dir = fresh_dir("net-kill");
    const std::string net = "--net 'conv3x3x4 relu maxpool2 flatten dropout0.2 dense10 softmax'";
    const std::string args = "train " + kNetData + " " + net + " --train-size 1000 --batch 10 --lr 0.05 --init he "
                             "--no-test-each-epoch --epochs 4 --threads 1";
    expect_killed_run_resumes_bit_for_bit(args, kNetData, dir);
}

// The same with what best-cnn trains with: batch normalisation after a convolution and after a dense
// layer, dropout after a dense layer (its probability comes from the network's text, not from
// --dropout), Adam, shifted, rotated and elastically distorted images, and the weights' moving
// average (average.<i> in the checkpoint, batch normalisation's running statistics included).
TEST(MnistNet, ABatchNormalisedAveragedRunKilledAndResumedEqualsAnUninterruptedOne) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    auto dir = fresh_dir("net-kill-average");
    const std::string net = "--net 'conv3x3x4 batchnorm relu maxpool2 flatten dense16 batchnorm relu dropout0.2 dense10 softmax'";
    const std::string plain = "train " + kNetData + " " + net + " --train-size 1000 --batch 10 --optimizer adam --lr 0.001 "
                              "--init he --augment --elastic-alpha 8 --no-test-each-epoch --epochs 3 --threads 1";
    const std::string args = plain + " --weight-average 0.99";
    expect_killed_run_resumes_bit_for_bit(args, kNetData, dir);
    // the saved model is the average: without it the same run writes other weights
    const std::string last = (dir / "last.safetensors").string();
    ASSERT_EQ(run_cli(plain + " -o " + last).status, 0);
    EXPECT_TRUE(read_text(dir / "full.safetensors") != read_text(last));
}

// examples/load_in_pytorch.py builds the same network in torch.nn.Sequential from the model file
// and gets the same test accuracy, image for image (where Debian's python3-torch is installed).
TEST(MnistNet, PyTorchLoadsTheModelAndGetsTheSameAccuracy) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    if (std::system("/usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "python3-torch is not installed";
    auto dir = fresh_dir("net-torch");
    const std::string model = (dir / "cnn.safetensors").string();
    CliRun t = run_cli("train " + kNetData +
                       " --net 'conv3x3x6:same:stride2 batchnorm relu maxpool2 conv3x3x8 relu flatten dense20 batchnorm "
                       "tanh dense10 softmax' --train-size 2000 --epochs 1 --lr 0.05 --init he --quiet -o " + model);
    ASSERT_EQ(t.status, 0) << t.err;
    CliRun e = run_cli("eval " + model + " " + kNetData + " --json");
    ASSERT_EQ(e.status, 0) << e.err;
    const auto correct = nlohmann::json::parse(e.out)["correct"].get<std::size_t>();
    const std::string out = (dir / "torch.txt").string();
    const std::string script = std::string(DIGITNET_SOURCE_DIR) + "/examples/load_in_pytorch.py";
    ASSERT_EQ(std::system(("/usr/bin/python3 '" + script + "' '" + model + "' '" + DIGITNET_SOURCE_DIR + "/data/mnist' > '" +
                           out + "' 2>&1").c_str()),
              0)
        << read_text(out);
    EXPECT_NE(read_text(out).find("(" + std::to_string(correct) + "/10000)"), std::string::npos)
        << read_text(out) << " vs digitnet's " << correct;
}

// inspect draws a CNN's filters and one test image's feature maps, and eval averages several models.
TEST(MnistNet, InspectDrawsFiltersAndFeatureMapsAndEvalAveragesAnEnsemble) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    auto dir = fresh_dir("net-see");
    const std::string a = (dir / "a.safetensors").string(), b = (dir / "b.safetensors").string();
    ASSERT_EQ(run_cli("train " + kNetData + " " + kSmallNet + " --epochs 1 --seed 1 -o " + a).status, 0);
    ASSERT_EQ(run_cli("train " + kNetData + " " + kSmallNet + " --epochs 1 --seed 2 -o " + b).status, 0);
    const std::string filters = (dir / "filters.png").string(), maps = (dir / "maps.png").string();
    CliRun i = run_cli("inspect " + a + " " + kNetData + " --filters " + filters + " --feature-maps 0 -o " + maps);
    ASSERT_EQ(i.status, 0) << i.err;
    EXPECT_GT(std::filesystem::file_size(filters), 100u);
    EXPECT_GT(std::filesystem::file_size(maps), 100u);
    CliRun bad = run_cli("inspect " + a + " " + kNetData + " --feature-maps 10000 -o " + maps);
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("--feature-maps: expected a test image index 0..9999"), std::string::npos) << bad.err;

    auto correct = [&](const std::string& models) {
        CliRun e = run_cli("eval " + models + " " + kNetData + " --json");
        EXPECT_EQ(e.status, 0) << e.err;
        return nlohmann::json::parse(e.out)["correct"].get<std::size_t>();
    };
    const std::size_t one = correct(a), both = correct(a + " " + b), same_twice = correct(a + " " + a);
    EXPECT_EQ(same_twice, one);
    EXPECT_GT(both, 8500u);
    CliRun title = run_cli("eval " + a + " " + b + " " + kNetData);
    EXPECT_NE(title.out.find("ensemble of "), std::string::npos) << title.out;
}

// predict --also: the answer of several models' mean output; a model given twice changes nothing.
TEST(MnistNet, PredictAveragesTheModelsGivenWithAlso) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    auto dir = fresh_dir("net-predict-also");
    const std::string a = (dir / "a.safetensors").string(), b = (dir / "b.safetensors").string();
    ASSERT_EQ(run_cli("train " + kNetData + " " + kSmallNet + " --epochs 1 --seed 1 -o " + a).status, 0);
    ASSERT_EQ(run_cli("train " + kNetData + " --layers 784,30,10 --train-size 2000 --epochs 1 --seed 2 -o " + b).status, 0);
    const std::string image = (dir / "digit.png").string();
    ASSERT_EQ(run_cli("show " + kNetData + " --index 0 -o " + image).status, 0);
    auto outputs = [&](const std::string& models) {
        CliRun r = run_cli("predict " + models + " " + image + " --json");
        EXPECT_EQ(r.status, 0) << r.err;
        return nlohmann::json::parse(r.out)["outputs"].get<std::vector<double>>();
    };
    const auto one = outputs(a), other = outputs(b), both = outputs(a + " --also " + b), twice = outputs(a + " --also " + a);
    ASSERT_EQ(both.size(), 10u);
    for (std::size_t j = 0; j < 10; ++j) {
        EXPECT_NEAR(both[j], 0.5 * (one[j] + other[j]), 2e-3) << j;  // outputs are printed rounded
        EXPECT_NEAR(twice[j], one[j], 2e-3) << j;
    }
    CliRun refused = run_cli("predict " + a + " --also " + b + " " + image + " --activations " + (dir / "x.png").string());
    EXPECT_EQ(refused.status, 2);
    EXPECT_EQ(line_count(refused.err), 1u) << refused.err;
}

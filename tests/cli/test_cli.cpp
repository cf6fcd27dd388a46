// End-to-end: the digitnet program as a user runs it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>
#include <stb_image.h>

#include "digitnet/dataset.hpp"
#include "test_support.hpp"

using digitnet::testing::cli_command;
using digitnet::testing::CliRun;
using digitnet::testing::fresh_dir;
using digitnet::testing::have_mnist;
using digitnet::testing::expect_killed_run_resumes_bit_for_bit;
using digitnet::testing::line_count;
using digitnet::testing::read_text;
using digitnet::testing::run_cli;
using digitnet::testing::signal_and_wait;
using digitnet::testing::start_shell;
using digitnet::testing::wait_for_file;

namespace {

const std::string kData = "--data-dir " + std::string(DIGITNET_SOURCE_DIR) + "/data";
// A short, quick training set-up on the first 3000 MNIST images.
const std::string kSmall = kData + " --layers 784,20,10 --activation relu --output-activation softmax --cost log-likelihood "
                                   "--init he --batch 20 --lr 0.1 --train-size 3000 --seed 3 --quiet";

}  // namespace

TEST(Cli, InspectPrintsTheSeedParameterCount) {
    CliRun r = run_cli("inspect --layers 784,16,16,10");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("parameters: 13002"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(16, 784)"), std::string::npos) << r.out;
}

TEST(Cli, GradcheckPassesForSoftmaxLogLikelihood) {
    CliRun r = run_cli("gradcheck --layers 6,5,4 --activation relu --output-activation softmax --cost log-likelihood");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("ok: largest relative error"), std::string::npos) << r.out;
}

// gradcheck's step is --step h (train's --epsilon is the optimiser's ε): it reaches the check.
TEST(Cli, GradcheckStepIsTheCentralDifferencesH) {
    const CliRun r = run_cli("gradcheck --layers 6,5,4 --step 0.003");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("step h 0.003"), std::string::npos) << r.out;
    const CliRun big = run_cli("gradcheck --layers 6,5,4 --step 0.5");
    EXPECT_NE(big.status, 0);
    EXPECT_NE(big.err.find("--step"), std::string::npos) << big.err;
    EXPECT_NE(run_cli("gradcheck --epsilon 0.001").status, 0);
}

// --lr-decay-factor takes (0, 1] (1: no decay), --weight-average [0, 1) (0: none).
TEST(Cli, DecayFactorOneAndWeightAverageZeroAreAccepted) {
    // A data file that does not exist: the run stops there, after the options were read (the dataset
    // search would find ./data/mnist from the repository's root, whatever --data-dir says).
    const std::string no_data = " --data /nonexistent/mnist_train.csv";
    for (const std::string flags : {"--lr-decay-factor 1", "--weight-average 0"}) {
        const CliRun r = run_cli("train " + flags + no_data);
        EXPECT_NE(r.status, 0);
        EXPECT_NE(r.err.find("/nonexistent/mnist_train.csv"), std::string::npos) << flags << ": " << r.err;
        EXPECT_EQ(r.err.find(flags.substr(0, flags.find(' '))), std::string::npos) << flags << ": " << r.err;
    }
    for (const std::string flags : {"--lr-decay-factor 0", "--weight-average 1"}) {
        const CliRun r = run_cli("train " + flags + no_data);
        EXPECT_NE(r.err.find(flags.substr(0, flags.find(' '))), std::string::npos) << flags << ": " << r.err;
    }
}

TEST(Cli, UnknownOptionAndBadValuesGiveOneLineAndNonZeroExit) {
    for (const char* args : {"train --frobnicate 3", "train --dropout 1.5 --epochs 1", "train --lr -1",
                             "train --optimizer sgdx", "train --layers 784,abc,10", "gradcheck --cost hinge",
                             "inspect", "eval /nonexistent/model.safetensors"}) {
        CliRun r = run_cli(std::string(args) + " " + kData);
        EXPECT_NE(r.status, 0) << args;
        EXPECT_EQ(line_count(r.err), 1u) << args << ": " << r.err;
        EXPECT_NE(r.err.find("error"), std::string::npos) << args << ": " << r.err;
    }
    CliRun r = run_cli("train --dropout 1.5 " + kData);
    EXPECT_NE(r.err.find("--dropout"), std::string::npos) << r.err;
}

TEST(MnistCli, TrainSaveEvalPredict) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    auto dir = fresh_dir("cli-train");
    const std::string model = (dir / "m.safetensors").string(), metrics = (dir / "m.jsonl").string();
    CliRun t = run_cli("train " + kSmall + " --epochs 2 -o " + model + " --metrics " + metrics);
    ASSERT_EQ(t.status, 0) << t.err;
    EXPECT_NE(t.out.find("test accuracy: "), std::string::npos) << t.out;
    EXPECT_EQ(line_count(read_text(metrics)), 2u);
    CliRun e = run_cli("eval " + model + " " + kData + " --json");
    ASSERT_EQ(e.status, 0) << e.err;
    auto j = nlohmann::json::parse(e.out);
    EXPECT_GT(j["accuracy"].get<double>(), 0.85);
    EXPECT_LE(j["accuracy"].get<double>(), 1.0);
    EXPECT_EQ(j["confusion"].size(), 10u);
    CliRun i = run_cli("inspect " + model);
    EXPECT_NE(i.out.find("parameters: 15910"), std::string::npos) << i.out;
}

TEST(MnistCli, KilledRunResumedEqualsUninterruptedRun) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    auto dir = fresh_dir("cli-kill");
    const std::string args = "train " + kSmall + " --epochs 6 --dropout 0.1 --threads 1";
    expect_killed_run_resumes_bit_for_bit(args, kData, dir);
    if (::testing::Test::HasFatalFailure()) return;
    const std::string ckpt = (dir / "ckpt").string();
    // No temporary files left in the checkpoint folder.
    for (const auto& e : std::filesystem::directory_iterator(ckpt)) EXPECT_EQ(e.path().filename(), "checkpoint.safetensors");

    // A flag that contradicts the checkpoint is refused, naming it.
    CliRun bad = run_cli("train " + kData + " --resume " + ckpt + " --lr 0.5");
    EXPECT_NE(bad.status, 0);
    EXPECT_NE(bad.err.find("--lr"), std::string::npos) << bad.err;
    // Nothing resumes unless asked: a plain run with --checkpoint-dir starts from scratch.
    CliRun fresh = run_cli("train " + kSmall + " --epochs 1 --checkpoint-dir " + ckpt);
    EXPECT_EQ(fresh.status, 0);
    EXPECT_EQ(fresh.out.find("resuming"), std::string::npos);
}

// --preset nielsen learns from all 60,000 training images; a resumed run keeps that split.
TEST(MnistCli, PresetSplitIsUsedAndKeptWhenResuming) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    auto dir = fresh_dir("cli-split");
    const std::string ckpt = (dir / "ckpt").string();
    CliRun first = run_cli("train " + kData + " --preset nielsen --epochs 1 --quiet --checkpoint-dir " + ckpt);
    ASSERT_EQ(first.status, 0) << first.err;
    EXPECT_NE(first.out.find("train 60000, validation 0,"), std::string::npos) << first.out;
    CliRun resumed = run_cli("train " + kData + " --resume " + ckpt + " --epochs 2 --quiet");
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    EXPECT_NE(resumed.out.find("train 60000, validation 0,"), std::string::npos) << resumed.out;
    CliRun other = run_cli("train " + kData + " --resume " + ckpt + " --epochs 3 --validation-size 10000");
    EXPECT_NE(other.status, 0);
    EXPECT_NE(other.err.find("--validation-size"), std::string::npos) << other.err;
    CliRun book = run_cli("train " + kData + " --preset nielsen --epochs 1 --quiet --validation-size 10000");
    ASSERT_EQ(book.status, 0) << book.err;
    EXPECT_NE(book.out.find("train 50000, validation 10000,"), std::string::npos) << book.out;
}

TEST(MnistCli, CtrlCWritesACheckpointAndExits130) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    auto dir = fresh_dir("cli-int");
    const std::string err = (dir / "err").string(), out = (dir / "model.safetensors").string();
    const std::string cmd =
        cli_command("train " + kData + " --preset rashid --epochs 1 --quiet -o " + out + " 2>" + err);
    const pid_t pid = start_shell("exec " + cmd + " >/dev/null");
    ASSERT_GE(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // data loaded, training under way
    const int status = signal_and_wait(pid, SIGINT);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 130);
    const std::string message = read_text(err);
    EXPECT_NE(message.find("checkpoint written to"), std::string::npos) << message;
    EXPECT_TRUE(std::filesystem::exists(dir / "model.checkpoint" / "checkpoint.safetensors")) << message;
}

// Ctrl-C in a run with -o, then the command the hint prints: the model file is written, with the
// bytes of a run that was never stopped, wherever the command is pasted.
TEST(MnistCli, CtrlCThenTheHintedCommandWritesTheModelOfAnUninterruptedRun) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    // A folder whose name needs quoting in a shell.
    const auto dir = fresh_dir("cli-int-resume") / "it's a run";
    std::filesystem::create_directories(dir);
    // About half a second per epoch: long enough to be stopped inside the second one.
    const std::string args = "train " + kData + " --layers 784,300,10 --activation relu --output-activation softmax"
                             " --cost log-likelihood --init he --batch 1 --lr 0.01 --train-size 1000 --seed 3"
                             " --validation-size 1000 --no-test-each-epoch --epochs 2 --threads 1 --quiet";
    const std::string full = (dir / "full.safetensors").string(), model = (dir / "model.safetensors").string();
    ASSERT_EQ(run_cli(args + " -o \"" + full + "\"").status, 0);

    const std::string metrics = (dir / "m.jsonl").string(), err = (dir / "err").string();
    const std::string cmd = cli_command(args + " -o 'model.safetensors' --metrics 'm.jsonl'");
    const pid_t pid = start_shell("cd \"" + dir.string() + "\" && exec " + cmd + " >/dev/null 2>err");
    ASSERT_GE(pid, 0);
    // Stopped as soon as the first epoch's metrics are written: inside the second epoch.
    wait_for_file(metrics, std::chrono::seconds(60));
    const int status = signal_and_wait(pid, SIGINT);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 130) << read_text(err);
    EXPECT_FALSE(std::filesystem::exists(model));
    const std::string message = read_text(err);
    const std::string hint = "; to continue: ";
    ASSERT_NE(message.find(hint), std::string::npos) << message;
    const std::string resume = message.substr(message.find(hint) + hint.size(), message.find('\n') - message.find(hint) -
                                                                                      hint.size());
    // Everything the command needs is in it, quoted: paste it in another folder, with nothing else.
    EXPECT_NE(resume.find(" train --resume '"), std::string::npos) << resume;
    EXPECT_NE(resume.find("it'\\''s a run/model.checkpoint'"), std::string::npos) << resume;
    const int resumed = std::system(("cd / && " + resume + " >/dev/null 2>&1").c_str());
    ASSERT_EQ(resumed, 0) << resume;
    ASSERT_TRUE(std::filesystem::exists(model)) << resume;
    EXPECT_EQ(read_text(model), read_text(full));
    EXPECT_EQ(line_count(read_text(metrics)), 2u);
}

// A PNG a person can look at: it decodes, has the size asked for (at least), and is not blank.
static void expect_readable_png(const std::string& path, int min_width, int min_height) {
    int w = 0, h = 0, channels = 0;
    stbi_uc* data = stbi_load(path.c_str(), &w, &h, &channels, 3);
    ASSERT_NE(data, nullptr) << path;
    EXPECT_GE(w, min_width) << path;
    EXPECT_GE(h, min_height) << path;
    std::size_t non_white = 0;
    for (int i = 0; i < w * h; ++i) non_white += !(data[3 * i] == 255 && data[3 * i + 1] == 255 && data[3 * i + 2] == 255);
    EXPECT_GT(non_white, static_cast<std::size_t>(w * h / 50)) << path;
    stbi_image_free(data);
}

TEST(MnistCli, SeeingInsideAModel) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    auto dir = fresh_dir("cli-inside");
    const std::string model = (dir / "m.safetensors").string();
    ASSERT_EQ(run_cli("train " + kSmall + " --epochs 1 -o " + model).status, 0);
    const std::string w = (dir / "w.png").string(), bq = (dir / "bq.png").string(), mis = (dir / "mis.png").string(),
                      conf = (dir / "conf.png").string();
    CliRun r = run_cli("inspect " + model + " " + kData + " --weights " + w + " --noise 500 --backquery " + bq +
                   " --mistakes " + mis);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("500 random-noise images"), std::string::npos) << r.out;
    expect_readable_png(w, 100, 100);
    expect_readable_png(bq, 100, 50);
    expect_readable_png(mis, 100, 100);
    CliRun c = run_cli("plot confusion " + model + " " + kData + " -o " + conf);
    ASSERT_EQ(c.status, 0) << c.err;
    expect_readable_png(conf, 300, 300);
    // Asking for pictures of a network that was never trained is refused.
    CliRun bad = run_cli("inspect --layers 784,10 --weights " + w);
    EXPECT_NE(bad.status, 0);
    EXPECT_EQ(line_count(bad.err), 1u) << bad.err;
}

TEST(Cli, ExplainPrintsEveryStepAndJson) {
    CliRun r = run_cli("explain");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("C = 0.29837"), std::string::npos) << r.out;
    CliRun j = run_cli("explain --json");
    ASSERT_EQ(j.status, 0) << j.err;
    auto parsed = nlohmann::json::parse(j.out);
    EXPECT_EQ(parsed["layers"].size(), 2u);
    EXPECT_NEAR(parsed["cost"].get<double>(), 0.298371, 1e-5);
}

TEST(Cli, VersionNamesTheBlasKernelsAndDigitnetBlasCoreChoosesThem) {
    const CliRun plain = run_cli("--version");
    EXPECT_EQ(plain.status, 0);
    EXPECT_NE(plain.out.find("OpenBLAS kernels: "), std::string::npos) << plain.out;
    ::setenv("DIGITNET_BLAS_CORE", "Haswell", 1);
    const CliRun chosen = run_cli("--version");
    ::unsetenv("DIGITNET_BLAS_CORE");
    EXPECT_EQ(chosen.status, 0);
    EXPECT_NE(chosen.out.find("OpenBLAS kernels: Haswell"), std::string::npos) << chosen.out;
}

TEST(MnistCli, TheHeaderCountsEpochsAsAPersonWouldAndARunWithoutOutSaysTheModelIsNotSaved) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    CliRun one = run_cli("train --epochs 1 --train-size 500 --validation-size 100 " + kData);
    ASSERT_EQ(one.status, 0) << one.err;
    EXPECT_NE(one.out.find("training: 1 epoch, batch"), std::string::npos) << one.out;
    EXPECT_NE(one.out.find("the model is not saved (-o MODEL keeps it)"), std::string::npos) << one.out;
    CliRun two = run_cli("train --epochs 2 --train-size 500 --validation-size 100 " + kData);
    ASSERT_EQ(two.status, 0) << two.err;
    EXPECT_NE(two.out.find("training: 2 epochs, batch"), std::string::npos) << two.out;
}

// End-to-end: what the program refuses, and what it keeps, when a user's input or the
// machine misbehaves: numbers typed on the command line, output paths, signals,
// checkpoints and resuming. Runs on small CSV datasets written here (no MNIST needed).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "test_support.hpp"

using digitnet::testing::cli_command;
using digitnet::testing::CliRun;
using digitnet::testing::fresh_dir;
using digitnet::testing::line_count;
using digitnet::testing::read_text;
using digitnet::testing::run_cli;
namespace fs = std::filesystem;

namespace {

// Expects a refusal: a non-zero exit, one line on stderr that contains every one of `parts`.
void expect_refused(const CliRun& r, const std::string& args, std::initializer_list<std::string> parts) {
    EXPECT_NE(r.status, 0) << args << "\n" << r.out;
    EXPECT_EQ(line_count(r.err), 1u) << args << ": " << r.err;
    for (const std::string& part : parts) EXPECT_NE(r.err.find(part), std::string::npos) << args << ": " << r.err;
}

// A small dataset in the mnist_train.csv layout: n rows, digit k % 10 drawn as a bar in rows
// 2c..2c+1 of the 28x28 image, a little noise from k. Learnable by a 784-10 softmax network.
std::string write_digits_csv(const fs::path& path, int n, int variant = 0) {
    digitnet::testing::write_mnist_csv(path, n, [variant](int k, int p) {
        const int c = k % 10, row = p / 28;
        return row == 2 * c + 2 || row == 2 * c + 3 || (p * 7 + k * 13 + variant) % 97 == 0;
    });
    return path.string();
}

// A quick training set-up on such a file (200 examples, 40 of them for validation).
std::string small_run(const std::string& csv, const std::string& layers = "784,10") {
    return "train --data " + csv + " --validation-size 40 --layers " + layers +
           " --output softmax --cost log-likelihood --init he --batch 10 --lr 0.1 --seed 3 --quiet";
}

}  // namespace

// --- what is written can be read back ---

TEST(ArchitectureLimitsCommand, SixtySixLayerSizesAreRefusedBeforeTheDataIsRead) {
    auto dir = fresh_dir("cli-66");
    const std::string csv = write_digits_csv(dir / "digits_train.csv", 200);
    std::string layers = "784";
    for (int i = 0; i < 64; ++i) layers += ",3";
    layers += ",10";
    const std::string model = (dir / "m.safetensors").string();
    const CliRun r = run_cli(small_run(csv, layers) + " --epochs 1 --out " + model);
    expect_refused(r, "--layers (66 sizes)", {"--layers", "2..64", "66"});
    EXPECT_EQ(r.out, "");  // nothing was loaded or trained
    EXPECT_FALSE(fs::exists(model));
}

// --- numbers typed on the command line ---

TEST(NumberOptionsCommand, NegativeHugeAndEmptyNumbersAreRefusedNamingTheOption) {
    // --data names a file that does not exist: any value that got past the option's own
    // check would end in a message about --data instead.
    const std::string nodata = " --data /nonexistent/digits.csv";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"train --seed -1", "--seed"},
        {"train --seed 99999999999999999999", "--seed"},
        {"train --seed 0x10", "--seed"},
        {"train --early-stop -1", "--early-stop"},
        {"train --lr-step -1", "--lr-step"},
        {"train --l2 ''", "--l2"},
        {"train --dropout ''", "--dropout"},
        {"train --momentum ''", "--momentum"},
        {"train --seed ''", "--seed"},
        {"train --validation-size ''", "--validation-size"},
        {"train --epochs 1e1", "--epochs"},
        {"train --lr nan", "--lr"},
        {"train --lr 1e999", "--lr"},
        {"train --batch -5", "--batch"},
        {"train --batch ' 5'", "--batch"},
        {"train --threads ''", "--threads"},
        {"tune --seed -1", "--seed"},
        {"tune --trials -1", "--trials"},
        {"tune --seconds ''", "--seconds"},
        {"tune --hidden-min -1", "--hidden-min"},
        {"show --index '' ", "--index"},
        {"eval m.safetensors --validation-size -1", "--validation-size"},
    };
    for (const auto& [args, option] : cases) {
        const CliRun r = run_cli(args + nodata);
        expect_refused(r, args, {option, "expected", "found"});
    }
    // Subcommands that read no data.
    for (const auto& [args, option] : std::vector<std::pair<std::string, std::string>>{
             {"explain --layers 3,2,2 --seed -1", "--seed"},
             {"explain --layers 3,2,2 --input 1,,2", "--input"},
             {"gradcheck --seed 99999999999999999999", "--seed"},
             {"gradcheck --tolerance nan", "--tolerance"},
             {"inspect --layers 784,10 --seed -1", "--seed"},
             {"gates --epochs ''", "--epochs"},
             {"demo slowdown --lr ''", "--lr"},
             {"demo slowdown --epochs -3", "--epochs"},
         }) {
        const CliRun r = run_cli(args);
        expect_refused(r, args, {option, "expected", "found"});
    }
}

TEST(NumberOptionsCommand, ARangeIsWrittenAsAPersonWouldWriteIt) {
    const CliRun r = run_cli("train --train-size 0 --data /nonexistent/digits.csv");
    expect_refused(r, "--train-size 0", {"--train-size", "expected a whole number 1 or more", "found '0'"});
    EXPECT_LT(r.err.size(), 200u) << r.err;
    const CliRun lr = run_cli("demo slowdown --lr -1");
    expect_refused(lr, "--lr -1", {"--lr", "expected a number > 0", "found '-1'"});
    EXPECT_LT(lr.err.size(), 200u) << lr.err;
}

TEST(NumberOptionsCommand, LeadingZerosAreDecimalNotOctal) {
    // 010 is ten (CLI11 alone would read it as octal 8).
    const CliRun r = run_cli("gradcheck --batch 010 --layers 3,2,2");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("batch 10,"), std::string::npos) << r.out;
}

TEST(NumberOptionsCommand, AMissingDataDirIsRefusedNotSkipped) {
    const CliRun r = run_cli("data --data-dir /nonexistent/folder");
    expect_refused(r, "--data-dir", {"--data-dir", "/nonexistent/folder"});
}

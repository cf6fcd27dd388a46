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
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "digitnet/safetensors.hpp"
#include "digitnet/train.hpp"
#include "test_support.hpp"
#include "train/checkpoint_forge.hpp"

using digitnet::testing::cli_command;
using digitnet::testing::CliRun;
using digitnet::testing::fresh_dir;
using digitnet::testing::line_count;
using digitnet::testing::read_text;
using digitnet::testing::run_cli;
using digitnet::testing::start_shell;
using digitnet::testing::wait_for_file;
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
           " --output-activation softmax --cost log-likelihood --init he --batch 10 --lr 0.1 --seed 3 --quiet";
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
    const CliRun r = run_cli(small_run(csv, layers) + " --epochs 1 -o " + model);
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
        {"train --rho 1", "--rho"},
        {"train --rho -0.1", "--rho"},
        {"train --epsilon 0", "--epsilon"},
        {"train --epsilon 2", "--epsilon"},
        {"train --epsilon nan", "--epsilon"},
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

// --rho and --epsilon reach the optimiser: each changes what rmsprop (and adam) learn.
TEST(NumberOptionsCommand, RhoAndEpsilonSetTheOptimiser) {
    auto dir = fresh_dir("cli-rho");
    const std::string csv = write_digits_csv(dir / "digits_train.csv", 200);
    auto model = [&](const std::string& name, const std::string& flags) {
        const std::string path = (dir / (name + ".safetensors")).string();
        const CliRun r = run_cli(small_run(csv) + " --epochs 1 --threads 1 " + flags + " -o " + path);
        EXPECT_EQ(r.status, 0) << flags << ": " << r.err;
        return read_text(path);
    };
    const std::string rmsprop = model("rmsprop", "--optimizer rmsprop");
    EXPECT_EQ(model("rho-default", "--optimizer rmsprop --rho 0.9"), rmsprop);  // 0.9 is the default
    EXPECT_NE(model("rho", "--optimizer rmsprop --rho 0.5"), rmsprop);
    EXPECT_NE(model("epsilon", "--optimizer rmsprop --epsilon 0.1"), rmsprop);
    const std::string adam = model("adam", "--optimizer adam");
    EXPECT_NE(model("adam-epsilon", "--optimizer adam --epsilon 0.1"), adam);
    const CliRun r = run_cli(small_run(csv) + " --rho 1");
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "digitnet: error: --rho: expected a number in [0, 1), found '1' (see --help)\n");
    fs::remove_all(dir);
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

// --- output paths ---

namespace {

bool is_a_fifo(const fs::path& path) {
    struct stat info {};
    return ::lstat(path.c_str(), &info) == 0 && S_ISFIFO(info.st_mode);
}

std::vector<std::string> entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// A trained 784-10 model and its data, for the commands that read a model.
struct Trained {
    fs::path dir;
    std::string csv, model;
};

Trained trained_model(const std::string& name) {
    Trained t;
    t.dir = fresh_dir(name);
    t.csv = write_digits_csv(t.dir / "digits_train.csv", 200);
    t.model = (t.dir / "m.safetensors").string();
    const CliRun r = run_cli(small_run(t.csv) + " --epochs 1 -o " + t.model);
    EXPECT_EQ(r.status, 0) << r.err;
    return t;
}

}  // namespace

TEST(OutputPathsCommand, TrainRefusesOutputsThatAreNotRegularFilesBeforeReadingTheData) {
    auto dir = fresh_dir("cli-outputs");
    const std::string csv = write_digits_csv(dir / "digits_train.csv", 200);
    ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0644), 0);
    fs::create_directories(dir / "folder");
    const std::string pipe = (dir / "pipe").string(), folder = (dir / "folder").string();
    const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
        {"-o " + pipe, "--output", "FIFO"},
        {"-o " + folder, "--output", "is a folder"},
        {"-o " + folder + "/", "--output", "is a folder"},
        {"--metrics " + pipe, "--metrics", "FIFO"},
        {"--metrics " + folder, "--metrics", "is a folder"},
        {"-o " + (dir / "missing" / "m.safetensors").string(), "--output", "does not exist"},
        {"--metrics " + (dir / "missing" / "m.jsonl").string(), "--metrics", "does not exist"},
        {"-o " + (dir / "same").string() + " --metrics " + (dir / "same").string(), "--metrics", "--output"},
        {"-o " + csv, "--output", "input"},
        {"--checkpoint-dir " + csv, "--checkpoint-dir", "expected a folder"},
    };
    for (const auto& [args, option, problem] : cases) {
        const CliRun r = run_cli(small_run(csv) + " --epochs 1 " + args);
        expect_refused(r, args, {option, problem});
        EXPECT_EQ(r.out, "") << args;  // refused before the data was read
    }
    EXPECT_TRUE(is_a_fifo(dir / "pipe"));
    EXPECT_EQ(entries(dir), (std::vector<std::string>{"digits_train.csv", "folder", "pipe"}));
    EXPECT_TRUE(fs::is_empty(dir / "folder"));
}

TEST(OutputPathsCommand, TheFolderACtrlCWouldCheckpointIntoIsCheckedAtTheStart) {
    auto dir = fresh_dir("cli-int-folder");
    const std::string csv = write_digits_csv(dir / "digits_train.csv", 200);
    std::ofstream(dir / "m.checkpoint") << "a file, not a folder";
    const CliRun r = run_cli(small_run(csv) + " --epochs 1 -o " + (dir / "m.safetensors").string());
    expect_refused(r, "m.checkpoint is a file", {"m.checkpoint", "expected a folder"});
    EXPECT_EQ(r.out, "");
}

TEST(OutputPathsCommand, TrainWritesThroughASymlinkToItsTarget) {
    auto dir = fresh_dir("cli-symlink");
    const std::string csv = write_digits_csv(dir / "digits_train.csv", 200);
    fs::create_directories(dir / "runs");
    std::ofstream(dir / "runs" / "m.safetensors") << "old";
    fs::create_symlink(fs::path("runs") / "m.safetensors", dir / "latest.safetensors");
    const CliRun r = run_cli(small_run(csv) + " --epochs 1 -o " + (dir / "latest.safetensors").string());
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(fs::is_symlink(dir / "latest.safetensors"));
    EXPECT_NE(read_text(dir / "runs" / "m.safetensors"), "old");
    EXPECT_EQ(run_cli("inspect " + (dir / "latest.safetensors").string()).status, 0);
}

TEST(OutputPathsCommand, SaveInputNeverOverwritesAnInputAndNamesEachImageInTheFolderAskedFor) {
    const Trained t = trained_model("cli-save-input");
    const std::string a = (t.dir / "a.png").string(), b = (t.dir / "b.png").string();
    ASSERT_EQ(run_cli("show --index 0 --data " + t.csv + " --validation-size 0 -o " + a).status, 0);
    ASSERT_EQ(run_cli("show --index 1 --data " + t.csv + " --validation-size 0 -o " + b).status, 0);
    const std::string a_bytes = read_text(a);
    const CliRun over = run_cli("predict " + t.model + " " + a + " --save-input " + a);
    expect_refused(over, "--save-input over its input", {"--save-input", "input"});
    EXPECT_EQ(over.out, "");
    EXPECT_TRUE(read_text(a) == a_bytes);
    // Two images: NAME-0.png and NAME-1.png in the folder asked for (whose name has a dot).
    fs::create_directories(t.dir / "inputs.v2");
    const CliRun two = run_cli("predict " + t.model + " " + a + " " + b + " --save-input " +
                               (t.dir / "inputs.v2" / "seen.png").string());
    ASSERT_EQ(two.status, 0) << two.err;
    EXPECT_EQ(entries(t.dir / "inputs.v2"), (std::vector<std::string>{"seen-0.png", "seen-1.png"}));
    EXPECT_FALSE(fs::exists(t.dir / "inputs-0.v2"));
    // A numbered name that is one of the inputs is refused too.
    const std::string seen0 = (t.dir / "inputs.v2" / "seen-0.png").string();
    const CliRun clash = run_cli("predict " + t.model + " " + seen0 + " " + b + " --save-input " +
                                 (t.dir / "inputs.v2" / "seen.png").string());
    expect_refused(clash, "--save-input over a numbered input", {"--save-input", "seen-0.png"});
    const CliRun model = run_cli("predict " + t.model + " " + a + " --save-input " + t.model);
    expect_refused(model, "--save-input over the model", {"--save-input", "input"});
}

TEST(OutputPathsCommand, EveryCommandChecksItsOutputsBeforeItsWork) {
    const Trained t = trained_model("cli-tool-outputs");
    ASSERT_EQ(::mkfifo((t.dir / "pipe").c_str(), 0644), 0);
    fs::create_directories(t.dir / "folder");
    const std::string pipe = (t.dir / "pipe").string(), folder = (t.dir / "folder").string();
    const std::string metrics = (t.dir / "m.jsonl").string();
    std::ofstream(metrics) << R"({"epoch":1,"train_cost":0.5,"train_accuracy":0.8})" << "\n";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"plot confusion " + t.model + " --data " + t.csv + " -o " + pipe, "--output"},
        {"plot confusion " + t.model + " --data " + t.csv + " -o " + t.model, "--output"},
        {"plot activations -o " + folder, "--output"},
        {"plot metrics " + metrics + " -o " + metrics, "--output"},
        {"inspect " + t.model + " --weights " + pipe, "--weights"},
        {"inspect " + t.model + " --mistakes " + folder + " --data " + t.csv, "--mistakes"},
        {"inspect " + t.model + " --weights " + (t.dir / "w.png").string() + " --backquery " +
             (t.dir / "w.png").string(), "--backquery"},
        {"show --index 0 --data " + t.csv + " --validation-size 0 -o " + pipe, "--output"},
        {"show " + (t.dir / "x.png").string() + " -o " + folder, "--output"},
        {"demo slowdown --csv " + folder, "--csv"},
        {"demo slowdown -o " + pipe, "--output"},
        {"demo slowdown --csv " + (t.dir / "d").string() + " -o " + (t.dir / "d").string(), "--output"},
    };
    for (const auto& [args, option] : cases) {
        const CliRun r = run_cli(args);
        expect_refused(r, args, {option});
        EXPECT_EQ(r.out, "") << args;
    }
    EXPECT_TRUE(is_a_fifo(t.dir / "pipe"));
    EXPECT_TRUE(fs::is_empty(t.dir / "folder"));
}

// --- signals ---

namespace {

// Starts `digitnet ARGS` (stdout to /dev/null, stderr to err_path) and returns its pid.
pid_t start_cli(const std::string& args, const std::string& err_path) {
    return start_shell("exec " + cli_command(args) + " >/dev/null 2>" + err_path);
}

}  // namespace

TEST(SignalsCommand, SigtermCheckpointsLikeCtrlCAndExits143) {
    auto dir = fresh_dir("cli-term");
    const std::string csv = write_digits_csv(dir / "digits_train.csv", 200);
    const std::string ckpt = (dir / "ckpt").string(), err = (dir / "err").string();
    const pid_t pid = start_cli(small_run(csv, "784,300,10") + " --epochs 100000 --threads 1 --checkpoint-dir " + ckpt, err);
    ASSERT_GT(pid, 0);
    ASSERT_TRUE(wait_for_file(fs::path(ckpt) / "checkpoint.safetensors", std::chrono::seconds(60)));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 143);
    EXPECT_NE(read_text(err).find("checkpoint written to"), std::string::npos) << read_text(err);
    EXPECT_NO_THROW(digitnet::read_checkpoint_info(ckpt + "/checkpoint.safetensors"));
    EXPECT_EQ(entries(ckpt), std::vector<std::string>{"checkpoint.safetensors"});
}

TEST(SignalsCommand, CtrlCPressedAgainAndAgainWhileTheCheckpointIsWrittenDoesNotLoseIt) {
    // A 784-3000-10 network with Adam: a checkpoint of about 38 MB, long enough to write that
    // a stream of SIGINTs arrives while it is being written.
    auto dir = fresh_dir("cli-int-int");
    const std::string csv = write_digits_csv(dir / "digits_train.csv", 200);
    const std::string ckpt = (dir / "ckpt").string(), err = (dir / "err").string();
    const pid_t pid = start_cli("train --data " + csv + " --validation-size 40 --layers 784,3000,10 --output-activation softmax"
                                " --cost log-likelihood --init he --batch 10 --optimizer adam --lr 0.0001 --seed 3"
                                " --quiet --epochs 100000 --threads 1 --checkpoint-dir " + ckpt, err);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    int status = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (waitpid(pid, &status, WNOHANG) == 0 && std::chrono::steady_clock::now() < deadline) {
        kill(pid, SIGINT);
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 130);
    EXPECT_NO_THROW(digitnet::read_checkpoint_info(ckpt + "/checkpoint.safetensors"));
    EXPECT_EQ(entries(ckpt), std::vector<std::string>{"checkpoint.safetensors"});
}

TEST(CheckpointDirCommand, StaleTemporaryFilesAreRemovedWhenTheFolderIsOpened) {
    auto dir = fresh_dir("cli-stale");
    const std::string csv = write_digits_csv(dir / "digits_train.csv", 200);
    const fs::path ckpt = dir / "ckpt";
    fs::create_directories(ckpt);
    std::ofstream(ckpt / "checkpoint.safetensors.tmp-Ab12Cd") << "half a checkpoint";
    std::ofstream(ckpt / "notes.txt") << "kept";
    ASSERT_EQ(run_cli(small_run(csv) + " --epochs 1 --checkpoint-dir " + ckpt.string()).status, 0);
    EXPECT_EQ(entries(ckpt), (std::vector<std::string>{"checkpoint.safetensors", "notes.txt"}));
    std::ofstream(ckpt / "checkpoint.safetensors.tmp-xY98zW") << "half a checkpoint";
    const CliRun r = run_cli("train --resume " + ckpt.string() + " --epochs 2 --quiet");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(entries(ckpt), (std::vector<std::string>{"checkpoint.safetensors", "notes.txt"}));
}

TEST(CheckpointDirCommand, ASecondTrainingOnTheSameFolderIsRefused) {
    auto dir = fresh_dir("cli-lock");
    const std::string csv = write_digits_csv(dir / "digits_train.csv", 200);
    const fs::path ckpt = dir / "ckpt";
    fs::create_directories(ckpt);
    {
        // Another training holds the folder (as a running digitnet train does).
        const int fd = ::open(ckpt.c_str(), O_RDONLY | O_DIRECTORY);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
        const CliRun r = run_cli(small_run(csv) + " --epochs 1 --checkpoint-dir " + ckpt.string());
        expect_refused(r, "a locked --checkpoint-dir", {"--checkpoint-dir", ckpt.string(), "another"});
        EXPECT_EQ(r.out, "");
        EXPECT_TRUE(fs::is_empty(ckpt));
        ::close(fd);
    }
    ASSERT_EQ(run_cli(small_run(csv) + " --epochs 1 --checkpoint-dir " + ckpt.string()).status, 0);
    const int fd = ::open(ckpt.c_str(), O_RDONLY | O_DIRECTORY);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    const CliRun r = run_cli("train --resume " + ckpt.string() + " --epochs 2");
    expect_refused(r, "a locked --resume", {"--resume", "another"});
    ::close(fd);
}

// --- resuming ---

TEST(ResumeCommand, EveryFlagIsTakenFromTheCheckpointCheckedAgainstItOrRefused) {
    auto dir = fresh_dir("cli-resume-flags");
    const std::string csv = write_digits_csv(dir / "digits_train.csv", 200);
    const std::string other_csv = write_digits_csv(dir / "other_train.csv", 200, 1);
    const std::string ckpt = (dir / "ckpt").string();
    ASSERT_EQ(run_cli(small_run(csv) + " --epochs 1 --threads 1 --checkpoint-dir " + ckpt).status, 0);
    const std::string resume = "train --resume " + ckpt + " --epochs 2 --quiet ";
    const std::vector<std::pair<std::string, std::string>> contradictions = {
        {"--input-low 0.01", "--input-low"},       {"--targets 0.01,0.99", "--targets"},
        {"--target-digit 3", "--target-digit"},    {"--no-test-each-epoch", "--no-test-each-epoch"},
        {"--layers 784,20,10", "--layers"},        {"--activation tanh", "--activation"},
        {"--cost quadratic --output-activation sigmoid", "--output-activation"},
        {"--batch-norm", "--batch-norm"},          {"--no-bias", "--no-bias"},
        {"--optimizer adam", "--optimizer"},       {"--momentum 0.5", "--momentum"},
        {"--rho 0.5", "--rho"},                    {"--epsilon 0.001", "--epsilon"},
        {"--l2 1", "--l2"},                        {"--batch 20", "--batch"},
        {"--seed 4", "--seed"},                    {"--train-size 100", "--train-size"},
        {"--validation-size 10", "--validation-size"}, {"--threads 2", "--threads"},
        {"--init xavier", "--init"},               {"--early-stop 2", "--early-stop"},
        {"--epochs 0", "--epochs"},
    };
    for (const auto& [flags, option] : contradictions) {
        const CliRun r = run_cli(resume + flags);
        expect_refused(r, flags, {option});
        EXPECT_EQ(r.out, "") << flags;  // refused before the data was read
    }
    // Another dataset: refused, naming the checkpoint and --data.
    const CliRun data = run_cli(resume + "--data " + other_csv);
    expect_refused(data, "--data other", {ckpt + "/checkpoint.safetensors", "--data", "fingerprint"});
    // The same values, given again, are fine; --data and --threads come from the checkpoint.
    const CliRun same = run_cli(resume + "--lr 0.1 --batch 10 --seed 3 --layers 784,10");
    ASSERT_EQ(same.status, 0) << same.err;
    EXPECT_NE(same.out.find("threads 1"), std::string::npos) << same.out;
    // --checkpoint-dir with --resume: the run continues there, and the folder resumed from stays as it was.
    const std::string before = read_text(ckpt + "/checkpoint.safetensors");
    const std::string fork_dir = (dir / "fork").string();
    const CliRun fork = run_cli("train --resume " + ckpt + " --epochs 3 --quiet --checkpoint-dir " + fork_dir);
    ASSERT_EQ(fork.status, 0) << fork.err;
    EXPECT_EQ(digitnet::read_checkpoint_info(fork_dir + "/checkpoint.safetensors").epochs_done, 3u);
    EXPECT_EQ(read_text(ckpt + "/checkpoint.safetensors"), before);
}

TEST(ResumeCommand, ABadCheckpointIsRefusedBeforeAnythingIsWrittenNamingTheFile) {
    auto dir = fresh_dir("cli-resume-bad");
    const std::string csv = write_digits_csv(dir / "digits_train.csv", 200);
    const std::string ckpt = (dir / "ckpt").string(), model = (dir / "m.safetensors").string();
    const std::string path = ckpt + "/checkpoint.safetensors";
    ASSERT_EQ(run_cli(small_run(csv) + " --epochs 1 --early-stop 1 --checkpoint-dir " + ckpt + " -o " + model).status, 0);
    const std::string model_before = read_text(model);
    digitnet::SafetensorsFile file = digitnet::load_safetensors(path);
    ASSERT_NE(file.find("best.0"), nullptr);
    for (digitnet::Tensor& t : file.tensors)
        if (t.name == "best.0") t = {"best.0", {1, 1}, {0.5f}};
    digitnet::testing::reseal(file);
    digitnet::save_safetensors(path, file);
    const CliRun r = run_cli("train --resume " + ckpt + " --epochs 3 --quiet -o " + model);
    expect_refused(r, "a 1x1 best.0", {path, "best.0"});
    EXPECT_EQ(r.out.find("model written"), std::string::npos) << r.out;
    EXPECT_EQ(read_text(model), model_before);
}

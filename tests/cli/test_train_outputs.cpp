// What train says: it refuses an output layer the data and encoding cannot use (784,30 for ten
// digits), echoes every active setting at the start, prints the epochs in aligned columns, draws
// a progress bar on a terminal, and names the epoch early stopping keeps.
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <regex>
#include <set>
#include <sstream>

#include "learner_support.hpp"

using namespace digitnet::testing;

TEST(TrainCommand, RefusesOutputCountsTheDataAndEncodingCannotUse) {
    const auto dir = fresh_dir("train-outputs");
    write_bar_digits(dir, 40);
    const std::string data = " --data " + (dir / "mnist_train.csv").string() + " --validation-size 0 --epochs 1 --quiet";
    for (const char* layers : {"784,30", "784,5", "784,16,11"}) {
        const CliRun r = run_cli(std::string("train --layers ") + layers + data);
        EXPECT_NE(r.status, 0) << layers;
        EXPECT_NE(r.err.find("--layers: a digit classifier needs 10 outputs"), std::string::npos) << layers << ": " << r.err;
        EXPECT_EQ(line_count(r.err), 1u) << r.err;
    }
    const CliRun nine = run_cli("train --preset is-nine --layers 784,30,10" + data);
    EXPECT_NE(nine.status, 0);
    EXPECT_NE(nine.err.find("needs 1 output"), std::string::npos) << nine.err;
    EXPECT_EQ(run_cli("train --layers 784,10" + data).status, 0);
    EXPECT_EQ(run_cli("train --preset is-nine --layers 784,4,1" + data).status, 0);
    std::filesystem::remove_all(dir);
}

namespace {

// The lines of `text` that start with `prefix`.
std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
    std::vector<std::string> found;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.rfind(prefix, 0) == 0) found.push_back(line);
    return found;
}

}  // namespace

TEST(TrainCommand, TheHeaderEchoesEverySettingThatIsActive) {
    const auto dir = fresh_dir("train-header");
    write_bar_digits(dir, 60);
    const std::string data = "train --data " + (dir / "mnist_train.csv").string() + " --validation-size 20 --epochs 1 ";
    const CliRun all = run_cli(data + "--layers 784,16,10 --batch-norm --init xavier --l2 2 --l1 0.5 --dropout 0.25 "
                                      "--augment --elastic-alpha 30 --elastic-sigma 5 --augment-scale 0.15 --optimizer adam --beta1 0.8 "
                                      "--epsilon 1e-6 --lr-decay plateau --lr-step 2 --lr-decay-factor 0.5 "
                                      "--early-stop 4 --batch 8 --lr 0.01 --seed 5 --threads 1 --train-size 30");
    ASSERT_EQ(all.status, 0) << all.err;
    const std::string expected =
        "network: 784-16-10 relu/softmax log-likelihood batch-norm, 12746 parameters\n"
        "training: 1 epoch, batch 8, lr 0.01, seed 5, init xavier, the first 30 training examples, 1 thread\n"
        "optimizer: adam (β1 0.8, β2 0.999, ε 1e-06)\n"
        "regularisation: L2 λ 2, L1 λ 0.5, dropout 0.25\n"
        "augmentation: shifts up to 2 pixels, rotations up to 10 degrees, sizes ×0.85 to ×1.15, elastic distortions "
        "α 30, σ 5\n"
        "lr schedule: plateau, ×0.5 after 2 epochs without a better validation accuracy\n"
        "early stop: after 4 epochs without a better validation accuracy, keeping the best epoch's weights\n";
    EXPECT_CONTAINS(all.out, expected);
    // The default preset's run names no setting it does not use.
    const CliRun plain = run_cli(data + "--threads 1");
    ASSERT_EQ(plain.status, 0) << plain.err;
    EXPECT_CONTAINS(plain.out, "training: 1 epoch, batch 32, lr 0.02, seed 1, init he, 1 thread\n"
                               "optimizer: momentum (μ 0.9)\nepoch 1/1");
    for (const char* absent : {"regularisation:", "augmentation:", "lr schedule:", "early stop:", "encoding:"})
        EXPECT_EQ(plain.out.find(absent), std::string::npos) << absent << "\n" << plain.out;
    // Rashid's encoding and a yes/no question are settings too.
    const CliRun rashid = run_cli(data + "--preset rashid --train-size 20");
    EXPECT_CONTAINS(rashid.out, "encoding: inputs 0.01..1, targets 0.01 and 0.99\n");
    const CliRun nine = run_cli(data + "--preset is-nine --no-test-each-epoch");
    EXPECT_CONTAINS(nine.out, "question: is it a 9?\ntest accuracy: not measured after each epoch\n");
    std::filesystem::remove_all(dir);
}

TEST(TrainCommand, EarlyStoppingNamesTheEpochWhoseWeightsItKeeps) {
    const auto dir = fresh_dir("train-early-stop");
    write_bar_digits(dir, 120);
    const std::string model = (dir / "m.safetensors").string();
    // The bars are learnt to 100% validation accuracy within a few epochs; nothing beats 100%.
    const CliRun r = run_cli("train --data " + (dir / "mnist_train.csv").string() +
                             " --validation-size 40 --layers 784,10 --epochs 40 --early-stop 2 --lr 0.5 -o " + model);
    ASSERT_EQ(r.status, 0) << r.err;
    const std::vector<std::string> epochs = lines_starting(r.out, "epoch ");
    ASSERT_GE(epochs.size(), 3u) << r.out;
    ASSERT_LT(epochs.size(), 40u) << "no early stop:\n" << r.out;
    // The first epoch with the best validation figure, read from the epoch lines.
    std::size_t best_epoch = 0;
    double best = -1;
    for (std::size_t i = 0; i < epochs.size(); ++i) {
        const std::size_t at = epochs[i].find("validation ");
        ASSERT_NE(at, std::string::npos) << epochs[i];
        const double v = std::stod(epochs[i].substr(at + 11));
        if (v > best) {
            best = v;
            best_epoch = i + 1;
        }
    }
    EXPECT_EQ(epochs.size(), best_epoch + 2) << r.out;  // it stopped two epochs after the best
    char percent[32];
    std::snprintf(percent, sizeof percent, "%.2f%%", best);
    EXPECT_CONTAINS(r.out, "early stop: no better validation accuracy for 2 epochs; keeping the weights of epoch " +
                               std::to_string(best_epoch) + " (" + percent + ")\nmodel written to");
    std::filesystem::remove_all(dir);
}

TEST(TrainCommand, EpochLinesAreAlignedColumns) {
    const auto dir = fresh_dir("train-columns");
    write_bar_digits(dir, 120);
    const CliRun r = run_cli("train --data " + (dir / "mnist_train.csv").string() +
                             " --validation-size 40 --layers 784,10 --epochs 12 --lr 0.005 --batch 8");
    ASSERT_EQ(r.status, 0) << r.err;
    const std::vector<std::string> epochs = lines_starting(r.out, "epoch ");
    ASSERT_EQ(epochs.size(), 12u) << r.out;
    EXPECT_CONTAINS(epochs[0], "epoch  1/12  cost ");
    std::set<std::string> accuracies;  // the accuracies differ, and still every column lines up
    for (const std::string& line : epochs) {
        EXPECT_EQ(line.size(), epochs[0].size()) << line << "\n" << epochs[0];
        for (const char* column : {"  cost ", "  train ", "  validation ", " s"})
            EXPECT_EQ(line.find(column), epochs[0].find(column)) << column << ": " << line << "\n" << epochs[0];
        accuracies.insert(line.substr(line.find("  train "), 15));
    }
    EXPECT_GE(accuracies.size(), 2u) << r.out;
    std::filesystem::remove_all(dir);
}

namespace {

// Runs `digitnet ARGS` with stdout and stderr on a pseudo-terminal, as in a person's shell, and
// returns all it wrote there.
std::string run_on_terminal(const std::string& args) {
    const std::string command = "exec " + cli_command(args) + " </dev/null";
    int terminal = -1;
    const pid_t pid = forkpty(&terminal, nullptr, nullptr, nullptr);
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    EXPECT_GT(pid, 0);
    std::string written;
    char buf[4096];
    for (;;) {
        const ssize_t got = read(terminal, buf, sizeof buf);
        if (got > 0) written.append(buf, static_cast<std::size_t>(got));
        else if (got < 0 && errno == EINTR) continue;
        else break;  // EIO: the program has exited and closed its end
    }
    int status = 0;
    waitpid(pid, &status, 0);
    close(terminal);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << written;
    return written;
}

}  // namespace

TEST(TrainCommand, AProgressBarOnATerminalShowsTheEpochAndTheTimeLeft) {
    const auto dir = fresh_dir("train-progress");
    write_bar_digits(dir, 60);
    const std::string args =
        "train --data " + (dir / "mnist_train.csv").string() + " --validation-size 20 --layers 784,10 --epochs 3 --batch 4";
    const std::string shown = run_on_terminal(args);
    EXPECT_CONTAINS(shown, "\r  epoch 1/3 [");
    EXPECT_CONTAINS(shown, "\r  epoch 3/3 [==============================] 100%  0 s left");
    EXPECT_TRUE(std::regex_search(shown, std::regex("epoch 2/3 \\[=* *\\] +[0-9]+%  [0-9:]+( s)? left")));
    EXPECT_CONTAINS(shown, "epoch 3/3  cost ");  // the epoch's own line follows the bar
    // Not with --quiet, and not where stderr is not a terminal.
    const std::string quiet = run_on_terminal(args + " --quiet");
    EXPECT_EQ(quiet.find("epoch 1/3 ["), std::string::npos) << quiet;
    EXPECT_CONTAINS(quiet, "test accuracy");
    const CliRun piped = run_cli(args);
    EXPECT_EQ(piped.status, 0);
    EXPECT_EQ(piped.err, "");
    EXPECT_CONTAINS(piped.out, "epoch 3/3  cost ");
    std::filesystem::remove_all(dir);
}

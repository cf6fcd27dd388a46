// docs/tour.md: every command on the page runs (with the small budgets the page documents).
#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "test_support.hpp"

using namespace digitnet::testing;
namespace fs = std::filesystem;

namespace {

// Every line of a ```sh block that starts with "digitnet ".
std::vector<std::string> tour_commands(const std::string& page) {
    std::vector<std::string> commands;
    std::istringstream in(page);
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("```", 0) == 0) {
            inside = line == "```sh";
            continue;
        }
        if (inside && line.rfind("digitnet ", 0) == 0) commands.push_back(line.substr(9));
    }
    return commands;
}

// The page's rule: the flag's value replaced when the command has it, else the flag appended.
std::string with_flag(std::string args, const std::string& flag, const std::string& value) {
    const std::regex given("(^| )" + flag + " [^ ]+");
    if (std::regex_search(args, given)) return std::regex_replace(args, given, "$1" + flag + " " + value);
    return args + " " + flag + " " + value;
}

std::string small_budget(std::string args) {
    if (args.rfind("train ", 0) == 0) args = with_flag(with_flag(args, "--epochs", "1"), "--train-size", "2000");
    if (args.rfind("demo descent", 0) == 0) args = with_flag(with_flag(args, "--train-size", "200"), "--epochs", "1");
    if (args.find("--noise ") != std::string::npos) args = with_flag(args, "--noise", "200");
    return args;
}

}  // namespace

TEST(Tour, TheBudgetRuleReplacesOrAppends) {
    EXPECT_EQ(small_budget("train --preset 3b1b --epochs 3 --train-size 10000"),
              "train --preset 3b1b --epochs 1 --train-size 2000");
    EXPECT_EQ(small_budget("train --preset nielsen -o n.safetensors"),
              "train --preset nielsen -o n.safetensors --epochs 1 --train-size 2000");
    EXPECT_EQ(small_budget("inspect m --weights w.png --noise 1000"), "inspect m --weights w.png --noise 200");
    EXPECT_EQ(small_budget("explain"), "explain");
}

TEST(MnistTour, EveryCommandRuns) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    const fs::path root = DIGITNET_SOURCE_DIR;
    const std::vector<std::string> commands = tour_commands(read_text(root / "docs/tour.md"));
    ASSERT_GE(commands.size(), 15u);
    // A fresh folder with a copy of docs/img (the page's inputs, such as the smiley), so that the
    // pictures the commands draw do not touch the repository's.
    const fs::path dir = fresh_dir("tour");
    fs::create_directories(dir / "docs");
    fs::copy(root / "docs/img", dir / "docs/img", fs::copy_options::recursive);
    ::setenv("DIGITNET_DATA", (root / "data").c_str(), 1);
    for (const std::string& command : commands) {
        const std::string args = small_budget(command);
        const std::string line = "cd \"" + dir.string() + "\" && " + cli_command(args) + " >out.txt 2>err.txt </dev/null";
        const int status = std::system(line.c_str());
        EXPECT_EQ(status, 0) << "digitnet " << args << "\n" << read_text(dir / "err.txt") << read_text(dir / "out.txt");
        if (status != 0) break;  // later commands use what this one writes
    }
    ::unsetenv("DIGITNET_DATA");
    for (const char* picture : {"activations.png", "descent.png", "metrics.png", "confusion.png", "weights.png",
                                "slowdown.png", "predict.png"})
        EXPECT_TRUE(fs::exists(dir / "docs/img" / picture)) << picture;
    fs::remove_all(dir);
}

TEST(Tour, ThePicturesOnThePageAreCommittedAndSmall) {
    const fs::path root = DIGITNET_SOURCE_DIR;
    const std::string page = read_text(root / "docs/tour.md");
    const std::regex image(R"(!\[[^\]]*\]\((img/[^)]+)\))");
    std::size_t total = 0, count = 0;
    for (auto it = std::sregex_iterator(page.begin(), page.end(), image); it != std::sregex_iterator(); ++it) {
        const fs::path file = root / "docs" / (*it)[1].str();
        ASSERT_TRUE(fs::exists(file)) << file;
        total += fs::file_size(file);
        ++count;
        // Drawn by a command on the page.
        EXPECT_NE(page.find("docs/" + (*it)[1].str()), std::string::npos) << file << " is drawn by no command";
    }
    EXPECT_GE(count, 7u);
    EXPECT_LT(total, std::size_t{1} << 20);
}

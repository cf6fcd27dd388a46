// tune prints a command that trains the best trial again, with the same validation figure.
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>

#include "test_support.hpp"

using namespace digitnet::testing;

TEST(MnistTune, ThePrintedCommandReproducesTheTrial) {
    if (!have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    const std::string data = "--data-dir " + std::string(DIGITNET_SOURCE_DIR) + "/data";
    const CliRun tune = run_cli("tune " + data + " --preset nielsen --trials 2 --epochs 1 --train-size 1000 --hidden-max 40");
    ASSERT_EQ(tune.status, 0) << tune.err;
    std::smatch best, command;
    ASSERT_TRUE(std::regex_search(tune.out, best, std::regex("best: trial [0-9]+, validation ([0-9.]+%)"))) << tune.out;
    ASSERT_TRUE(std::regex_search(tune.out, command, std::regex("\ndigitnet train ([^\n]*)\n"))) << tune.out;
    EXPECT_NE(command[1].str().find("--validation-size 10000"), std::string::npos) << command[1];
    EXPECT_NE(command[1].str().find(data), std::string::npos) << command[1];
    const CliRun again = run_cli("train " + command[1].str());  // as printed
    ASSERT_EQ(again.status, 0) << again.err;
    char column[64];  // the epoch line's validation column, 7 characters wide
    std::snprintf(column, sizeof column, "validation %7s", best[1].str().c_str());
    EXPECT_NE(again.out.find(column), std::string::npos) << "tune: " << best[1] << "\ntrain: " << again.out;
}

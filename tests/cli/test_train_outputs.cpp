// train refuses an output layer the data and encoding cannot use (784,30 for ten digits).
#include <gtest/gtest.h>

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

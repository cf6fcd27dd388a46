// inspect --weights: a count of tiles, numbered from 0.
#include <gtest/gtest.h>

#include "learner_support.hpp"

using namespace digitnet::testing;

TEST(InspectCommand, WeightTilesTakeACountAndNumberFromZero) {
    const auto dir = fresh_dir("inspect-weights");
    write_bar_digits(dir, 40);
    const std::string model = train_bar_model(dir, "m", "--layers 784,12,10");
    const std::string png = (dir / "w.png").string();
    const CliRun r = run_cli("inspect " + model + " --weights " + png + " --weights-count 4");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("weights of 4 of 12 hidden neurons (0..3)"), std::string::npos) << r.out;
    std::filesystem::remove_all(dir);
}

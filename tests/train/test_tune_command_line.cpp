// tune's printed command holds the trial's learning rate and L2 exactly.
#include <gtest/gtest.h>

#include <regex>

#include "digitnet/tune.hpp"

using namespace digitnet;

TEST(TuneCommandLine, TheLearningRateAndL2ReadBackAsTheSameFloats) {
    TrainConfig base;
    base.architecture.sizes = {784, 30, 10};
    for (const float lr : {0.0123456789f, 3.14159274f, 0.025f, 1e-5f}) {
        const TrainConfig c = trial_config(base, TrialSettings{lr, 0.337777f, 50, 16});
        const std::string line = train_command_line("nielsen", c);
        std::smatch m;
        ASSERT_TRUE(std::regex_search(line, m, std::regex("--lr ([^ ]+) --l2 ([^ ]+)"))) << line;
        EXPECT_EQ(std::stof(m[1].str()), lr) << line;  // %.6g would write 0.0123457 and train another network
        EXPECT_EQ(std::stof(m[2].str()), 0.337777f) << line;
    }
}

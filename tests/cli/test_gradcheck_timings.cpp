// gradcheck --timings: Saito's point that numerical gradients are slow, measured.
#include <gtest/gtest.h>

#include <regex>

#include "test_support.hpp"

using namespace digitnet::testing;

TEST(GradcheckCommand, TimingsShowTheNumericalGradientIsSlow) {
    const CliRun r = run_cli("gradcheck --timings");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("numerical gradient: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("backpropagation: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("784-16-16-10: 13002 parameters"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("26004 evaluations of the cost"), std::string::npos) << r.out;
    const std::smatch m = [&] {
        std::smatch found;
        const std::regex slower("numerical is ([0-9]+) times slower\n  one epoch");
        std::regex_search(r.out, found, slower);
        return found;
    }();
    ASSERT_EQ(m.size(), 2u) << r.out;
    EXPECT_GT(std::stol(m[1].str()), 100);  // two forward passes per parameter against one backward pass
}

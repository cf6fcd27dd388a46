#include <gtest/gtest.h>

#include <cstdio>

#include "digitnet/format.hpp"

using digitnet::format_number;

TEST(FormatNumber, WritesWhatPercentGWrites) {
    EXPECT_EQ(format_number(0.5), "0.5");
    EXPECT_EQ(format_number(-0.7f), "-0.7");
    EXPECT_EQ(format_number(3e-05), "3e-05");
    EXPECT_EQ(format_number(1234567.0), "1.23457e+06");
    EXPECT_EQ(format_number(1.0 / 3.0, 3), "0.333");
    for (double v : {0.0, 0.1f * 3.0, 1e300, -2.5e-300, 42.0}) {
        char expected[64];
        std::snprintf(expected, sizeof expected, "%g", v);
        EXPECT_EQ(format_number(v), expected) << v;
        std::snprintf(expected, sizeof expected, "%.17g", v);
        EXPECT_EQ(format_number(v, 17), expected) << v;
    }
}

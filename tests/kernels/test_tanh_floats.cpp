// The vectorised tanh of a CNN's activation layers against std::tanh.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/tanh_floats.hpp"

TEST(TanhFloats, StaysWithinAFewUnitsInTheLastPlaceOfStdTanhEverywhere) {
    // Every 1/1024 from -12 to 12, plus the tiny values, zero and the signs of ±0.
    std::vector<float> x;
    for (int i = -12 * 1024; i <= 12 * 1024; ++i) x.push_back(static_cast<float>(i) / 1024.0f);
    for (float t : {1e-30f, -1e-30f, 3e-4f, -3e-4f, 5e-4f, 0.0f, -0.0f}) x.push_back(t);
    std::vector<float> out(x.size());
    digitnet::tanh_floats(x.data(), out.data(), x.size());
    double worst = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double exact = std::tanh(static_cast<double>(x[i]));
        const double ulp = std::nextafter(static_cast<float>(std::fabs(exact)), 2.0f) - static_cast<float>(std::fabs(exact));
        const double error = std::fabs(out[i] - exact) / (ulp > 0 ? ulp : 1e-45);
        worst = std::max(worst, error);
        ASSERT_LE(std::fabs(out[i]), 1.0f) << x[i];
        ASSERT_EQ(std::signbit(out[i]), std::signbit(x[i])) << x[i];
    }
    EXPECT_LT(worst, 8.0);
    std::printf("worst error: %.2f units in the last place\n", worst);
}

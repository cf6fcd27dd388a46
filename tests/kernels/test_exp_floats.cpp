// The softmax's e^x, 16 at a time: the same floats as std::exp one at a time.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/exp_floats.hpp"

using namespace digitnet;

TEST(ExpFloats, EqualsStdExpBitForBit) {
    // Every 101st float between -110 and 90 (about 20 million, of both signs and every exponent
    // there, tiny ones included), then the edges and values that take std::exp itself.
    std::vector<float> x;
    for (std::uint64_t bits = 0; bits < 0x42b40000u; bits += 101) {  // 0 .. 90
        float v;
        const auto b = static_cast<std::uint32_t>(bits);
        std::memcpy(&v, &b, sizeof v);
        x.push_back(v);
        x.push_back(-v * 1.2222222f);  // down to -110
    }
    const float inf = std::numeric_limits<float>::infinity();
    for (float v : {-103.0f, -103.00001f, -104.0f, -87.3f, 88.0f, 88.00001f, 88.7f, 89.0f, 0.0f, -0.0f, inf, -inf,
                    std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::denorm_min()})
        x.push_back(v);
    std::vector<float> out(x.size());
    exp_floats(x.data(), out.data(), x.size());
    std::size_t mismatches = 0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const float expected = std::exp(x[i]);
        if (std::memcmp(&out[i], &expected, sizeof(float)) != 0 && !(std::isnan(out[i]) && std::isnan(expected))) {
            if (++mismatches <= 5) ADD_FAILURE() << "e^" << x[i] << ": " << out[i] << ", std::exp " << expected;
        }
    }
    EXPECT_EQ(mismatches, 0u) << "of " << x.size();
    EXPECT_GT(x.size(), 10'000'000u);
}

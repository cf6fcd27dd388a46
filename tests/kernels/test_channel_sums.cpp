// Batch normalisation's channel sums (four examples side by side) against the plain loops that
// define their order, bit for bit, and against sums in long double to within rounding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "digitnet/random.hpp"
#include "kernels/channel_sums.hpp"

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

}  // namespace

TEST(ChannelSums, FourRunsSideBySideGiveTheReferenceOrderBitForBit) {
    // (rows, len): the presets' channels (fast-99: 64 × 576 and 64 × 64; best-cnn: 128 × 676, 576,
    // 100, 64) and awkward ones: rows not a multiple of 4, runs shorter than a vector, tails.
    const std::size_t shapes[][2] = {{64, 576}, {64, 64}, {128, 676}, {128, 100}, {1, 1},  {3, 7},  {4, 8},
                                     {5, 9},    {7, 15},  {6, 16},    {9, 17},    {2, 25}, {13, 33}, {10, 144}};
    digitnet::Rng rng(5);
    for (const auto& shape : shapes) {
        const std::size_t rows = shape[0], len = shape[1], stride = 3 * len + 5;  // a channel inside wider rows
        SCOPED_TRACE(::testing::Message() << "rows " << rows << ", len " << len);
        std::vector<float> x(rows * stride), delta(rows * stride);
        for (float& v : x) v = static_cast<float>(2.0 + 3.0 * rng.normal());
        for (float& v : delta) v = static_cast<float>(1e-3 * rng.normal());
        const float* xs = x.data() + len;  // not 64-byte aligned
        const float* ds = delta.data() + len;
        for (bool square : {false, true}) {
            const float centre = square ? 2.0f : 0.0f;
            const double fast = digitnet::channel_sum(xs, stride, rows, len, centre, square);
            const double reference = digitnet::channel_sum_reference(xs, stride, rows, len, centre, square);
            EXPECT_TRUE(same_bits(fast, reference)) << fast << " against " << reference << (square ? " (squares)" : "");
            long double exact = 0;
            for (std::size_t r = 0; r < rows; ++r)
                for (std::size_t k = 0; k < len; ++k) {
                    const long double d = static_cast<long double>(xs[r * stride + k]) - centre;
                    exact += square ? d * d : d;
                }
            EXPECT_NEAR(fast, static_cast<double>(exact), 1e-12 * (1.0 + std::fabs(static_cast<double>(exact))) * rows * len);
        }
        float fast_delta, fast_delta_zhat, ref_delta, ref_delta_zhat;
        digitnet::channel_delta_sums(ds, xs, stride, rows, len, 2.0f, 0.33f, &fast_delta, &fast_delta_zhat);
        digitnet::channel_delta_sums_reference(ds, xs, stride, rows, len, 2.0f, 0.33f, &ref_delta, &ref_delta_zhat);
        EXPECT_TRUE(same_bits(fast_delta, ref_delta)) << fast_delta << " against " << ref_delta;
        EXPECT_TRUE(same_bits(fast_delta_zhat, ref_delta_zhat)) << fast_delta_zhat << " against " << ref_delta_zhat;
        double exact_delta = 0, exact_delta_zhat = 0;
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t k = 0; k < len; ++k) {
                const double d = ds[r * stride + k];
                exact_delta += d;
                exact_delta_zhat += d * ((xs[r * stride + k] - 2.0) * 0.33f);
            }
        EXPECT_NEAR(fast_delta, exact_delta, 1e-6 * std::sqrt(static_cast<double>(rows * len)) * 1e-3 * 10);
        EXPECT_NEAR(fast_delta_zhat, exact_delta_zhat, 1e-6 * std::sqrt(static_cast<double>(rows * len)) * 1e-3 * 30);
    }
}

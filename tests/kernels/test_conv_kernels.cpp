// The convolution's own products against their definition, element by element and bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "digitnet/random.hpp"
#include "kernels/conv_kernels.hpp"

namespace {

std::vector<float> random_floats(std::size_t n, digitnet::Rng& rng) {
    std::vector<float> v(n);
    for (float& x : v) x = static_cast<float>(rng.normal());
    return v;
}

}  // namespace

TEST(ConvKernels, WeightsTransposedTimesDeltaIsTheChainOverFiltersInOrder) {
    // The presets' shapes (F, K, P) and awkward ones: P of 1, under 16, not a multiple of 16 or
    // 64; K not a multiple of the six rows a block takes.
    const std::size_t shapes[][3] = {{20, 250, 64}, {16, 150, 100}, {120, 400, 1}, {40, 500, 64}, {32, 288, 576},
                                     {64, 576, 64}, {3, 7, 5},     {1, 1, 1},     {5, 13, 17},   {7, 70, 1},
                                     {2, 6, 130},   {9, 65, 33}};
    digitnet::Rng rng(3);
    for (const auto& s : shapes) {
        const std::size_t F = s[0], K = s[1], P = s[2];
        SCOPED_TRACE(::testing::Message() << "F " << F << ", K " << K << ", P " << P);
        const std::vector<float> weights = random_floats(F * K, rng), delta = random_floats(F * P, rng);
        std::vector<float> out(K * P, -1.0f);
        digitnet::weights_t_times_delta(weights.data(), delta.data(), F, K, P, out.data());
        std::size_t different = 0;
        for (std::size_t k = 0; k < K; ++k)
            for (std::size_t p = 0; p < P; ++p) {
                float acc = 0.0f;  // the definition: f = 0, 1, …, F-1, one rounding per step
                for (std::size_t f = 0; f < F; ++f) acc = std::fma(weights[f * K + k], delta[f * P + p], acc);
                if (std::memcmp(&acc, &out[k * P + p], sizeof acc) != 0) ++different;
            }
        EXPECT_EQ(different, 0u);
    }
}

TEST(ConvKernels, Im2rowIsTheTransposeOfIm2col) {
    // (channels, rows, cols, kernel rows, kernel cols): the presets' layers after the first, one
    // channel, a kernel as wide as its input, and kernels wider than 16 (the plain copy).
    const std::size_t shapes[][5] = {{10, 12, 12, 5, 5}, {6, 14, 14, 5, 5}, {20, 12, 12, 5, 5}, {32, 12, 12, 3, 3},
                                     {1, 7, 9, 2, 3},    {3, 5, 5, 5, 5},   {2, 20, 20, 17, 17}, {4, 6, 30, 1, 20}};
    digitnet::Rng rng(4);
    for (const auto& s : shapes) {
        SCOPED_TRACE(::testing::Message() << s[0] << "×" << s[1] << "×" << s[2] << ", kernel " << s[3] << "×" << s[4]);
        const digitnet::ConvGeometry g = digitnet::conv_geometry({s[0], s[1], s[2]}, s[3], s[4], 1, false);
        const std::size_t K = g.patch_size(), P = g.positions();
        const std::vector<float> image = random_floats(g.in.size(), rng);
        std::vector<float> columns(K * P), rows(K * P, -1.0f);
        digitnet::im2col(image.data(), g, columns.data());
        digitnet::im2row(image.data(), g, rows.data());
        std::size_t different = 0;
        for (std::size_t k = 0; k < K; ++k)
            for (std::size_t p = 0; p < P; ++p) different += rows[p * K + k] != columns[k * P + p];
        EXPECT_EQ(different, 0u);
    }
}

TEST(ConvKernels, DeltaTimesRowsIsTheChainOverPositionsInOrderThenOneAdd) {
    // (F, K, P): the presets' shapes and awkward ones (K not a multiple of 16 or 64; F not a
    // multiple of the six, two and one filters a block takes).
    const std::size_t shapes[][3] = {{20, 250, 64}, {16, 150, 100}, {40, 500, 64}, {64, 288, 100}, {64, 576, 64},
                                     {1, 1, 1},     {3, 17, 5},     {7, 65, 9},    {9, 130, 33},   {13, 48, 448}};
    digitnet::Rng rng(5);
    for (const auto& s : shapes)
        for (bool accumulate : {false, true}) {
            const std::size_t F = s[0], K = s[1], P = s[2];
            SCOPED_TRACE(::testing::Message() << "F " << F << ", K " << K << ", P " << P << (accumulate ? ", added" : ""));
            const std::vector<float> delta_t = random_floats(P * F, rng), rows = random_floats(P * K, rng),
                                     before = random_floats(F * K, rng);
            std::vector<float> gw = before;
            digitnet::delta_times_rows(delta_t.data(), rows.data(), F, K, P, accumulate, gw.data());
            std::size_t different = 0;
            for (std::size_t f = 0; f < F; ++f)
                for (std::size_t k = 0; k < K; ++k) {
                    float acc = 0.0f;  // the definition: p = 0, 1, …, P-1, one rounding per step, then the add
                    for (std::size_t p = 0; p < P; ++p) acc = std::fma(delta_t[p * F + f], rows[p * K + k], acc);
                    const float expected = accumulate ? before[f * K + k] + acc : acc;
                    if (std::memcmp(&expected, &gw[f * K + k], sizeof expected) != 0) ++different;
                }
            EXPECT_EQ(different, 0u);
        }
}

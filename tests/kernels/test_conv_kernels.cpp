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

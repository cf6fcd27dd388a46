#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "digitnet/error.hpp"
#include "digitnet/matrix.hpp"
#include "digitnet/random.hpp"
#include "kernels/gemm_skip_zeros.hpp"

using namespace digitnet;

static Matrix random_matrix(std::size_t r, std::size_t c, Rng& rng) {
    Matrix m(r, c);
    for (float& v : m) v = static_cast<float>(rng.uniform(-1, 1));
    return m;
}

TEST(Matrix, GemmMatchesReferenceForEveryTransposition) {
    Rng rng(7);
    for (bool ta : {false, true})
        for (bool tb : {false, true}) {
            Matrix a = ta ? random_matrix(13, 7, rng) : random_matrix(7, 13, rng);
            Matrix b = tb ? random_matrix(5, 13, rng) : random_matrix(13, 5, rng);
            Matrix c1 = random_matrix(7, 5, rng), c2 = c1;
            gemm(ta, tb, 0.5f, a, b, 2.0f, c1);
            gemm_reference(ta, tb, 0.5f, a, b, 2.0f, c2);
            for (std::size_t i = 0; i < c1.size(); ++i) EXPECT_NEAR(c1.data()[i], c2.data()[i], 1e-5f);
        }
}

TEST(Matrix, GemmKnownProduct) {
    Matrix a(2, 3, {1, 2, 3, 4, 5, 6});
    Matrix b(3, 2, {7, 8, 9, 10, 11, 12});
    Matrix c(2, 2);
    gemm(false, false, 1.0f, a, b, 0.0f, c);
    EXPECT_EQ(c(0, 0), 58);
    EXPECT_EQ(c(0, 1), 64);
    EXPECT_EQ(c(1, 0), 139);
    EXPECT_EQ(c(1, 1), 154);
}

TEST(Matrix, GemmRefusesMismatchedShapes) {
    Matrix a(2, 3), b(2, 3), c(2, 2);
    EXPECT_THROW(gemm(false, false, 1.0f, a, b, 0.0f, c), Error);
}

TEST(Matrix, StorageIsAlignedAndResizeKeepsCapacity) {
    Matrix m(3, 5);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(m.data()) % 64, 0u);
    const float* before = m.data();
    m.resize(5, 3);
    EXPECT_EQ(m.data(), before);
    EXPECT_EQ(m.rows(), 5u);
    m.resize(2, 2);
    EXPECT_EQ(m.data(), before);
}

TEST(Matrix, RowsViewPointsIntoTheMatrix) {
    Matrix m(4, 2, {0, 1, 2, 3, 4, 5, 6, 7});
    ConstMatrixView v = static_cast<const Matrix&>(m).rows_view(1, 2);
    EXPECT_EQ(v.rows, 2u);
    EXPECT_EQ(v(0, 0), 2);
    EXPECT_EQ(v(1, 1), 5);
}

// On a CPU with AVX-512, OpenBLAS runs its AVX-512 kernels even where OPENBLAS_CORETYPE (or an
// OpenBLAS older than the CPU) would choose AVX2 ones: see matrix.cpp.
TEST(Matrix, OpenBlasUsesAvx512KernelsWhereTheCpuHasThem) {
    __builtin_cpu_init();
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    if (!avx512) GTEST_SKIP() << "this CPU has no AVX-512";
    if (std::getenv("DIGITNET_BLAS_CORE")) GTEST_SKIP() << "DIGITNET_BLAS_CORE chooses the kernels";
    const std::string core = blas_core();
    EXPECT_TRUE(core == "SkylakeX" || core == "Cooperlake" || core == "SapphireRapids") << core;
}

// Large batches through few outputs (n <= 32, m >= 128) take digitnet's own AVX-512 product
// where the CPU has it (matrix.cpp), which skips columns of A that are 0; every row and column
// remainder, with and without β, with scattered zeros and with whole zero columns.
// Wider layers over mostly-zero rows (images): panels of 112 columns, blocks of 4 rows, and the
// rows shared between threads from 2048 rows on, with the same sums whatever the thread count.
TEST(Matrix, GemmSkippingZerosMatchesReferenceForAnyWidthAndThreadCount) {
    Rng rng(12);
    for (std::size_t m : {128u, 131u, 2053u})
        for (std::size_t n : {33u, 64u, 100u, 112u, 113u, 250u})
            for (float beta : {0.0f, 1.0f}) {
                // the threads' rows: one panel's remainder, one panel and a bit, several panels
                if (m > 2048 && n != 33 && n != 113 && n != 250) continue;
                const std::size_t k = 784;
                Matrix a = random_matrix(m, k, rng), b = random_matrix(n, k, rng);
                for (float& v : a)
                    if (rng.uniform() < 0.8) v = 0.0f;
                Matrix c0 = random_matrix(m, n, rng), expected = c0;
                gemm_reference(false, true, 0.5f, a, b, beta, expected);
                Matrix by_threads[2];
                for (int threads : {1, 2}) {
                    set_num_threads(threads);
                    Matrix c = c0;
                    gemm(false, true, 0.5f, a, b, beta, c);
                    float worst = 0.0f;
                    for (std::size_t i = 0; i < c.size(); ++i)
                        worst = std::max(worst, std::fabs(c.data()[i] - expected.data()[i]));
                    EXPECT_LT(worst, 1e-5f * static_cast<float>(k)) << m << "x" << n << " beta " << beta;
                    by_threads[threads - 1] = c;
                }
                set_num_threads(0);
                // The skipping product's sums do not depend on the thread count (sgemm's may).
                if (skipping_products_built()) {
                    EXPECT_TRUE(std::equal(by_threads[0].begin(), by_threads[0].end(), by_threads[1].begin()))
                        << m << "x" << n << ": 1 and 2 threads differ";
                }
            }
    // Dense rows (not mostly zeros) take sgemm and agree too.
    Matrix a = random_matrix(200, 100, rng), b = random_matrix(100, 100, rng), c(200, 100), expected(200, 100);
    gemm(false, true, 1.0f, a, b, 0.0f, c);
    gemm_reference(false, true, 1.0f, a, b, 0.0f, expected);
    for (std::size_t i = 0; i < c.size(); ++i) EXPECT_NEAR(c.data()[i], expected.data()[i], 1e-3f);
}

// The skipping product adds each row's terms in column order, x_r0 w_0 first, whatever the
// slices of the depth (784 inputs are taken in slices that stay in L1 cache) and the thread count:
// bit for bit the same as one multiply-add after another (a skipped 0 adds exactly nothing).
TEST(Matrix, GemmSkippingZerosAddsEachRowInColumnOrder) {
    if (!skipping_products_built()) GTEST_SKIP() << "built without AVX-512: gemm is sgemm, in its own order";
    Rng rng(14);
    const std::size_t m = 600, n = 100, k = 784;
    Matrix a = random_matrix(m, k, rng), b = random_matrix(n, k, rng), c0 = random_matrix(m, n, rng);
    for (float& v : a)
        if (rng.uniform() < 0.8) v = 0.0f;
    Matrix expected = c0;
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            float sum = 0.0f;
            for (std::size_t p = 0; p < k; ++p) sum = std::fma(a(i, p), b(j, p), sum);
            expected(i, j) = std::fma(1.0f, c0(i, j), 0.5f * sum);  // α sum + β c
        }
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        Matrix c = c0;
        gemm(false, true, 0.5f, a, b, 1.0f, c);
        EXPECT_TRUE(std::equal(c.begin(), c.end(), expected.begin())) << threads << " thread(s)";
    }
    set_num_threads(0);
}

// A layer's weight gradient deltaᵀ x with x mostly zeros: computed as (xᵀ delta)ᵀ skipping zeros.
TEST(Matrix, WeightGradientSkippingZerosMatchesReference) {
    Rng rng(13);
    for (std::size_t batch : {1u, 10u, 32u, 33u, 128u})
        for (std::size_t n : {10u, 30u, 100u, 250u})
            for (std::size_t k : {130u, 784u}) {
                Matrix delta = random_matrix(batch, n, rng), x = random_matrix(batch, k, rng);
                for (float& v : x)
                    if (rng.uniform() < 0.8) v = 0.0f;
                Matrix c = random_matrix(n, k, rng), expected(n, k);
                gemm(true, false, 0.25f, delta, x, 0.0f, c);
                gemm_reference(true, false, 0.25f, delta, x, 0.0f, expected);
                float worst = 0.0f;
                for (std::size_t i = 0; i < c.size(); ++i)
                    worst = std::max(worst, std::fabs(c.data()[i] - expected.data()[i]));
                EXPECT_LT(worst, 1e-5f * static_cast<float>(batch)) << batch << " " << n << " " << k;
            }
    // An 800-neuron layer's gradient is shared between threads (pixels split between them), with
    // the same sums as on one.
    Matrix delta = random_matrix(128, 800, rng), x = random_matrix(128, 784, rng);
    for (float& v : x)
        if (rng.uniform() < 0.8) v = 0.0f;
    Matrix expected(800, 784), by_threads[2];
    gemm_reference(true, false, 0.25f, delta, x, 0.0f, expected);
    for (int threads : {1, 2}) {
        set_num_threads(threads);
        Matrix c(800, 784);
        gemm(true, false, 0.25f, delta, x, 0.0f, c);
        float worst = 0.0f;
        for (std::size_t i = 0; i < c.size(); ++i) worst = std::max(worst, std::fabs(c.data()[i] - expected.data()[i]));
        EXPECT_LT(worst, 1e-5f * 128.0f) << threads << " thread(s)";
        by_threads[threads - 1] = c;
    }
    set_num_threads(0);
    if (skipping_products_built()) {
        EXPECT_TRUE(std::equal(by_threads[0].begin(), by_threads[0].end(), by_threads[1].begin()));
    }
}

TEST(Matrix, GemmForManyRowsAndFewOutputsMatchesReference) {
    Rng rng(11);
    for (std::size_t m : {128u, 129u, 135u, 1000u})
        for (std::size_t n : {1u, 10u, 16u, 17u, 30u, 32u, 33u})
            for (std::size_t k : {1u, 30u, 784u})
                for (float beta : {0.0f, 1.0f}) {
                    Matrix a = random_matrix(m, k, rng), b = random_matrix(n, k, rng);
                    // Like images, mostly 0 with a few columns 0 in every row (those are skipped).
                    for (std::size_t i = 0; i < a.size(); ++i)
                        if (beta == 0.0f ? rng.uniform() < 0.7 : (i % k) % 5 == 0) a.data()[i] = 0.0f;
                    Matrix c = random_matrix(m, n, rng), expected = c;
                    gemm(false, true, 0.5f, a, b, beta, c);
                    gemm_reference(false, true, 0.5f, a, b, beta, expected);
                    float worst = 0.0f;
                    for (std::size_t i = 0; i < c.size(); ++i)
                        worst = std::max(worst, std::fabs(c.data()[i] - expected.data()[i]));
                    EXPECT_LT(worst, 1e-5f * static_cast<float>(k)) << m << "x" << n << "x" << k << " beta " << beta;
                }
}

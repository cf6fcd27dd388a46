#include "digitnet/matrix.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include <cblas.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "blas_core.hpp"
#include "digitnet/error.hpp"

extern "C" {
// Part of OpenBLAS's API but not of every cblas.h.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace digitnet {

// OpenBLAS's AVX-512 kernels wherever the CPU has AVX-512 (blas_core.cpp), before main().
static const bool fast_blas_kernels_chosen = choose_fast_blas_kernels();

void Matrix::AlignedFree::operator()(float* p) const { std::free(p); }

static float* allocate_floats(std::size_t n) {
    if (n == 0) return nullptr;
    std::size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, bytes);
    if (!p) throw std::bad_alloc();
    return static_cast<float*>(p);
}

Matrix::Matrix(std::size_t rows, std::size_t cols) { resize(rows, cols); fill(0.0f); }

Matrix::Matrix(std::size_t rows, std::size_t cols, std::initializer_list<float> values) {
    if (values.size() != rows * cols)
        throw Error("Matrix: " + std::to_string(rows) + "x" + std::to_string(cols) + " needs " +
                    std::to_string(rows * cols) + " values, got " + std::to_string(values.size()));
    resize(rows, cols);
    std::copy(values.begin(), values.end(), data());
}

Matrix::Matrix(const Matrix& other) {
    resize(other.rows_, other.cols_);
    if (size()) std::memcpy(data(), other.data(), size() * sizeof(float));
}

Matrix& Matrix::operator=(const Matrix& other) {
    if (this != &other) {
        resize(other.rows_, other.cols_);
        if (size()) std::memcpy(data(), other.data(), size() * sizeof(float));
    }
    return *this;
}

Matrix::Matrix(Matrix&& other) noexcept
    : rows_(other.rows_), cols_(other.cols_), capacity_(other.capacity_), data_(std::move(other.data_)) {
    other.rows_ = other.cols_ = other.capacity_ = 0;
}

Matrix& Matrix::operator=(Matrix&& other) noexcept {
    if (this != &other) {
        rows_ = other.rows_;
        cols_ = other.cols_;
        capacity_ = other.capacity_;
        data_ = std::move(other.data_);
        other.rows_ = other.cols_ = other.capacity_ = 0;
    }
    return *this;
}

void Matrix::resize(std::size_t rows, std::size_t cols) {
    std::size_t n = rows * cols;
    if (n > capacity_) {
        data_.reset(allocate_floats(n));
        capacity_ = n;
    }
    rows_ = rows;
    cols_ = cols;
}

void Matrix::fill(float value) { std::fill(begin(), end(), value); }

static void check_gemm_shapes(bool ta, bool tb, ConstMatrixView a, ConstMatrixView b, MatrixView c) {
    std::size_t m = ta ? a.cols : a.rows, k = ta ? a.rows : a.cols;
    std::size_t kb = tb ? b.cols : b.rows, n = tb ? b.rows : b.cols;
    if (k != kb || c.rows != m || c.cols != n)
        throw Error("gemm: shapes do not agree: op(A) is " + std::to_string(m) + "x" + std::to_string(k) +
                    ", op(B) is " + std::to_string(kb) + "x" + std::to_string(n) + ", C is " +
                    std::to_string(c.rows) + "x" + std::to_string(c.cols));
}

// ---------------------------------------------------------------- many rows, few outputs
//
// z = x Wᵀ for a large batch through a layer of few neurons (Nielsen's 30 hidden, every 10-way
// output; n ≤ 32) is a poor shape for BLAS, which packs the whole of x first. Here Wᵀ (k × 32,
// zero-padded: 100 KB for k = 784) is packed instead, and each block of 8 rows of x is read once,
// straight from x: for every column p, x_ip (broadcast to 16 lanes) times row p of Wᵀ (two
// AVX-512 vectors) is added into the block's 8 × 32 sums, which stay in 16 registers.
// Columns that are 0 in all 8 rows are skipped: they add exactly nothing (x · w = 0 for finite w),
// and about 60% of the pixel columns of 8 handwritten digits are background in all of them.
#if defined(__AVX512F__)
static constexpr std::size_t kFewOutputsMax = 32, kFewOutputsMinRows = 128;

// Writes the columns p of rows x[0..R) that are not 0 in every row into `active`; returns how many.
// Meanwhile asks for the next block's rows (`next`, unless null) from memory.
template <int R>
static std::size_t nonzero_columns(const float* x, std::size_t k, std::uint32_t* active, const float* next) {
    std::size_t count = 0, p = 0;
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (; p < k; p += 16) {
        const __mmask16 valid = static_cast<__mmask16>(k - p >= 16 ? 0xffffu : (1u << (k - p)) - 1u);
        __mmask16 nonzero = 0;
        for (int r = 0; r < R; ++r) {
            nonzero |= _mm512_mask_cmpneq_ps_mask(valid, _mm512_maskz_loadu_ps(valid, x + r * k + p), _mm512_setzero_ps());
            if (next) _mm_prefetch(reinterpret_cast<const char*>(next + r * k + p), _MM_HINT_T0);
        }
        const __m512i columns = _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<int>(p)));
        _mm512_mask_compressstoreu_epi32(active + count, nonzero, columns);
        count += static_cast<std::size_t>(__builtin_popcount(nonzero));
    }
    return count;
}

template <int R>
static void few_outputs_block(const float* x, std::size_t k, const float* wt, std::size_t n, float alpha,
                              float beta, float* c, std::uint32_t* active, const float* next) {
    const std::size_t count = nonzero_columns<R>(x, k, active, next);
    __m512 sum[R][2];
    for (int r = 0; r < R; ++r) sum[r][0] = sum[r][1] = _mm512_setzero_ps();
    for (std::size_t t = 0; t < count; ++t) {
        const std::size_t p = active[t];
        const __m512 w0 = _mm512_loadu_ps(wt + p * kFewOutputsMax), w1 = _mm512_loadu_ps(wt + p * kFewOutputsMax + 16);
        for (int r = 0; r < R; ++r) {
            const __m512 xv = _mm512_set1_ps(x[r * k + p]);
            sum[r][0] = _mm512_fmadd_ps(xv, w0, sum[r][0]);
            sum[r][1] = _mm512_fmadd_ps(xv, w1, sum[r][1]);
        }
    }
    // c = α sum + β c, 16 columns at a time; the mask keeps the n - 16h columns that exist.
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int h = 0; h < 2; ++h) {
        const std::size_t cols = n > 16u * h ? std::min<std::size_t>(16, n - 16u * h) : 0;
        const __mmask16 mask = static_cast<__mmask16>((1u << cols) - 1u);
        for (int r = 0; r < R; ++r) {
            float* out = c + r * n + 16 * h;
            __m512 v = _mm512_mul_ps(va, sum[r][h]);
            if (beta != 0.0f) v = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, out), v);
            _mm512_mask_storeu_ps(out, mask, v);
        }
    }
}

// c (m × n) = α a (m × k) bᵀ (b: n × k) + β c, for n ≤ 32.
static void gemm_few_outputs(float alpha, ConstMatrixView a, ConstMatrixView b, float beta, MatrixView c,
                             GemmScratch& scratch) {
    const std::size_t m = c.rows, n = c.cols, k = a.cols;
    std::vector<float>& wt = scratch.packed;  // bᵀ, padded with zeros to 32 columns
    wt.resize(k * kFewOutputsMax);
    for (std::size_t p = 0; p < k; ++p) {     // each row of bᵀ written once, its padding included
        float* row = wt.data() + p * kFewOutputsMax;
        for (std::size_t j = 0; j < kFewOutputsMax; ++j) row[j] = j < n ? b(j, p) : 0.0f;
    }
    std::vector<std::uint32_t>& active = scratch.columns;  // a block's nonzero columns
    active.resize(k + 16);                                   // (+16: slack for the compressing store)
    std::size_t i = 0;
    for (; i + 8 <= m; i += 8) {
        // The next 8 rows are fetched while these are multiplied (x is read from memory once).
        const float* next = i + 16 <= m ? a.row(i + 8) : nullptr;
        few_outputs_block<8>(a.row(i), k, wt.data(), n, alpha, beta, c.row(i), active.data(), next);
    }
    if (i == m) return;
    float* ci = c.row(i);
    const float* ai = a.row(i);
    switch (m - i) {
        case 1: few_outputs_block<1>(ai, k, wt.data(), n, alpha, beta, ci, active.data(), nullptr); break;
        case 2: few_outputs_block<2>(ai, k, wt.data(), n, alpha, beta, ci, active.data(), nullptr); break;
        case 3: few_outputs_block<3>(ai, k, wt.data(), n, alpha, beta, ci, active.data(), nullptr); break;
        case 4: few_outputs_block<4>(ai, k, wt.data(), n, alpha, beta, ci, active.data(), nullptr); break;
        case 5: few_outputs_block<5>(ai, k, wt.data(), n, alpha, beta, ci, active.data(), nullptr); break;
        case 6: few_outputs_block<6>(ai, k, wt.data(), n, alpha, beta, ci, active.data(), nullptr); break;
        case 7: few_outputs_block<7>(ai, k, wt.data(), n, alpha, beta, ci, active.data(), nullptr); break;
        default: break;
    }
}
#endif

void gemm(bool transpose_a, bool transpose_b, float alpha, ConstMatrixView a, ConstMatrixView b,
          float beta, MatrixView c, [[maybe_unused]] GemmScratch* scratch) {
    check_gemm_shapes(transpose_a, transpose_b, a, b, c);
    const int m = static_cast<int>(c.rows), n = static_cast<int>(c.cols);
    const int k = static_cast<int>(transpose_a ? a.rows : a.cols);
    if (m == 0 || n == 0) return;
#if defined(__AVX512F__)
    if (!transpose_a && transpose_b && c.cols <= kFewOutputsMax && c.rows >= kFewOutputsMinRows && k > 0) {
        GemmScratch local;
        gemm_few_outputs(alpha, a, b, beta, c, scratch ? *scratch : local);
        return;
    }
#endif
    cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, a.data, static_cast<int>(a.cols), b.data, static_cast<int>(b.cols), beta, c.data,
                static_cast<int>(c.cols));
}

void gemm_reference(bool transpose_a, bool transpose_b, float alpha, ConstMatrixView a, ConstMatrixView b,
                    float beta, MatrixView c) {
    check_gemm_shapes(transpose_a, transpose_b, a, b, c);
    const std::size_t k = transpose_a ? a.rows : a.cols;
    for (std::size_t i = 0; i < c.rows; ++i)
        for (std::size_t j = 0; j < c.cols; ++j) {
            double sum = 0.0;
            for (std::size_t p = 0; p < k; ++p) {
                float av = transpose_a ? a(p, i) : a(i, p);
                float bv = transpose_b ? b(j, p) : b(p, j);
                sum += static_cast<double>(av) * bv;
            }
            float old = beta == 0.0f ? 0.0f : beta * c(i, j);
            c(i, j) = alpha * static_cast<float>(sum) + old;
        }
}

void set_num_threads(int threads) {
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    openblas_set_num_threads(threads);
}

int num_threads() { return openblas_get_num_threads(); }

}  // namespace digitnet

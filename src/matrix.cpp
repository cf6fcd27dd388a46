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

#include "blas_core.hpp"
#include "gemm_skip_zeros.hpp"
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

void gemm(bool transpose_a, bool transpose_b, float alpha, ConstMatrixView a, ConstMatrixView b,
          float beta, MatrixView c, GemmScratch* scratch) {
    check_gemm_shapes(transpose_a, transpose_b, a, b, c);
    const int m = static_cast<int>(c.rows), n = static_cast<int>(c.cols);
    const int k = static_cast<int>(transpose_a ? a.rows : a.cols);
    if (m == 0 || n == 0) return;
    // z = x Wᵀ over many rows of mostly-zero x, and ∂C/∂W = deltaᵀ x for such x: digitnet's own
    // products (gemm_skip_zeros.cpp).
    GemmScratch local;
    if (!transpose_a && transpose_b &&
        gemm_skip_zeros(alpha, a, b, beta, c, scratch ? *scratch : local, num_threads()))
        return;
    if (transpose_a && !transpose_b && beta == 0.0f &&
        gemm_skip_zeros_weight_gradient(alpha, a, b, c, scratch ? *scratch : local, num_threads()))
        return;
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

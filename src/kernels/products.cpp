// The matrix products, and which kernel computes each: digitnet's zero-skipping products
// (gemm_skip_zeros.cpp) where they beat sgemm, OpenBLAS's sgemm everywhere else.
//   A Bᵀ with at least 128 rows, A mostly zeros or C at most 32 columns: a layer's forward pass;
//   Aᵀ B with beta = 0, B mostly zeros with at least 32 rows and 128 columns: a layer's weight
//   gradient over a mini-batch of images.
// gemm_reference is the same product in plain loops: slow, obviously correct, what tests compare with.
#include <cblas.h>

#include <string>

#include "digitnet/error.hpp"
#include "digitnet/matrix.hpp"
#include "kernels/blas_core.hpp"
#include "kernels/gemm_skip_zeros.hpp"

namespace digitnet {

// OpenBLAS's AVX-512 kernels wherever the CPU has AVX-512 (blas_core.cpp), before main(): every
// program that multiplies matrices links this file.
static const bool fast_blas_kernels_chosen = choose_fast_blas_kernels();

ProductWorkspace::ProductWorkspace() = default;
ProductWorkspace::~ProductWorkspace() = default;
ProductWorkspace::ProductWorkspace(const ProductWorkspace&) {}
ProductWorkspace& ProductWorkspace::operator=(const ProductWorkspace&) { return *this; }
ProductWorkspace::ProductWorkspace(ProductWorkspace&&) noexcept = default;
ProductWorkspace& ProductWorkspace::operator=(ProductWorkspace&&) noexcept = default;

ProductWorkspace::Impl& ProductWorkspace::impl() {
    if (!impl_) impl_ = std::make_unique<Impl>();
    return *impl_;
}

static void check_gemm_shapes(bool ta, bool tb, ConstMatrixView a, ConstMatrixView b, MatrixView c) {
    std::size_t m = ta ? a.cols : a.rows, k = ta ? a.rows : a.cols;
    std::size_t kb = tb ? b.cols : b.rows, n = tb ? b.rows : b.cols;
    if (k != kb || c.rows != m || c.cols != n)
        throw Error("gemm: shapes do not agree: op(A) is " + std::to_string(m) + "x" + std::to_string(k) +
                    ", op(B) is " + std::to_string(kb) + "x" + std::to_string(n) + ", C is " +
                    std::to_string(c.rows) + "x" + std::to_string(c.cols));
}

// C = alpha op(A) op(B) + beta C, by whichever kernel is fastest for the shape.
static void product(bool transpose_a, bool transpose_b, float alpha, ConstMatrixView a, ConstMatrixView b,
                    float beta, MatrixView c, GemmScratch& scratch) {
    check_gemm_shapes(transpose_a, transpose_b, a, b, c);
    const int m = static_cast<int>(c.rows), n = static_cast<int>(c.cols);
    const int k = static_cast<int>(transpose_a ? a.rows : a.cols);
    if (m == 0 || n == 0) return;
    // z = x Wᵀ over many rows of mostly-zero x, and ∂C/∂W = deltaᵀ x for such x: digitnet's own
    // products (gemm_skip_zeros.cpp).
    if (!transpose_a && transpose_b && gemm_skip_zeros(alpha, a, b, beta, c, scratch, num_threads())) return;
    if (transpose_a && !transpose_b && beta == 0.0f &&
        gemm_skip_zeros_weight_gradient(alpha, a, b, c, scratch, num_threads()))
        return;
    cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, a.data, static_cast<int>(a.cols), b.data, static_cast<int>(b.cols), beta, c.data,
                static_cast<int>(c.cols));
}

void gemm(bool transpose_a, bool transpose_b, float alpha, ConstMatrixView a, ConstMatrixView b, float beta,
          MatrixView c) {
    GemmScratch scratch;
    product(transpose_a, transpose_b, alpha, a, b, beta, c, scratch);
}

void matmul_xWt(ConstMatrixView x, ConstMatrixView weights, MatrixView z, ProductWorkspace& workspace) {
    product(false, true, 1.0f, x, weights, 0.0f, z, workspace.impl().scratch);
}

void matmul_add_xWt(ConstMatrixView x, ConstMatrixView weights, MatrixView z, ProductWorkspace& workspace) {
    product(false, true, 1.0f, x, weights, 1.0f, z, workspace.impl().scratch);
}

void matmul_deltaT_x(float scale, ConstMatrixView delta, ConstMatrixView x, MatrixView grad_weights,
                     ProductWorkspace& workspace) {
    product(true, false, scale, delta, x, 0.0f, grad_weights, workspace.impl().scratch);
}

void matmul_delta_W(ConstMatrixView delta, ConstMatrixView weights, MatrixView grad_x) {
    GemmScratch unused;  // delta W is never over mostly-zero rows: sgemm
    product(false, false, 1.0f, delta, weights, 0.0f, grad_x, unused);
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

}  // namespace digitnet

#pragma once
// The product digitnet computes itself instead of calling sgemm: z = x Wᵀ for many rows of x
// that are mostly 0 (handwritten digits on a blank background), skipping what adds nothing.
// Internal to the library; the products in products.cpp decide when to use it.
#include <cstdint>
#include <vector>

#include "digitnet/matrix.hpp"

namespace digitnet {

// The skipping products' working memory: Wᵀ packed, the columns of A in use, bit masks.
struct GemmScratch {
    std::vector<float> packed;
    std::vector<std::uint32_t> columns;
    std::vector<std::uint16_t> masks;  // which entries of x are not 0, for the weight gradient
    std::vector<float> product;     // rows of (∂C/∂W)ᵀ before they are transposed into place
    std::vector<float> partial;     // sums between slices of the depth
};

// What a ProductWorkspace (matrix.hpp) holds.
struct ProductWorkspace::Impl {
    GemmScratch scratch;
};

// c (m × n) = alpha · a (m × k) · bᵀ (b: n × k) + beta · c, on `threads` threads.
// Returns false, having done nothing, where it would not beat sgemm: no AVX-512, fewer than 128
// rows, or (above 32 columns of c) an `a` whose first rows are less than half zeros. Rows are
// shared among the threads only from 512 rows and 40 million multiply-adds (dense count) on.
bool gemm_skip_zeros(float alpha, ConstMatrixView a, ConstMatrixView b, float beta, MatrixView c,
                     GemmScratch& scratch, int threads);

// c (n × k) = alpha · deltaᵀ (delta: batch × n) · x (batch × k): a layer's weight gradient, with x
// mostly zeros. Computed as (xᵀ · alpha delta)ᵀ by the same zero-skipping product over blocks of
// x's columns (the pixels), each with the examples that have ink there (from bit masks of x's
// nonzeros; x is never transposed). Returns false, having done nothing, without AVX-512, below 128
// columns or 32 rows of x, or when x's first rows are less than half zeros.
bool gemm_skip_zeros_weight_gradient(float alpha, ConstMatrixView delta, ConstMatrixView x, MatrixView c,
                                     GemmScratch& scratch, int threads);

// Whether the library was built with these products (AVX-512 F and BW at compile time); without
// them every product is sgemm.
bool skipping_products_built();

}  // namespace digitnet

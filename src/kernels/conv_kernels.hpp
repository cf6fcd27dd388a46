#pragma once
// Inside the library: the convolution's fast path (conv_kernels.cpp). Each image's receptive
// fields become the columns of a (C·kh·kw, P) matrix (im2col, Caffe's layout), so that the
// filters times that matrix is the image's F output planes, already in image_shape.hpp's layout:
//   out_b (F, P) = W (F, K) · columns_b (K, P) + b       K = C·kh·kw, P = out_rows·out_cols
// The images of a mini-batch are shared between threads (parallel.hpp: the pool's, when given),
// each product one sgemm, or one of digitnet's own below where that makes the same adds faster.
#include <cstddef>

#include "digitnet/conv.hpp"

namespace digitnet {

// columns row (c·kh + ky)·kw + kx, column oy·out_cols + ox
//   = image(c, oy·s + ky - pad_top, ox·s + kx - pad_left), or 0 where that is in the padding.
// image: C·H·W floats, columns: K·P floats.
void im2col(const float* image, const ConvGeometry& g, float* columns);
// The adjoint: grad_image = 0, then every column value added where im2col took it from.
void col2im(const float* columns, const ConvGeometry& g, float* grad_image);

// grad_columns (K, P) = Wᵀ (K, F) · δ (F, P), W stored (F, K): each element the chain
//   acc ← fma(W(f, k), δ(f, p), acc) for f = 0, 1, …, F-1, from acc = 0,
// which is the order in which OpenBLAS's sgemm kernels make this product, so that replacing the
// sgemm here changed no trained byte (docs/performance.md); without its per-call packing.
void weights_t_times_delta(const float* weights, const float* delta, std::size_t F, std::size_t K, std::size_t P,
                           float* grad_columns);

// im2col's transpose, for stride 1 without padding (`same` padding copied out first): row
// p = oy·out_cols + ox of rows (P, K) is position p's receptive field, in the order of a column of
// im2col, (c·kh + ky)·kw + kx.
void im2row(const float* image, const ConvGeometry& g, float* rows);

// gw (F, K) = δ (F, P) · rows (P, K), or gw + that when `accumulate`, δ given transposed
// (delta_t: (P, F)): each element the chain acc ← fma(δ(f, p), rows(p, k), acc) for
// p = 0, 1, …, P-1 from acc = 0, then at most one add; register-blocked, without packing.
void delta_times_rows(const float* delta_t, const float* rows, std::size_t F, std::size_t K, std::size_t P,
                      bool accumulate, float* gw);

// Whether conv_backward makes a layer's weight gradient δ·columnsᵀ with im2row and
// delta_times_rows instead of im2col and sgemm: where OpenBLAS's own product is that same chain,
// measured on this machine for patches of more than one channel and depths P up to its block
// of 448 (docs/performance.md), so that the presets' trained bytes stay what they were; and
// only with AVX-512.
bool own_weight_gradient(const ConvGeometry& g);

// x: (batch, C·H·W) -> out: (batch, F·P), sized by the caller. biases null: no bias.
// columns is scratch, sized here: (chunks, K·P + a padded image when `same` padding is copied out),
// one image's receptive fields per chunk. A kernel that covers its whole input without padding (one
// position: a dense layer, LeNet-5's third convolution) is one sgemm over the batch, z = x Wᵀ + b,
// and needs no scratch.
void conv_forward(ConstMatrixView x, const ConvGeometry& g, ConstMatrixView weights, const float* biases,
                  Matrix& columns, MatrixView out, WorkerPool* workers);

// x: the forward pass's input, grad_out = δ: (batch, F·P). OVERWRITES
//   grad_weights = scale Σ_b δ_b columns_bᵀ, grad_biases = scale Σ_b Σ_p δ_b(·, p),
//   and, when grad_x is not null, grad_x_b = col2im(Wᵀ δ_b).
// Each image's receptive fields are made again (im2col of x, or im2row where own_weight_gradient).
// A kernel that covers its whole input: grad_weights = scale δᵀ x and grad_x = δ W, one sgemm each.
// columns, the parts and grad_columns are scratch, sized here: (chunks, K·P + padded image, + F·P
// for δ_bᵀ where own_weight_gradient), (chunks, F·K), (chunks, 2·F), (chunks, K·P).
void conv_backward(ConstMatrixView x, const ConvGeometry& g, ConstMatrixView weights, ConstMatrixView grad_out,
                   float scale, MatrixView grad_weights, float* grad_biases, MatrixView* grad_x, Matrix& columns,
                   Matrix& grad_weight_parts, Matrix& grad_bias_parts, Matrix& grad_columns, WorkerPool* workers);

}  // namespace digitnet

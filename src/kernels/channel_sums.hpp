#pragma once
// Batch normalisation's sums over one channel after a convolution (nn/batch_norm.cpp). The channel
// has one run of `len` values per example: run r starts at v + r·stride. Each run is summed on its
// own, in a fixed order that does not depend on the machine, and the runs' sums are added in the
// order of the examples, so the results are the same bits with or without AVX-512 and with any
// number of threads. The AVX-512 versions sum four examples' runs side by side; the `_reference`
// versions are the plain loops that define the order, and tests compare the two bit for bit.
#include <cstddef>

namespace digitnet {

// Σ_r Σ_k (v_rk − centre), or Σ_r Σ_k (v_rk − centre)² with `square`, in double. One run: eight
// lanes, lane l summing k = l, l+8, ... (fused multiply-adds for the squares); the last len mod 8
// values summed first, from zero; then lanes 0 to 7 added to that in order.
double channel_sum(const float* v, std::size_t stride, std::size_t rows, std::size_t len, float centre, bool square);
double channel_sum_reference(const float* v, std::size_t stride, std::size_t rows, std::size_t len, float centre,
                             bool square);

// Σ_r Σ_k δ_rk and Σ_r Σ_k δ_rk ẑ_rk in float, with ẑ = (x − mean) · inv_std recomputed from the
// layer's input x (same stride). One run: sixteen lanes, lane l summing k = l, l+16, ... (δ ẑ as
// fused multiply-adds); the last len mod 16 values summed first, from zero; then lanes 0 to 15
// added in order.
void channel_delta_sums(const float* delta, const float* x, std::size_t stride, std::size_t rows, std::size_t len,
                        float mean, float inv_std, float* sum_delta, float* sum_delta_zhat);
void channel_delta_sums_reference(const float* delta, const float* x, std::size_t stride, std::size_t rows,
                                  std::size_t len, float mean, float inv_std, float* sum_delta,
                                  float* sum_delta_zhat);

}  // namespace digitnet

#include "kernels/channel_sums.hpp"

#include <cmath>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace digitnet {

namespace {

// A run's last values, k from `body` to len, summed from zero (the first step of a run's sum).
double tail_sum(const float* v, std::size_t body, std::size_t len, double centre, bool square) {
    double sum = 0.0;
    for (std::size_t k = body; k < len; ++k) {
        const double d = static_cast<double>(v[k]) - centre;
        sum = square ? std::fma(d, d, sum) : sum + d;
    }
    return sum;
}

void tail_delta_sums(const float* d, const float* x, std::size_t body, std::size_t len, float mean, float inv_std,
                     float& sum_delta, float& sum_delta_zhat) {
    sum_delta = 0.0f;
    sum_delta_zhat = 0.0f;
    for (std::size_t k = body; k < len; ++k) {
        sum_delta += d[k];
        sum_delta_zhat = std::fma(d[k], (x[k] - mean) * inv_std, sum_delta_zhat);
    }
}

// One run's sum in the reference order (channel_sums.hpp).
double run_sum(const float* v, std::size_t len, double centre, bool square) {
    double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const std::size_t body = len - len % 8;
    for (std::size_t k = 0; k < body; k += 8)
        for (std::size_t l = 0; l < 8; ++l) {
            const double d = static_cast<double>(v[k + l]) - centre;
            lanes[l] = square ? std::fma(d, d, lanes[l]) : lanes[l] + d;
        }
    double sum = tail_sum(v, body, len, centre, square);
    for (double lane : lanes) sum += lane;
    return sum;
}

void run_delta_sums(const float* d, const float* x, std::size_t len, float mean, float inv_std, float& sum_delta,
                    float& sum_delta_zhat) {
    float lanes_delta[16] = {}, lanes_delta_zhat[16] = {};
    const std::size_t body = len - len % 16;
    for (std::size_t k = 0; k < body; k += 16)
        for (std::size_t l = 0; l < 16; ++l) {
            const float z_hat = (x[k + l] - mean) * inv_std;
            lanes_delta[l] += d[k + l];
            lanes_delta_zhat[l] = std::fma(d[k + l], z_hat, lanes_delta_zhat[l]);
        }
    tail_delta_sums(d, x, body, len, mean, inv_std, sum_delta, sum_delta_zhat);
    for (std::size_t l = 0; l < 16; ++l) {
        sum_delta += lanes_delta[l];
        sum_delta_zhat += lanes_delta_zhat[l];
    }
}

}  // namespace

double channel_sum_reference(const float* v, std::size_t stride, std::size_t rows, std::size_t len, float centre,
                             bool square) {
    double sum = 0.0;
    for (std::size_t r = 0; r < rows; ++r) sum += run_sum(v + r * stride, len, centre, square);
    return sum;
}

void channel_delta_sums_reference(const float* delta, const float* x, std::size_t stride, std::size_t rows,
                                  std::size_t len, float mean, float inv_std, float* sum_delta,
                                  float* sum_delta_zhat) {
    float total_delta = 0.0f, total_delta_zhat = 0.0f;
    for (std::size_t r = 0; r < rows; ++r) {
        float s_delta, s_delta_zhat;
        run_delta_sums(delta + r * stride, x + r * stride, len, mean, inv_std, s_delta, s_delta_zhat);
        total_delta += s_delta;
        total_delta_zhat += s_delta_zhat;
    }
    *sum_delta = total_delta;
    *sum_delta_zhat = total_delta_zhat;
}

#if defined(__AVX512F__)

namespace {

// Adds a run's lanes to its tail sum in the reference order.
inline double add_lanes(double sum, __m512d lanes) {
    alignas(64) double l[8];
    _mm512_store_pd(l, lanes);
    for (double lane : l) sum += lane;
    return sum;
}

inline float add_lanes(float sum, __m512 lanes) {
    alignas(64) float l[16];
    _mm512_store_ps(l, lanes);
    for (float lane : l) sum += lane;
    return sum;
}

}  // namespace

double channel_sum(const float* v, std::size_t stride, std::size_t rows, std::size_t len, float centre, bool square) {
    if (len < 8) return channel_sum_reference(v, stride, rows, len, centre, square);
    double sum = 0.0;
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        // four runs side by side: four independent chains of adds, so one run's latency hides another's
        const float* four = v + r * stride;
        const __m512d c = _mm512_set1_pd(static_cast<double>(centre));
        __m512d acc[4] = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd()};
        const std::size_t body = len - len % 8;
        for (std::size_t k = 0; k < body; k += 8)
            for (int i = 0; i < 4; ++i) {
                const __m512d d = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(four + i * stride + k)), c);
                acc[i] = square ? _mm512_fmadd_pd(d, d, acc[i]) : _mm512_add_pd(acc[i], d);
            }
        for (int i = 0; i < 4; ++i) sum += add_lanes(tail_sum(four + i * stride, body, len, centre, square), acc[i]);
    }
    for (; r < rows; ++r) sum += run_sum(v + r * stride, len, centre, square);
    return sum;
}

void channel_delta_sums(const float* delta, const float* x, std::size_t stride, std::size_t rows, std::size_t len,
                        float mean, float inv_std, float* sum_delta, float* sum_delta_zhat) {
    if (len < 16) return channel_delta_sums_reference(delta, x, stride, rows, len, mean, inv_std, sum_delta, sum_delta_zhat);
    const __m512 m = _mm512_set1_ps(mean), is = _mm512_set1_ps(inv_std);
    const std::size_t body = len - len % 16;
    float total_delta = 0.0f, total_delta_zhat = 0.0f;
    std::size_t r = 0;
    for (; r + 4 <= rows; r += 4) {
        __m512 acc_delta[4], acc_delta_zhat[4];
        for (int i = 0; i < 4; ++i) acc_delta[i] = acc_delta_zhat[i] = _mm512_setzero_ps();
        const float* d4 = delta + r * stride;
        const float* x4 = x + r * stride;
        for (std::size_t k = 0; k < body; k += 16)
            for (int i = 0; i < 4; ++i) {
                const __m512 d = _mm512_loadu_ps(d4 + i * stride + k);
                const __m512 z_hat = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(x4 + i * stride + k), m), is);
                acc_delta[i] = _mm512_add_ps(acc_delta[i], d);
                acc_delta_zhat[i] = _mm512_fmadd_ps(d, z_hat, acc_delta_zhat[i]);
            }
        for (int i = 0; i < 4; ++i) {
            float s_delta, s_delta_zhat;
            tail_delta_sums(d4 + i * stride, x4 + i * stride, body, len, mean, inv_std, s_delta, s_delta_zhat);
            total_delta += add_lanes(s_delta, acc_delta[i]);
            total_delta_zhat += add_lanes(s_delta_zhat, acc_delta_zhat[i]);
        }
    }
    for (; r < rows; ++r) {
        float s_delta, s_delta_zhat;
        run_delta_sums(delta + r * stride, x + r * stride, len, mean, inv_std, s_delta, s_delta_zhat);
        total_delta += s_delta;
        total_delta_zhat += s_delta_zhat;
    }
    *sum_delta = total_delta;
    *sum_delta_zhat = total_delta_zhat;
}

#else

double channel_sum(const float* v, std::size_t stride, std::size_t rows, std::size_t len, float centre, bool square) {
    return channel_sum_reference(v, stride, rows, len, centre, square);
}

void channel_delta_sums(const float* delta, const float* x, std::size_t stride, std::size_t rows, std::size_t len,
                        float mean, float inv_std, float* sum_delta, float* sum_delta_zhat) {
    channel_delta_sums_reference(delta, x, stride, rows, len, mean, inv_std, sum_delta, sum_delta_zhat);
}

#endif

}  // namespace digitnet

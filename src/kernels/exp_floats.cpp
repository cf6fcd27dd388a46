// e^x as glibc's expf computes it (sysdeps/ieee754/flt-32/e_expf.c, Szabolcs Nagy's algorithm),
// in double precision, 8 lanes at a time:
//
//   x · 32/ln 2 = k + r, k an integer (rounded by adding and subtracting 1.5 · 2^52), |r| ≤ 1/2
//   e^x = 2^(k/32) · 2^(r/32) ≈ s · (C0 r³ + C1 r² + C2 r + 1),  s = 2^(k/32) from a table of
//   the 32 values 2^(i/32) with k / 32 added to the exponent bits, then rounded once to float.
//
// Each step is the same operation glibc's FMA build performs (three fused multiply-adds), so the
// result is the same float: checked for every float in [-104, 88] (2.2 billion values), and by a
// test on a sample of them.
#include "kernels/exp_floats.hpp"

#include <cmath>
#include <cstdint>

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#endif

namespace digitnet {

#if defined(__AVX512F__) && defined(__AVX512DQ__)
namespace {

// The bits of 2^(i/32), less i << 47 (the part of k that the exponent bits add back).
constexpr std::uint64_t kTable[32] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
    0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
    0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
    0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
    0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
    0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
};
constexpr double kInvLn2Scaled = 0x1.71547652b82fep+0 * 32;  // 32 / ln 2
constexpr double kShift = 0x1.8p+52;                          // 1.5 · 2^52: rounds to an integer
constexpr double kC0 = 0x1.c6af84b912394p-5 / 32 / 32 / 32;
constexpr double kC1 = 0x1.ebfce50fac4f3p-3 / 32 / 32;
constexpr double kC2 = 0x1.62e42ff0c52d6p-1 / 32;

// e^x for 8 floats, in double precision.
__m256 exp8(__m256 x) {
    const __m512d z = _mm512_mul_pd(_mm512_set1_pd(kInvLn2Scaled), _mm512_cvtps_pd(x));
    __m512d kd = _mm512_add_pd(z, _mm512_set1_pd(kShift));
    const __m512i ki = _mm512_castpd_si512(kd);  // k in the low bits
    kd = _mm512_sub_pd(kd, _mm512_set1_pd(kShift));
    const __m512d r = _mm512_sub_pd(z, kd);
    // s = 2^(k/32): the table's entry for k mod 32, with k's bits shifted into the exponent.
    __m512i t = _mm512_i64gather_epi64(_mm512_and_si512(ki, _mm512_set1_epi64(31)), kTable, 8);
    t = _mm512_add_epi64(t, _mm512_slli_epi64(ki, 47));
    const __m512d s = _mm512_castsi512_pd(t);
    const __m512d c01 = _mm512_fmadd_pd(_mm512_set1_pd(kC0), r, _mm512_set1_pd(kC1));
    const __m512d r2 = _mm512_mul_pd(r, r);
    __m512d y = _mm512_fmadd_pd(_mm512_set1_pd(kC2), r, _mm512_set1_pd(1.0));
    y = _mm512_fmadd_pd(c01, r2, y);
    return _mm512_cvtpd_ps(_mm512_mul_pd(y, s));
}

}  // namespace

void exp_floats(const float* x, float* out, std::size_t n) {
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m512 v = _mm512_loadu_ps(x + i);
        // Every lane inside [-103, 88] (NaN is not): the vector path; else std::exp one by one.
        const __mmask16 inside = _mm512_cmp_ps_mask(v, _mm512_set1_ps(-103.0f), _CMP_GE_OQ) &
                                 _mm512_cmp_ps_mask(v, _mm512_set1_ps(88.0f), _CMP_LE_OQ);
        if (inside != 0xffff) {
            for (std::size_t j = i; j < i + 16; ++j) out[j] = std::exp(x[j]);
            continue;
        }
        const __m256 low = exp8(_mm512_castps512_ps256(v));
        const __m256 high = exp8(_mm512_extractf32x8_ps(v, 1));
        _mm512_storeu_ps(out + i, _mm512_insertf32x8(_mm512_castps256_ps512(low), high, 1));
    }
    for (; i < n; ++i) out[i] = std::exp(x[i]);
}

#else

void exp_floats(const float* x, float* out, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) out[i] = std::exp(x[i]);
}

#endif

}  // namespace digitnet

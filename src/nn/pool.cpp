// Max and average pooling (pool.hpp).
#include "digitnet/pool.hpp"

#include <algorithm>
#include <string>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "digitnet/error.hpp"
#include "kernels/parallel.hpp"

namespace digitnet {

ImageShape pool_output_shape(ImageShape in, std::size_t window, std::size_t stride) {
    if (window == 0 || stride == 0) throw Error("pooling: a window or stride of 0");
    if (window > in.rows || window > in.cols)
        throw Error("pooling: a " + std::to_string(window) + "×" + std::to_string(window) +
                    " window is larger than its input " + in.describe());
    return {in.channels, (in.rows - window) / stride + 1, (in.cols - window) / stride + 1};
}

#if defined(__AVX512F__)
// For rows of at most 16 blocks of 2 (the loops below are too short for the compiler's vectors):
// the 2·n floats from `row` as their even and odd lanes, even[i] = row[2i], odd[i] = row[2i + 1].
static inline void even_and_odd(const float* row, std::size_t n, __m512& even, __m512& odd) {
    const std::size_t m = 2 * n;
    const __mmask16 m0 = static_cast<__mmask16>(m >= 16 ? 0xFFFFu : (1u << m) - 1);
    const __mmask16 m1 = static_cast<__mmask16>(m > 16 ? (1u << (m - 16)) - 1 : 0u);
    const __m512 lo = _mm512_maskz_loadu_ps(m0, row), hi = _mm512_maskz_loadu_ps(m1, row + 16);
    const __m512i evens = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odds = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    even = _mm512_permutex2var_ps(lo, evens, hi);
    odd = _mm512_permutex2var_ps(lo, odds, hi);
}

// std::max(a, b) lane by lane, the same value in every case: a unless a < b.
static inline __m512 max_as_std(__m512 a, __m512 b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(a, b, _CMP_LT_OQ), a, b);
}

// v's lanes in the order idx gives (permutexvar's, through permutex2var: GCC 12's permutexvar
// warns of an uninitialised operand it never reads).
static inline __m512 permute_pairs(__m512i idx, __m512 v) { return _mm512_permutex2var_ps(v, idx, v); }

static inline __mmask16 first_lanes(std::size_t n) {
    return static_cast<__mmask16>(n >= 16 ? 0xFFFFu : (1u << n) - 1);
}
#endif

// Whether 2×2 blocks of stride 2 over `out_cols` outputs a row take the vector path above.
static bool narrow_2x2(std::size_t window, std::size_t stride, std::size_t out_cols) {
#if defined(__AVX512F__)
    return window == 2 && stride == 2 && out_cols <= 16;
#else
    (void)window, (void)stride, (void)out_cols;
    return false;
#endif
}

MaxPool2d::MaxPool2d(ImageShape in_, std::size_t window_, std::size_t stride_)
    : Layer(in_, pool_output_shape(in_, window_, stride_)), window(window_), stride(stride_) {}

void MaxPool2d::forward(ConstMatrixView x, bool, Rng*) {
    // x: (batch, C·H·W) -> output: (batch, C·out_rows·out_cols); a = max over each block
    output.resize(x.rows, out.size());
    const std::size_t H = in.rows, W = in.cols, OH = out.rows, OW = out.cols;
    for_image_ranges(workers, x.rows, [&](std::size_t first, std::size_t last) {
    for (std::size_t b = first; b < last; ++b)
        for (std::size_t c = 0; c < in.channels; ++c) {
            const float* plane = x.row(b) + c * H * W;
            float* o = output.row(b) + c * OH * OW;
#if defined(__AVX512F__)
            if (narrow_2x2(window, stride, OW)) {  // each row of outputs one vector, the same maxima
                for (std::size_t oy = 0; oy < OH; ++oy, o += OW) {
                    __m512 e0, o0, e1, o1;
                    even_and_odd(plane + 2 * oy * W, OW, e0, o0);
                    even_and_odd(plane + (2 * oy + 1) * W, OW, e1, o1);
                    _mm512_mask_storeu_ps(o, first_lanes(OW), max_as_std(max_as_std(e0, o0), max_as_std(e1, o1)));
                }
                continue;
            }
#endif
            if (window == 2 && stride == 2) {  // the common case, in a loop the compiler vectorises
                for (std::size_t oy = 0; oy < OH; ++oy, o += OW) {
                    const float* r0 = plane + 2 * oy * W;
                    const float* r1 = r0 + W;
                    for (std::size_t ox = 0; ox < OW; ++ox)
                        o[ox] = std::max(std::max(r0[2 * ox], r0[2 * ox + 1]), std::max(r1[2 * ox], r1[2 * ox + 1]));
                }
                continue;
            }
            for (std::size_t oy = 0; oy < OH; ++oy, o += OW)
                for (std::size_t ox = 0; ox < OW; ++ox) {
                    float best = plane[oy * stride * W + ox * stride];
                    for (std::size_t ky = 0; ky < window; ++ky)
                        for (std::size_t kx = 0; kx < window; ++kx)
                            best = std::max(best, plane[(oy * stride + ky) * W + ox * stride + kx]);
                    o[ox] = best;
                }
        }
    });
}

// One row of 2×2 blocks (stride 2) in max-pooling's backward pass: each block's gradient goes to
// the first of its four (reading order: r0[2i], r0[2i+1], r1[2i], r1[2i+1]) equal to its output
// `best`, the others get 0. r0, r1, g0 = gx, g1 = gx + W: the two input rows and their gradients.
static void route_to_max_2x2(const float* r0, const float* best, const float* grad, float* gx, std::size_t W,
                             std::size_t n) {
    const float* r1 = r0 + W;
    float* g0 = gx;
    float* g1 = gx + W;
    std::size_t i = 0;
#if defined(__AVX512F__)
    // 8 blocks at a time: the outputs and gradients duplicated onto both lanes of their block
    const __m512i pairs = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
    const __mmask16 even = 0x5555, odd = 0xAAAA;
    for (; i < n; i += 8) {
        const std::size_t blocks = std::min<std::size_t>(8, n - i);
        const __mmask16 out_mask = static_cast<__mmask16>((1u << blocks) - 1);
        const __mmask16 in_mask = static_cast<__mmask16>((1u << (2 * blocks)) - 1);
        const __m512 b = permute_pairs(pairs, _mm512_maskz_loadu_ps(out_mask, best + i));
        const __m512 d = permute_pairs(pairs, _mm512_maskz_loadu_ps(out_mask, grad + i));
        const __mmask16 eq0 = _mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(in_mask, r0 + 2 * i), b, _CMP_EQ_OQ);
        const __mmask16 eq1 = _mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(in_mask, r1 + 2 * i), b, _CMP_EQ_OQ);
        const unsigned at00 = eq0 & even;
        const unsigned at01 = eq0 & odd & ~(at00 << 1);
        const unsigned row0 = at00 | (at01 >> 1);           // per block, on its even lane: found in r0
        const unsigned taken0 = row0 | (row0 << 1);
        const unsigned at10 = eq1 & even & ~taken0;
        const unsigned at11 = odd & ~((row0 | at10) << 1);  // the last one, when no other was equal
        _mm512_mask_storeu_ps(g0 + 2 * i, in_mask, _mm512_maskz_mov_ps(static_cast<__mmask16>(at00 | at01), d));
        _mm512_mask_storeu_ps(g1 + 2 * i, in_mask, _mm512_maskz_mov_ps(static_cast<__mmask16>(at10 | at11), d));
    }
#endif
    for (; i < n; ++i) {
        const bool at00 = r0[2 * i] == best[i];
        const bool at01 = !at00 && r0[2 * i + 1] == best[i];
        const bool at10 = !at00 && !at01 && r1[2 * i] == best[i];
        const bool at11 = !at00 && !at01 && !at10;
        g0[2 * i] = at00 ? grad[i] : 0.0f;
        g0[2 * i + 1] = at01 ? grad[i] : 0.0f;
        g1[2 * i] = at10 ? grad[i] : 0.0f;
        g1[2 * i + 1] = at11 ? grad[i] : 0.0f;
    }
}

#if defined(__AVX512F__)
// A whole row of n ≤ 16 blocks (2×2, stride 2) at once, the same choice as route_to_max_2x2: the
// four candidates of every block as four vectors (the even and odd lanes of the two input rows), the
// first equal to the block's output found lane by lane in mask registers, the gradients then put
// back between each other, two permutes per input row.
static void route_to_max_narrow(const float* r0, const float* best, const float* grad, float* gx, std::size_t W,
                                std::size_t n) {
    __m512 e0, o0, e1, o1;
    even_and_odd(r0, n, e0, o0);
    even_and_odd(r0 + W, n, e1, o1);
    const __mmask16 lanes = first_lanes(n);
    const __m512 b = _mm512_maskz_loadu_ps(lanes, best), d = _mm512_maskz_loadu_ps(lanes, grad);
    const __mmask16 at00 = _mm512_mask_cmp_ps_mask(lanes, e0, b, _CMP_EQ_OQ);
    const __mmask16 at01 = _mm512_mask_cmp_ps_mask(static_cast<__mmask16>(lanes & ~at00), o0, b, _CMP_EQ_OQ);
    const __mmask16 row0 = static_cast<__mmask16>(at00 | at01);
    const __mmask16 at10 = _mm512_mask_cmp_ps_mask(static_cast<__mmask16>(lanes & ~row0), e1, b, _CMP_EQ_OQ);
    const __mmask16 at11 = static_cast<__mmask16>(lanes & ~(row0 | at10));  // the last one, when no other was equal
    // lane 2i of a gradient row from lane i of the even vector, lane 2i + 1 from lane i of the odd one
    const __m512i low = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i high = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
    const __m512 g00 = _mm512_maskz_mov_ps(at00, d), g01 = _mm512_maskz_mov_ps(at01, d);
    const __m512 g10 = _mm512_maskz_mov_ps(at10, d), g11 = _mm512_maskz_mov_ps(at11, d);
    const std::size_t m = 2 * n;
    const __mmask16 m0 = first_lanes(m), m1 = static_cast<__mmask16>(m > 16 ? (1u << (m - 16)) - 1 : 0u);
    _mm512_mask_storeu_ps(gx, m0, _mm512_permutex2var_ps(g00, low, g01));
    _mm512_mask_storeu_ps(gx + W, m0, _mm512_permutex2var_ps(g10, low, g11));
    if (m1) {
        _mm512_mask_storeu_ps(gx + 16, m1, _mm512_permutex2var_ps(g00, high, g01));
        _mm512_mask_storeu_ps(gx + W + 16, m1, _mm512_permutex2var_ps(g10, high, g11));
    }
}
#endif

void MaxPool2d::backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) {
    // x: the forward pass's input, grad_output: (batch, C·out_rows·out_cols); overwrites *grad_x:
    // (batch, C·H·W). Each block's maximum is found again: the first element, in reading order,
    // equal to the block's output.
    if (!grad_x) return;
    grad_x->resize(x.rows, x.cols);
    const std::size_t H = in.rows, W = in.cols, OH = out.rows, OW = out.cols;
    const bool tiled = window == 2 && stride == 2 && H == 2 * OH && W == 2 * OW;  // every x in one block
    for_image_ranges(workers, x.rows, [&](std::size_t first, std::size_t last) {
    if (!tiled) std::fill(grad_x->row(first), grad_x->row(first) + (last - first) * x.cols, 0.0f);
    for (std::size_t b = first; b < last; ++b)
        for (std::size_t c = 0; c < in.channels; ++c) {
            const float* plane = x.row(b) + c * H * W;
            const float* a = output.row(b) + c * OH * OW;
            const float* g = grad_output.row(b) + c * OH * OW;
            float* gx = grad_x->row(b) + c * H * W;
#if defined(__AVX512F__)
            if (tiled && narrow_2x2(window, stride, OW)) {
                for (std::size_t oy = 0; oy < OH; ++oy)
                    route_to_max_narrow(plane + 2 * oy * W, a + oy * OW, g + oy * OW, gx + 2 * oy * W, W, OW);
                continue;
            }
#endif
            if (tiled) {
                for (std::size_t oy = 0; oy < OH; ++oy)
                    route_to_max_2x2(plane + 2 * oy * W, a + oy * OW, g + oy * OW, gx + 2 * oy * W, W, OW);
                continue;
            }
            for (std::size_t oy = 0; oy < OH; ++oy)
                for (std::size_t ox = 0; ox < OW; ++ox) {
                    const float best = a[oy * OW + ox];
                    std::size_t at = (oy * stride) * W + ox * stride;
                    for (std::size_t ky = 0, found = 0; ky < window && !found; ++ky)
                        for (std::size_t kx = 0; kx < window; ++kx) {
                            const std::size_t i = (oy * stride + ky) * W + ox * stride + kx;
                            if (plane[i] == best) {
                                at = i;
                                found = 1;
                                break;
                            }
                        }
                    gx[at] += g[oy * OW + ox];  // blocks may overlap
                }
        }
    });
}

AvgPool2d::AvgPool2d(ImageShape in_, std::size_t window_, std::size_t stride_)
    : Layer(in_, pool_output_shape(in_, window_, stride_)), window(window_), stride(stride_) {}

void AvgPool2d::forward(ConstMatrixView x, bool, Rng*) {
    // x: (batch, C·H·W) -> output: (batch, C·out_rows·out_cols); a = mean of each block
    output.resize(x.rows, out.size());
    const float inv_area = 1.0f / static_cast<float>(window * window);
    for_image_ranges(workers, x.rows, [&](std::size_t first, std::size_t last) {
    for (std::size_t b = first; b < last; ++b) {
        const float* xb = x.row(b);
        float* ob = output.row(b);
#if defined(__AVX512F__)
        if (narrow_2x2(window, stride, out.cols)) {  // each row of outputs one vector, the same sums
            const __m512 area = _mm512_set1_ps(inv_area);
            for (std::size_t c = 0; c < in.channels; ++c)
                for (std::size_t oy = 0; oy < out.rows; ++oy) {
                    __m512 e0, o0, e1, o1;
                    even_and_odd(xb + (c * in.rows + 2 * oy) * in.cols, out.cols, e0, o0);
                    even_and_odd(xb + (c * in.rows + 2 * oy + 1) * in.cols, out.cols, e1, o1);
                    const __m512 sum = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(e0, o0), e1), o1);
                    _mm512_mask_storeu_ps(ob + (c * out.rows + oy) * out.cols, first_lanes(out.cols),
                                          _mm512_mul_ps(sum, area));
                }
            continue;
        }
#endif
        if (window == 2 && stride == 2) {  // the common case, in a loop the compiler vectorises
            for (std::size_t c = 0; c < in.channels; ++c)
                for (std::size_t oy = 0; oy < out.rows; ++oy) {
                    const float* r0 = xb + (c * in.rows + 2 * oy) * in.cols;
                    const float* r1 = r0 + in.cols;
                    float* o = ob + (c * out.rows + oy) * out.cols;
                    for (std::size_t ox = 0; ox < out.cols; ++ox)
                        o[ox] = (((r0[2 * ox] + r0[2 * ox + 1]) + r1[2 * ox]) + r1[2 * ox + 1]) * inv_area;  // the general loop's order
                }
            continue;
        }
        for (std::size_t c = 0; c < in.channels; ++c)
            for (std::size_t oy = 0; oy < out.rows; ++oy)
                for (std::size_t ox = 0; ox < out.cols; ++ox) {
                    float sum = 0.0f;
                    for (std::size_t ky = 0; ky < window; ++ky)
                        for (std::size_t kx = 0; kx < window; ++kx)
                            sum += xb[(c * in.rows + oy * stride + ky) * in.cols + ox * stride + kx];
                    ob[(c * out.rows + oy) * out.cols + ox] = sum * inv_area;
                }
    }
    });
}

void AvgPool2d::backward(ConstMatrixView x, ConstMatrixView grad_output, Matrix* grad_x) {
    // grad_output: (batch, C·out_rows·out_cols); overwrites *grad_x: (batch, C·H·W)
    if (!grad_x) return;
    grad_x->resize(x.rows, x.cols);
    const float inv_area = 1.0f / static_cast<float>(window * window);
    // every x in one block: each written once below, no zeros first
    const bool tiled = window == 2 && stride == 2 && in.rows == 2 * out.rows && in.cols == 2 * out.cols;
    for_image_ranges(workers, x.rows, [&](std::size_t first, std::size_t last) {
    if (!tiled) std::fill(grad_x->row(first), grad_x->row(first) + (last - first) * x.cols, 0.0f);
    for (std::size_t b = first; b < last; ++b) {
        const float* g = grad_output.row(b);
        float* gx = grad_x->row(b);
#if defined(__AVX512F__)
        if (tiled && narrow_2x2(window, stride, out.cols)) {  // each row's shares one vector, each written twice
            const std::size_t n = out.cols, m = 2 * n;
            const __mmask16 m0 = first_lanes(m), m1 = static_cast<__mmask16>(m > 16 ? (1u << (m - 16)) - 1 : 0u);
            const __m512i low = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
            const __m512i high = _mm512_set_epi32(15, 15, 14, 14, 13, 13, 12, 12, 11, 11, 10, 10, 9, 9, 8, 8);
            const __m512 area = _mm512_set1_ps(inv_area);
            for (std::size_t c = 0; c < in.channels; ++c)
                for (std::size_t oy = 0; oy < out.rows; ++oy) {
                    const __m512 share =
                        _mm512_mul_ps(_mm512_maskz_loadu_ps(first_lanes(n), g + (c * out.rows + oy) * out.cols), area);
                    const __m512 lo = permute_pairs(low, share), hi = permute_pairs(high, share);
                    float* r0 = gx + (c * in.rows + 2 * oy) * in.cols;
                    float* r1 = r0 + in.cols;
                    _mm512_mask_storeu_ps(r0, m0, lo);
                    _mm512_mask_storeu_ps(r0 + 16, m1, hi);
                    _mm512_mask_storeu_ps(r1, m0, lo);
                    _mm512_mask_storeu_ps(r1 + 16, m1, hi);
                }
            continue;
        }
#endif
        if (window == 2 && stride == 2) {  // the common case: each share written to its 2×2 block
            for (std::size_t c = 0; c < in.channels; ++c)
                for (std::size_t oy = 0; oy < out.rows; ++oy) {
                    const float* go = g + (c * out.rows + oy) * out.cols;
                    float* r0 = gx + (c * in.rows + 2 * oy) * in.cols;
                    float* r1 = r0 + in.cols;
                    for (std::size_t ox = 0; ox < out.cols; ++ox) {
                        const float share = go[ox] * inv_area;
                        r0[2 * ox] = share;
                        r0[2 * ox + 1] = share;
                        r1[2 * ox] = share;
                        r1[2 * ox + 1] = share;
                    }
                }
            continue;
        }
        for (std::size_t c = 0; c < in.channels; ++c)
            for (std::size_t oy = 0; oy < out.rows; ++oy)
                for (std::size_t ox = 0; ox < out.cols; ++ox) {
                    const float share = g[(c * out.rows + oy) * out.cols + ox] * inv_area;
                    for (std::size_t ky = 0; ky < window; ++ky)
                        for (std::size_t kx = 0; kx < window; ++kx)
                            gx[(c * in.rows + oy * stride + ky) * in.cols + ox * stride + kx] += share;
                }
    }
    });
}

}  // namespace digitnet

// The convolution's fast path (conv_kernels.hpp): Caffe's im2col, one sgemm per image (our own
// chain_product for the input gradient Wᵀ δ and, after the first layer, the weight gradient), the
// mini-batch's images shared between threads.
#include "kernels/conv_kernels.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#include "kernels/parallel.hpp"

namespace digitnet {

// The output columns [lo, hi) whose input column ox·s + k - pad lies inside [0, size).
static void inside_range(std::size_t out, std::size_t k, std::size_t stride, std::size_t pad, std::size_t size,
                         std::size_t& lo, std::size_t& hi) {
    // ox·s + k ≥ pad  and  ox·s + k < size + pad
    lo = k >= pad ? 0 : (pad - k + stride - 1) / stride;
    hi = size + pad > k ? std::min(out, (size + pad - k + stride - 1) / stride) : 0;
    if (hi < lo) hi = lo;
}

// dst[0, n) = src[0, n) for the short runs of a convolution's rows
// (8 to 28 floats): a plain loop, or with AVX-512 whole registers and one masked tail.
static inline void copy_run(const float* src, float* dst, std::size_t n) {
#if defined(__AVX512F__)
    for (; n >= 16; n -= 16, src += 16, dst += 16) _mm512_storeu_ps(dst, _mm512_loadu_ps(src));
    if (n) {
        const __mmask16 m = static_cast<__mmask16>((1u << n) - 1);
        _mm512_mask_storeu_ps(dst, m, _mm512_maskz_loadu_ps(m, src));
    }
#else
    for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
#endif
}

// No padding and stride 1: every kernel position sees a whole out_rows × out_cols window.
static bool plain_geometry(const ConvGeometry& g) {
    return g.stride == 1 && g.pad_top == 0 && g.pad_left == 0 && g.out_rows + g.kernel_rows - 1 == g.in.rows &&
           g.out_cols + g.kernel_cols - 1 == g.in.cols;
}

void im2col(const float* image, const ConvGeometry& geometry, float* columns) {
    // A local copy: the vector stores below may alias anything, so fields read through a
    // reference would be read again after every one of them.
    const ConvGeometry g = geometry;
    const std::size_t H = g.in.rows, W = g.in.cols, s = g.stride, OW = g.out_cols;
    if (plain_geometry(g)) {
#if defined(__AVX512F__)
        if (OW <= 32) {  // every output row one or two masked moves, the masks made once
            const __mmask16 m0 = static_cast<__mmask16>(OW >= 16 ? 0xFFFFu : (1u << OW) - 1);
            const __mmask16 m1 = static_cast<__mmask16>(OW > 16 ? (1u << (OW - 16)) - 1 : 0u);
            for (std::size_t c = 0; c < g.in.channels; ++c)
                for (std::size_t ky = 0; ky < g.kernel_rows; ++ky)
                    for (std::size_t kx = 0; kx < g.kernel_cols; ++kx) {
                        const float* src = image + (c * H + ky) * W + kx;
                        for (std::size_t oy = 0; oy < g.out_rows; ++oy, src += W, columns += OW) {
                            _mm512_mask_storeu_ps(columns, m0, _mm512_maskz_loadu_ps(m0, src));
                            if (m1) _mm512_mask_storeu_ps(columns + 16, m1, _mm512_maskz_loadu_ps(m1, src + 16));
                        }
                    }
            return;
        }
#endif
        for (std::size_t c = 0; c < g.in.channels; ++c)
            for (std::size_t ky = 0; ky < g.kernel_rows; ++ky)
                for (std::size_t kx = 0; kx < g.kernel_cols; ++kx) {
                    const float* src = image + (c * H + ky) * W + kx;
                    for (std::size_t oy = 0; oy < g.out_rows; ++oy, columns += OW) copy_run(src + oy * W, columns, OW);
                }
        return;
    }
#if defined(__AVX512F__)
    if (s == 1 && OW <= 32) {  // `same` padding, stride 1: each row zeroed, then its inside copied, masked
        const __m512 zero = _mm512_setzero_ps();
        const __mmask16 row0 = static_cast<__mmask16>(OW >= 16 ? 0xFFFFu : (1u << OW) - 1);
        const __mmask16 row1 = static_cast<__mmask16>(OW > 16 ? (1u << (OW - 16)) - 1 : 0u);
        for (std::size_t c = 0; c < g.in.channels; ++c)
            for (std::size_t ky = 0; ky < g.kernel_rows; ++ky)
                for (std::size_t kx = 0; kx < g.kernel_cols; ++kx) {
                    std::size_t lo, hi;
                    inside_range(OW, kx, 1, g.pad_left, W, lo, hi);
                    const std::size_t n = hi - lo;
                    const __mmask16 in0 = static_cast<__mmask16>(n >= 16 ? 0xFFFFu : (1u << n) - 1);
                    const __mmask16 in1 = static_cast<__mmask16>(n > 16 ? (1u << (n - 16)) - 1 : 0u);
                    for (std::size_t oy = 0; oy < g.out_rows; ++oy, columns += OW) {
                        _mm512_mask_storeu_ps(columns, row0, zero);
                        if (row1) _mm512_mask_storeu_ps(columns + 16, row1, zero);
                        const std::size_t iy = oy + ky;  // in padded coordinates
                        if (iy < g.pad_top || iy >= H + g.pad_top || n == 0) continue;
                        const float* src = image + (c * H + iy - g.pad_top) * W + lo + kx - g.pad_left;
                        _mm512_mask_storeu_ps(columns + lo, in0, _mm512_maskz_loadu_ps(in0, src));
                        if (in1) _mm512_mask_storeu_ps(columns + lo + 16, in1, _mm512_maskz_loadu_ps(in1, src + 16));
                    }
                }
        return;
    }
#endif
    for (std::size_t c = 0; c < g.in.channels; ++c)
        for (std::size_t ky = 0; ky < g.kernel_rows; ++ky)
            for (std::size_t kx = 0; kx < g.kernel_cols; ++kx) {
                std::size_t lo, hi;
                inside_range(OW, kx, s, g.pad_left, W, lo, hi);
                for (std::size_t oy = 0; oy < g.out_rows; ++oy, columns += OW) {
                    const std::size_t iy = oy * s + ky;  // in padded coordinates
                    if (iy < g.pad_top || iy >= H + g.pad_top || lo == hi) {
                        std::fill(columns, columns + OW, 0.0f);
                        continue;
                    }
                    const float* row = image + (c * H + iy - g.pad_top) * W;
                    std::fill(columns, columns + lo, 0.0f);
                    if (s == 1) {  // short runs (8 to 28 floats): a plain loop beats a call to memcpy
                        copy_run(row + lo + kx - g.pad_left, columns + lo, hi - lo);
                    } else {
                        for (std::size_t ox = lo; ox < hi; ++ox) columns[ox] = row[ox * s + kx - g.pad_left];
                    }
                    std::fill(columns + hi, columns + OW, 0.0f);
                }
            }
}

#if defined(__AVX512F__)
// The plain col2im for inputs at most 16 wide: each row of grad_image summed in one register from
// the kw shifted runs of every kernel row that reaches it, then stored once (adding the runs in
// memory one after another would reload each store at once, which the CPU cannot forward).
static void col2im_narrow(const float* columns, const ConvGeometry& geometry, float* grad_image) {
    const ConvGeometry g = geometry;  // a local copy, as in im2col
    const std::size_t H = g.in.rows, W = g.in.cols, OH = g.out_rows, OW = g.out_cols, P = g.positions();
    const std::size_t kh = g.kernel_rows, kw = g.kernel_cols;
    const __mmask16 run_mask = static_cast<__mmask16>((1u << OW) - 1), row_mask = static_cast<__mmask16>((1u << W) - 1);
    __m512i shift[16];
    __mmask16 shift_mask[16];
    for (std::size_t kx = 0; kx < kw; ++kx) {  // lane i takes lane i - kx of the run
        alignas(64) int idx[16];
        for (int i = 0; i < 16; ++i) idx[i] = (i - static_cast<int>(kx)) & 15;
        shift[kx] = _mm512_load_si512(idx);
        shift_mask[kx] = static_cast<__mmask16>(run_mask << kx);
    }
    for (std::size_t c = 0; c < g.in.channels; ++c)
        for (std::size_t iy = 0; iy < H; ++iy) {
            __m512 sum = _mm512_setzero_ps();
            for (std::size_t ky = 0; ky < kh; ++ky) {
                if (iy < ky || iy - ky >= OH) continue;
                const float* run = columns + (c * kh + ky) * kw * P + (iy - ky) * OW;
                for (std::size_t kx = 0; kx < kw; ++kx, run += P)
                    sum = _mm512_add_ps(sum, _mm512_maskz_permutexvar_ps(shift_mask[kx], shift[kx],
                                                                         _mm512_maskz_loadu_ps(run_mask, run)));
            }
            _mm512_mask_storeu_ps(grad_image + (c * H + iy) * W, row_mask, sum);
        }
}
#endif

void col2im(const float* columns, const ConvGeometry& g, float* grad_image) {
    const std::size_t H = g.in.rows, W = g.in.cols, s = g.stride, OW = g.out_cols;
#if defined(__AVX512F__)
    if (plain_geometry(g) && W <= 16 && g.kernel_cols <= 16) return col2im_narrow(columns, g, grad_image);
#endif
    std::fill(grad_image, grad_image + g.in.size(), 0.0f);
    for (std::size_t c = 0; c < g.in.channels; ++c)
        for (std::size_t ky = 0; ky < g.kernel_rows; ++ky)
            for (std::size_t kx = 0; kx < g.kernel_cols; ++kx) {
                std::size_t lo, hi;
                inside_range(OW, kx, s, g.pad_left, W, lo, hi);
                for (std::size_t oy = 0; oy < g.out_rows; ++oy, columns += OW) {
                    const std::size_t iy = oy * s + ky;
                    if (iy < g.pad_top || iy >= H + g.pad_top) continue;
                    float* row = grad_image + (c * H + iy - g.pad_top) * W;
                    for (std::size_t ox = lo; ox < hi; ++ox) row[ox * s + kx - g.pad_left] += columns[ox];
                }
            }
}

#if defined(__AVX512F__)
// `rows` rows of C, m0 … m0 + rows - 1, over the `vectors` × 16 columns from n0 (the last vector
// masked): rows × vectors accumulators in registers while t runs, one load of B's row t per vector
// shared by every row of C, each value of A broadcast once. Forced inline: called, GCC kept the
// accumulators in memory as well as in registers; `accumulate` a template argument for the same reason.
template <std::size_t rows, std::size_t vectors, bool accumulate>
[[gnu::always_inline]] static inline void chain_block(const float* a, const float* b, std::size_t depth,
                                                      std::size_t M, std::size_t N, std::size_t m0, std::size_t n0,
                                                      const __mmask16 (&mask)[4], float* c) {
    __m512 acc[rows][vectors];
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t v = 0; v < vectors; ++v) acc[i][v] = _mm512_setzero_ps();
    for (std::size_t t = 0; t < depth; ++t) {
        const float* bt = b + t * N + n0;
        __m512 bv[vectors];
        for (std::size_t v = 0; v < vectors; ++v) bv[v] = _mm512_maskz_loadu_ps(mask[v], bt + 16 * v);
        const float* at = a + t * M + m0;
        for (std::size_t i = 0; i < rows; ++i) {
            const __m512 av = _mm512_set1_ps(at[i]);
            for (std::size_t v = 0; v < vectors; ++v) acc[i][v] = _mm512_fmadd_ps(av, bv[v], acc[i][v]);
        }
    }
    float* out = c + m0 * N + n0;
    for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t v = 0; v < vectors; ++v) {
            float* o = out + i * N + 16 * v;
            _mm512_mask_storeu_ps(o, mask[v], accumulate ? _mm512_add_ps(_mm512_maskz_loadu_ps(mask[v], o), acc[i][v]) : acc[i][v]);
        }
}

// Every row of C over the columns [n0, n0 + 16·vectors): six rows at a time (24 accumulators),
// then two (still enough chains side by side to keep the multiply-adds busy), then one.
template <std::size_t vectors, bool accumulate>
static void chain_rows(const float* a, const float* b, std::size_t depth, std::size_t M, std::size_t N,
                       std::size_t n0, const __mmask16 (&mask)[4], float* c) {
    std::size_t m = 0;
    for (; m + 6 <= M; m += 6) chain_block<6, vectors, accumulate>(a, b, depth, M, N, m, n0, mask, c);
    for (; m + 2 <= M; m += 2) chain_block<2, vectors, accumulate>(a, b, depth, M, N, m, n0, mask, c);
    for (; m < M; ++m) chain_block<1, vectors, accumulate>(a, b, depth, M, N, m, n0, mask, c);
}

template <bool accumulate>
static void chain_columns(const float* a, const float* b, std::size_t depth, std::size_t M, std::size_t N, float* c) {
    for (std::size_t n0 = 0; n0 < N; n0 += 64) {  // up to four vectors of columns at a time
        __mmask16 mask[4];
        for (std::size_t v = 0; v < 4; ++v) {
            const std::size_t first = n0 + 16 * v, left = first < N ? N - first : 0;
            mask[v] = static_cast<__mmask16>(left >= 16 ? 0xFFFFu : (1u << left) - 1);
        }
        switch ((std::min<std::size_t>(N - n0, 64) + 15) / 16) {
            case 1: chain_rows<1, accumulate>(a, b, depth, M, N, n0, mask, c); break;
            case 2: chain_rows<2, accumulate>(a, b, depth, M, N, n0, mask, c); break;
            case 3: chain_rows<3, accumulate>(a, b, depth, M, N, n0, mask, c); break;
            default: chain_rows<4, accumulate>(a, b, depth, M, N, n0, mask, c); break;
        }
    }
}
#endif

// C (M, N) = Aᵀ B, or C + Aᵀ B when `accumulate`, A (depth, M) and B (depth, N) row-major: each
// element the chain acc ← fma(A(t, m), B(t, n), acc) for t = 0, 1, …, depth-1 from acc = 0, then
// at most one add. Both of the convolution's own products below are this one.
static void chain_product(const float* a, const float* b, std::size_t depth, std::size_t M, std::size_t N,
                          bool accumulate, float* c) {
#if defined(__AVX512F__)
    if (N == 1 && !accumulate) {  // a product with a vector: 16 values of m at a time, four such chains side by side
        std::size_t m = 0;
        for (; m + 64 <= M; m += 64) {
            __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
            for (std::size_t t = 0; t < depth; ++t) {
                const __m512 bt = _mm512_set1_ps(b[t]);
                for (std::size_t v = 0; v < 4; ++v)
                    acc[v] = _mm512_fmadd_ps(_mm512_loadu_ps(a + t * M + m + 16 * v), bt, acc[v]);
            }
            for (std::size_t v = 0; v < 4; ++v) _mm512_storeu_ps(c + m + 16 * v, acc[v]);
        }
        for (; m < M; m += 16) {
            const __mmask16 mask = static_cast<__mmask16>(M - m >= 16 ? 0xFFFFu : (1u << (M - m)) - 1);
            __m512 acc = _mm512_setzero_ps();
            for (std::size_t t = 0; t < depth; ++t)
                acc = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, a + t * M + m), _mm512_set1_ps(b[t]), acc);
            _mm512_mask_storeu_ps(c + m, mask, acc);
        }
        return;
    }
    if (accumulate)
        chain_columns<true>(a, b, depth, M, N, c);
    else
        chain_columns<false>(a, b, depth, M, N, c);
#else
    // Without AVX-512 only the input gradient (no `accumulate`) is made here in training: each row of
    // C built t by t, a loop over n that vectorises. With `accumulate` (tests), element by element.
    for (std::size_t m = 0; m < M; ++m) {
        float* row = c + m * N;
        if (accumulate) {
            for (std::size_t n = 0; n < N; ++n) {
                float acc = 0.0f;
                for (std::size_t t = 0; t < depth; ++t) acc = std::fma(a[t * M + m], b[t * N + n], acc);
                row[n] += acc;
            }
            continue;
        }
        std::fill(row, row + N, 0.0f);
        for (std::size_t t = 0; t < depth; ++t) {
            const float am = a[t * M + m];
            const float* bt = b + t * N;
            for (std::size_t n = 0; n < N; ++n) row[n] = std::fma(am, bt[n], row[n]);
        }
    }
#endif
}

void weights_t_times_delta(const float* weights, const float* delta, std::size_t F, std::size_t K, std::size_t P,
                           float* grad_columns) {
    // grad_columns (K, P) = Wᵀ (K, F) · δ (F, P): A = W (F, K), B = δ (F, P), the chain over f
    chain_product(weights, delta, F, K, P, false, grad_columns);
}

// im2col's transpose (conv_kernels.hpp), for a plain geometry. With AVX-512 each kernel row is one
// masked move (kw ≤ 16).
void im2row(const float* image, const ConvGeometry& geometry, float* rows) {
    const ConvGeometry g = geometry;  // a local copy, as in im2col
    const std::size_t H = g.in.rows, W = g.in.cols, kh = g.kernel_rows, kw = g.kernel_cols;
    const std::size_t K = g.patch_size();
#if defined(__AVX512F__)
    if (kw <= 16) {
        const __mmask16 m = static_cast<__mmask16>((1u << kw) - 1);
        for (std::size_t oy = 0; oy < g.out_rows; ++oy)
            for (std::size_t ox = 0; ox < g.out_cols; ++ox, rows += K) {
                float* r = rows;
                for (std::size_t c = 0; c < g.in.channels; ++c)
                    for (std::size_t ky = 0; ky < kh; ++ky, r += kw)
                        _mm512_mask_storeu_ps(r, m, _mm512_maskz_loadu_ps(m, image + (c * H + oy + ky) * W + ox));
            }
        return;
    }
#endif
    for (std::size_t oy = 0; oy < g.out_rows; ++oy)
        for (std::size_t ox = 0; ox < g.out_cols; ++ox, rows += K) {
            float* r = rows;
            for (std::size_t c = 0; c < g.in.channels; ++c)
                for (std::size_t ky = 0; ky < kh; ++ky, r += kw)
                    std::copy_n(image + (c * H + oy + ky) * W + ox, kw, r);
        }
}

void delta_times_rows(const float* delta_t, const float* rows, std::size_t F, std::size_t K, std::size_t P,
                      bool accumulate, float* gw) {
    // gw (F, K) [+]= δ (F, P) · rows (P, K) = (δᵀ)ᵀ rows: A = δᵀ (P, F), B = rows (P, K), the chain over p
    chain_product(delta_t, rows, P, F, K, accumulate, gw);
}


// Whether conv_backward makes the weight gradient with delta_times_rows (conv_kernels.hpp).
bool own_weight_gradient(const ConvGeometry& g) {
#if defined(__AVX512F__)
    return g.in.channels > 1 && g.positions() <= 448 && g.stride == 1 && g.kernel_cols <= 16;
#else
    (void)g;
    return false;
#endif
}

// A `same`-padded convolution of stride 1 is the unpadded one of the image with its border of zeros
// written out: (C, out_rows + kh - 1, out_cols + kw - 1), the image at (pad_top, pad_left).
static bool pads_by_copy(const ConvGeometry& g) { return g.stride == 1 && !plain_geometry(g); }

static ConvGeometry padded_geometry(const ConvGeometry& g) {
    ConvGeometry p = g;
    p.in.rows = g.out_rows + g.kernel_rows - 1;
    p.in.cols = g.out_cols + g.kernel_cols - 1;
    p.pad_top = p.pad_left = 0;
    return p;
}

// How many floats receptive_fields needs beside the columns: the padded image, or none.
static std::size_t padding_scratch(const ConvGeometry& g) { return pads_by_copy(g) ? padded_geometry(g).in.size() : 0; }

// The image with its `same` padding's border of zeros written out, into `padded`.
static void copy_padded(const float* image, const ConvGeometry& g, float* padded) {
    const ConvGeometry p = padded_geometry(g);
    std::fill(padded, padded + p.in.size(), 0.0f);
    for (std::size_t c = 0; c < g.in.channels; ++c)
        for (std::size_t y = 0; y < g.in.rows; ++y)
            std::copy_n(image + (c * g.in.rows + y) * g.in.cols, g.in.cols,
                        padded + (c * p.in.rows + y + g.pad_top) * p.in.cols + g.pad_left);
}

// columns = im2col(image, g). With `same` padding the image is first copied into `padded` with its
// zero border, and the columns are taken from there by the plain path: the same numbers, each row of
// columns one or two whole moves instead of zeros and then the inside.
static void receptive_fields(const float* image, const ConvGeometry& g, float* columns, float* padded) {
    if (!pads_by_copy(g)) return im2col(image, g, columns);
    copy_padded(image, g, padded);
    im2col(padded, padded_geometry(g), columns);
}

// rows = im2row(image, g) for stride 1, `same` padding copied out first in the same way.
static void receptive_rows(const float* image, const ConvGeometry& g, float* rows, float* padded) {
    if (!pads_by_copy(g)) return im2row(image, g, rows);
    copy_padded(image, g, padded);
    im2row(padded, padded_geometry(g), rows);
}

// A kernel that covers its whole input without padding: one position, whose receptive field is the
// image itself (K = C·H·W), so the layer is a dense one and the mini-batch's products are single
// sgemm over the whole batch instead of one matrix-vector product per image.
static bool whole_input(const ConvGeometry& g) { return g.positions() == 1 && plain_geometry(g); }

void conv_forward(ConstMatrixView x, const ConvGeometry& g, ConstMatrixView weights, const float* biases,
                  Matrix& columns, MatrixView out, WorkerPool* workers) {
    // x: (batch, C·H·W), weights: (F, K) -> out: (batch, F·P)
    const std::size_t batch = x.rows, F = weights.rows, K = weights.cols, P = g.positions();
    if (whole_input(g)) {
        // z (batch, F) = x (batch, K) · Wᵀ, then + b
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(batch), static_cast<int>(F),
                    static_cast<int>(K), 1.0f, x.data, static_cast<int>(K), weights.data, static_cast<int>(K), 0.0f,
                    out.data, static_cast<int>(F));
        if (biases)
            for (std::size_t b = 0; b < batch; ++b)
                for (std::size_t f = 0; f < F; ++f) out(b, f) += biases[f];
        return;
    }
    const std::size_t chunks = image_chunks(batch);
    columns.resize(chunks, K * P + padding_scratch(g));
    for_each_chunk(workers, chunks, worth_sharing(batch), [&](std::size_t j) {
        float* cols = columns.row(j);
        float* padded = cols + K * P;
        for (std::size_t b = chunk_begin(batch, chunks, j); b < chunk_begin(batch, chunks, j + 1); ++b) {
            float* z = out.row(b);
            receptive_fields(x.row(b), g, cols, padded);
            // z_b (F, P) = W (F, K) · columns_b (K, P)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(F), static_cast<int>(P),
                        static_cast<int>(K), 1.0f, weights.data, static_cast<int>(K), cols, static_cast<int>(P), 0.0f,
                        z, static_cast<int>(P));
            if (biases)
                for (std::size_t f = 0; f < F; ++f) {
                    const float bias = biases[f];
                    for (std::size_t p = 0; p < P; ++p) z[f * P + p] += bias;
                }
        }
    });
}

void conv_backward(ConstMatrixView x, const ConvGeometry& g, ConstMatrixView weights, ConstMatrixView grad_out,
                   float scale, MatrixView grad_weights, float* grad_biases, MatrixView* grad_x, Matrix& columns,
                   Matrix& grad_weight_parts, Matrix& grad_bias_parts, Matrix& grad_columns, WorkerPool* workers) {
    // x: (batch, C·H·W), grad_out = δ: (batch, F·P); overwrites grad_weights, grad_biases, *grad_x
    const std::size_t batch = grad_out.rows, F = weights.rows, K = weights.cols, P = g.positions();
    if (whole_input(g)) {
        // grad_weights (F, K) = scale δᵀ x, grad_biases = scale Σ_b δ_b, grad_x (batch, K) = δ W
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(F), static_cast<int>(K),
                    static_cast<int>(batch), scale, grad_out.data, static_cast<int>(F), x.data, static_cast<int>(K),
                    0.0f, grad_weights.data, static_cast<int>(K));
        if (grad_biases) {
            std::fill(grad_biases, grad_biases + F, 0.0f);
            for (std::size_t b = 0; b < batch; ++b)
                for (std::size_t f = 0; f < F; ++f) grad_biases[f] += grad_out(b, f);
            for (std::size_t f = 0; f < F; ++f) grad_biases[f] *= scale;
        }
        if (grad_x)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(batch), static_cast<int>(K),
                        static_cast<int>(F), 1.0f, grad_out.data, static_cast<int>(F), weights.data,
                        static_cast<int>(K), 0.0f, grad_x->data, static_cast<int>(K));
        return;
    }
    const std::size_t chunks = image_chunks(batch);
    const bool own = own_weight_gradient(g);
    columns.resize(chunks, K * P + padding_scratch(g) + (own ? F * P : 0));  // own: δ_bᵀ after the padded image
    grad_weight_parts.resize(chunks, F * K);
    grad_bias_parts.resize(chunks, 2 * F);  // each chunk's Σ, then one image's
    if (grad_x) grad_columns.resize(chunks, K * P);
    for_each_chunk(workers, chunks, worth_sharing(batch), [&](std::size_t j) {
        float* gw = grad_weight_parts.row(j);
        float* gb = grad_bias_parts.row(j);
        std::fill(gb, gb + F, 0.0f);
        const std::size_t first = chunk_begin(batch, chunks, j), last = chunk_begin(batch, chunks, j + 1);
        float* cols = columns.row(j);
        float* padded = cols + K * P;
        for (std::size_t b = first; b < last; ++b) {
            const float* delta = grad_out.row(b);
            // Σ_p δ_b(f, p) for every filter, each sum in p order: the F sums advance side by side,
            // so that their adds overlap instead of each waiting for the one before
            float* sums = gb + F;
            std::fill(sums, sums + F, 0.0f);
            // this chunk's Σ_b δ_b (F, P) · columns_bᵀ (P, K); the receptive fields made again:
            // cheaper than keeping the batch's, which leaves the cache
            if (own) {
                receptive_rows(x.row(b), g, cols, padded);
                float* delta_t = padded + padding_scratch(g);
                for (std::size_t p = 0; p < P; ++p)  // δ_bᵀ, and the sums on the same pass
                    for (std::size_t f = 0; f < F; ++f) {
                        const float d = delta[f * P + p];
                        delta_t[p * F + f] = d;
                        sums[f] += d;
                    }
                delta_times_rows(delta_t, cols, F, K, P, b != first, gw);
            } else {
                receptive_fields(x.row(b), g, cols, padded);
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(F), static_cast<int>(K),
                            static_cast<int>(P), 1.0f, delta, static_cast<int>(P), cols, static_cast<int>(P),
                            b == first ? 0.0f : 1.0f, gw, static_cast<int>(K));
                for (std::size_t p = 0; p < P; ++p)
                    for (std::size_t f = 0; f < F; ++f) sums[f] += delta[f * P + p];
            }
            for (std::size_t f = 0; f < F; ++f) gb[f] += sums[f];
            if (grad_x) {
                // ∂C/∂columns_b (K, P) = Wᵀ (K, F) · δ_b (F, P), then back to the pixels
                float* gcols = grad_columns.row(j);
                weights_t_times_delta(weights.data, delta, F, K, P, gcols);
                col2im(gcols, g, grad_x->row(b));
            }
        }
    });
    // the chunks' parts, added in chunk order (chunk by chunk over the whole row: contiguous reads)
    float* gw = grad_weights.data;
    std::fill(gw, gw + F * K, 0.0f);
    for (std::size_t j = 0; j < chunks; ++j) {
        const float* part = grad_weight_parts.row(j);
        for (std::size_t i = 0; i < F * K; ++i) gw[i] += part[i];
    }
    for (std::size_t i = 0; i < F * K; ++i) gw[i] *= scale;
    if (grad_biases)
        for (std::size_t f = 0; f < F; ++f) {
            float sum = 0.0f;
            for (std::size_t j = 0; j < chunks; ++j) sum += grad_bias_parts(j, f);
            grad_biases[f] = scale * sum;
        }
}

}  // namespace digitnet

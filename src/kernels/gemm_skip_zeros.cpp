// A layer's products over mostly-zero inputs (handwritten digits on a blank background), skipping
// the zeros.
//
// Most of MNIST's pixels are background (exactly 0), and a column of x that is 0 in every row of a
// block adds exactly nothing to that block's sums (0 · w = 0 for finite w). sgemm cannot know
// that; here each block of R rows of x first lists its columns that are not 0 in all R rows (a
// minority of them for a few handwritten digits, more the more rows a block has), then only those
// columns are multiplied:
//
//   forward, z = x Wᵀ:     for every listed column p:  z[r][:] += x_rp · Wᵀ[p][:]
//
// Wᵀ (k × n) is packed once per call, in panels of up to 112 columns (7 AVX-512 vectors of 16), so
// that a block's R × 7 sums stay in registers while Wᵀ's rows stream from cache. Panels with few
// columns (n ≤ 48: Nielsen's 30 hidden neurons, every 10-way output) take blocks of 8 rows, wider
// ones blocks of 3: fewer rows skip more columns, more rows reuse each row of Wᵀ more often, and of
// 2, 3 and 4 rows 3 was the fastest through 100 neurons (docs/performance.md). Above 32 columns it
// is used only when x's first rows are at least half zeros.
//
//   weight gradient, ∂C/∂W = α deltaᵀ x = (xᵀ (α delta))ᵀ:
//                          for every block of R pixels p, for every example b that has ink
//                          there:  (∂C/∂W)ᵀ[p][:] += x_bp · α delta[b][:]
//
// The same loop, over blocks of pixels instead of blocks of examples, with α delta packed as the
// panel. Which examples have ink in a block of pixels comes from bit masks of x's nonzeros (16
// pixels per 16-bit mask), built in one pass over x: a few bit tests per block instead of a
// transposed copy of x. The k × n result is transposed into ∂C/∂W.
//
// A large panel (Wᵀ of 784 inputs: 351 KB) does not fit in L1 cache, and streaming it from L2 for
// every block of rows is what bounds the loop; so it is taken in slices of the depth that do fit,
// each slice passing over every block of rows, the sums carried from slice to slice.
//
// Every row's sums are added in the same order (p ascending) whatever the slices and the thread
// count, so results depend on neither.
#include "kernels/gemm_skip_zeros.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <vector>

#if defined(__AVX512F__) && defined(__AVX512BW__)
#include <immintrin.h>
#endif

namespace digitnet {

#if defined(__AVX512F__) && defined(__AVX512BW__)
namespace {

constexpr std::size_t kMinRows = 128;
// Rows are shared between threads only in products of at least this many rows and multiply-adds
// (dense count): inference over the test set in chunks of 1,000 through 100 or more neurons, and
// the weight gradient of a layer of 800 (784 pixel rows), but not a training batch's forward pass.
// Threads are started per product, and inside a training step, where OpenBLAS's own threads are
// awake for the small products in between, sharing a batch of 128 rows made a step slower, not
// faster (docs/performance.md).
constexpr std::size_t kMinRowsToShare = 512;
constexpr double kMinWorkToShare = 40e6;
// Shared products are handed out in ranges of this many rows (blocks of 3 and of 8 both divide it).
constexpr std::size_t kRowsPerChunk = 96;
// The weight gradient's rows of (∂C/∂W)ᵀ are made this many pixels at a time (a multiple of 3 and
// 8 dividing kRowsPerChunk), then transposed into place while they are still in L1 cache.
constexpr std::size_t kStagePixels = 48;
// Smaller mini-batches keep sgemm's weight gradient, and with it the numbers the presets of batch
// 10 and 1 have always given. (The skipping product would now be faster there too, but its sums,
// in another order, round differently.)
constexpr std::size_t kMinGradientBatch = 32;
constexpr std::size_t kPanelVectors = 7;
constexpr std::size_t kPanelWidth = 16 * kPanelVectors;
// A panel larger than 2 kSliceBytes is taken in slices of at most kSliceBytes (in rows of 16),
// which stay in L1 cache (48 KiB here) while every block of rows passes over them. Slices pay for
// a panel several times the size of L1 (Wᵀ of 784 inputs, 351 KB), not for one only a little
// larger (784-100-10's weight gradient, 57 KB), which is faster whole (docs/performance.md).
constexpr std::size_t kSliceBytes = 49152;
// A panel (or slice) larger than kSliceBytes is read from L2 cache, and each of its rows is asked
// for this many rows ahead, so that it is on its way to L1 before it is needed.
constexpr std::size_t kPrefetchAhead = 8;

// Writes the columns p < len of rows x[0..R) (rows `stride` floats apart) that are not 0 in every
// row into `active` (which has 16 entries of slack); returns how many. Meanwhile asks for `next`
// (the same columns of the next block's rows, unless null) from memory.
template <int R>
std::size_t nonzero_columns(const float* x, std::size_t stride, std::size_t len, std::uint32_t* active,
                            const float* next) {
    std::size_t count = 0;
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    auto add_group = [&](std::size_t p, __mmask16 nonzero) {
        // Compress in a register, then one full store (a compressing store to memory is slow on
        // some CPUs); the lanes past `count` are overwritten by the next group or ignored.
        const __m512i columns = _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<int>(p)));
        _mm512_storeu_si512(active + count, _mm512_maskz_compress_epi32(nonzero, columns));
        count += static_cast<std::size_t>(__builtin_popcount(nonzero));
    };
    std::size_t p = 0;
    for (; p + 16 <= len; p += 16) {
        __mmask16 nonzero = 0;
        for (int r = 0; r < R; ++r) {
            nonzero |= _mm512_cmpneq_ps_mask(_mm512_loadu_ps(x + r * stride + p), _mm512_setzero_ps());
            if (next) _mm_prefetch(reinterpret_cast<const char*>(next + r * stride + p), _MM_HINT_T0);
        }
        add_group(p, nonzero);
    }
    if (p < len) {  // the last, partial group
        const __mmask16 valid = static_cast<__mmask16>((1u << (len - p)) - 1u);
        __mmask16 nonzero = 0;
        for (int r = 0; r < R; ++r)
            nonzero |= _mm512_mask_cmpneq_ps_mask(valid, _mm512_maskz_loadu_ps(valid, x + r * stride + p),
                                                  _mm512_setzero_ps());
        add_group(p, nonzero);
    }
    return count;
}

// Where a block's sums go: the depth is taken in slices (so that a slice of the panel stays in L1
// cache while every block of rows passes over it); sums in between slices wait in `partial`.
struct Slice {
    std::size_t begin, len;  // the panel rows (columns of x) of this slice
    bool first, last;
};

// One block of R rows of x times one slice of one panel of T vectors:
//   sums[r][:] (+)= Σ_{p in slice} x_rp wt[p][:],  then, after the last slice, c = α sums + β c.
// x_rp is x[r * k + p * step]: a block of rows of x (step 1), or of columns (k 1, step: x's row
// length); wt: the panel, rows of 16 T floats (zero-padded past `cols`); partial: R rows of 16 T
// floats holding the sums between slices.
template <int R, int T>
void block_times_panel(const float* x, std::size_t k, std::size_t step, const float* wt,
                       const std::uint32_t* active, std::size_t count, const Slice& slice, float* partial,
                       float alpha, float beta, float* c, std::size_t ldc, std::size_t cols) {
    const bool prefetch = slice.len * 64 * T > kSliceBytes;
    __m512 sum[R][T];
    for (int r = 0; r < R; ++r)
        for (int h = 0; h < T; ++h)
            sum[r][h] = slice.first ? _mm512_setzero_ps() : _mm512_loadu_ps(partial + (r * T + h) * 16);
    x += slice.begin * step;
    wt += slice.begin * 16 * T;
    for (std::size_t t = 0; t < count; ++t) {
        const std::size_t p = active[t];
        const float* w = wt + p * 16 * T;
        if (prefetch && t + kPrefetchAhead < count) {  // a panel beyond L1: ask for a later row now
            const float* later = wt + active[t + kPrefetchAhead] * 16 * T;
            for (int h = 0; h < T; ++h) _mm_prefetch(reinterpret_cast<const char*>(later + 16 * h), _MM_HINT_T0);
        }
        for (int r = 0; r < R; ++r) {
            const __m512 xv = _mm512_set1_ps(x[r * k + p * step]);
            for (int h = 0; h < T; ++h) sum[r][h] = _mm512_fmadd_ps(xv, _mm512_loadu_ps(w + 16 * h), sum[r][h]);
        }
    }
    if (!slice.last) {
        for (int r = 0; r < R; ++r)
            for (int h = 0; h < T; ++h) _mm512_storeu_ps(partial + (r * T + h) * 16, sum[r][h]);
        return;
    }
    // c = α sum + β c, 16 columns at a time; the mask keeps the columns that exist.
    const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int h = 0; h < T; ++h) {
        const std::size_t n_here = cols > 16u * h ? std::min<std::size_t>(16, cols - 16u * h) : 0;
        const __mmask16 mask = static_cast<__mmask16>((1u << n_here) - 1u);
        for (int r = 0; r < R; ++r) {
            float* out = c + r * ldc + 16 * h;
            __m512 v = _mm512_mul_ps(va, sum[r][h]);
            if (beta != 0.0f) v = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask, out), v);
            _mm512_mask_storeu_ps(out, mask, v);
        }
    }
}

// Rows [begin, end) of x times one slice of one panel, in blocks of R rows, then the rows left
// one at a time. partial: kPanelWidth floats per row of x, whatever the panel's width, so that
// threads on different rows never share any, whichever panel each is on.
template <int R, int T>
void rows_times_panel(ConstMatrixView x, std::size_t begin, std::size_t end, const float* wt, const Slice& slice,
                      float* partial, float alpha, float beta, float* c, std::size_t ldc, std::size_t cols,
                      std::uint32_t* active) {
    const std::size_t k = x.cols;
    std::size_t i = begin;
    for (; i + R <= end; i += R) {
        const float* next = i + 2 * R <= end ? x.row(i + R) + slice.begin : nullptr;
        const std::size_t count = nonzero_columns<R>(x.row(i) + slice.begin, k, slice.len, active, next);
        block_times_panel<R, T>(x.row(i), k, 1, wt, active, count, slice, partial + i * kPanelWidth, alpha, beta,
                                c + i * ldc, ldc, cols);
    }
    for (; i < end; ++i) {
        const std::size_t count = nonzero_columns<1>(x.row(i) + slice.begin, k, slice.len, active, nullptr);
        block_times_panel<1, T>(x.row(i), k, 1, wt, active, count, slice, partial + i * kPanelWidth, alpha, beta,
                                c + i * ldc, ldc, cols);
    }
}

// Makes v hold at least n elements. A layer's forward pass and its weight gradient share one
// scratch, with buffers of different sizes: growing back with resize() would zero the difference
// every step (a 294 KB memset per mini-batch for 784-100-10), so a buffer never shrinks.
template <typename T>
void hold(std::vector<T>& v, std::size_t n) {
    if (v.size() < n) v.resize(n);
}

// Calls f(R, T) (as std::integral_constant) with the block shape of a panel of `vectors`: blocks
// of 8 rows for panels of up to 3 vectors, of 3 rows for wider ones (R × T sums in registers).
template <typename F>
void with_block_shape(std::size_t vectors, F&& f) {
    using std::integral_constant;
    switch (vectors) {
        case 1: f(integral_constant<int, 8>{}, integral_constant<int, 1>{}); break;
        case 2: f(integral_constant<int, 8>{}, integral_constant<int, 2>{}); break;
        case 3: f(integral_constant<int, 8>{}, integral_constant<int, 3>{}); break;
        case 4: f(integral_constant<int, 3>{}, integral_constant<int, 4>{}); break;
        case 5: f(integral_constant<int, 3>{}, integral_constant<int, 5>{}); break;
        case 6: f(integral_constant<int, 3>{}, integral_constant<int, 6>{}); break;
        default: f(integral_constant<int, 3>{}, integral_constant<int, 7>{}); break;
    }
}

// Which entries of x are not 0, as bits: masks[g * stride + b] bit i is set when x[b][16 g + i]
// is not 0; a row of masks per 16 columns of x, with `stride` (≥ x.rows, a multiple of 32) masks
// each, those past x.rows 0.
void nonzero_masks(ConstMatrixView x, std::size_t stride, std::vector<std::uint16_t>& masks) {
    const std::size_t groups = (x.cols + 15) / 16;
    masks.assign(groups * stride, 0);
    for (std::size_t b = 0; b < x.rows; ++b) {
        const float* row = x.row(b);
        for (std::size_t g = 0; g < groups; ++g) {
            const std::size_t left = x.cols - 16 * g;
            const __mmask16 valid = left >= 16 ? 0xffff : static_cast<__mmask16>((1u << left) - 1u);
            masks[g * stride + b] =
                _mm512_mask_cmpneq_ps_mask(valid, _mm512_maskz_loadu_ps(valid, row + 16 * g), _mm512_setzero_ps());
        }
    }
}

// Writes the rows b of x whose columns [p, p + R) are not all 0 into `active` (which has 16
// entries of slack), from nonzero_masks; returns how many.
template <int R>
std::size_t nonzero_rows(const std::uint16_t* masks, std::size_t stride, std::size_t p, std::uint32_t* active) {
    std::size_t count = 0;
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (std::size_t b = 0; b < stride; b += 32) {
        __mmask32 nonzero = 0;
        for (int r = 0; r < R; ++r) {
            const std::size_t column = p + r;
            const __m512i bit = _mm512_set1_epi16(static_cast<short>(1u << (column % 16)));
            nonzero |= _mm512_test_epi16_mask(_mm512_loadu_si512(masks + (column / 16) * stride + b), bit);
        }
        for (unsigned half = 0; half < 2; ++half) {
            const auto rows = static_cast<__mmask16>(nonzero >> (16 * half));
            const __m512i index = _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<int>(b + 16 * half)));
            _mm512_storeu_si512(active + count, _mm512_maskz_compress_epi32(rows, index));
            count += static_cast<std::size_t>(__builtin_popcount(rows));
        }
    }
    return count;
}

// Columns [begin, end) of x, in blocks of R, times one panel whose rows go with x's rows:
//   c[p - begin][:] = Σ_b x_bp wt[b][:]  (c: a row per column of x, ldc floats apart).
template <int R, int T>
void columns_times_panel(ConstMatrixView x, const std::uint16_t* masks, std::size_t stride, std::size_t begin,
                         std::size_t end, const float* wt, float* c, std::size_t ldc, std::size_t cols,
                         std::uint32_t* active) {
    const Slice whole{0, x.rows, true, true};
    std::size_t p = begin;
    for (; p + R <= end; p += R) {
        const std::size_t count = nonzero_rows<R>(masks, stride, p, active);
        block_times_panel<R, T>(x.data + p, 1, x.cols, wt, active, count, whole, nullptr, 1.0f, 0.0f,
                                c + (p - begin) * ldc, ldc, cols);
    }
    for (; p < end; ++p) {
        const std::size_t count = nonzero_rows<1>(masks, stride, p, active);
        block_times_panel<1, T>(x.data + p, 1, x.cols, wt, active, count, whole, nullptr, 1.0f, 0.0f,
                                c + (p - begin) * ldc, ldc, cols);
    }
}

// work(part, begin, end) over [0, m) in ranges of `chunk` (a multiple of every block's rows),
// on `parts` threads (this one is part 0): each takes the next range not yet taken, so that a
// thread slowed by something else on its core leaves more of the work to the others. With one
// part, the whole of [0, m) at once.
template <typename F>
void in_parts(std::size_t m, std::size_t parts, std::size_t chunk, F&& work) {
    if (parts <= 1) {
        work(0, 0, m);
        return;
    }
    std::atomic<std::size_t> next{0};
    auto run = [&](std::size_t part) {
        for (std::size_t begin; (begin = next.fetch_add(chunk)) < m;) work(part, begin, std::min(m, begin + chunk));
    };
    std::vector<std::thread> helpers;
    for (std::size_t part = 1; part < parts; ++part) helpers.emplace_back(run, part);
    run(0);
    for (auto& h : helpers) h.join();
}

// How many threads share a product of m rows (of the result) and this many dense multiply-adds.
std::size_t parts_for(std::size_t m, double dense_work, int threads) {
    const bool share = m >= kMinRowsToShare && dense_work >= kMinWorkToShare;
    return share ? static_cast<std::size_t>(std::max(threads, 1)) : 1;
}

// to[q][i] = from[i][q] for i < rows, q < cols of a tile of up to 16 × 16 (row strides in floats),
// in registers: pairs of rows interleaved, then pairs of pairs, then the 4 × 4 grid of 128-bit
// lanes. Rows past `rows` read as 0; `lanes` says which of the 16 floats of each written row of
// `to` are stored (all: the zeros past `rows` too).
void transpose_tile(const float* from, std::size_t from_stride, float* to, std::size_t to_stride,
                    std::size_t rows = 16, std::size_t cols = 16, __mmask16 lanes = 0xffff) {
    const auto first = [](std::size_t count) { return static_cast<__mmask16>((1u << count) - 1u); };
    const __mmask16 in_row = first(cols);
    __m512 r[16], t[16];
    for (std::size_t i = 0; i < 16; ++i)  // a zero mask reads nothing: no access past the tile
        r[i] = _mm512_maskz_loadu_ps(i < rows ? in_row : __mmask16{0}, from + i * from_stride);
    for (int i = 0; i < 8; ++i) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // r[4g + c], lane L = column 4L + c of rows 4g .. 4g+3.
    for (int g = 0; g < 4; ++g) {
        const __m512d t0 = _mm512_castps_pd(t[4 * g]), t1 = _mm512_castps_pd(t[4 * g + 1]);
        const __m512d t2 = _mm512_castps_pd(t[4 * g + 2]), t3 = _mm512_castps_pd(t[4 * g + 3]);
        r[4 * g + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
        r[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
        r[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
        r[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
    }
    auto store = [&](std::size_t q, __m512 v) {
        _mm512_mask_storeu_ps(to + q * to_stride, q < cols ? lanes : __mmask16{0}, v);
    };
    for (int c = 0; c < 4; ++c) {
        const __m512 ab_lo = _mm512_shuffle_f32x4(r[c], r[4 + c], _MM_SHUFFLE(1, 0, 1, 0));
        const __m512 ab_hi = _mm512_shuffle_f32x4(r[c], r[4 + c], _MM_SHUFFLE(3, 2, 3, 2));
        const __m512 cd_lo = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], _MM_SHUFFLE(1, 0, 1, 0));
        const __m512 cd_hi = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], _MM_SHUFFLE(3, 2, 3, 2));
        store(0 + c, _mm512_shuffle_f32x4(ab_lo, cd_lo, _MM_SHUFFLE(2, 0, 2, 0)));
        store(4 + c, _mm512_shuffle_f32x4(ab_lo, cd_lo, _MM_SHUFFLE(3, 1, 3, 1)));
        store(8 + c, _mm512_shuffle_f32x4(ab_hi, cd_hi, _MM_SHUFFLE(2, 0, 2, 0)));
        store(12 + c, _mm512_shuffle_f32x4(ab_hi, cd_hi, _MM_SHUFFLE(3, 1, 3, 1)));
    }
}

// At least half of the first rows' entries are 0 (a cheap look before committing to skipping).
bool mostly_zeros(ConstMatrixView a) {
    const std::size_t rows = std::min<std::size_t>(a.rows, 16), n = rows * a.cols;
    std::size_t zeros = 0;
    for (std::size_t i = 0; i < n; ++i) zeros += a.data[i] == 0.0f;
    return 2 * zeros >= n;
}

// Panels of 112 columns: panel q holds columns [112 q, 112 q + width) of the product as `depth`
// rows of 16 · vectors floats, zero-padded.
std::size_t panel_count(std::size_t n) { return (n + kPanelWidth - 1) / kPanelWidth; }
std::size_t panel_columns(std::size_t n, std::size_t q) { return std::min(kPanelWidth, n - q * kPanelWidth); }

// b (n × depth) transposed into panels: panel[p][j] = b[first + j][p], in tiles of 16 × 16
// transposed in registers; the tiles at the edges write the panel's zero padding too.
void pack_transposed(ConstMatrixView b, std::vector<float>& packed) {
    const std::size_t n = b.rows, depth = b.cols;
    hold(packed, depth * panel_count(n) * kPanelWidth);
    for (std::size_t q = 0; q < panel_count(n); ++q) {
        const std::size_t first = q * kPanelWidth, cols = panel_columns(n, q), stride = (cols + 15) / 16 * 16;
        float* panel = packed.data() + q * depth * kPanelWidth;
        for (std::size_t p0 = 0; p0 < depth; p0 += 16)
            for (std::size_t j = 0; j < cols; j += 16)
                transpose_tile(b.row(first + j) + p0, b.cols, panel + p0 * stride + j, stride,
                               std::min<std::size_t>(16, cols - j), std::min<std::size_t>(16, depth - p0));
    }
}

// scale · d (depth × n) as it is into panels: panel[p][j] = scale · d[p][first + j].
void pack_scaled(ConstMatrixView d, float scale, std::vector<float>& packed) {
    const std::size_t depth = d.rows, n = d.cols;
    hold(packed, depth * panel_count(n) * kPanelWidth);
    for (std::size_t q = 0; q < panel_count(n); ++q) {
        const std::size_t first = q * kPanelWidth, cols = panel_columns(n, q), stride = (cols + 15) / 16 * 16;
        float* panel = packed.data() + q * depth * kPanelWidth;
        for (std::size_t p = 0; p < depth; ++p) {
            const float* from = d.row(p) + first;
            float* row = panel + p * stride;
            for (std::size_t j = 0; j < cols; ++j) row[j] = scale * from[j];
            std::fill(row + cols, row + stride, 0.0f);
        }
    }
}

// to[j * to_stride + i] = from[i][j]: fromᵀ into `to`'s rows, in tiles of up to 16 × 16.
void transpose(ConstMatrixView from, float* to, std::size_t to_stride) {
    const std::size_t rows = from.rows, cols = from.cols;
    for (std::size_t i0 = 0; i0 < rows; i0 += 16) {
        const std::size_t rows_here = std::min<std::size_t>(16, rows - i0);
        const auto lanes = static_cast<__mmask16>((1u << rows_here) - 1u);
        for (std::size_t j0 = 0; j0 < cols; j0 += 16)
            transpose_tile(from.row(i0) + j0, cols, to + j0 * to_stride + i0, to_stride, rows_here,
                           std::min<std::size_t>(16, cols - j0), lanes);
    }
}

// c (m × n) = alpha · a (m × depth) · (the packed depth × n matrix) + beta · c. Rows are shared
// between the threads in ranges of kRowsPerChunk when there are enough, each with its own list.
void multiply_packed(float alpha, ConstMatrixView a, const std::vector<float>& packed, float beta, MatrixView c,
                     std::vector<std::uint32_t>& active, std::vector<float>& partial, int threads) {
    const std::size_t m = c.rows, n = c.cols, depth = a.cols;
    const std::size_t parts =
        parts_for(m, static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(depth), threads);
    hold(active, parts * (depth + 16));
    hold(partial, m * kPanelWidth);
    in_parts(m, parts, kRowsPerChunk, [&](std::size_t part, std::size_t begin, std::size_t end) {
        for (std::size_t q = 0; q < panel_count(n); ++q) {
            const std::size_t cols = panel_columns(n, q), vectors = (cols + 15) / 16;
            // Slices of the depth whose rows of the panel fill about kSliceBytes, when it is large.
            const std::size_t row_bytes = 64 * vectors;
            const std::size_t slice_rows = depth * row_bytes > 2 * kSliceBytes
                                               ? std::max<std::size_t>(16, kSliceBytes / row_bytes / 16 * 16)
                                               : depth;
            for (std::size_t first = 0; first < depth; first += slice_rows) {
                const Slice slice{first, std::min(slice_rows, depth - first), first == 0, first + slice_rows >= depth};
                with_block_shape(vectors, [&](auto R, auto T) {
                    rows_times_panel<R, T>(a, begin, end, packed.data() + q * depth * kPanelWidth, slice,
                                           partial.data(), alpha, beta, c.data + q * kPanelWidth, n, cols,
                                           active.data() + part * (depth + 16));
                });
            }
        }
    });
}

}  // namespace

bool gemm_skip_zeros(float alpha, ConstMatrixView a, ConstMatrixView b, float beta, MatrixView c,
                     GemmScratch& scratch, int threads) {
    const std::size_t m = c.rows, n = c.cols, k = a.cols;
    if (m < kMinRows || k == 0) return false;
    // Few columns: sgemm is poor at this shape whatever x holds. More: only worth it for sparse x.
    if (n > 32 && !mostly_zeros(a)) return false;
    pack_transposed(b, scratch.packed);
    multiply_packed(alpha, a, scratch.packed, beta, c, scratch.columns, scratch.partial, threads);
    return true;
}

bool gemm_skip_zeros_weight_gradient(float alpha, ConstMatrixView delta, ConstMatrixView x, MatrixView c,
                                     GemmScratch& scratch, int threads) {
    const std::size_t batch = x.rows, k = x.cols, n = delta.cols;
    if (k < kMinRows || batch < kMinGradientBatch || !mostly_zeros(x)) return false;
    // Which examples have pixel p, as bits per pixel (the examples of a block of pixels are then
    // a few bit tests away, without transposing x).
    const std::size_t stride = (batch + 31) / 32 * 32;
    nonzero_masks(x, stride, scratch.masks);
    // (∂C/∂W)ᵀ = xᵀ (α delta): a row per pixel, over the examples that have it, for kStagePixels
    // pixels at a time, each such piece then transposed into its columns of c while in cache.
    pack_scaled(delta, alpha, scratch.packed);
    const std::size_t parts =
        parts_for(k, static_cast<double>(k) * static_cast<double>(n) * static_cast<double>(batch), threads);
    hold(scratch.columns, parts * (stride + 16));
    hold(scratch.product, parts * kStagePixels * n);
    in_parts(k, parts, kRowsPerChunk, [&](std::size_t part, std::size_t begin, std::size_t end) {
        float* stage = scratch.product.data() + part * kStagePixels * n;
        for (std::size_t first = begin; first < end; first += kStagePixels) {
            const std::size_t last = std::min(end, first + kStagePixels);
            for (std::size_t q = 0; q < panel_count(n); ++q) {
                const std::size_t cols = panel_columns(n, q);
                with_block_shape((cols + 15) / 16, [&](auto R, auto T) {
                    columns_times_panel<R, T>(x, scratch.masks.data(), stride, first, last,
                                              scratch.packed.data() + q * batch * kPanelWidth, stage + q * kPanelWidth,
                                              n, cols, scratch.columns.data() + part * (stride + 16));
                });
            }
            transpose(ConstMatrixView{stage, last - first, n}, c.data + first, k);
        }
    });
    return true;
}

bool skipping_products_built() { return true; }


#else

bool skipping_products_built() { return false; }
bool gemm_skip_zeros(float, ConstMatrixView, ConstMatrixView, float, MatrixView, GemmScratch&, int) { return false; }
bool gemm_skip_zeros_weight_gradient(float, ConstMatrixView, ConstMatrixView, MatrixView, GemmScratch&, int) {
    return false;
}

#endif

}  // namespace digitnet

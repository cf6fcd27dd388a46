// im2col and its adjoint, and the change between one row per position and one plane per filter.
#include "kernels/im2col.hpp"

#include <algorithm>
#include <thread>
#include <vector>

namespace digitnet {

// dst[0, kw) = src[0, kw), with kw known to the compiler for the common kernel widths.
static inline void copy_kernel_row(const float* src, float* dst, std::size_t kw) {
    switch (kw) {
        case 3: for (std::size_t k = 0; k < 3; ++k) dst[k] = src[k]; return;
        case 5: for (std::size_t k = 0; k < 5; ++k) dst[k] = src[k]; return;
        default: for (std::size_t k = 0; k < kw; ++k) dst[k] = src[k];
    }
}

// work(begin, end) over the images [0, n), shared by num_threads() threads when there are enough.
template <typename F>
static void for_images(std::size_t n, F&& work) {
    const std::size_t parts = n >= 16 ? std::min<std::size_t>(static_cast<std::size_t>(std::max(num_threads(), 1)), 8) : 1;
    if (parts <= 1) return work(std::size_t{0}, n);
    std::vector<std::thread> helpers;
    for (std::size_t p = 1; p < parts; ++p) helpers.emplace_back([&, p] { work(n * p / parts, n * (p + 1) / parts); });
    work(std::size_t{0}, n / parts);
    for (auto& h : helpers) h.join();
}

// The input row (or -1 in the padding) that output row `o` sees through kernel row `k`.
static long source_index(std::size_t o, std::size_t k, std::size_t stride, std::size_t pad, std::size_t size) {
    const long i = static_cast<long>(o * stride + k) - static_cast<long>(pad);
    return i >= 0 && i < static_cast<long>(size) ? i : -1;
}

void im2col(ConstMatrixView x, const ConvGeometry& g, MatrixView patches) {
    // x: (batch, C·H·W) -> patches: (batch·P, C·kh·kw)
    const std::size_t H = g.in.rows, W = g.in.cols, C = g.in.channels;
    const std::size_t kh = g.kernel_rows, kw = g.kernel_cols, P = g.positions();
    for_images(x.rows, [&](std::size_t first, std::size_t last) {
    for (std::size_t b = first; b < last; ++b) {
        const float* xb = x.row(b);
        for (std::size_t oy = 0; oy < g.out_rows; ++oy)
            for (std::size_t ox = 0; ox < g.out_cols; ++ox) {
                float* dst = patches.row(b * P + oy * g.out_cols + ox);
                const bool inside = oy * g.stride >= g.pad_top && oy * g.stride + kh <= H + g.pad_top &&
                                    ox * g.stride >= g.pad_left && ox * g.stride + kw <= W + g.pad_left;
                for (std::size_t c = 0; c < C; ++c)
                    for (std::size_t ky = 0; ky < kh; ++ky, dst += kw) {
                        if (inside) {  // the whole kernel row is in the image: one copy
                            const float* src = xb + (c * H + oy * g.stride + ky - g.pad_top) * W + ox * g.stride - g.pad_left;
                            copy_kernel_row(src, dst, kw);
                            continue;
                        }
                        const long iy = source_index(oy, ky, g.stride, g.pad_top, H);
                        for (std::size_t kx = 0; kx < kw; ++kx) {
                            const long ix = source_index(ox, kx, g.stride, g.pad_left, W);
                            dst[kx] = iy < 0 || ix < 0 ? 0.0f : xb[(c * H + static_cast<std::size_t>(iy)) * W + static_cast<std::size_t>(ix)];
                        }
                    }
            }
    }
    });
}

void col2im(ConstMatrixView grad_patches, const ConvGeometry& g, MatrixView grad_x) {
    // grad_patches: (batch·P, C·kh·kw) -> grad_x: (batch, C·H·W), overwritten
    const std::size_t H = g.in.rows, W = g.in.cols, C = g.in.channels;
    const std::size_t kh = g.kernel_rows, kw = g.kernel_cols, P = g.positions();
    for_images(grad_x.rows, [&](std::size_t first, std::size_t last) {
    std::fill(grad_x.row(first), grad_x.row(first) + (last - first) * grad_x.cols, 0.0f);
    for (std::size_t b = first; b < last; ++b) {
        float* gb = grad_x.row(b);
        for (std::size_t oy = 0; oy < g.out_rows; ++oy)
            for (std::size_t ox = 0; ox < g.out_cols; ++ox) {
                const float* src = grad_patches.row(b * P + oy * g.out_cols + ox);
                for (std::size_t c = 0; c < C; ++c)
                    for (std::size_t ky = 0; ky < kh; ++ky, src += kw) {
                        const long iy = source_index(oy, ky, g.stride, g.pad_top, H);
                        if (iy < 0) continue;
                        float* row = gb + (c * H + static_cast<std::size_t>(iy)) * W;
                        for (std::size_t kx = 0; kx < kw; ++kx) {
                            const long ix = source_index(ox, kx, g.stride, g.pad_left, W);
                            if (ix >= 0) row[ix] += src[kx];
                        }
                    }
            }
    }
    });
}

void positions_to_planes(ConstMatrixView positions, const float* biases, std::size_t P, MatrixView out) {
    // positions: (batch·P, F) -> out: (batch, F·P), plus biases[f]
    const std::size_t F = positions.cols;
    for_images(out.rows, [&](std::size_t first, std::size_t last) {
    for (std::size_t b = first; b < last; ++b) {
        float* o = out.row(b);
        for (std::size_t f = 0; f < F; ++f) {
            const float* src = positions.row(b * P) + f;
            const float bias = biases[f];
            float* plane = o + f * P;
            for (std::size_t p = 0; p < P; ++p) plane[p] = src[p * F] + bias;
        }
    }
    });
}

void planes_to_positions(ConstMatrixView planes, std::size_t P, MatrixView positions) {
    // planes: (batch, F·P) -> positions: (batch·P, F)
    const std::size_t F = positions.cols;
    for_images(planes.rows, [&](std::size_t first, std::size_t last) {
    for (std::size_t b = first; b < last; ++b) {
        const float* in = planes.row(b);
        for (std::size_t p = 0; p < P; ++p) {
            float* dst = positions.row(b * P + p);
            for (std::size_t f = 0; f < F; ++f) dst[f] = in[f * P + p];
        }
    }
    });
}

}  // namespace digitnet

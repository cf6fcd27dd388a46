#include "digitnet/augment.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>

#include "digitnet/error.hpp"
#include "digitnet/format.hpp"

namespace digitnet {

namespace {

// Normalised Gaussian kernel g[k] ∝ exp(-k² / 2σ²), k = -r..r with r = ⌈3σ⌉.
void gaussian_kernel(double sigma, std::vector<double>& g) {
    const int radius = std::max(1, static_cast<int>(std::ceil(3.0 * sigma)));
    g.resize(2 * static_cast<std::size_t>(radius) + 1);
    double sum = 0.0;
    for (int k = -radius; k <= radius; ++k) sum += g[static_cast<std::size_t>(k + radius)] = std::exp(-k * k / (2.0 * sigma * sigma));
    for (double& v : g) v /= sum;
}

// field ← α · (G_σ * field), separable: along rows (into tmp), then along columns; zero outside the image.
void smooth(std::vector<float>& field, std::size_t rows, std::size_t cols, const std::vector<double>& g, double alpha,
            std::vector<double>& tmp) {
    const long radius = static_cast<long>(g.size() / 2);
    const long R = static_cast<long>(rows), C = static_cast<long>(cols);
    tmp.resize(field.size());
    for (long i = 0; i < R; ++i)
        for (long j = 0; j < C; ++j) {
            double s = 0.0;
            for (long k = std::max(-radius, -j); k <= std::min(radius, C - 1 - j); ++k)
                s += g[static_cast<std::size_t>(k + radius)] * field[static_cast<std::size_t>(i * C + j + k)];
            tmp[static_cast<std::size_t>(i * C + j)] = s;
        }
    for (long i = 0; i < R; ++i)
        for (long j = 0; j < C; ++j) {
            double s = 0.0;
            for (long k = std::max(-radius, -i); k <= std::min(radius, R - 1 - i); ++k)
                s += g[static_cast<std::size_t>(k + radius)] * tmp[static_cast<std::size_t>((i + k) * C + j)];
            field[static_cast<std::size_t>(i * C + j)] = static_cast<float>(alpha * s);
        }
}

}  // namespace

// Each message names the field, and the flag of train that sets it where there is one (train
// checks its own, narrower, ranges first: --elastic-alpha 0..100, --elastic-sigma (0, 20]).
void validate(const AugmentOptions& o) {
    if (!(o.max_shift >= 0.0f && o.max_shift <= 1000.0f))
        throw Error("augment max_shift: expected 0..1000 pixels, found " + format_number(o.max_shift));
    if (!(o.max_rotation >= 0.0f && o.max_rotation <= 180.0f))
        throw Error("augment max_rotation: expected 0..180 degrees, found " + format_number(o.max_rotation));
    if (!(o.max_scale >= 0.0f && o.max_scale <= 0.9f))
        throw Error("augment max_scale (--augment-scale): expected 0..0.9, found " + format_number(o.max_scale));
    if (!(o.elastic_alpha >= 0.0f && o.elastic_alpha <= 1000.0f))
        throw Error("augment elastic_alpha (--elastic-alpha): expected 0..1000 pixels, found " +
                    format_number(o.elastic_alpha));
    if (!(o.elastic_sigma > 0.0f && o.elastic_sigma <= 100.0f))
        throw Error("augment elastic_sigma (--elastic-sigma): expected a value in (0, 100] pixels, found " +
                    format_number(o.elastic_sigma));
}

namespace {

// d = α (G_σ * u) into b.field_x and b.field_y; the kernel is made again only when σ changes.
void elastic_field(std::size_t rows, std::size_t cols, float alpha, float sigma, Rng& rng, AugmentBuffers& b) {
    b.field_x.resize(rows * cols);
    b.field_y.resize(rows * cols);
    for (float& v : b.field_x) v = static_cast<float>(rng.uniform(-1.0, 1.0));  // u_x ~ U(-1, 1)
    for (float& v : b.field_y) v = static_cast<float>(rng.uniform(-1.0, 1.0));  // u_y ~ U(-1, 1)
    if (b.kernel_sigma != static_cast<double>(sigma)) {
        gaussian_kernel(sigma, b.kernel);
        b.kernel_sigma = sigma;
    }
    smooth(b.field_x, rows, cols, b.kernel, alpha, b.smoothed_rows);
    smooth(b.field_y, rows, cols, b.kernel, alpha, b.smoothed_rows);
}

}  // namespace

void elastic_field(std::size_t rows, std::size_t cols, float alpha, float sigma, Rng& rng, std::vector<float>& dx,
                   std::vector<float>& dy) {
    AugmentBuffers b;
    elastic_field(rows, cols, alpha, sigma, rng, b);
    dx = std::move(b.field_x);
    dy = std::move(b.field_y);
}

void augment_batch(MatrixView x, std::size_t rows, std::size_t cols, Rng& rng, const AugmentOptions& options) {
    AugmentBuffers buffers;
    augment_batch(x, rows, cols, rng, options, buffers);
}

void augment_batch(MatrixView x, std::size_t rows, std::size_t cols, Rng& rng, const AugmentOptions& options,
                   AugmentBuffers& buffers) {
    validate(options);
    if (x.cols != rows * cols)
        throw Error("augment: images of " + std::to_string(rows) + "x" + std::to_string(cols) + " = " +
                    std::to_string(rows * cols) + " pixels expected, found rows of " + std::to_string(x.cols));
    const bool elastic = options.elastic_alpha > 0.0f;
    std::vector<float>& source = buffers.source;
    const std::vector<float>& field_x = buffers.field_x;
    const std::vector<float>& field_y = buffers.field_y;
    source.resize(rows * cols);
    const double cy = (static_cast<double>(rows) - 1.0) / 2.0, cx = (static_cast<double>(cols) - 1.0) / 2.0;
    for (std::size_t r = 0; r < x.rows; ++r) {
        float* image = x.row(r);
        std::copy(image, image + rows * cols, source.begin());
        const double background = *std::min_element(source.begin(), source.end());
        const double angle = rng.uniform(-1.0, 1.0) * options.max_rotation * std::numbers::pi / 180.0;
        const double dx = rng.uniform(-1.0, 1.0) * options.max_shift, dy = rng.uniform(-1.0, 1.0) * options.max_shift;
        // Drawn only when asked for, so that the images without it stay as they were, bit for bit
        // (multiplying by 1/1 = 1 is exact).
        const double scale = options.max_scale > 0.0f ? 1.0 + rng.uniform(-1.0, 1.0) * options.max_scale : 1.0;
        const double inv_scale = 1.0 / scale;
        if (elastic) elastic_field(rows, cols, options.elastic_alpha, options.elastic_sigma, rng, buffers);
        const double c = std::cos(angle), s = std::sin(angle);
        auto at = [&](double yy, double xx) -> double {
            if (yy < 0 || xx < 0 || yy >= static_cast<double>(rows) || xx >= static_cast<double>(cols)) return background;
            return source[static_cast<std::size_t>(yy) * cols + static_cast<std::size_t>(xx)];
        };
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < cols; ++j) {
                // p + d(p) - centre - shift, then R⁻¹ and 1/s, then back to image coordinates.
                const double ey = elastic ? field_y[i * cols + j] : 0.0, ex = elastic ? field_x[i * cols + j] : 0.0;
                const double yi = (static_cast<double>(i) + ey - cy - dy) * inv_scale;
                const double xj = (static_cast<double>(j) + ex - cx - dx) * inv_scale;
                const double sy = c * yi - s * xj + cy, sx = s * yi + c * xj + cx;
                // Bilinear: the four neighbours weighted by the fractional position.
                const double fy = std::floor(sy), fx = std::floor(sx);
                const double wy = sy - fy, wx = sx - fx;
                const double v = (1 - wy) * ((1 - wx) * at(fy, fx) + wx * at(fy, fx + 1)) +
                                 wy * ((1 - wx) * at(fy + 1, fx) + wx * at(fy + 1, fx + 1));
                image[i * cols + j] = static_cast<float>(v);
            }
    }
}

}  // namespace digitnet

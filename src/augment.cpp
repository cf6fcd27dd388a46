#include "digitnet/augment.hpp"

#include <cmath>
#include <numbers>
#include <vector>

namespace digitnet {

void augment_batch(MatrixView x, std::size_t rows, std::size_t cols, Rng& rng, const AugmentOptions& options) {
    std::vector<float> source(rows * cols);
    const double cy = (static_cast<double>(rows) - 1.0) / 2.0, cx = (static_cast<double>(cols) - 1.0) / 2.0;
    for (std::size_t r = 0; r < x.rows; ++r) {
        float* image = x.row(r);
        std::copy(image, image + rows * cols, source.begin());
        const double angle = rng.uniform(-1.0, 1.0) * options.max_rotation * std::numbers::pi / 180.0;
        const double dx = rng.uniform(-1.0, 1.0) * options.max_shift, dy = rng.uniform(-1.0, 1.0) * options.max_shift;
        const double c = std::cos(angle), s = std::sin(angle);
        // Inverse mapping: each output pixel (i, j) samples the source at R⁻¹((i, j) - centre - shift) + centre.
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < cols; ++j) {
                const double yi = static_cast<double>(i) - cy - dy, xj = static_cast<double>(j) - cx - dx;
                const double sy = c * yi - s * xj + cy, sx = s * yi + c * xj + cx;
                const double fy = std::floor(sy), fx = std::floor(sx);
                const double wy = sy - fy, wx = sx - fx;
                auto at = [&](double yy, double xx) -> double {
                    if (yy < 0 || xx < 0 || yy >= static_cast<double>(rows) || xx >= static_cast<double>(cols)) return 0.0;
                    return source[static_cast<std::size_t>(yy) * cols + static_cast<std::size_t>(xx)];
                };
                const double v = (1 - wy) * ((1 - wx) * at(fy, fx) + wx * at(fy, fx + 1)) +
                                 wy * ((1 - wx) * at(fy + 1, fx) + wx * at(fy + 1, fx + 1));
                image[i * cols + j] = static_cast<float>(v);
            }
    }
}

}  // namespace digitnet

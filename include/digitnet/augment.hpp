#pragma once
// Artificially expanded training data: each image of a mini-batch is moved a little at random
// — a shift of up to 2 pixels, a rotation of up to ±10°, optionally a change of size and an
// elastic distortion (Simard, Steinkraus & Platt 2003) — while its label stays the same. Random numbers come
// from the generator passed in, so the same seed gives the same images.
//
// Each output pixel p = (i, j) samples the original image (bilinearly) at
//   q = R⁻¹ (p + d(p) - centre - shift) / s + centre
// where R is the rotation, s the scale factor (s > 1 makes the digit larger) and d the elastic
// displacement field:
//   d = α · (G_σ * u),  u_x, u_y ~ Uniform(-1, 1) independently at every pixel,
// G_σ * u the field smoothed by a Gaussian of standard deviation σ (pixels). Small σ gives
// random jitter, large σ an almost rigid move; Simard used σ = 4 and α = 34 on 29×29 images.
// Samples outside the image read the image's background (its smallest value).
#include <cstddef>
#include <vector>

#include "digitnet/matrix.hpp"
#include "digitnet/random.hpp"

namespace digitnet {

struct AugmentOptions {
    float max_shift = 2.0f;         // pixels, uniform in [-max_shift, max_shift] on each axis
    float max_rotation = 10.0f;     // degrees, uniform in [-max_rotation, max_rotation]
    float max_scale = 0.0f;         // s uniform in [1 - max_scale, 1 + max_scale] (0 = off, no draw)
    float elastic_alpha = 0.0f;     // α: scale of the smoothed displacement field (0 = off)
    float elastic_sigma = 4.0f;     // σ: smoothness of the field, in pixels
};

// Throws Error naming the option for a negative shift, rotation or α, a scale outside [0, 0.9],
// or σ outside (0, 100].
void validate(const AugmentOptions& options);

// The scratch memory augment_batch needs: a copy of the source image, the two displacement
// fields, the Gaussian kernel and the smoothing's intermediate. A trainer keeps one, so that the
// hot loop allocates only when the image size or σ changes.
struct AugmentBuffers {
    std::vector<float> source, field_x, field_y;
    std::vector<double> kernel, smoothed_rows;
    double kernel_sigma = 0.0;  // σ the kernel was made for (0: none yet)
};

// x: (batch, rows*cols); each row is replaced by its transformed image (bilinear sampling).
// Throws Error when x's width is not rows*cols or the options are invalid. The second form
// reuses the caller's buffers; the results are the same.
void augment_batch(MatrixView x, std::size_t rows, std::size_t cols, Rng& rng, const AugmentOptions& options = {});
void augment_batch(MatrixView x, std::size_t rows, std::size_t cols, Rng& rng, const AugmentOptions& options,
                   AugmentBuffers& buffers);

// One elastic displacement field d = α (G_σ * u) for a rows×cols image: dx and dy each get
// rows*cols values (row-major). Draws 2·rows·cols uniforms from rng (all of u_x, then u_y).
void elastic_field(std::size_t rows, std::size_t cols, float alpha, float sigma, Rng& rng, std::vector<float>& dx,
                   std::vector<float>& dy);

}  // namespace digitnet

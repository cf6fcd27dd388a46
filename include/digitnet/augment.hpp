#pragma once
// Artificially expanded training data: each image of a mini-batch is moved a little at random
// — a shift of up to 2 pixels, a rotation of up to ±10°, a small elastic distortion — while
// its label stays the same. Random numbers come from the generator passed in.
#include <cstddef>

#include "digitnet/matrix.hpp"
#include "digitnet/random.hpp"

namespace digitnet {

struct AugmentOptions {
    float max_shift = 2.0f;         // pixels
    float max_rotation = 10.0f;     // degrees
    float elastic_alpha = 0.0f;     // displacement strength in pixels (0 = off)
    float elastic_sigma = 4.0f;     // smoothness of the displacement field
};

// x: (batch, rows*cols); each row is replaced by its transformed image (bilinear sampling).
void augment_batch(MatrixView x, std::size_t rows, std::size_t cols, Rng& rng, const AugmentOptions& options = {});

}  // namespace digitnet

#pragma once
// What a Trainer keeps for its fast mini-batch gather and augmentation (train.hpp keeps it opaque).
#include <optional>

#include "digitnet/augment.hpp"
#include "digitnet/train.hpp"
#include "kernels/pixel_bytes.hpp"

namespace digitnet {

struct Trainer::Workspace {
    // The training images as bytes, when they are (mini-batches are gathered from these).
    std::optional<PixelBytes> train_bytes;
    // Scratch memory for the augmented images, reused from one mini-batch to the next.
    AugmentBuffers augment_buffers;
};

}  // namespace digitnet

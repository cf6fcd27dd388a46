#pragma once
// What a Trainer keeps for its fast mini-batch gather (train.hpp keeps it opaque).
#include <optional>

#include "digitnet/train.hpp"
#include "kernels/pixel_bytes.hpp"

namespace digitnet {

struct Trainer::Workspace {
    // The training images as bytes, when they are (mini-batches are gathered from these).
    std::optional<PixelBytes> train_bytes;
};

}  // namespace digitnet

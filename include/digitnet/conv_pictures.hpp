#pragma once
// Seeing inside a convolutional network (Nielsen ch. 6's pictures of the learned filters):
//   - each convolution's kernels as tiles, one per (filter, input channel), on a blue - white - red
//     scale: what pattern each filter looks for;
//   - each convolution's output for one image (its feature maps), one grey tile per filter.
#include <cstddef>

#include "digitnet/image.hpp"
#include "digitnet/network.hpp"

namespace digitnet {

// Whether the network has a convolutional layer (what the two pictures below need).
bool has_convolutions(const Network& network);

// Every conv layer of a --net network, top to bottom: a row of its filters' kh × kw kernels
// (one tile per filter and input channel). Throws Error for a network without convolutions.
RgbImage draw_filters(const Network& network);

// One example `pixels` (the network's input size, values in [0, 1], encoded as the network
// encodes them) pushed through the network; every conv layer's F output planes as grey tiles,
// layer after layer. Throws Error for a network without convolutions.
RgbImage draw_feature_maps(Network& network, const float* pixels);

}  // namespace digitnet

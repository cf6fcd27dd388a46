#pragma once
// 3Blue1Brown's picture of a network looking at one image: the input pixels, each hidden
// layer's activations as grey neurons (black = 0, white = 1), and the output layer as bars, the
// answer picked out (`digitnet predict MODEL IMAGE --activations out.png`). A convolutional
// network's dense part is drawn so, with its feature maps for the image below (conv_pictures.hpp).
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "digitnet/image.hpp"
#include "digitnet/network.hpp"
#include "digitnet/plot.hpp"

namespace digitnet {

struct NetworkPicture {
    RgbImage image;
    // Where each part went: "input", "hidden 1", ..., "output", left to right, then "feature maps"
    // below them for a convolutional network.
    std::vector<std::string> panel_names;
    std::vector<PlotBox> panels;
    int answer = 0;                  // the class the network answered
    std::vector<float> outputs;      // the output layer's activations
};

// Forward-propagates one image (rows x cols pixels in [0, 1], ink = 1, as preprocessed for the
// network; encoded as the network encodes inputs) and draws it. Sigmoid (and softmax) neurons
// are shown on their own scale, 0..1; others (ReLU, identity, tanh) scaled to the layer's
// largest |a|, which the panel names. Throws Error when the pixels do not fit the network.
NetworkPicture draw_network_activations(Network& network, std::span<const float> pixels, std::size_t rows,
                                        std::size_t cols, const std::string& title = "");

}  // namespace digitnet

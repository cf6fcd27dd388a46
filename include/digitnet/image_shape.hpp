#pragma once
// How an image sits in a row of a matrix. Every tensor in digitnet keeps one example per row;
// for a convolutional layer that row is an image of `channels` planes, each `rows` × `cols`,
// stored plane after plane and, within a plane, row after row:
//   value (c, y, x) of example b is at  row b, column (c · rows + y) · cols + x
// (PyTorch's NCHW order). An MNIST digit is 1 × 28 × 28: its 784 pixels in reading order, the
// same row an MLP takes, so flattening an image moves no data.
#include <cstddef>
#include <string>

namespace digitnet {

struct ImageShape {
    std::size_t channels = 1, rows = 28, cols = 28;
    std::size_t size() const { return channels * rows * cols; }
    std::size_t plane() const { return rows * cols; }
    bool operator==(const ImageShape&) const = default;
    // "20×12×12"
    std::string describe() const;
};

}  // namespace digitnet

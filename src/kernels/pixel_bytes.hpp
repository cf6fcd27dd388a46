#pragma once
// Internal to the library: the trainer gathers its mini-batches through it.
// Images kept as bytes, pixel = byte / 255 (what IDX and CSV files hold): a quarter of the memory
// of float pixels, and a quarter of the memory traffic when a shuffled mini-batch gathers its
// rows from all over the training set (a gather that waits on memory, not on arithmetic).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "digitnet/matrix.hpp"
#include "digitnet/network.hpp"

namespace digitnet {

class PixelBytes {
public:
    // The images as bytes when every pixel is exactly b / 255.0f for a byte b (how the loaders
    // scale them); nullopt for any other image (preprocessed, or not from bytes).
    static std::optional<PixelBytes> from_pixels(ConstMatrixView images);

    std::size_t rows() const { return rows_; }
    std::size_t cols() const { return cols_; }
    const std::uint8_t* row(std::size_t i) const { return bytes_.get() + i * cols_; }

    // x (resized to indices.size() × cols) row r = image indices[r] as floats, b / 255.0f:
    // exactly the pixels from_pixels() was given.
    void gather(std::span<const std::uint32_t> indices, Matrix& x) const;

private:
    struct Free {
        void operator()(std::uint8_t* p) const;
    };
    std::unique_ptr<std::uint8_t[], Free> bytes_;
    std::size_t rows_ = 0, cols_ = 0;
};

// A network's encoded mini-batch gathered from the images kept as bytes: exactly the x and y
// Network::encode_batch gives from the float pixels, from a quarter of the memory.
void encode_batch(const Network& network, const PixelBytes& pixels, std::span<const std::uint8_t> labels,
                  std::span<const std::uint32_t> indices, Matrix& x, Matrix& y);

// out[i] = bytes[i] / 255.0f for n bytes (correctly rounded, as the loaders compute it).
void bytes_to_pixels(const std::uint8_t* bytes, std::size_t n, float* out);

}  // namespace digitnet

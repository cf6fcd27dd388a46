// Fuzz target for image decoding and digit preprocessing: the input is an image file
// (PNG, JPEG, BMP or PGM). Bad input must end in digitnet::Error, never a crash, a hang or
// a huge allocation; what decodes must preprocess to 784 values in [0, 1] or be called blank.
#include <cstddef>
#include <cstdint>
#include <span>

#include "digitnet/error.hpp"
#include "digitnet/image.hpp"
#include "digitnet/preprocess.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const digitnet::GrayImage image = digitnet::decode_image(std::span<const std::uint8_t>(data, size), "input");
        if (image.width == 0 || image.height == 0 || image.pixels.size() != image.width * image.height) __builtin_trap();
        if (image.width * image.height > digitnet::kMaxImagePixels) __builtin_trap();
        for (float v : image.pixels)
            if (!(v >= 0.0f && v <= 1.0f)) __builtin_trap();
        const std::vector<float> digit = digitnet::preprocess_digit(image);
        if (digit.size() != 784) __builtin_trap();
        for (float v : digit)
            if (!(v >= 0.0f && v <= 1.0f)) __builtin_trap();
    } catch (const digitnet::Error&) {
    }
    return 0;
}

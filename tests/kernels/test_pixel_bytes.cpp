// Images kept as bytes: exactly the pixels the loaders produce, and mini-batches gathered from
// them identical to those gathered from the floats.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "digitnet/network.hpp"
#include "kernels/pixel_bytes.hpp"
#include "digitnet/random.hpp"

using namespace digitnet;

namespace {

// n images of `cols` pixels, each b / 255.0f for a byte b (mostly 0, like handwriting).
Matrix byte_images(std::size_t n, std::size_t cols, Rng& rng) {
    Matrix images(n, cols);
    for (float& v : images)
        v = rng.uniform() < 0.8 ? 0.0f : static_cast<float>(rng.below(256)) / 255.0f;
    return images;
}

}  // namespace

TEST(PixelBytes, EveryByteBecomesExactlyByteOver255) {
    // 256 bytes then 19 more: the 16-at-a-time conversion and the one-at-a-time tail both.
    std::vector<std::uint8_t> bytes(256 + 19);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i % 256);
    std::vector<float> pixels(bytes.size());
    bytes_to_pixels(bytes.data(), bytes.size(), pixels.data());
    for (std::size_t i = 0; i < bytes.size(); ++i)
        EXPECT_EQ(pixels[i], static_cast<float>(bytes[i]) / 255.0f) << "byte " << int(bytes[i]);
}

TEST(PixelBytes, KeepsImagesThatAreBytesAndRefusesOthers) {
    Rng rng(5);
    Matrix images = byte_images(20, 784, rng);
    auto bytes = PixelBytes::from_pixels(images);
    ASSERT_TRUE(bytes.has_value());
    EXPECT_EQ(bytes->rows(), 20u);
    EXPECT_EQ(bytes->cols(), 784u);
    for (std::size_t i = 0; i < images.size(); ++i)
        EXPECT_EQ(static_cast<float>(bytes->row(0)[i]) / 255.0f, images.data()[i]);

    // Anything not exactly b / 255 (a preprocessed image, a value out of range, NaN) is refused.
    for (float odd : {0.5f / 255.0f, 0.3f, -0.0039215689f, 1.0001f, std::numeric_limits<float>::quiet_NaN()}) {
        Matrix changed = images;
        changed(7, 300) = odd;
        EXPECT_FALSE(PixelBytes::from_pixels(changed).has_value()) << odd;
    }
    Matrix negative_zero = images;
    negative_zero(3, 0) = -0.0f;  // == 0.0f, but not its bits
    EXPECT_FALSE(PixelBytes::from_pixels(negative_zero).has_value());
}

TEST(PixelBytes, MiniBatchesGatheredFromBytesEqualThoseFromFloats) {
    Rng rng(6);
    Matrix images = byte_images(300, 784, rng);
    std::vector<std::uint8_t> labels(300);
    for (auto& l : labels) l = static_cast<std::uint8_t>(rng.below(10));
    auto bytes = PixelBytes::from_pixels(images);
    ASSERT_TRUE(bytes.has_value());
    std::vector<std::uint32_t> indices(128);
    for (auto& i : indices) i = static_cast<std::uint32_t>(rng.below(300));

    for (float input_low : {0.0f, 0.01f}) {  // pixels as they are, and Rashid's 0.01..1.00
        Architecture a;
        a.sizes = {784, 30, 10};
        a.encoding.input_low = input_low;
        a.encoding.target_low = input_low;
        Network net(a);
        Matrix x_floats, y_floats, x_bytes, y_bytes;
        net.encode_batch(images, labels, indices, x_floats, y_floats);
        encode_batch(net, *bytes, labels, indices, x_bytes, y_bytes);
        ASSERT_EQ(x_bytes.rows(), 128u);
        ASSERT_EQ(x_bytes.cols(), 784u);
        EXPECT_TRUE(std::equal(x_floats.begin(), x_floats.end(), x_bytes.begin())) << input_low;
        EXPECT_TRUE(std::equal(y_floats.begin(), y_floats.end(), y_bytes.begin())) << input_low;
    }
}

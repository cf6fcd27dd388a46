#pragma once
// Images in and out: greyscale images read from PNG, JPEG, BMP or PGM files (through
// stb_image), RGB images for plots, PNG writing, and a text rendering for the terminal.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace digitnet {

// A greyscale image as read from a file: row-major, pixel (x, y) at pixels[y * width + x],
// 0 = black, 1 = white.
struct GrayImage {
    std::size_t width = 0;
    std::size_t height = 0;
    std::vector<float> pixels;

    float at(std::size_t x, std::size_t y) const { return pixels[y * width + x]; }
};

struct Rgb {
    std::uint8_t r = 0, g = 0, b = 0;
    friend bool operator==(const Rgb&, const Rgb&) = default;
};

// An 8-bit RGB image: row-major, three bytes (r, g, b) per pixel.
struct RgbImage {
    std::size_t width = 0;
    std::size_t height = 0;
    std::vector<std::uint8_t> rgb;

    RgbImage() = default;
    RgbImage(std::size_t w, std::size_t h, Rgb fill = {255, 255, 255});

    Rgb get(std::size_t x, std::size_t y) const {
        const std::uint8_t* p = &rgb[(y * width + x) * 3];
        return {p[0], p[1], p[2]};
    }
    void set(std::size_t x, std::size_t y, Rgb c) {
        std::uint8_t* p = &rgb[(y * width + x) * 3];
        p[0] = c.r;
        p[1] = c.g;
        p[2] = c.b;
    }
};

// Files larger than this many pixels are refused before they are decoded.
inline constexpr std::size_t kMaxImagePixels = 40'000'000;

// Reads a PNG, JPEG, BMP or PGM/PPM file as greyscale. Colour becomes luminance; a
// transparent pixel is composited over white: v = alpha * grey + (1 - alpha) * 1.
// The size is read from the header first: over kMaxImagePixels, an empty image, a file
// over 400 MB or one stb_image cannot read throws digitnet::Error naming the path and the
// reason. JPEG Huffman tables are checked before stb_image parses them.
GrayImage load_image(const std::string& path);

// The same on a file already in memory; `name` only appears in error messages.
GrayImage decode_image(std::span<const std::uint8_t> bytes, const std::string& name);

// Writes an 8-bit PNG atomically (temporary file in the same folder, then rename).
// Grey values are clamped to [0, 1] and stored as round(255 * v).
void write_png(const std::string& path, const RgbImage& image);
void write_png(const std::string& path, const GrayImage& image);

// The PNG file's bytes, without writing them anywhere.
std::vector<std::uint8_t> encode_png(const RgbImage& image);

// Each pixel repeated factor x factor times (nearest neighbour). factor must be 1..64.
GrayImage upscale(const GrayImage& image, int factor);

// Text picture of a rows x cols image, one line per image row, two characters per pixel
// from the shade ramp " ", "░", "▒", "▓", "█": 0 is background, 1 is full ink (the MNIST
// convention). Values are clamped to [0, 1]; each line ends with '\n'.
std::string render_terminal(const float* pixels, std::size_t rows, std::size_t cols);

}  // namespace digitnet

// Image files through stb_image / stb_image_write (implementations in stb_impl.cpp).
#include "digitnet/image.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include <stb_image.h>
#include <stb_image_write.h>

#include "digitnet/error.hpp"
#include "digitnet/file_io.hpp"

namespace digitnet {

namespace {

constexpr const char* kExpectedFormats = "a PNG, JPEG, BMP or PGM image";

struct StbFree {
    void operator()(stbi_uc* p) const { stbi_image_free(p); }
};
using StbPixels = std::unique_ptr<stbi_uc, StbFree>;

std::string stb_reason() {
    const char* reason = stbi_failure_reason();
    return reason ? reason : "unknown reason";
}

// The header's size against the limits, before anything is decoded.
void check_header(const std::string& name, int width, int height) {
    if (width <= 0 || height <= 0) {
        throw Error(name + ": expected " + kExpectedFormats + " with at least one pixel, found " +
                    std::to_string(width) + "x" + std::to_string(height));
    }
    const std::size_t pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    if (pixels > kMaxImagePixels) {
        throw Error(name + ": the image is " + std::to_string(width) + "x" + std::to_string(height) +
                    " = " + std::to_string(pixels) + " pixels; expected at most " +
                    std::to_string(kMaxImagePixels));
    }
}

// Files with alpha are decoded as (grey, alpha) pairs so transparency can be composited
// over white; the rest as plain grey.
int wanted_channels(int file_channels) { return (file_channels == 2 || file_channels == 4) ? 2 : 1; }

// stb's 8-bit samples to [0, 1]; with alpha: v = a * g + (1 - a) * 1 (over white paper).
GrayImage to_gray(const stbi_uc* data, int width, int height, int channels) {
    GrayImage image;
    image.width = static_cast<std::size_t>(width);
    image.height = static_cast<std::size_t>(height);
    const std::size_t n = image.width * image.height;
    image.pixels.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const float grey = data[i * channels] / 255.0f;
        if (channels == 2) {
            const float alpha = data[i * 2 + 1] / 255.0f;
            image.pixels[i] = alpha * grey + (1.0f - alpha);
        } else {
            image.pixels[i] = grey;
        }
    }
    return image;
}

void append_bytes(void* context, void* data, int size) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(context);
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    out->insert(out->end(), bytes, bytes + size);
}

}  // namespace

RgbImage::RgbImage(std::size_t w, std::size_t h, Rgb fill) : width(w), height(h), rgb(w * h * 3) {
    for (std::size_t i = 0; i < w * h; ++i) {
        rgb[i * 3] = fill.r;
        rgb[i * 3 + 1] = fill.g;
        rgb[i * 3 + 2] = fill.b;
    }
}

GrayImage load_image(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw Error(path + ": expected " + kExpectedFormats + ", found a folder");
    }
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) {
        throw Error(path + ": cannot open image file (" + std::strerror(errno) + ")");
    }
    int width = 0, height = 0, file_channels = 0;
    if (!stbi_info_from_file(file.get(), &width, &height, &file_channels)) {
        throw Error(path + ": expected " + kExpectedFormats + ", stb_image cannot read it (" +
                    stb_reason() + ")");
    }
    check_header(path, width, height);
    const int channels = wanted_channels(file_channels);
    StbPixels data(stbi_load_from_file(file.get(), &width, &height, &file_channels, channels));
    if (!data) {
        throw Error(path + ": expected " + kExpectedFormats + ", stb_image cannot decode it (" +
                    stb_reason() + ")");
    }
    check_header(path, width, height);
    return to_gray(data.get(), width, height, channels);
}

GrayImage decode_image(std::span<const std::uint8_t> bytes, const std::string& name) {
    if (bytes.empty()) {
        throw Error(name + ": expected " + kExpectedFormats + ", found an empty file");
    }
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
        throw Error(name + ": expected an image file under 2 GiB, found " + std::to_string(bytes.size()) +
                    " bytes");
    }
    const int length = static_cast<int>(bytes.size());
    int width = 0, height = 0, file_channels = 0;
    if (!stbi_info_from_memory(bytes.data(), length, &width, &height, &file_channels)) {
        throw Error(name + ": expected " + kExpectedFormats + ", stb_image cannot read it (" +
                    stb_reason() + ")");
    }
    check_header(name, width, height);
    const int channels = wanted_channels(file_channels);
    StbPixels data(stbi_load_from_memory(bytes.data(), length, &width, &height, &file_channels, channels));
    if (!data) {
        throw Error(name + ": expected " + kExpectedFormats + ", stb_image cannot decode it (" +
                    stb_reason() + ")");
    }
    check_header(name, width, height);
    return to_gray(data.get(), width, height, channels);
}

std::vector<std::uint8_t> encode_png(const RgbImage& image) {
    if (image.width == 0 || image.height == 0 || image.width > INT_MAX / 3 ||
        image.height > static_cast<std::size_t>(INT_MAX)) {
        throw Error("PNG: expected an image of 1..(2^31/3) x 1..2^31 pixels, found " +
                    std::to_string(image.width) + "x" + std::to_string(image.height));
    }
    if (image.rgb.size() != image.width * image.height * 3) {
        throw Error("PNG: expected " + std::to_string(image.width * image.height * 3) +
                    " bytes of RGB for a " + std::to_string(image.width) + "x" +
                    std::to_string(image.height) + " image, found " + std::to_string(image.rgb.size()));
    }
    std::vector<std::uint8_t> bytes;
    const int w = static_cast<int>(image.width);
    const int h = static_cast<int>(image.height);
    if (!stbi_write_png_to_func(&append_bytes, &bytes, w, h, 3, image.rgb.data(), w * 3)) {
        throw Error("PNG: stb_image_write could not encode a " + std::to_string(image.width) + "x" +
                    std::to_string(image.height) + " image");
    }
    return bytes;
}

void write_png(const std::string& path, const RgbImage& image) {
    write_file_atomic(path, std::span<const std::uint8_t>(encode_png(image)));
}

void write_png(const std::string& path, const GrayImage& image) {
    if (image.pixels.size() != image.width * image.height) {
        throw Error(path + ": expected " + std::to_string(image.width * image.height) +
                    " grey values for a " + std::to_string(image.width) + "x" +
                    std::to_string(image.height) + " image, found " + std::to_string(image.pixels.size()));
    }
    RgbImage rgb(image.width, image.height);
    for (std::size_t i = 0; i < image.pixels.size(); ++i) {
        const float v = std::clamp(image.pixels[i], 0.0f, 1.0f);  // NaN stays NaN: mapped to 0 below
        const auto byte = static_cast<std::uint8_t>(v >= 0.0f ? v * 255.0f + 0.5f : 0.0f);
        rgb.rgb[i * 3] = rgb.rgb[i * 3 + 1] = rgb.rgb[i * 3 + 2] = byte;
    }
    write_png(path, rgb);
}

GrayImage upscale(const GrayImage& image, int factor) {
    if (factor < 1 || factor > 64) {
        throw Error("upscale: expected a factor in 1..64, found " + std::to_string(factor));
    }
    const auto f = static_cast<std::size_t>(factor);
    GrayImage out;
    out.width = image.width * f;
    out.height = image.height * f;
    out.pixels.resize(out.width * out.height);
    for (std::size_t y = 0; y < out.height; ++y) {
        for (std::size_t x = 0; x < out.width; ++x) {
            out.pixels[y * out.width + x] = image.pixels[(y / f) * image.width + x / f];
        }
    }
    return out;
}

std::string render_terminal(const float* pixels, std::size_t rows, std::size_t cols) {
    static constexpr const char* kRamp[] = {" ", "░", "▒", "▓", "█"};
    std::string out;
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cols; ++c) {
            const float v = pixels[r * cols + c];
            const float clamped = v > 0.0f ? std::min(v, 1.0f) : 0.0f;  // NaN -> 0
            const int level = static_cast<int>(clamped * 4.0f + 0.5f);
            out += kRamp[level];
            out += kRamp[level];
        }
        out += '\n';
    }
    return out;
}

}  // namespace digitnet

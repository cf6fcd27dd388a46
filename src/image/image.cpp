// Image files through stb_image / stb_image_write (implementations in stb_impl.cpp).
#include "digitnet/image.hpp"

#include <algorithm>
#include <climits>
#include <initializer_list>
#include <iterator>
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

// stb_image's reason, escaped: for an unknown PNG chunk it quotes the chunk's four type bytes.
std::string stb_reason() {
    const char* reason = stbi_failure_reason();
    return reason ? escape_text(reason, 80) : "unknown reason";
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

// A file larger than this is not read at all (a 40-megapixel image stored without
// compression, 16-bit RGBA, is 320 MB).
constexpr std::size_t kMaxImageFileBytes = std::size_t{400} << 20;

// JPEG Huffman tables (DHT segment, marker FF C4): after the 2-byte length, tables of
// 1 byte class/id, 16 bytes of code counts per length, then sum(counts) symbol bytes.
// A table has at most 256 symbols; stb_image 2.27 does not check this and writes past its
// arrays, so such files are refused here, before stb_image sees them.
bool dht_segment_ok(std::span<const std::uint8_t> bytes, std::size_t length_at) {
    // Past the end of the data stb_image reads zeros; so does this check.
    auto byte_at = [&bytes](std::size_t i) -> long { return i < bytes.size() ? bytes[i] : 0; };
    long remaining = ((byte_at(length_at) << 8) | byte_at(length_at + 1)) - 2;
    std::size_t pos = length_at + 2;
    while (remaining > 0) {
        const long table_class = byte_at(pos) >> 4, table_id = byte_at(pos) & 15;
        if (table_class > 1 || table_id > 3) return true;  // stb_image refuses it itself
        long symbols = 0;
        for (std::size_t i = 1; i <= 16; ++i) symbols += byte_at(pos + i);
        if (symbols > 256) return false;
        pos += 17 + static_cast<std::size_t>(symbols);
        remaining -= 17 + symbols;
    }
    return true;
}

// Walks the JPEG's segments (FF marker, 2-byte big-endian length) up to the first scan
// (SOS, FF DA), checking each DHT; from the scan data on, where segments cannot be told
// from data without decoding, every FF C4 is checked as if it began a DHT segment (in
// valid scan data FF is only ever followed by 00 or a restart marker FF D0..D7).
void check_jpeg_huffman_tables(std::span<const std::uint8_t> bytes, const std::string& name) {
    // Start of image: FF D8, after any number of FF fill bytes (as stb_image accepts it).
    std::size_t pos = 0;
    while (pos < bytes.size() && bytes[pos] == 0xFF) ++pos;
    if (pos == 0 || pos >= bytes.size() || bytes[pos] != 0xD8) return;  // not a JPEG
    ++pos;
    auto refuse = [&name] {
        throw Error(name + ": expected a JPEG Huffman table of at most 256 codes, found more (corrupt JPEG)");
    };
    while (pos < bytes.size() && bytes[pos] == 0xFF) {
        while (pos < bytes.size() && bytes[pos] == 0xFF) ++pos;  // fill bytes
        if (pos >= bytes.size()) return;
        const std::uint8_t marker = bytes[pos++];
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
        if (marker == 0xC4 && !dht_segment_ok(bytes, pos)) refuse();
        if (marker == 0xD9 || pos + 2 > bytes.size()) return;  // end of image or of the data
        pos += static_cast<std::size_t>((bytes[pos] << 8) | bytes[pos + 1]);
        if (marker == 0xDA) break;  // scan data follows
    }
    for (std::size_t i = std::min(pos, bytes.size()); i + 1 < bytes.size(); ++i) {
        if (bytes[i] == 0xFF && bytes[i + 1] == 0xC4 && !dht_segment_ok(bytes, i + 2)) refuse();
    }
}

// PNG: an 8-byte signature, then chunks of a 4-byte big-endian length, a 4-byte type, the
// data and a 4-byte CRC, up to IEND. stb_image grows its buffer to a chunk's claimed
// length before reading it, so a chunk claiming more bytes than the file has left is
// refused here first.
void check_png_chunks(std::span<const std::uint8_t> bytes, const std::string& name) {
    static constexpr std::uint8_t kSignature[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (bytes.size() < 8 || !std::equal(std::begin(kSignature), std::end(kSignature), bytes.begin())) return;
    std::size_t pos = 8;
    while (pos + 8 <= bytes.size()) {
        const std::size_t length = (std::size_t{bytes[pos]} << 24) | (std::size_t{bytes[pos + 1]} << 16) |
                                   (std::size_t{bytes[pos + 2]} << 8) | bytes[pos + 3];
        const std::string type(bytes.begin() + static_cast<std::ptrdiff_t>(pos + 4),
                               bytes.begin() + static_cast<std::ptrdiff_t>(pos + 8));
        const std::size_t left = bytes.size() - pos - 8;
        if (length > left) {
            throw Error(name + ": PNG chunk " + quote_text(type) + " claims " + std::to_string(length) +
                        " bytes, but the file has " + std::to_string(left) + " left (truncated or corrupt PNG)");
        }
        if (type == "IEND") return;
        pos += 12 + length;
    }
}

// PGM/PPM header: "P5" or "P6", then width, height and maxval as decimal numbers separated
// by whitespace and "#" comments. stb_image 2.27 accumulates these in an int without an
// overflow check, so a number of 100000000 or more is refused here first; and it reads
// 16-bit samples (maxval > 255) in the wrong byte order, so those files are refused too.
void check_pnm_header(std::span<const std::uint8_t> bytes, const std::string& name) {
    if (bytes.size() < 2 || bytes[0] != 'P' || (bytes[1] != '5' && bytes[1] != '6')) return;
    auto is_space = [](std::uint8_t c) { return c == ' ' || (c >= '\t' && c <= '\r'); };
    std::size_t pos = 2;
    for (int number = 0; number < 3; ++number) {
        for (;;) {  // whitespace and comments
            while (pos < bytes.size() && is_space(bytes[pos])) ++pos;
            if (pos >= bytes.size() || bytes[pos] != '#') break;
            while (pos < bytes.size() && bytes[pos] != '\n' && bytes[pos] != '\r') ++pos;
        }
        long value = 0;
        for (; pos < bytes.size() && bytes[pos] >= '0' && bytes[pos] <= '9'; ++pos) {
            value = value * 10 + (bytes[pos] - '0');
            if (value >= 100'000'000) {
                throw Error(name + ": expected PGM/PPM header numbers below 100000000, found a larger one (corrupt file)");
            }
        }
        if (number == 2 && value > 255) {
            throw Error(name + ": expected an 8-bit PGM/PPM (maxval at most 255), found maxval " +
                        std::to_string(value) + " (16-bit samples are not supported)");
        }
    }
}

// A header may claim far more pixels than the file could hold; such a file is refused
// before anything is allocated for it. Least bytes per pixel: BMP 1 bit (1 bpp palette),
// PGM/PPM 1 byte (binary P5/P6, maxval <= 255), PNG 1 bit after deflate, whose output is at
// most 1032 times its input. JPEG has no such bound (only the 40-megapixel limit applies).
void check_size_against_file(std::span<const std::uint8_t> bytes, const std::string& name, int width,
                             int height) {
    const std::size_t pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
    auto starts_with = [&bytes](std::initializer_list<std::uint8_t> magic) {
        return bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes.begin());
    };
    std::size_t max_pixels = 0;
    const char* format = nullptr;
    if (starts_with({'B', 'M'})) {
        format = "BMP";
        max_pixels = 8 * bytes.size();
    } else if (starts_with({'P', '5'}) || starts_with({'P', '6'})) {
        format = "PGM/PPM";
        max_pixels = bytes.size();
    } else if (starts_with({0x89, 'P', 'N', 'G'})) {
        format = "PNG";
        max_pixels = 8 * 1032 * bytes.size();
    } else {
        return;
    }
    if (pixels > max_pixels) {
        throw Error(name + ": the " + format + " header says " + std::to_string(width) + "x" + std::to_string(height) +
                    " pixels, but the file has only " + std::to_string(bytes.size()) +
                    " bytes; expected a file that can hold them (truncated or corrupt?)");
    }
}

// stb_image's 8-bit samples, in the file's own channels (1 grey, 2 grey + alpha, 3 RGB,
// 4 RGBA), to [0, 1]. Colour becomes luminance y = 0.299 r + 0.587 g + 0.114 b; alpha a
// is composited over white paper: v = a y + (1 - a). The conversion is done here rather
// than by stb_image's req_comp, whose 16-bit PGM path in version 2.27 reads out of bounds.
GrayImage to_gray(const stbi_uc* data, int width, int height, int channels) {
    GrayImage image;
    image.width = static_cast<std::size_t>(width);
    image.height = static_cast<std::size_t>(height);
    const std::size_t n = image.width * image.height;
    const auto c = static_cast<std::size_t>(channels);
    image.pixels.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const stbi_uc* p = data + i * c;
        const float y = c >= 3 ? (0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]) / 255.0f : p[0] / 255.0f;
        const bool has_alpha = c == 2 || c == 4;
        const float a = has_alpha ? p[c - 1] / 255.0f : 1.0f;
        image.pixels[i] = std::clamp(a * y + (1.0f - a), 0.0f, 1.0f);
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
    return decode_image(read_file(path, kMaxImageFileBytes), path);
}

GrayImage decode_image(std::span<const std::uint8_t> bytes, const std::string& name) {
    if (bytes.empty()) {
        throw Error(name + ": expected " + kExpectedFormats + ", found an empty file");
    }
    if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
        throw Error(name + ": expected an image file under 2 GiB, found " + std::to_string(bytes.size()) +
                    " bytes");
    }
    check_jpeg_huffman_tables(bytes, name);
    check_pnm_header(bytes, name);
    check_png_chunks(bytes, name);
    const int length = static_cast<int>(bytes.size());
    int width = 0, height = 0, file_channels = 0;
    if (!stbi_info_from_memory(bytes.data(), length, &width, &height, &file_channels)) {
        throw Error(name + ": expected " + kExpectedFormats + ", stb_image cannot read it (" +
                    stb_reason() + ")");
    }
    // A BMP whose rows are stored top-down has a negative height; stb_image reports it as it
    // is, and decodes it the right way up. (The most negative int has no positive counterpart,
    // and stb_image refuses it.)
    if (bytes[0] == 'B' && bytes.size() > 1 && bytes[1] == 'M' && height < 0 && height != INT_MIN) height = -height;
    check_header(name, width, height);
    check_size_against_file(bytes, name, width, height);
    int channels = 0;
    StbPixels data(stbi_load_from_memory(bytes.data(), length, &width, &height, &channels, 0));
    if (!data) {
        throw Error(name + ": expected " + kExpectedFormats + ", stb_image cannot decode it (" +
                    stb_reason() + ")");
    }
    check_header(name, width, height);
    if (channels < 1 || channels > 4) {
        throw Error(name + ": expected 1 to 4 channels, stb_image found " + std::to_string(channels));
    }
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

// IDX files, the format of the MNIST distribution (http://yann.lecun.com/exdb/mnist/):
//
//   offset  type     value
//   0       u32 BE   magic: 0x00000803 (unsigned bytes, 3 dims) or 0x00000801 (1 dim)
//   4       u32 BE   dims[0] = n examples
//   8       u32 BE   dims[1] = rows      (images only)
//   12      u32 BE   dims[2] = columns   (images only)
//   4+4*d   u8[]     n * rows * cols pixels, row-major, 0 = background, 255 = ink
//                    (or n labels 0..9)
//
// The file holds exactly header + product(dims) bytes; anything else is an error. A path
// ending in .gz is decompressed through zlib, reading no more than the header promises, and
// only when that is at most kIdxMaxBytes and at most kGzipMaxExpansion times the compressed
// size (dataset.hpp). Folders, FIFOs and devices are refused before they are opened.
#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>
#include <zlib.h>

#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"
#include "digitnet/file_io.hpp"

namespace digitnet {
namespace {

struct IdxKind {
    std::uint32_t magic;
    std::size_t dims;
    const char* what;
};
constexpr IdxKind kImages{0x00000803, 3, "IDX images"};
constexpr IdxKind kLabels{0x00000801, 1, "IDX labels"};

struct IdxHeader {
    std::array<std::size_t, 3> dims{};  // n, rows, cols (labels: n only)
    std::size_t header_bytes = 0;       // 4 + 4 * number of dims
    std::size_t total_bytes = 0;        // header_bytes + product(dims)
};

std::string hex32(std::uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08X", static_cast<unsigned>(v));
    return buf;
}

std::uint32_t read_be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
           std::uint32_t{p[3]};
}

[[noreturn]] void truncated(const std::string& name, std::size_t expected, std::size_t found) {
    throw Error(name + ": truncated file: expected " + std::to_string(expected) + " bytes, found " +
                std::to_string(found));
}

// Reads and checks the header only; `bytes` may be just its first bytes. The size of the
// data is computed with overflow checks, so nothing is allocated from unchecked numbers.
IdxHeader parse_header(std::span<const std::uint8_t> bytes, const std::string& name, const IdxKind& kind) {
    if (bytes.size() < 4) truncated(name, 4 + 4 * kind.dims, bytes.size());
    std::uint32_t magic = read_be32(bytes.data());
    if (magic != kind.magic) {
        // gzip data starts 1F 8B: a compressed file whose name does not end in .gz.
        const char* hint = (magic >> 16) == 0x1F8B ? " (gzip data: name the file *.gz)" : "";
        throw Error(name + ": not an " + kind.what + " file: expected magic number " + hex32(kind.magic) +
                    ", found " + hex32(magic) + hint);
    }
    IdxHeader h;
    h.header_bytes = 4 + 4 * kind.dims;
    if (bytes.size() < h.header_bytes) truncated(name, h.header_bytes, bytes.size());
    std::size_t product = 1;
    std::string shape;
    for (std::size_t i = 0; i < kind.dims; ++i) {
        h.dims[i] = read_be32(bytes.data() + 4 + 4 * i);
        shape += (i ? " x " : "") + std::to_string(h.dims[i]);
        if (__builtin_mul_overflow(product, h.dims[i], &product))
            throw Error(name + ": header dimensions " + shape + " are too large (their product overflows)");
    }
    if (kind.dims == 3 && (h.dims[1] == 0 || h.dims[2] == 0))
        throw Error(name + ": header gives images of " + std::to_string(h.dims[1]) + " x " +
                    std::to_string(h.dims[2]) + " pixels, expected at least 1 x 1");
    if (__builtin_add_overflow(product, h.header_bytes, &h.total_bytes))
        throw Error(name + ": header dimensions " + shape + " are too large (their product overflows)");
    return h;
}

// The header agrees with the file size: exactly header + product(dims) bytes.
void check_size(const IdxHeader& h, std::size_t found, const std::string& name) {
    if (found < h.total_bytes) truncated(name, h.total_bytes, found);
    if (found > h.total_bytes)
        throw Error(name + ": file size disagrees with its header: expected " + std::to_string(h.total_bytes) +
                    " bytes, found " + std::to_string(found));
}

struct GzCloser {
    void operator()(gzFile_s* f) const { gzclose(f); }
};

// A .gz file: the decompressed size is unknown up front, so read the header first and check
// what it promises against the limits, then read at most that, in chunks (the buffer grows
// only with data actually decompressed), then make sure the stream ends there.
std::vector<std::uint8_t> read_gz(const std::string& path, const IdxKind& kind) {
    std::uint64_t compressed = 0;
    const int fd = open_regular_file(path, &compressed);
    std::unique_ptr<gzFile_s, GzCloser> f(gzdopen(fd, "rb"));
    if (!f) {
        ::close(fd);
        throw Error(path + ": cannot read it as gzip data (out of memory)");
    }
    auto read_more = [&](std::vector<std::uint8_t>& bytes, std::size_t want) {
        std::size_t old = bytes.size();
        bytes.resize(old + want);
        int n = gzread(f.get(), bytes.data() + old, static_cast<unsigned>(want));
        if (n < 0) {
            int code = 0;
            throw Error(path + ": corrupt gzip data: " + gzerror(f.get(), &code));
        }
        bytes.resize(old + static_cast<std::size_t>(n));
        return n;
    };
    std::vector<std::uint8_t> bytes;
    const std::size_t header_bytes = 4 + 4 * kind.dims;
    while (bytes.size() < header_bytes && read_more(bytes, header_bytes - bytes.size()) > 0) {}
    IdxHeader h = parse_header(bytes, path, kind);
    if (h.total_bytes > kIdxMaxBytes)
        throw Error(path + ": its header promises " + std::to_string(h.total_bytes) +
                    " bytes of data, over the limit of " + std::to_string(kIdxMaxBytes) + " bytes for one IDX file");
    if (h.total_bytes / kGzipMaxExpansion > compressed)
        throw Error(path + ": its header promises " + std::to_string(h.total_bytes) + " bytes from " +
                    std::to_string(compressed) + " bytes of gzip data, more than " + std::to_string(kGzipMaxExpansion) +
                    " times its size (real MNIST files expand 2 to 5 times; so much more is the mark of a zip bomb). "
                    "If the file is genuine, decompress it and name the plain file");
    constexpr std::size_t kChunk = std::size_t{1} << 20;
    while (bytes.size() < h.total_bytes) {
        if (read_more(bytes, std::min(kChunk, h.total_bytes - bytes.size())) == 0) break;
    }
    std::uint8_t extra = 0;
    if (bytes.size() == h.total_bytes) {
        int n = gzread(f.get(), &extra, 1);
        if (n > 0)
            throw Error(path + ": decompresses to more than the " + std::to_string(h.total_bytes) +
                        " bytes its header promises");
        if (n < 0) {
            int code = 0;
            throw Error(path + ": corrupt gzip data: " + gzerror(f.get(), &code));
        }
    }
    return bytes;  // a short stream is reported by parse_idx as truncated
}

std::vector<std::uint8_t> read_idx_file(const std::string& path, const IdxKind& kind) {
    bool gz = path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    return gz ? read_gz(path, kind) : read_file(path, kIdxMaxBytes);
}

}  // namespace

Dataset parse_idx(std::span<const std::uint8_t> images, std::span<const std::uint8_t> labels,
                  const std::string& images_name, const std::string& labels_name) {
    IdxHeader ih = parse_header(images, images_name, kImages);
    check_size(ih, images.size(), images_name);
    IdxHeader lh = parse_header(labels, labels_name, kLabels);
    check_size(lh, labels.size(), labels_name);

    const std::size_t n = ih.dims[0];
    if (lh.dims[0] != n)
        throw Error(images_name + " holds " + std::to_string(n) + " images but " + labels_name + " holds " +
                    std::to_string(lh.dims[0]) + " labels");
    const std::uint8_t* label_bytes = labels.data() + lh.header_bytes;
    for (std::size_t i = 0; i < n; ++i)
        if (label_bytes[i] > 9)
            throw Error(labels_name + ": label at index " + std::to_string(i) + " is " +
                        std::to_string(label_bytes[i]) + ", expected 0..9");

    Dataset d;
    d.image_rows = ih.dims[1];
    d.image_cols = ih.dims[2];
    d.labels.assign(label_bytes, label_bytes + n);
    // pixel value v (0..255) -> v / 255 in [0, 1], through a table of the 256 values.
    std::array<float, 256> scale{};
    for (int v = 0; v < 256; ++v) scale[v] = static_cast<float>(v) / 255.0f;
    d.images.resize(n, d.image_rows * d.image_cols);
    const std::uint8_t* pixels = images.data() + ih.header_bytes;
    float* out = d.images.data();
    for (std::size_t i = 0, count = d.images.size(); i < count; ++i) out[i] = scale[pixels[i]];
    return d;
}

Dataset load_idx(const std::string& images_path, const std::string& labels_path) {
    std::vector<std::uint8_t> images = read_idx_file(images_path, kImages);
    std::vector<std::uint8_t> labels = read_idx_file(labels_path, kLabels);
    return parse_idx(images, labels, images_path, labels_path);
}

}  // namespace digitnet

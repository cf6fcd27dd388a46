// What a file is, from its first bytes (see file_kind.hpp).
#include "digitnet/file_kind.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "digitnet/error.hpp"
#include "digitnet/file_io.hpp"

namespace digitnet {

namespace {

bool starts_with(std::span<const std::uint8_t> head, std::initializer_list<std::uint8_t> magic) {
    return head.size() >= magic.size() && std::equal(magic.begin(), magic.end(), head.begin());
}

// safetensors: an 8-byte little-endian header length, then the JSON header's '{'.
bool looks_like_safetensors(std::span<const std::uint8_t> head) {
    if (head.size() < 9) return false;
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | head[static_cast<std::size_t>(i)];
    return n >= 2 && n < (std::uint64_t{1} << 40) && head[8] == '{';
}

bool text_like(std::span<const std::uint8_t> head) {
    return !head.empty() && std::all_of(head.begin(), head.end(), [](std::uint8_t c) {
        return c == '\n' || c == '\r' || c == '\t' || (c >= 32 && c < 127) || c >= 128;
    });
}

}  // namespace

std::string file_kind(std::span<const std::uint8_t> head) {
    if (starts_with(head, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'})) return "a PNG image";
    if (starts_with(head, {0xff, 0xd8, 0xff})) return "a JPEG image";
    if (starts_with(head, {'G', 'I', 'F', '8'})) return "a GIF image";
    if (starts_with(head, {'B', 'M'}) && head.size() >= 14) return "a BMP image";
    if (head.size() >= 3 && head[0] == 'P' && head[1] >= '1' && head[1] <= '6' &&
        (head[2] == '\n' || head[2] == ' ' || head[2] == '\r' || head[2] == '\t'))
        return "a PGM/PPM image";
    if (starts_with(head, {0x1f, 0x8b})) return "a gzip file";
    if (starts_with(head, {0x00, 0x00, 0x08, 0x03})) return "an IDX image file";
    if (starts_with(head, {0x00, 0x00, 0x08, 0x01})) return "an IDX label file";
    if (looks_like_safetensors(head)) return "a safetensors file";
    if (text_like(head)) {
        const auto first = std::find_if(head.begin(), head.end(), [](std::uint8_t c) { return c > ' '; });
        if (first != head.end() && (*first == '{' || *first == '[')) return "a JSON file";
        return "a CSV or text file";
    }
    return "";
}

std::string file_kind_of(const std::string& path) {
    // Through open_regular_file: a FIFO or a device is refused (naming what it is), never waited on.
    const int fd = open_regular_file(path);
    std::vector<std::uint8_t> head(16);
    const ssize_t got = ::read(fd, head.data(), head.size());
    ::close(fd);
    head.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return file_kind(head);
}

void require_model_file(const std::string& path) {
    const std::string kind = file_kind_of(path);
    if (kind.empty() || kind == "a safetensors file") return;
    throw Error(path + ": not a safetensors model file; it looks like " + kind +
                " (a model is the file written by digitnet train -o)");
}

}  // namespace digitnet

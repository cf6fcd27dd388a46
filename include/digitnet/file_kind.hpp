#pragma once
// What a file is, from its first bytes, so that a file given in the wrong place gets a message
// that says so ("digit.png: not a safetensors model file; it looks like a PNG image") rather
// than one about the format it was read as.
#include <cstdint>
#include <span>
#include <string>

namespace digitnet {

// "a PNG image", "a JPEG image", "a BMP image", "a GIF image", "a PGM/PPM image", "a gzip file",
// "an IDX image file", "an IDX label file", "a safetensors file", "a JSON file", "a CSV or text
// file", or "" when the bytes match none of these. `head` is the file's first bytes (16 are enough).
std::string file_kind(std::span<const std::uint8_t> head);

// The same for a file on disk. Throws Error naming the path when it is not a regular file
// (open_regular_file: a FIFO or device is never waited on) or cannot be opened.
std::string file_kind_of(const std::string& path);

// Throws Error "PATH: not a safetensors model file; it looks like a PNG image" when the file
// plainly is something else. Does nothing for a file it cannot read or recognise (the loader
// then reports what it finds).
void require_model_file(const std::string& path);

}  // namespace digitnet

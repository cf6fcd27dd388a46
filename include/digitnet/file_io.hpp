#pragma once
// Whole-file reading with a size cap, and atomic writing: the bytes go to a temporary file
// in the same folder, are flushed to disk, then renamed over the target, so a reader sees
// either the old file or the new one, never half of one.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace digitnet {

// The whole file. Throws digitnet::Error naming the path when it cannot be opened or read
// (with the OS reason), or when it holds more than max_bytes (checked before reading).
std::vector<std::uint8_t> read_file(const std::string& path, std::size_t max_bytes);

// Writes `bytes` to path + ".tmp-XXXXXX" (mkstemp), fsyncs it, renames it over `path`.
// A new file gets mode 0644; a replaced file keeps its mode. On any failure the temporary
// file is removed, an existing `path` is left as it was, and digitnet::Error names the path
// and the OS reason (a missing parent folder is named as such).
void write_file_atomic(const std::string& path, std::span<const std::uint8_t> bytes);
void write_file_atomic(const std::string& path, std::string_view text);

}  // namespace digitnet

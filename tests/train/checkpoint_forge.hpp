#pragma once
// For tests that forge checkpoints: reseal() recomputes the two checksums a checkpoint
// carries, as docs/reliability.md defines them, so that only the change a test made is wrong.
//   data_crc32      zlib's CRC-32 of the data section (the bytes after the header)
//   metadata_crc32  zlib's CRC-32 of every other metadata entry in key order, as key NUL value NUL
#include <zlib.h>

#include <cstdio>
#include <string>
#include <vector>

#include "digitnet/safetensors.hpp"

namespace digitnet::testing {

inline std::string hex32(unsigned long v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08lx", v & 0xffffffffUL);
    return buf;
}

inline void reseal(SafetensorsFile& file) {
    file.metadata.erase("data_crc32");
    file.metadata.erase("metadata_crc32");
    uLong meta = crc32(0L, Z_NULL, 0);
    for (const auto& [key, value] : file.metadata) {
        const std::string entry = key + std::string(1, '\0') + value + std::string(1, '\0');
        meta = crc32(meta, reinterpret_cast<const Bytef*>(entry.data()), static_cast<uInt>(entry.size()));
    }
    const std::vector<std::uint8_t> bytes = encode_safetensors(file);
    std::uint64_t header = 0;
    for (int i = 7; i >= 0; --i) header = (header << 8) | bytes[static_cast<std::size_t>(i)];
    const std::size_t begin = 8 + static_cast<std::size_t>(header);
    const uLong data = crc32(crc32(0L, Z_NULL, 0), bytes.data() + begin, static_cast<uInt>(bytes.size() - begin));
    file.metadata["data_crc32"] = hex32(data);
    file.metadata["metadata_crc32"] = hex32(meta);
}

}  // namespace digitnet::testing

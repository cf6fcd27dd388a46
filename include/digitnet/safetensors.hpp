#pragma once
// safetensors (https://github.com/huggingface/safetensors), the file format for model
// weights and checkpoints:
//
//   bytes [0, 8)        N, the header length, unsigned 64-bit little-endian
//   bytes [8, 8 + N)    a JSON object, padded with spaces to a multiple of 8 bytes:
//                         {"__metadata__": {"key": "value", ...},
//                          "name": {"dtype": "F32", "shape": [d0, d1, ...],
//                                   "data_offsets": [begin, end]}, ...}
//   bytes [8 + N, end)  the data section: each tensor's values, row-major, little-endian,
//                       at [begin, end) relative to the start of the data section.
//
// Tensors are written as F32 (integer tensors as I64) with contiguous offsets in the order
// given. Reading accepts F32, F64, F16 and BF16 (converted to float) and I64 (kept as
// integers) and refuses every other dtype by name.
#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace digitnet {

struct Tensor {
    std::string name;
    std::vector<std::size_t> shape;  // {} is a scalar (one value)
    std::vector<float> values;       // product(shape) values, row-major
    // An integer tensor, written and read as I64: its values are in `integers`, `values` is empty.
    bool is_integer = false;
    std::vector<std::int64_t> integers{};
};

struct SafetensorsFile {
    std::vector<Tensor> tensors;
    std::map<std::string, std::string> metadata;  // the "__metadata__" object
    // The tensor with this name, or nullptr.
    const Tensor* find(std::string_view name) const;
};

// Limits applied when reading, checked before anything is allocated for the data.
inline constexpr std::uint64_t kSafetensorsMaxHeaderBytes = 100'000'000;
inline constexpr std::uint64_t kSafetensorsMaxElements = 512ull << 20;  // per tensor
inline constexpr std::size_t kSafetensorsMaxFileBytes = std::size_t{2} << 30;

// The file's bytes. Throws digitnet::Error when a tensor's values do not match its shape,
// a value is NaN or infinite, a name is empty, repeated, "__metadata__" or not UTF-8.
std::vector<std::uint8_t> encode_safetensors(const SafetensorsFile& file);

// Parses and validates the bytes; `source_name` (usually the path) starts every error
// message. Tensors come back in data-section order. Throws digitnet::Error on anything
// malformed: see docs/reliability.md for the list of checks.
SafetensorsFile decode_safetensors(std::span<const std::uint8_t> bytes, const std::string& source_name);

// encode_safetensors + write_file_atomic.
void save_safetensors(const std::string& path, const SafetensorsFile& file);
// read_file (at most kSafetensorsMaxFileBytes) + decode_safetensors.
SafetensorsFile load_safetensors(const std::string& path);

}  // namespace digitnet

// Fuzz target for the safetensors decoder. The input is a whole file.
// Bad input must end in digitnet::Error, never a crash, a hang or a huge allocation.
// What decodes must survive encode -> decode unchanged.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "digitnet/error.hpp"
#include "digitnet/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    digitnet::SafetensorsFile file;
    try {
        file = digitnet::decode_safetensors(std::span<const std::uint8_t>(data, size), "fuzz input");
    } catch (const digitnet::Error&) {
        return 0;
    }
    for (const digitnet::Tensor& t : file.tensors) {
        std::size_t count = 1;
        for (std::size_t d : t.shape) count *= d;
        if (count != (t.is_integer ? t.integers.size() : t.values.size())) __builtin_trap();
        if (t.is_integer && !t.values.empty()) __builtin_trap();
        for (float v : t.values)
            if (!std::isfinite(v)) __builtin_trap();
    }
    // Everything decoded is valid input for the encoder, and comes back bit for bit.
    digitnet::SafetensorsFile again = digitnet::decode_safetensors(digitnet::encode_safetensors(file), "re-encoded");
    if (again.metadata != file.metadata || again.tensors.size() != file.tensors.size()) __builtin_trap();
    for (std::size_t i = 0; i < file.tensors.size(); ++i) {
        const digitnet::Tensor& a = file.tensors[i];
        const digitnet::Tensor& b = again.tensors[i];
        if (a.name != b.name || a.shape != b.shape || a.values.size() != b.values.size()) __builtin_trap();
        if (a.is_integer != b.is_integer || a.integers != b.integers) __builtin_trap();
        if (!a.values.empty() && std::memcmp(a.values.data(), b.values.data(), a.values.size() * sizeof(float)) != 0)
            __builtin_trap();
    }
    return 0;
}

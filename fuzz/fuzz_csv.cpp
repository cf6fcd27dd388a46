// Fuzz target for the CSV parser: the input is the text of a CSV file.
// Bad input must end in digitnet::Error, never a crash, a hang or a huge allocation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        digitnet::Dataset d = digitnet::parse_csv(text, "input.csv");
        // What parsed must be consistent.
        if (d.images.rows() != d.size() || d.images.cols() != 784) __builtin_trap();
        for (float v : d.images)
            if (!(v >= 0.0f && v <= 1.0f)) __builtin_trap();
        for (std::uint8_t label : d.labels)
            if (label > 9) __builtin_trap();
    } catch (const digitnet::Error&) {
    }
    return 0;
}

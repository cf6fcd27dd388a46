// Fuzz target for the CSV parser: the input is the text of a CSV file.
// Bad input must end in digitnet::Error, never a crash, a hang or a huge allocation.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "check_dataset.hpp"
#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        digitnet::Dataset d = digitnet::parse_csv(text, "input.csv");
        if (d.images.cols() != 784) __builtin_trap();
        check_dataset(d);
    } catch (const digitnet::Error&) {
    }
    return 0;
}

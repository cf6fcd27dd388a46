// Fuzz target for the IDX parser. Input layout: two bytes (big-endian) giving the length k
// of the images file, then k bytes of images file, then the labels file (the rest).
// Bad input must end in digitnet::Error, never a crash, a hang or a huge allocation.
#include <cstddef>
#include <cstdint>
#include <span>

#include "check_dataset.hpp"
#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    std::size_t k = (std::size_t{data[0]} << 8) | data[1];
    std::span<const std::uint8_t> rest(data + 2, size - 2);
    if (k > rest.size()) k = rest.size();
    try {
        digitnet::Dataset d = digitnet::parse_idx(rest.first(k), rest.subspan(k), "images", "labels");
        check_dataset(d);
    } catch (const digitnet::Error&) {
    }
    return 0;
}

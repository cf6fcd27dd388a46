#pragma once
// What a parser returned must be consistent: one row per label, pixels in [0, 1], labels 0..9.
// Shared by the IDX and CSV fuzz targets; a violation stops the fuzzer.
#include "digitnet/dataset.hpp"

inline void check_dataset(const digitnet::Dataset& d) {
    if (d.images.rows() != d.size() || d.images.cols() != d.features()) __builtin_trap();
    for (float v : d.images)
        if (!(v >= 0.0f && v <= 1.0f)) __builtin_trap();
    for (std::uint8_t label : d.labels)
        if (label > 9) __builtin_trap();
}

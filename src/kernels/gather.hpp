#pragma once
// Gathering a shuffled mini-batch's rows from all over a training set. The rows are scattered, so
// each is asked for from memory `ahead` rows before it is copied, and the copies do not wait on
// memory one row at a time. Internal to the library.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "digitnet/matrix.hpp"

namespace digitnet {

// For each r: asks for row indices[r + ahead] (row_bytes from row_start(i)), then copy_row(r).
template <class RowStart, class CopyRow>
void gather_prefetched(std::span<const std::uint32_t> indices, std::size_t ahead, std::size_t row_bytes,
                       RowStart row_start, CopyRow copy_row) {
    auto fetch = [&](std::size_t r) {
        const char* from = reinterpret_cast<const char*>(row_start(indices[r]));
        for (std::size_t byte = 0; byte < row_bytes; byte += 64) __builtin_prefetch(from + byte);
    };
    const std::size_t n = indices.size();
    for (std::size_t r = 0; r < std::min(n, ahead); ++r) fetch(r);
    for (std::size_t r = 0; r < n; ++r) {
        if (r + ahead < n) fetch(r + ahead);
        copy_row(r);
    }
}

// x (resized to indices.size() × source.cols) row r = source row indices[r].
inline void gather_rows(ConstMatrixView source, std::span<const std::uint32_t> indices, Matrix& x) {
    x.resize(indices.size(), source.cols);
    gather_prefetched(
        indices, 4, source.cols * sizeof(float), [&](std::uint32_t i) { return source.row(i); },
        [&](std::size_t r) { std::copy(source.row(indices[r]), source.row(indices[r]) + source.cols, x.row(r)); });
}

}  // namespace digitnet

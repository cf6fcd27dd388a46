#include "digitnet/matrix.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "digitnet/error.hpp"

namespace digitnet {

void Matrix::AlignedFree::operator()(float* p) const { std::free(p); }

static float* allocate_floats(std::size_t n) {
    if (n == 0) return nullptr;
    std::size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, bytes);
    if (!p) throw std::bad_alloc();
    return static_cast<float*>(p);
}

Matrix::Matrix(std::size_t rows, std::size_t cols) { resize(rows, cols); fill(0.0f); }

Matrix::Matrix(std::size_t rows, std::size_t cols, std::initializer_list<float> values) {
    if (values.size() != rows * cols)
        throw Error("Matrix: " + std::to_string(rows) + "x" + std::to_string(cols) + " needs " +
                    std::to_string(rows * cols) + " values, got " + std::to_string(values.size()));
    resize(rows, cols);
    std::copy(values.begin(), values.end(), data());
}

Matrix::Matrix(const Matrix& other) {
    resize(other.rows_, other.cols_);
    if (size()) std::memcpy(data(), other.data(), size() * sizeof(float));
}

Matrix& Matrix::operator=(const Matrix& other) {
    if (this != &other) {
        resize(other.rows_, other.cols_);
        if (size()) std::memcpy(data(), other.data(), size() * sizeof(float));
    }
    return *this;
}

Matrix::Matrix(Matrix&& other) noexcept
    : rows_(other.rows_), cols_(other.cols_), capacity_(other.capacity_), data_(std::move(other.data_)) {
    other.rows_ = other.cols_ = other.capacity_ = 0;
}

Matrix& Matrix::operator=(Matrix&& other) noexcept {
    if (this != &other) {
        rows_ = other.rows_;
        cols_ = other.cols_;
        capacity_ = other.capacity_;
        data_ = std::move(other.data_);
        other.rows_ = other.cols_ = other.capacity_ = 0;
    }
    return *this;
}

void Matrix::resize(std::size_t rows, std::size_t cols) {
    std::size_t n = rows * cols;
    if (n > capacity_) {
        data_.reset(allocate_floats(n));
        capacity_ = n;
    }
    rows_ = rows;
    cols_ = cols;
}

void Matrix::fill(float value) { std::fill(begin(), end(), value); }

}  // namespace digitnet

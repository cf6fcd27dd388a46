#pragma once
// Row-major float32 matrices: one example per row, so a mini-batch of inputs is a
// (batch, features) matrix and a layer multiplies the whole batch with one GEMM.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace digitnet {

// A non-owning view of `rows` contiguous rows of `cols` floats (e.g. a mini-batch slice).
struct ConstMatrixView {
    const float* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;
    const float* row(std::size_t r) const { return data + r * cols; }
    float operator()(std::size_t r, std::size_t c) const { return data[r * cols + c]; }
    std::size_t size() const { return rows * cols; }
};

struct MatrixView {
    float* data = nullptr;
    std::size_t rows = 0;
    std::size_t cols = 0;
    float* row(std::size_t r) const { return data + r * cols; }
    float& operator()(std::size_t r, std::size_t c) const { return data[r * cols + c]; }
    std::size_t size() const { return rows * cols; }
    operator ConstMatrixView() const { return {data, rows, cols}; }
};

// Owning matrix with 64-byte aligned storage. resize() keeps the allocation when the new
// shape fits, so buffers in hot loops are allocated once per shape.
class Matrix {
public:
    Matrix() = default;
    Matrix(std::size_t rows, std::size_t cols);  // zero-filled
    Matrix(std::size_t rows, std::size_t cols, std::initializer_list<float> values);  // row-major
    Matrix(const Matrix& other);
    Matrix& operator=(const Matrix& other);
    Matrix(Matrix&& other) noexcept;
    Matrix& operator=(Matrix&& other) noexcept;
    ~Matrix() = default;

    std::size_t rows() const { return rows_; }
    std::size_t cols() const { return cols_; }
    std::size_t size() const { return rows_ * cols_; }
    bool empty() const { return size() == 0; }

    float* data() { return data_.get(); }
    const float* data() const { return data_.get(); }
    float* row(std::size_t r) { return data_.get() + r * cols_; }
    const float* row(std::size_t r) const { return data_.get() + r * cols_; }
    float& operator()(std::size_t r, std::size_t c) { return data_[r * cols_ + c]; }
    float operator()(std::size_t r, std::size_t c) const { return data_[r * cols_ + c]; }
    float* begin() { return data(); }
    float* end() { return data() + size(); }
    const float* begin() const { return data(); }
    const float* end() const { return data() + size(); }

    // New shape; reuses the storage when it is large enough. Contents are unspecified
    // after a change of shape (use fill()).
    void resize(std::size_t rows, std::size_t cols);
    void fill(float value);

    operator ConstMatrixView() const { return {data(), rows_, cols_}; }
    operator MatrixView() { return {data(), rows_, cols_}; }
    ConstMatrixView view() const { return *this; }
    MatrixView view() { return *this; }
    // Rows [begin, begin + count) as a view.
    ConstMatrixView rows_view(std::size_t begin, std::size_t count) const {
        return {row(begin), count, cols_};
    }
    MatrixView rows_view(std::size_t begin, std::size_t count) { return {row(begin), count, cols_}; }

private:
    struct AlignedFree {
        void operator()(float* p) const;
    };
    std::size_t rows_ = 0;
    std::size_t cols_ = 0;
    std::size_t capacity_ = 0;
    std::unique_ptr<float[], AlignedFree> data_;
};

// Working memory for the product digitnet computes itself (below): Bᵀ packed, and the columns of A
// in use. A caller that multiplies again and again (a layer) keeps one, so that it is allocated once.
struct GemmScratch {
    std::vector<float> packed;
    std::vector<std::uint32_t> columns;
    std::vector<std::uint16_t> masks;  // which entries of x are not 0, for the weight gradient
    std::vector<float> product;     // rows of (∂C/∂W)ᵀ before they are transposed into place
    std::vector<float> partial;     // sums between slices of the depth
};

// C = alpha * op(A) * op(B) + beta * C, where op(X) is X or X^T. One CBLAS sgemm call, except on
// an AVX-512 CPU for two shapes where B or A is mostly zeros (images) and digitnet computes the
// product itself, skipping the zeros (see gemm_skip_zeros.cpp), in `scratch` when given:
//   A Bᵀ with at least 128 rows, A mostly zeros or C at most 32 columns (a layer's forward pass);
//   Aᵀ B with beta = 0, B mostly zeros with at least 32 rows and 128 columns (a layer's weight
//   gradient over a mini-batch of images).
// Throws digitnet::Error when the shapes do not agree.
void gemm(bool transpose_a, bool transpose_b, float alpha, ConstMatrixView a, ConstMatrixView b,
          float beta, MatrixView c, GemmScratch* scratch = nullptr);

// The same product with plain loops: slow, obviously correct, used by tests.
void gemm_reference(bool transpose_a, bool transpose_b, float alpha, ConstMatrixView a,
                    ConstMatrixView b, float beta, MatrixView c);

// Number of threads the matrix products may use (0 = all cores). Affects OpenBLAS.
void set_num_threads(int threads);
int num_threads();

// The kernels OpenBLAS uses ("SkylakeX", "Haswell", ...; "unknown" for another BLAS). On a CPU
// with AVX-512, digitnet makes OpenBLAS use its AVX-512 kernels before main() even where
// OPENBLAS_CORETYPE or an older OpenBLAS would not; DIGITNET_BLAS_CORE=NAME chooses NAME instead.
std::string blas_core();

}  // namespace digitnet

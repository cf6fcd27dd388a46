#pragma once
// Row-major float32 matrices: one example per row, so a mini-batch of inputs is a
// (batch, features) matrix and a layer multiplies the whole batch with one GEMM.
#include <cstddef>
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

// Working memory that the fast products keep from one call to the next (what it holds is the
// kernels' business: src/kernels/). A layer owns one, so that it is allocated once per shape.
// A copy starts empty: it is working memory, not state.
class ProductWorkspace {
public:
    struct Impl;  // defined by the kernels
    ProductWorkspace();
    ~ProductWorkspace();
    ProductWorkspace(const ProductWorkspace&);
    ProductWorkspace& operator=(const ProductWorkspace&);
    ProductWorkspace(ProductWorkspace&&) noexcept;
    ProductWorkspace& operator=(ProductWorkspace&&) noexcept;
    Impl& impl();  // for the kernels

private:
    std::unique_ptr<Impl> impl_;
};

// C = alpha · op(A) · op(B) + beta · C, where op(X) is X or Xᵀ (BLAS's sgemm).
// Throws digitnet::Error when the shapes do not agree.
void gemm(bool transpose_a, bool transpose_b, float alpha, ConstMatrixView a, ConstMatrixView b,
          float beta, MatrixView c);

// The products of a fully connected layer, named as in its equations (one example per row):
//   z = x Wᵀ                     x: (batch, n_in), weights: (n_out, n_in), z: (batch, n_out)
void matmul_xWt(ConstMatrixView x, ConstMatrixView weights, MatrixView z, ProductWorkspace& workspace);
//   z += x Wᵀ                    (z already holds the biases)
void matmul_add_xWt(ConstMatrixView x, ConstMatrixView weights, MatrixView z, ProductWorkspace& workspace);
//   ∂C/∂W = scale · deltaᵀ x     delta: (batch, n_out), x: (batch, n_in), grad_weights: (n_out, n_in)
void matmul_deltaT_x(float scale, ConstMatrixView delta, ConstMatrixView x, MatrixView grad_weights,
                     ProductWorkspace& workspace);
//   ∂C/∂x = delta W              delta: (batch, n_out), weights: (n_out, n_in), grad_x: (batch, n_in)
void matmul_delta_W(ConstMatrixView delta, ConstMatrixView weights, MatrixView grad_x);

// The same product with plain loops: slow, obviously correct, used by tests.
void gemm_reference(bool transpose_a, bool transpose_b, float alpha, ConstMatrixView a,
                    ConstMatrixView b, float beta, MatrixView c);

// Number of threads the matrix products may use (0 = all cores). Affects OpenBLAS.
void set_num_threads(int threads);
int num_threads();

// The kernels the matrix products run on ("SkylakeX", "Haswell", ...; "unknown" for a BLAS that
// does not say), for --version. DIGITNET_BLAS_CORE=NAME chooses them (see src/kernels/).
std::string blas_core();

}  // namespace digitnet

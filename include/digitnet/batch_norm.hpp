#pragma once
// Batch normalisation (Ioffe & Szegedy; Saito ch. 6), applied to a layer's weighted input:
//   μ_j = (1/n) Σ_x z_xj       σ²_j = (1/n) Σ_x (z_xj - μ_j)²
//   ẑ_xj = (z_xj - μ_j) / √(σ²_j + ε)        u_xj = γ_j ẑ_xj + β_j
// While training, μ and σ² come from the mini-batch and running averages are kept; evaluation
// uses the running averages, so one example's answer does not depend on the others.
// After a convolution (`spatial` > 1) each of the n channels has `spatial` values per example,
// columns [j·spatial, (j+1)·spatial), and its μ, σ², γ and β are shared by all of them: the sums
// run over the batch and every position.
#include <cstddef>

#include "digitnet/matrix.hpp"

namespace digitnet {

class WorkerPool;  // threads kept between a network's layers (inside the library)

struct BatchNorm {
    explicit BatchNorm(std::size_t n = 0, std::size_t spatial = 1);

    // z: (batch, n), normalised in place: z ← γ ẑ + β (a dense layer's: spatial = 1 only).
    // `workers`: threads to share the channels between (a convolutional network's), or none.
    void forward(MatrixView z, bool training, WorkerPool* workers = nullptr) { forward(z, z, training, workers); }
    // The same from x into out (both (batch, n · spatial)). out may be x only when spatial = 1:
    // after a convolution backward recomputes ẑ from x instead of keeping it.
    void forward(ConstMatrixView x, MatrixView out, bool training, WorkerPool* workers = nullptr);
    // grad_u = ∂C_x/∂u: (batch, n · spatial) in; delta out, ∂C_x/∂z in the same per-example scale
    // (the layer averages over the batch afterwards):
    //   delta = γ/√(σ²+ε) · (grad_u - mean(grad_u) - ẑ ⊙ mean(grad_u ⊙ ẑ))   (means over batch and positions)
    // OVERWRITES grad_gamma = (1/batch) Σ grad_u ⊙ ẑ and grad_beta = (1/batch) Σ grad_u.
    // x is the input the last training forward pass was given (ẑ = (x - μ)/√(σ²+ε)); delta may be grad_u.
    void backward(ConstMatrixView x, ConstMatrixView grad_u, MatrixView delta, WorkerPool* workers = nullptr);
    // A dense layer's (spatial = 1), from the ẑ its forward pass kept: delta may be grad_u, and x
    // may have been overwritten by an in-place forward pass.
    void backward(MatrixView delta, WorkerPool* workers = nullptr) { backward(delta, delta, workers); }
    void backward(ConstMatrixView grad_u, MatrixView delta, WorkerPool* workers = nullptr);

    float epsilon = 1e-5f;
    std::size_t spatial = 1;     // values per channel and example
    float momentum = 0.9f;       // running ← momentum · running + (1 - momentum) · batch
    Matrix gamma, beta;          // (1, n) learned scale and shift
    Matrix grad_gamma, grad_beta;
    Matrix running_mean, running_var;
    // Buffers of the last training forward pass.
    Matrix z_hat;                // (batch, n) ẑ, kept when spatial = 1
    Matrix batch_mean;           // (1, n) μ, kept when spatial > 1
    Matrix inv_std;              // (1, n) 1/√(σ² + ε)
};

}  // namespace digitnet

#include "digitnet/batch_norm.hpp"

#include <cmath>

namespace digitnet {

BatchNorm::BatchNorm(std::size_t n)
    : gamma(1, n), beta(1, n), grad_gamma(1, n), grad_beta(1, n), running_mean(1, n), running_var(1, n), inv_std(1, n) {
    gamma.fill(1.0f);
    running_var.fill(1.0f);
}

void BatchNorm::forward(MatrixView z, bool training) {
    // z: (batch, n)
    const std::size_t batch = z.rows, n = z.cols;
    if (!training) {
        // u = γ (z - running μ) / √(running σ² + ε) + β
        for (std::size_t j = 0; j < n; ++j) inv_std.data()[j] = 1.0f / std::sqrt(running_var.data()[j] + epsilon);
        for (std::size_t r = 0; r < batch; ++r) {
            float* zr = z.row(r);
            for (std::size_t j = 0; j < n; ++j)
                zr[j] = gamma.data()[j] * (zr[j] - running_mean.data()[j]) * inv_std.data()[j] + beta.data()[j];
        }
        return;
    }
    z_hat.resize(batch, n);
    for (std::size_t j = 0; j < n; ++j) {
        double mean = 0.0, var = 0.0;
        for (std::size_t r = 0; r < batch; ++r) mean += z(r, j);
        mean /= static_cast<double>(batch);
        for (std::size_t r = 0; r < batch; ++r) var += (z(r, j) - mean) * (z(r, j) - mean);
        var /= static_cast<double>(batch);
        const float is = static_cast<float>(1.0 / std::sqrt(var + epsilon));
        inv_std.data()[j] = is;
        for (std::size_t r = 0; r < batch; ++r) {
            const float zh = (z(r, j) - static_cast<float>(mean)) * is;
            z_hat(r, j) = zh;
            z(r, j) = gamma.data()[j] * zh + beta.data()[j];
        }
        running_mean.data()[j] = momentum * running_mean.data()[j] + (1.0f - momentum) * static_cast<float>(mean);
        running_var.data()[j] = momentum * running_var.data()[j] + (1.0f - momentum) * static_cast<float>(var);
    }
}

void BatchNorm::backward(MatrixView delta) {
    // delta: (batch, n), ∂C_x/∂u in, ∂C_x/∂z out
    const std::size_t batch = delta.rows, n = delta.cols;
    const float inv_batch = 1.0f / static_cast<float>(batch);
    for (std::size_t j = 0; j < n; ++j) {
        float mean_delta = 0.0f, mean_delta_zhat = 0.0f;
        for (std::size_t r = 0; r < batch; ++r) {
            mean_delta += delta(r, j);
            mean_delta_zhat += delta(r, j) * z_hat(r, j);
        }
        mean_delta *= inv_batch;
        mean_delta_zhat *= inv_batch;
        grad_gamma.data()[j] = mean_delta_zhat;  // ∂C/∂γ = mean(delta ⊙ ẑ)
        grad_beta.data()[j] = mean_delta;        // ∂C/∂β = mean(delta)
        const float scale = gamma.data()[j] * inv_std.data()[j];
        for (std::size_t r = 0; r < batch; ++r)
            delta(r, j) = scale * (delta(r, j) - mean_delta - z_hat(r, j) * mean_delta_zhat);
    }
}

}  // namespace digitnet

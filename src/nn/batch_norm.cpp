#include "digitnet/batch_norm.hpp"

#include <cmath>

namespace digitnet {

BatchNorm::BatchNorm(std::size_t n, std::size_t spatial_)
    : spatial(spatial_), gamma(1, n), beta(1, n), grad_gamma(1, n), grad_beta(1, n), running_mean(1, n),
      running_var(1, n), inv_std(1, n) {
    gamma.fill(1.0f);
    running_var.fill(1.0f);
}

void BatchNorm::forward(MatrixView z, bool training) {
    // z: (batch, n · spatial); channel j is columns [j·spatial, (j+1)·spatial)
    const std::size_t batch = z.rows, n = gamma.size(), s = spatial;
    if (!training) {
        // u = γ (z - running μ) / √(running σ² + ε) + β
        for (std::size_t j = 0; j < n; ++j) inv_std.data()[j] = 1.0f / std::sqrt(running_var.data()[j] + epsilon);
        for (std::size_t r = 0; r < batch; ++r) {
            float* zr = z.row(r);
            for (std::size_t j = 0; j < n; ++j)
                for (std::size_t k = j * s; k < (j + 1) * s; ++k)
                    zr[k] = gamma.data()[j] * (zr[k] - running_mean.data()[j]) * inv_std.data()[j] + beta.data()[j];
        }
        return;
    }
    z_hat.resize(batch, n * s);
    const double count = static_cast<double>(batch * s);
    for (std::size_t j = 0; j < n; ++j) {
        // μ_j and σ²_j over the batch (and, after a convolution, every position)
        double mean = 0.0, var = 0.0;
        for (std::size_t r = 0; r < batch; ++r)
            for (std::size_t k = j * s; k < (j + 1) * s; ++k) mean += z(r, k);
        mean /= count;
        for (std::size_t r = 0; r < batch; ++r)
            for (std::size_t k = j * s; k < (j + 1) * s; ++k) var += (z(r, k) - mean) * (z(r, k) - mean);
        var /= count;
        const float is = static_cast<float>(1.0 / std::sqrt(var + epsilon));
        inv_std.data()[j] = is;
        for (std::size_t r = 0; r < batch; ++r)
            for (std::size_t k = j * s; k < (j + 1) * s; ++k) {
                const float zh = (z(r, k) - static_cast<float>(mean)) * is;
                z_hat(r, k) = zh;
                z(r, k) = gamma.data()[j] * zh + beta.data()[j];
            }
        running_mean.data()[j] = momentum * running_mean.data()[j] + (1.0f - momentum) * static_cast<float>(mean);
        running_var.data()[j] = momentum * running_var.data()[j] + (1.0f - momentum) * static_cast<float>(var);
    }
}

void BatchNorm::backward(MatrixView delta) {
    // delta: (batch, n · spatial), ∂C_x/∂u in, ∂C_x/∂z out
    const std::size_t batch = delta.rows, n = gamma.size(), s = spatial;
    const float inv_count = 1.0f / static_cast<float>(batch * s);
    const float positions = static_cast<float>(s);  // Σ/batch = spatial · mean
    for (std::size_t j = 0; j < n; ++j) {
        float mean_delta = 0.0f, mean_delta_zhat = 0.0f;
        for (std::size_t r = 0; r < batch; ++r)
            for (std::size_t k = j * s; k < (j + 1) * s; ++k) {
                mean_delta += delta(r, k);
                mean_delta_zhat += delta(r, k) * z_hat(r, k);
            }
        mean_delta *= inv_count;
        mean_delta_zhat *= inv_count;
        grad_gamma.data()[j] = mean_delta_zhat * positions;  // ∂C/∂γ = (1/batch) Σ delta ⊙ ẑ
        grad_beta.data()[j] = mean_delta * positions;        // ∂C/∂β = (1/batch) Σ delta
        const float scale = gamma.data()[j] * inv_std.data()[j];
        for (std::size_t r = 0; r < batch; ++r)
            for (std::size_t k = j * s; k < (j + 1) * s; ++k)
                delta(r, k) = scale * (delta(r, k) - mean_delta - z_hat(r, k) * mean_delta_zhat);
    }
}

}  // namespace digitnet

#include "digitnet/batch_norm.hpp"

#include <cmath>
#include <stdexcept>

#include "kernels/channel_sums.hpp"
#include "kernels/parallel.hpp"

namespace digitnet {

BatchNorm::BatchNorm(std::size_t n, std::size_t spatial_)
    : spatial(spatial_), gamma(1, n), beta(1, n), grad_gamma(1, n), grad_beta(1, n), running_mean(1, n),
      running_var(1, n), inv_std(1, n) {
    gamma.fill(1.0f);
    running_var.fill(1.0f);
}

void BatchNorm::forward(ConstMatrixView x, MatrixView z, bool training, WorkerPool* workers) {
    // x, z: (batch, n · spatial); channel j is columns [j·spatial, (j+1)·spatial); z may be x only
    // when spatial = 1
    const std::size_t batch = x.rows, n = gamma.size(), s = spatial;
    if (!training) {
        // u = γ (z - running μ) / √(running σ² + ε) + β
        for (std::size_t j = 0; j < n; ++j) inv_std.data()[j] = 1.0f / std::sqrt(running_var.data()[j] + epsilon);
        for (std::size_t r = 0; r < batch; ++r) {
            const float* xr = x.row(r);
            float* zr = z.row(r);
            for (std::size_t j = 0; j < n; ++j)
                for (std::size_t k = j * s; k < (j + 1) * s; ++k)
                    zr[k] = gamma.data()[j] * (xr[k] - running_mean.data()[j]) * inv_std.data()[j] + beta.data()[j];
        }
        return;
    }
    const double count = static_cast<double>(batch * s);
    if (s == 1) {
        // a dense layer's batch normalisation (z may be x): ẑ is kept for the backward pass
        z_hat.resize(batch, n);
        for (std::size_t j = 0; j < n; ++j) {
            // μ_j and σ²_j over the batch
            double mean = 0.0, var = 0.0;
            for (std::size_t r = 0; r < batch; ++r) mean += x(r, j);
            mean /= count;
            for (std::size_t r = 0; r < batch; ++r) var += (x(r, j) - mean) * (x(r, j) - mean);
            var /= count;
            const float is = static_cast<float>(1.0 / std::sqrt(var + epsilon));
            inv_std.data()[j] = is;
            for (std::size_t r = 0; r < batch; ++r) {
                const float zh = (x(r, j) - static_cast<float>(mean)) * is;
                z_hat(r, j) = zh;
                z(r, j) = gamma.data()[j] * zh + beta.data()[j];
            }
            running_mean.data()[j] = momentum * running_mean.data()[j] + (1.0f - momentum) * static_cast<float>(mean);
            running_var.data()[j] = momentum * running_var.data()[j] + (1.0f - momentum) * static_cast<float>(var);
        }
        return;
    }
    // After a convolution each channel is a run of `s` values per example, summed in double in a
    // fixed order (kernels/channel_sums.hpp), and the channels are shared between threads. ẑ is not
    // kept: backward recomputes it from x, which saves writing and reading a tensor of x's size.
    if (x.data == z.data) throw std::invalid_argument("BatchNorm::forward: after a convolution x and z must differ");
    batch_mean.resize(1, n);
    const std::size_t stride = x.cols;
    auto channels = [&](std::size_t first, std::size_t last) {
        for (std::size_t j = first; j < last; ++j) {
            // μ_j and σ²_j over the batch and every position
            const double mean = channel_sum(x.row(0) + j * s, stride, batch, s, 0.0f, false) / count;
            const float mean_f = static_cast<float>(mean);
            const double var = channel_sum(x.row(0) + j * s, stride, batch, s, mean_f, true) / count;
            const float is = static_cast<float>(1.0 / std::sqrt(var + epsilon));
            inv_std.data()[j] = is;
            batch_mean.data()[j] = mean_f;
            // u = γ ẑ + β, ẑ = (x - μ) / √(σ² + ε)
            const float g = gamma.data()[j], b = beta.data()[j];
            for (std::size_t r = 0; r < batch; ++r) {
                const float* xr = x.row(r) + j * s;
                float* zr = z.row(r) + j * s;
                for (std::size_t k = 0; k < s; ++k) zr[k] = std::fma(g, (xr[k] - mean_f) * is, b);
            }
            running_mean.data()[j] = momentum * running_mean.data()[j] + (1.0f - momentum) * mean_f;
            running_var.data()[j] = momentum * running_var.data()[j] + (1.0f - momentum) * static_cast<float>(var);
        }
    };
    const std::size_t parts = std::min<std::size_t>(n, 8);
    for_each_chunk(workers, parts, worth_sharing(batch), [&](std::size_t part) { channels(n * part / parts, n * (part + 1) / parts); });
}

void BatchNorm::backward(ConstMatrixView grad_u, MatrixView delta, WorkerPool*) {
    // grad_u = ∂C_x/∂u in, delta = ∂C_x/∂z out: (batch, n); delta may be grad_u (a dense layer's)
    if (spatial != 1) throw std::invalid_argument("BatchNorm::backward: after a convolution, pass the layer's input x");
    const std::size_t batch = grad_u.rows, n = gamma.size();
    const float inv_count = 1.0f / static_cast<float>(batch);
    for (std::size_t j = 0; j < n; ++j) {
        float mean_delta = 0.0f, mean_delta_zhat = 0.0f;
        for (std::size_t r = 0; r < batch; ++r) {
            mean_delta += grad_u(r, j);
            mean_delta_zhat += std::fma(grad_u(r, j), z_hat(r, j), 0.0f);  // each product rounded, then added
        }
        mean_delta *= inv_count;
        mean_delta_zhat *= inv_count;
        grad_gamma.data()[j] = mean_delta_zhat;  // ∂C/∂γ = (1/batch) Σ delta ⊙ ẑ
        grad_beta.data()[j] = mean_delta;        // ∂C/∂β = (1/batch) Σ delta
        const float scale = gamma.data()[j] * inv_std.data()[j];
        for (std::size_t r = 0; r < batch; ++r)
            delta(r, j) = scale * (grad_u(r, j) - mean_delta - z_hat(r, j) * mean_delta_zhat);
    }
}

void BatchNorm::backward(ConstMatrixView x, ConstMatrixView grad_u, MatrixView delta, WorkerPool* workers) {
    // x: the forward pass's input, grad_u = ∂C_x/∂u in, delta = ∂C_x/∂z out: (batch, n · spatial)
    const std::size_t batch = grad_u.rows, n = gamma.size(), s = spatial;
    if (s == 1) return backward(grad_u, delta, workers);
    const float inv_count = 1.0f / static_cast<float>(batch * s);
    const float positions = static_cast<float>(s);  // Σ/batch = spatial · mean
    const std::size_t stride = x.cols;
    auto channels = [&](std::size_t first, std::size_t last) {
        for (std::size_t j = first; j < last; ++j) {
            const float mean = batch_mean.data()[j], is = inv_std.data()[j];
            float mean_delta = 0.0f, mean_delta_zhat = 0.0f;  // Σ δ and Σ δ ⊙ ẑ, ẑ = (x - μ) / √(σ² + ε)
            channel_delta_sums(grad_u.row(0) + j * s, x.row(0) + j * s, stride, batch, s, mean, is, &mean_delta,
                               &mean_delta_zhat);
            mean_delta *= inv_count;
            mean_delta_zhat *= inv_count;
            grad_gamma.data()[j] = mean_delta_zhat * positions;  // ∂C/∂γ = (1/batch) Σ delta ⊙ ẑ
            grad_beta.data()[j] = mean_delta * positions;        // ∂C/∂β = (1/batch) Σ delta
            const float scale = gamma.data()[j] * is;
            for (std::size_t r = 0; r < batch; ++r) {
                const float* g = grad_u.row(r) + j * s;
                const float* xr = x.row(r) + j * s;
                float* d = delta.row(r) + j * s;
                for (std::size_t k = 0; k < s; ++k)
                    d[k] = scale * std::fma(-((xr[k] - mean) * is), mean_delta_zhat, g[k] - mean_delta);
            }
        }
    };
    const std::size_t parts = std::min<std::size_t>(n, 8);
    for_each_chunk(workers, parts, worth_sharing(batch), [&](std::size_t part) { channels(n * part / parts, n * (part + 1) / parts); });
}

}  // namespace digitnet

#include "digitnet/batch_norm.hpp"

#include <cmath>

#include "kernels/parallel.hpp"

namespace digitnet {

BatchNorm::BatchNorm(std::size_t n, std::size_t spatial_)
    : spatial(spatial_), gamma(1, n), beta(1, n), grad_gamma(1, n), grad_beta(1, n), running_mean(1, n),
      running_var(1, n), inv_std(1, n) {
    gamma.fill(1.0f);
    running_var.fill(1.0f);
}

void BatchNorm::forward(ConstMatrixView x, MatrixView z, bool training, WorkerPool* workers) {
    // x, z: (batch, n · spatial); channel j is columns [j·spatial, (j+1)·spatial); z may be x
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
    z_hat.resize(batch, n * s);
    const double count = static_cast<double>(batch * s);
    // After a convolution each channel is a run of `s` values per example: summed in 8 double
    // lanes (a loop the compiler vectorises), and the channels shared between threads. A dense
    // layer's batch normalisation (s = 1) keeps its plain sums.
    auto run_sum = [](const float* v, std::size_t len, float centre, bool square) {
        double lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        std::size_t k = 0;
        for (; k + 8 <= len; k += 8)
            for (std::size_t l = 0; l < 8; ++l) {
                const double d = static_cast<double>(v[k + l]) - centre;
                lanes[l] += square ? d * d : d;
            }
        double sum = 0.0;
        for (; k < len; ++k) {
            const double d = static_cast<double>(v[k]) - centre;
            sum += square ? d * d : d;
        }
        for (double lane : lanes) sum += lane;
        return sum;
    };
    auto channels = [&](std::size_t first, std::size_t last) {
        for (std::size_t j = first; j < last; ++j) {
            // μ_j and σ²_j over the batch (and, after a convolution, every position)
            double mean = 0.0, var = 0.0;
            if (s > 1) {
                for (std::size_t r = 0; r < batch; ++r) mean += run_sum(x.row(r) + j * s, s, 0.0f, false);
                mean /= count;
                for (std::size_t r = 0; r < batch; ++r)
                    var += run_sum(x.row(r) + j * s, s, static_cast<float>(mean), true);
            } else {
                for (std::size_t r = 0; r < batch; ++r) mean += x(r, j);
                mean /= count;
                for (std::size_t r = 0; r < batch; ++r) var += (x(r, j) - mean) * (x(r, j) - mean);
            }
            var /= count;
            const float is = static_cast<float>(1.0 / std::sqrt(var + epsilon));
            inv_std.data()[j] = is;
            for (std::size_t r = 0; r < batch; ++r)
                for (std::size_t k = j * s; k < (j + 1) * s; ++k) {
                    const float zh = (x(r, k) - static_cast<float>(mean)) * is;
                    z_hat(r, k) = zh;
                    z(r, k) = gamma.data()[j] * zh + beta.data()[j];
                }
            running_mean.data()[j] = momentum * running_mean.data()[j] + (1.0f - momentum) * static_cast<float>(mean);
            running_var.data()[j] = momentum * running_var.data()[j] + (1.0f - momentum) * static_cast<float>(var);
        }
    };
    if (s == 1) return channels(0, n);
    const std::size_t parts = std::min<std::size_t>(n, 8);
    for_each_chunk(workers, parts, worth_sharing(batch), [&](std::size_t part) { channels(n * part / parts, n * (part + 1) / parts); });
}

void BatchNorm::backward(ConstMatrixView grad_u, MatrixView delta, WorkerPool* workers) {
    // grad_u = ∂C_x/∂u in, delta = ∂C_x/∂z out: (batch, n · spatial); delta may be grad_u
    const std::size_t batch = grad_u.rows, n = gamma.size(), s = spatial;
    const float inv_count = 1.0f / static_cast<float>(batch * s);
    const float positions = static_cast<float>(s);  // Σ/batch = spatial · mean
    auto channels = [&](std::size_t first, std::size_t last) {
        for (std::size_t j = first; j < last; ++j) {
            float mean_delta = 0.0f, mean_delta_zhat = 0.0f;
            for (std::size_t r = 0; r < batch; ++r) {
                // one run of s values, summed in 16 float lanes (vectorised)
                float lanes_delta[16] = {}, lanes_delta_zhat[16] = {};
                const float* d = grad_u.row(r) + j * s;
                const float* zh = z_hat.row(r) + j * s;
                std::size_t k = 0;
                for (; k + 16 <= s; k += 16)
                    for (std::size_t l = 0; l < 16; ++l) {
                        lanes_delta[l] += d[k + l];
                        lanes_delta_zhat[l] += d[k + l] * zh[k + l];
                    }
                float sum_delta = 0.0f, sum_delta_zhat = 0.0f;
                for (; k < s; ++k) {
                    sum_delta += d[k];
                    sum_delta_zhat += d[k] * zh[k];
                }
                if (s >= 16)
                    for (std::size_t l = 0; l < 16; ++l) {
                        sum_delta += lanes_delta[l];
                        sum_delta_zhat += lanes_delta_zhat[l];
                    }
                mean_delta += sum_delta;
                mean_delta_zhat += sum_delta_zhat;
            }
            mean_delta *= inv_count;
            mean_delta_zhat *= inv_count;
            grad_gamma.data()[j] = mean_delta_zhat * positions;  // ∂C/∂γ = (1/batch) Σ delta ⊙ ẑ
            grad_beta.data()[j] = mean_delta * positions;        // ∂C/∂β = (1/batch) Σ delta
            const float scale = gamma.data()[j] * inv_std.data()[j];
            for (std::size_t r = 0; r < batch; ++r)
                for (std::size_t k = j * s; k < (j + 1) * s; ++k)
                    delta(r, k) = scale * (grad_u(r, k) - mean_delta - z_hat(r, k) * mean_delta_zhat);
        }
    };
    if (s == 1) return channels(0, n);
    const std::size_t parts = std::min<std::size_t>(n, 8);
    for_each_chunk(workers, parts, worth_sharing(batch), [&](std::size_t part) { channels(n * part / parts, n * (part + 1) / parts); });
}

}  // namespace digitnet

#include "digitnet/optimizer.hpp"

#include <cmath>

#include "digitnet/error.hpp"

namespace digitnet {

void validate(const OptimizerConfig& c) {
    static const char* names[] = {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"};
    bool known = false;
    for (const char* n : names) known = known || c.name == n;
    if (!known)
        throw Error("--optimizer: expected one of sgd, momentum, nesterov, adagrad, rmsprop, adam; found '" +
                    c.name + "'");
    auto in_unit = [](float v) { return v >= 0.0f && v < 1.0f; };
    if (!in_unit(c.momentum)) throw Error("--momentum: expected a value in [0, 1), found " + std::to_string(c.momentum));
    if (!in_unit(c.rho)) throw Error("--rho: expected a value in [0, 1), found " + std::to_string(c.rho));
    if (!in_unit(c.beta1)) throw Error("--beta1: expected a value in [0, 1), found " + std::to_string(c.beta1));
    if (!in_unit(c.beta2)) throw Error("--beta2: expected a value in [0, 1), found " + std::to_string(c.beta2));
    if (!(c.epsilon > 0.0f)) throw Error("--epsilon: expected a positive value, found " + std::to_string(c.epsilon));
}

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& c) {
    validate(c);
    if (c.name == "sgd") return std::make_unique<Sgd>();
    if (c.name == "momentum") return std::make_unique<Momentum>(c.momentum, false);
    if (c.name == "nesterov") return std::make_unique<Momentum>(c.momentum, true);
    if (c.name == "adagrad") return std::make_unique<AdaGrad>(c.epsilon);
    if (c.name == "rmsprop") return std::make_unique<RmsProp>(c.rho, c.epsilon);
    return std::make_unique<Adam>(c.beta1, c.beta2, c.epsilon);
}

void Optimizer::step(const std::vector<Matrix*>& values, const std::vector<const Matrix*>& grads, float lr) {
    if (slots_.size() != values.size()) {
        // First step: one zeroed slot per name and parameter, allocated once.
        slots_.assign(values.size(), {});
        for (std::size_t i = 0; i < values.size(); ++i)
            for (std::size_t s = 0; s < slot_names().size(); ++s)
                slots_[i].emplace_back(values[i]->rows(), values[i]->cols());
    }
    ++t_;
    for (std::size_t i = 0; i < values.size(); ++i) update(*values[i], *grads[i], slots_[i], lr);
}

std::map<std::string, Matrix> Optimizer::state() const {
    std::map<std::string, Matrix> out;
    const auto names = slot_names();
    for (std::size_t i = 0; i < slots_.size(); ++i)
        for (std::size_t s = 0; s < names.size(); ++s) out[names[s] + "." + std::to_string(i)] = slots_[i][s];
    Matrix steps(1, 1);
    steps(0, 0) = static_cast<float>(t_);
    out["steps"] = steps;
    return out;
}

void Optimizer::load_state(const std::map<std::string, Matrix>& state, const std::vector<Matrix*>& values) {
    auto steps = state.find("steps");
    // A whole number of steps that fits a long (a larger float would not convert).
    const float count = steps == state.end() || steps->second.size() != 1 ? -1.0f : steps->second(0, 0);
    if (!(count >= 0.0f && count < 0x1p63f && count == std::floor(count)))
        throw Error("optimizer state: 'steps' is missing or invalid for " + name());
    const long t = static_cast<long>(count);
    const auto names = slot_names();
    std::vector<std::vector<Matrix>> slots;  // validated completely before anything is replaced
    if (t > 0) {
        slots.resize(values.size());
        for (std::size_t i = 0; i < values.size(); ++i)
            for (const auto& n : names) {
                const std::string key = n + "." + std::to_string(i);
                auto it = state.find(key);
                if (it == state.end()) throw Error("optimizer state: '" + key + "' is missing for " + name());
                if (it->second.rows() != values[i]->rows() || it->second.cols() != values[i]->cols())
                    throw Error("optimizer state: '" + key + "' has the wrong shape");
                slots[i].push_back(it->second);
            }
    }
    slots_ = std::move(slots);
    t_ = t;
}

void Sgd::update(Matrix& w, const Matrix& g, std::vector<Matrix>&, float lr) {
    // w ← w - η g
    float* wp = w.data();
    const float* gp = g.data();
    for (std::size_t i = 0; i < w.size(); ++i) wp[i] -= lr * gp[i];
}

void Momentum::update(Matrix& w, const Matrix& g, std::vector<Matrix>& slots, float lr) {
    float* wp = w.data();
    float* vp = slots[0].data();
    const float* gp = g.data();
    for (std::size_t i = 0; i < w.size(); ++i) {
        vp[i] = mu_ * vp[i] - lr * gp[i];                  // v ← μ v - η g
        wp[i] += nesterov_ ? mu_ * vp[i] - lr * gp[i]      // w ← w + μ v - η g
                           : vp[i];                        // w ← w + v
    }
}

void AdaGrad::update(Matrix& w, const Matrix& g, std::vector<Matrix>& slots, float lr) {
    float* wp = w.data();
    float* hp = slots[0].data();
    const float* gp = g.data();
    for (std::size_t i = 0; i < w.size(); ++i) {
        hp[i] += gp[i] * gp[i];                            // h ← h + g²
        wp[i] -= lr * gp[i] / (std::sqrt(hp[i]) + eps_);   // w ← w - η g / (√h + ε)
    }
}

void RmsProp::update(Matrix& w, const Matrix& g, std::vector<Matrix>& slots, float lr) {
    float* wp = w.data();
    float* hp = slots[0].data();
    const float* gp = g.data();
    for (std::size_t i = 0; i < w.size(); ++i) {
        hp[i] = rho_ * hp[i] + (1.0f - rho_) * gp[i] * gp[i];  // h ← ρ h + (1-ρ) g²
        wp[i] -= lr * gp[i] / (std::sqrt(hp[i]) + eps_);
    }
}

void Adam::update(Matrix& w, const Matrix& g, std::vector<Matrix>& slots, float lr) {
    float* wp = w.data();
    float* mp = slots[0].data();
    float* vp = slots[1].data();
    const float* gp = g.data();
    const double t = static_cast<double>(t_);
    const float beta1 = beta1_, beta2 = beta2_, eps = eps_;  // locals: lets the loop vectorise
    const float correction1 = static_cast<float>(1.0 - std::pow(beta1, t));
    const float correction2 = static_cast<float>(1.0 - std::pow(beta2, t));
    for (std::size_t i = 0; i < w.size(); ++i) {
        const float m = beta1 * mp[i] + (1.0f - beta1) * gp[i];         // m ← β1 m + (1-β1) g
        const float v = beta2 * vp[i] + (1.0f - beta2) * gp[i] * gp[i];  // v ← β2 v + (1-β2) g²
        mp[i] = m;
        vp[i] = v;
        const float m_hat = m / correction1, v_hat = v / correction2;   // bias corrections
        wp[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
}

}  // namespace digitnet

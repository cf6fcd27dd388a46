#pragma once
// Optimisers (Saito ch. 6): how a gradient g = ∂C/∂w becomes an update of w.
//   sgd        w ← w - η g
//   momentum   v ← μ v - η g;  w ← w + v
//   nesterov   v ← μ v - η g;  w ← w + μ v - η g        (look-ahead form)
//   adagrad    h ← h + g²;     w ← w - η g / (√h + ε)
//   rmsprop    h ← ρ h + (1-ρ) g²;  w ← w - η g / (√h + ε)
//   adam       m ← β1 m + (1-β1) g;  v ← β2 v + (1-β2) g²;
//              w ← w - η m̂ / (√v̂ + ε),  m̂ = m / (1-β1^t), v̂ = v / (1-β2^t)
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "digitnet/matrix.hpp"

namespace digitnet {

struct OptimizerConfig {
    std::string name = "sgd";  // sgd, momentum, nesterov, adagrad, rmsprop, adam
    float momentum = 0.9f;     // μ for momentum and nesterov
    float rho = 0.9f;          // ρ for rmsprop
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float epsilon = 1e-8f;
    bool operator==(const OptimizerConfig&) const = default;
};

// Checks names and ranges; throws Error naming the option (--optimizer, --momentum, ...).
void validate(const OptimizerConfig& config);

class Optimizer {
public:
    virtual ~Optimizer() = default;
    virtual std::string name() const = 0;

    // One step for every parameter: values[i] is updated in place from grads[i] (same shapes).
    void step(const std::vector<Matrix*>& values, const std::vector<const Matrix*>& grads, float learning_rate);

    // The optimiser's state (velocities, squared-gradient sums, step count), for checkpoints.
    // Keys look like "velocity.3"; load_state() refuses a state of other shapes or names.
    std::map<std::string, Matrix> state() const;
    void load_state(const std::map<std::string, Matrix>& state, const std::vector<Matrix*>& values);
    long steps() const { return t_; }

protected:
    // Names of the per-parameter slots this optimiser keeps (empty for plain SGD).
    virtual std::vector<std::string> slot_names() const = 0;
    // Updates one parameter `value` in place from its gradient `grad` and its slots (already
    // allocated and zeroed at the first step).
    virtual void update(Matrix& value, const Matrix& grad, std::vector<Matrix>& slots, float learning_rate) = 0;

    long t_ = 0;  // steps taken (Adam's bias correction uses it)
private:
    std::vector<std::vector<Matrix>> slots_;  // slots_[parameter][slot]
};

std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config);

class Sgd : public Optimizer {
public:
    std::string name() const override { return "sgd"; }
protected:
    std::vector<std::string> slot_names() const override { return {}; }
    void update(Matrix& w, const Matrix& g, std::vector<Matrix>& slots, float lr) override;
};

class Momentum : public Optimizer {
public:
    explicit Momentum(float momentum, bool nesterov = false) : mu_(momentum), nesterov_(nesterov) {}
    std::string name() const override { return nesterov_ ? "nesterov" : "momentum"; }
protected:
    std::vector<std::string> slot_names() const override { return {"velocity"}; }
    void update(Matrix& w, const Matrix& g, std::vector<Matrix>& slots, float lr) override;
private:
    float mu_;
    bool nesterov_;
};

class AdaGrad : public Optimizer {
public:
    explicit AdaGrad(float epsilon) : eps_(epsilon) {}
    std::string name() const override { return "adagrad"; }
protected:
    std::vector<std::string> slot_names() const override { return {"h"}; }
    void update(Matrix& w, const Matrix& g, std::vector<Matrix>& slots, float lr) override;
private:
    float eps_;
};

class RmsProp : public Optimizer {
public:
    RmsProp(float rho, float epsilon) : rho_(rho), eps_(epsilon) {}
    std::string name() const override { return "rmsprop"; }
protected:
    std::vector<std::string> slot_names() const override { return {"h"}; }
    void update(Matrix& w, const Matrix& g, std::vector<Matrix>& slots, float lr) override;
private:
    float rho_, eps_;
};

class Adam : public Optimizer {
public:
    Adam(float beta1, float beta2, float epsilon) : beta1_(beta1), beta2_(beta2), eps_(epsilon) {}
    std::string name() const override { return "adam"; }
protected:
    std::vector<std::string> slot_names() const override { return {"m", "v"}; }
    void update(Matrix& w, const Matrix& g, std::vector<Matrix>& slots, float lr) override;
private:
    float beta1_, beta2_, eps_;
};

}  // namespace digitnet

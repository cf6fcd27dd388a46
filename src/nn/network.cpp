#include "digitnet/network.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

#include "digitnet/conv.hpp"
#include "digitnet/error.hpp"
#include "digitnet/pool.hpp"
#include "kernels/gather.hpp"
#include "kernels/parallel.hpp"
#include "kernels/worker_pool.hpp"

namespace digitnet {

std::string Architecture::describe() const {
    if (is_net()) return "'" + net + "' " + to_string(cost);
    std::string s;
    for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? "-" : "") + std::to_string(sizes[i]);
    return s + " " + to_string(hidden) + "/" + to_string(output) + " " + to_string(cost) +
           (use_bias ? "" : " no-bias") + (batch_norm ? " batch-norm" : "");
}

std::vector<std::size_t> parse_layer_sizes(const std::string& text, const std::string& option) {
    std::vector<std::size_t> sizes;
    const char* p = text.data();
    const char* end = p + text.size();
    while (p < end) {
        std::size_t v = 0;
        auto [next, ec] = std::from_chars(p, end, v);
        if (ec != std::errc() || v == 0 || v > 100000)
            throw Error(option + ": expected layer sizes like 784,30,10 (each 1..100000), found '" + text + "'");
        sizes.push_back(v);
        p = next;
        if (p < end) {
            if (*p != ',' && *p != '-')
                throw Error(option + ": expected layer sizes like 784,30,10, found '" + text + "'");
            ++p;
        }
    }
    if (sizes.size() < 2)
        throw Error(option + ": expected at least an input and an output size, found '" + text + "'");
    return sizes;
}

void apply_net(Architecture& a) {
    const std::vector<LayerSpec> plan = plan_net(a.net, a.input);
    a.net = net_text(plan);
    a.output = net_output_activation(plan);
    a.sizes = {a.input.size(), net_outputs(plan)};
    check_cost_output(a.cost, a.output);
}

// The layers of a --net plan: feature layers up to the first dense one, then dense layers that
// take the batch normalisation, activation and dropout written after them.
static void build_net(const std::vector<LayerSpec>& plan, std::vector<std::unique_ptr<Layer>>& features,
                      std::vector<DenseLayer>& layers) {
    for (const LayerSpec& s : plan) {
        if (s.kind == LayerKind::dense) {
            layers.emplace_back(s.in.size(), s.units, Activation::identity, true);
            // after convolutions, a dense layer's tanh is the feature layers' vectorised one
            layers.back().fast_tanh = !features.empty();
            continue;
        }
        if (!layers.empty()) {  // batchnorm, activation or dropout of the dense layer before
            DenseLayer& dense = layers.back();
            if (s.kind == LayerKind::batchnorm) {
                dense.batch_norm = true;
                dense.use_bias = false;
                dense.norm = BatchNorm(dense.n_out());
            } else if (s.kind == LayerKind::activation) {
                dense.activation = s.activation;
            } else if (s.kind == LayerKind::dropout) {
                dense.dropout = s.p;
            }
            continue;
        }
        switch (s.kind) {
            case LayerKind::conv:
                features.push_back(std::make_unique<Conv2d>(
                    conv_geometry(s.in, s.kernel_rows, s.kernel_cols, s.stride, s.same), s.filters));
                break;
            case LayerKind::maxpool: {
                // max(σ(x)) = σ(max(x)) for an increasing σ, the maximum the same element: pooling
                // first gives the same numbers with σ computed on a quarter of them.
                auto* before = features.empty() ? nullptr : dynamic_cast<ActivationLayer*>(features.back().get());
                const bool increasing = before && before->activation != Activation::softmax;
                const Activation sigma = increasing ? before->activation : Activation::identity;
                if (increasing) features.pop_back();
                features.push_back(std::make_unique<MaxPool2d>(s.in, s.window, s.stride));
                if (increasing) features.push_back(std::make_unique<ActivationLayer>(features.back()->out, sigma));
                break;
            }
            case LayerKind::avgpool: features.push_back(std::make_unique<AvgPool2d>(s.in, s.window, s.stride)); break;
            case LayerKind::activation: features.push_back(std::make_unique<ActivationLayer>(s.in, s.activation)); break;
            case LayerKind::dropout: features.push_back(std::make_unique<DropoutLayer>(s.in, s.p)); break;
            case LayerKind::batchnorm:
                if (!features.empty())
                    if (auto* conv = dynamic_cast<Conv2d*>(features.back().get())) conv->use_bias = false;
                features.push_back(std::make_unique<ChannelBatchNorm>(s.in));
                break;
            case LayerKind::flatten:  // moves no data (image_shape.hpp)
            case LayerKind::dense: break;
        }
    }
}

Network::Network(const Network& other)
    : layers(other.layers), architecture_(other.architecture_), plan_(other.plan_) {
    for (const auto& f : other.features) features.push_back(f->clone());
    share_workers();
}

void Network::share_workers() {
    if (features.empty()) return;
    workers_ = std::make_shared<WorkerPool>();
    for (auto& f : features) f->workers = workers_.get();
}

Network& Network::operator=(const Network& other) {
    if (this != &other) *this = Network(other);
    return *this;
}

std::vector<LayerTensor> Network::tensors() {
    std::vector<LayerTensor> result;
    std::size_t k = 0, l = 0;
    for (std::size_t i = 0; i < plan_.size(); ++i) {
        const LayerSpec& s = plan_[i];
        const std::string prefix = std::to_string(i) + ".";
        if (s.kind == LayerKind::flatten) continue;
        if (s.kind == LayerKind::dense) {
            DenseLayer& d = layers[l++];
            result.push_back({prefix + "weight", {d.n_out(), d.n_in()}, &d.weights, &d.grad_weights, true});
            if (d.use_bias) result.push_back({prefix + "bias", {d.n_out()}, &d.biases, &d.grad_biases, false});
            continue;
        }
        if (l > 0) {  // after the first dense layer: only its batch normalisation has tensors
            if (s.kind == LayerKind::batchnorm) {
                BatchNorm& n = layers[l - 1].norm;
                const std::size_t c = n.gamma.size();
                result.push_back({prefix + "weight", {c}, &n.gamma, &n.grad_gamma, false});
                result.push_back({prefix + "bias", {c}, &n.beta, &n.grad_beta, false});
                result.push_back({prefix + "running_mean", {c}, &n.running_mean, nullptr, false});
                result.push_back({prefix + "running_var", {c}, &n.running_var, nullptr, false});
            }
            continue;
        }
        for (LayerTensor t : features[k++]->tensors()) {
            t.name = prefix + t.name;
            result.push_back(std::move(t));
        }
    }
    return result;
}

std::vector<LayerTensor> Network::tensors() const {
    // The same list; a caller holding a const network only reads through it.
    return const_cast<Network*>(this)->tensors();
}

Network::Network(const Architecture& architecture) : architecture_(architecture) {
    if (architecture_.is_net()) {
        apply_net(architecture_);
        if (architecture_.encoding.target_digit >= 0 && output_size() != 1)
            throw Error("network: a yes/no network needs 1 output neuron, found " + std::to_string(output_size()));
        plan_ = plan_net(architecture_.net, architecture_.input);
        build_net(plan_, features, layers);
        share_workers();
        return;
    }
    const auto& sizes = architecture.sizes;
    if (sizes.size() < 2) throw Error("network: needs at least an input and an output layer");
    for (std::size_t s : sizes)
        if (s == 0) throw Error("network: a layer of size 0 in " + architecture.describe());
    check_cost_output(architecture.cost, architecture.output);
    if (architecture.hidden == Activation::softmax)
        throw Error("--activation: softmax is an output activation, not a hidden one");
    if (architecture.encoding.target_digit >= 0 && sizes.back() != 1)
        throw Error("network: a yes/no network needs 1 output neuron, found " + std::to_string(sizes.back()));
    for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
        const bool is_output = l + 2 == sizes.size();
        const bool normalised = architecture.batch_norm && !is_output;
        layers.emplace_back(sizes[l], sizes[l + 1], is_output ? architecture.output : architecture.hidden,
                            architecture.use_bias && !normalised);
        if (normalised) {
            layers.back().batch_norm = true;
            layers.back().norm = BatchNorm(sizes[l + 1]);
        }
    }
}

void Network::initialize(Init init, Rng& rng) {
    // A convolutional network's filters first, layer by layer (biases, then weights).
    for (auto& f : features)
        if (auto* conv = dynamic_cast<Conv2d*>(f.get())) conv->initialize(init, rng);
    // In the order of Nielsen's network.py: every layer's biases, then every layer's weights.
    for (auto& layer : layers) layer.initialize_biases(init, rng);
    for (auto& layer : layers) layer.initialize_weights(init, rng);
}

std::size_t Network::parameter_count() const {
    std::size_t n = 0;
    if (architecture_.is_net()) {
        for (const LayerSpec& s : plan_) n += s.parameter_count();
        return n;
    }
    for (const auto& layer : layers) n += layer.parameter_count();
    return n;
}

// While a convolutional network computes, its layers share the images between the pool's threads
// (as many as --threads), and OpenBLAS multiplies on the calling thread only: its own idle threads
// would otherwise spin beside the pool's. An MLP's passes are left alone.
class FeaturePass {
public:
    explicit FeaturePass(WorkerPool* pool) {
        if (!pool || pool->in_pass) return;
        pool_ = pool;
        pool_->threads = static_cast<std::size_t>(std::max(num_threads(), 1));
        pool_->in_pass = true;
        blas_.emplace();
    }
    ~FeaturePass() {
        if (pool_) pool_->in_pass = false;
    }
    FeaturePass(const FeaturePass&) = delete;
    FeaturePass& operator=(const FeaturePass&) = delete;

private:
    WorkerPool* pool_ = nullptr;
    std::optional<SingleThreadedBlas> blas_;
};

const Matrix& Network::forward(ConstMatrixView x, bool training, Rng* rng) {
    // x: (batch, n_in) -> (batch, n_out); aˡ = σ(aˡ⁻¹ Wˡᵀ + bˡ), layer by layer
    FeaturePass pass(workers_.get());
    ConstMatrixView input = x;
    for (auto& f : features) {  // a convolutional network's feature layers first
        f->forward(input, training, rng);
        input = f->output;
    }
    for (auto& layer : layers) {
        layer.forward(input, training, rng);
        input = layer.a;
    }
    return layers.back().a;
}

double Network::backprop(ConstMatrixView x, ConstMatrixView y, Rng* dropout_rng) {
    // x: (batch, n_in), y: (batch, n_out); overwrites every layer's delta and gradients
    // The four equations of backpropagation (Nielsen, ch. 2). Nielsen keeps one example per column;
    // this code keeps one per row, z = x Wᵀ + b, so his (wˡ⁺¹)ᵀ δˡ⁺¹ reads δˡ⁺¹ Wˡ⁺¹ here:
    //   BP1  δᴸ = ∇ₐC ⊙ σ'(zᴸ)          output error       output_delta (cost.cpp)
    //   BP2  δˡ = (δˡ⁺¹ Wˡ⁺¹) ⊙ σ'(zˡ)   error of layer l   backward_delta of layer l+1, then backward of l
    //   BP3  ∂C/∂bˡ = δˡ                bias gradient      backward_delta (averaged over the batch)
    //   BP4  ∂C/∂wˡ = aˡ⁻¹ δˡ           weight gradient    backward_delta (here deltaᵀ x, averaged likewise)
    // Training mode: batch statistics for batch normalisation; dropout when a generator is given.
    FeaturePass pass(workers_.get());
    const Matrix& output = forward(x, true, dropout_rng);
    const double c = cost_value(architecture_.cost, output, y);
    DenseLayer& last = layers.back();
    last.delta.resize(output.rows(), output.cols());
    // BP1: δᴸ, the output error, from the cost and the output activation together.
    output_delta(architecture_.cost, last.activation, last.z, last.a, y, last.delta);
    // Walk back: each layer sets its gradients (BP3, BP4) and hands ∂C/∂a = δ W down to the layer below.
    // The dense layers' input: x, or a convolutional network's last feature layer's output.
    const bool has_features = !features.empty();
    const ConstMatrixView dense_input = has_features ? ConstMatrixView(features.back()->output) : x;
    Matrix* grad_below = layers.size() > 1 || has_features ? &grad_buffer_[0] : nullptr;
    ConstMatrixView last_input = layers.size() > 1 ? ConstMatrixView(layers[layers.size() - 2].a) : dense_input;
    // The output layer's BP3, BP4, and δᴸ Wᴸ for the layer below.
    last.backward_delta(last_input, grad_below);
    const std::size_t L = layers.size();
    for (std::size_t l = L - 1; l-- > 0;) {
        ConstMatrixView input = l > 0 ? ConstMatrixView(layers[l - 1].a) : dense_input;
        // layer l+1 wrote ∂C/∂aˡ into buffer (L-2-l) % 2; layer l writes into the other one.
        Matrix* grad_in = &grad_buffer_[(L - 2 - l) % 2];
        Matrix* grad_out = l > 0 || has_features ? &grad_buffer_[(L - 1 - l) % 2] : nullptr;
        // BP2: δˡ = (δˡ⁺¹ Wˡ⁺¹) ⊙ σ'(zˡ), then layer l's BP3, BP4
        layers[l].backward(input, *grad_in, grad_out);
    }
    // On through the feature layers, each handing ∂C/∂(its input) down; the first needs to hand none.
    std::size_t current = (L - 1) % 2;  // where the first dense layer wrote ∂C/∂(its input)
    for (std::size_t k = features.size(); k-- > 0;) {
        ConstMatrixView input = k > 0 ? ConstMatrixView(features[k - 1]->output) : x;
        features[k]->backward(input, grad_buffer_[current], k > 0 ? &grad_buffer_[1 - current] : nullptr);
        current = 1 - current;
    }
    return c;
}

double Network::cost(ConstMatrixView x, ConstMatrixView y, bool training) {
    return cost_value(architecture_.cost, forward(x, training), y);
}

std::vector<int> Network::predict(ConstMatrixView x) {
    std::vector<int> result;
    classes(forward(x), result);
    return result;
}

void Network::classes(ConstMatrixView out, std::vector<int>& result) const {
    result.resize(out.rows);
    const Encoding& e = architecture_.encoding;
    for (std::size_t r = 0; r < out.rows; ++r) {
        const float* row = out.row(r);
        if (e.target_digit >= 0)  // yes/no: above the middle of the two target values
            result[r] = row[0] > 0.5f * (e.target_low + e.target_high) ? 1 : 0;
        else                      // the class whose output neuron is most active
            result[r] = static_cast<int>(std::max_element(row, row + out.cols) - row);
    }
}

int Network::label_class(int label) const {
    const int digit = architecture_.encoding.target_digit;
    return digit >= 0 ? (label == digit ? 1 : 0) : label;
}

// One row of inputs from pixels in [0, 1]: x = low + (1 - low) · pixel (Rashid's 0.01..1.00
// encoding), or the pixels as they are when low = 0. `pixels` may be `x` itself.
static void encode_input_row(const float* pixels, std::size_t n, float low, float* x) {
    if (low == 0.0f) {
        if (x != pixels) std::copy(pixels, pixels + n, x);
        return;
    }
    const float scale = 1.0f - low;
    for (std::size_t c = 0; c < n; ++c) x[c] = low + scale * pixels[c];
}

void Network::encode_inputs(ConstMatrixView pixels, Matrix& x) const {
    x.resize(pixels.rows, pixels.cols);
    for (std::size_t r = 0; r < pixels.rows; ++r)
        encode_input_row(pixels.row(r), pixels.cols, architecture_.encoding.input_low, x.row(r));
}

void Network::encode_targets(std::span<const std::uint8_t> labels, std::span<const std::uint32_t> indices,
                             Matrix& y) const {
    const Encoding& e = architecture_.encoding;
    const std::size_t n_out = output_size();
    y.resize(indices.size(), n_out);
    for (std::size_t r = 0; r < indices.size(); ++r) {
        float* yr = y.row(r);
        const int label = labels[indices[r]];
        if (e.target_digit >= 0) {  // yes/no: one output neuron
            yr[0] = label == e.target_digit ? e.target_high : e.target_low;
        } else {                    // one neuron per class, high for the label's
            std::fill(yr, yr + n_out, e.target_low);
            if (static_cast<std::size_t>(label) < n_out) yr[label] = e.target_high;
        }
    }
}

void Network::encode_batch(ConstMatrixView pixels, std::span<const std::uint8_t> labels,
                           std::span<const std::uint32_t> indices, Matrix& x, Matrix& y) const {
    gather_rows(pixels, indices, x);  // x row r = pixels row indices[r]
    encode_inputs(x, x);
    encode_targets(labels, indices, y);
}

}  // namespace digitnet

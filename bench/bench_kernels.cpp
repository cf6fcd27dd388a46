// Kernel benchmarks: the matrix products, layers, activations and whole training steps of
// the presets' networks. Every benchmark runs for a short minimum time, so the default run
// takes well under a minute; pass --benchmark_min_time=1 for steadier numbers.
//
// Threads: OpenBLAS reads OPENBLAS_NUM_THREADS at start-up, or pass --threads=N (before the
// Google Benchmark flags) to call digitnet::set_num_threads(N). The default is 1 thread.
//
//   build-bench/bench/bench_kernels                              # everything, 1 thread
//   build-bench/bench/bench_kernels --threads=2 --benchmark_filter=Gemm
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "digitnet/activation.hpp"
#include "digitnet/conv.hpp"
#include "digitnet/cost.hpp"
#include "digitnet/dataset.hpp"
#include "digitnet/layer.hpp"
#include "digitnet/matrix.hpp"
#include "digitnet/network.hpp"
#include "digitnet/optimizer.hpp"
#include "kernels/conv_kernels.hpp"
#include "kernels/pixel_bytes.hpp"
#include "digitnet/presets.hpp"
#include "digitnet/random.hpp"
#include "digitnet/train.hpp"

namespace {

using digitnet::Activation;
using digitnet::Matrix;

constexpr double kMinTime = 0.05;  // seconds per benchmark in the default run

Matrix random_matrix(std::size_t rows, std::size_t cols, digitnet::Rng& rng, double scale = 1.0) {
    Matrix m(rows, cols);
    for (float& v : m) v = static_cast<float>(rng.uniform(-scale, scale));
    return m;
}

// One-hot targets: row r has a 1 in column r % cols.
Matrix one_hot(std::size_t rows, std::size_t cols) {
    Matrix y(rows, cols);
    for (std::size_t r = 0; r < rows; ++r) y(r, r % cols) = 1.0f;
    return y;
}

// 2 m n k floating-point operations for an (m x k)(k x n) product, as a rate in GFLOP/s.
void set_gflops(benchmark::State& state, double flops_per_iteration) {
    state.counters["GFLOP/s"] =
        benchmark::Counter(1e-9 * flops_per_iteration * static_cast<double>(state.iterations()),
                           benchmark::Counter::kIsRate);
}

// ---------------------------------------------------------------- GEMM shapes of a dense layer
// Arguments: batch B, n_in, n_out. The layer's weights W are (n_out, n_in).

// Forward: z = x Wᵀ, (B, n_in)(n_in, n_out) -> (B, n_out)
void BM_GemmForward(benchmark::State& state) {
    const auto b = static_cast<std::size_t>(state.range(0)), n_in = static_cast<std::size_t>(state.range(1)),
               n_out = static_cast<std::size_t>(state.range(2));
    digitnet::Rng rng(1);
    Matrix x = random_matrix(b, n_in, rng), w = random_matrix(n_out, n_in, rng), z(b, n_out);
    for (auto _ : state) {
        digitnet::gemm(false, true, 1.0f, x, w, 1.0f, z);
        benchmark::DoNotOptimize(z.data());
        benchmark::ClobberMemory();
    }
    set_gflops(state, 2.0 * double(b) * double(n_in) * double(n_out));
}

// Weight gradient: ∂C/∂W = (1/B) deltaᵀ x, (n_out, B)(B, n_in) -> (n_out, n_in)
void BM_GemmGradWeights(benchmark::State& state) {
    const auto b = static_cast<std::size_t>(state.range(0)), n_in = static_cast<std::size_t>(state.range(1)),
               n_out = static_cast<std::size_t>(state.range(2));
    digitnet::Rng rng(2);
    Matrix delta = random_matrix(b, n_out, rng), x = random_matrix(b, n_in, rng), gw(n_out, n_in);
    for (auto _ : state) {
        digitnet::gemm(true, false, 1.0f / float(b), delta, x, 0.0f, gw);
        benchmark::DoNotOptimize(gw.data());
        benchmark::ClobberMemory();
    }
    set_gflops(state, 2.0 * double(b) * double(n_in) * double(n_out));
}

// Input gradient: ∂C/∂x = delta W, (B, n_out)(n_out, n_in) -> (B, n_in)
void BM_GemmGradInput(benchmark::State& state) {
    const auto b = static_cast<std::size_t>(state.range(0)), n_in = static_cast<std::size_t>(state.range(1)),
               n_out = static_cast<std::size_t>(state.range(2));
    digitnet::Rng rng(3);
    Matrix delta = random_matrix(b, n_out, rng), w = random_matrix(n_out, n_in, rng), gx(b, n_in);
    for (auto _ : state) {
        digitnet::gemm(false, false, 1.0f, delta, w, 0.0f, gx);
        benchmark::DoNotOptimize(gx.data());
        benchmark::ClobberMemory();
    }
    set_gflops(state, 2.0 * double(b) * double(n_in) * double(n_out));
}

// The presets' layers: 784 -> hidden and hidden -> 10, for batch 10, 32, 128.
void layer_shapes(benchmark::internal::Benchmark* b, bool with_input_layer) {
    b->ArgNames({"batch", "in", "out"});
    for (long batch : {10, 32, 128})
        for (long hidden : {30, 100, 800}) {
            if (with_input_layer) b->Args({batch, 784, hidden});
            b->Args({batch, hidden, 10});
        }
    b->MinTime(kMinTime);
}
void shapes_all_layers(benchmark::internal::Benchmark* b) { layer_shapes(b, true); }
// The first layer's ∂C/∂x is never computed (nothing below it needs it).
void shapes_upper_layers(benchmark::internal::Benchmark* b) { layer_shapes(b, false); }

BENCHMARK(BM_GemmForward)->Apply(shapes_all_layers);
BENCHMARK(BM_GemmGradWeights)->Apply(shapes_all_layers);
BENCHMARK(BM_GemmGradInput)->Apply(shapes_upper_layers);

// ---------------------------------------------------------------- DenseLayer forward and backward
// Arguments: batch, n_in, n_out, activation (0 sigmoid, 1 relu, 2 softmax).

Activation activation_arg(long v) {
    return v == 0 ? Activation::sigmoid : v == 1 ? Activation::relu : Activation::softmax;
}

void BM_LayerForward(benchmark::State& state) {
    const auto b = static_cast<std::size_t>(state.range(0)), n_in = static_cast<std::size_t>(state.range(1)),
               n_out = static_cast<std::size_t>(state.range(2));
    digitnet::Rng rng(4);
    digitnet::DenseLayer layer(n_in, n_out, activation_arg(state.range(3)));
    layer.initialize_biases(digitnet::Init::he, rng);
    layer.initialize_weights(digitnet::Init::he, rng);
    Matrix x = random_matrix(b, n_in, rng, 0.5);
    for (auto _ : state) {
        layer.forward(x);
        benchmark::DoNotOptimize(layer.a.data());
    }
    set_gflops(state, 2.0 * double(b) * double(n_in) * double(n_out));
}

// backward(): delta = ∂C/∂a ⊙ σ'(z), ∂C/∂W, ∂C/∂b and (for the upper layer) ∂C/∂x.
void BM_LayerBackward(benchmark::State& state) {
    const auto b = static_cast<std::size_t>(state.range(0)), n_in = static_cast<std::size_t>(state.range(1)),
               n_out = static_cast<std::size_t>(state.range(2));
    const bool input_layer = n_in == 784;
    digitnet::Rng rng(5);
    digitnet::DenseLayer layer(n_in, n_out, activation_arg(state.range(3)));
    layer.initialize_biases(digitnet::Init::he, rng);
    layer.initialize_weights(digitnet::Init::he, rng);
    Matrix x = random_matrix(b, n_in, rng, 0.5), grad_a = random_matrix(b, n_out, rng), grad_x;
    layer.forward(x);
    for (auto _ : state) {
        layer.backward(x, grad_a, input_layer ? nullptr : &grad_x);
        benchmark::DoNotOptimize(layer.grad_weights.data());
    }
    set_gflops(state, (input_layer ? 2.0 : 4.0) * double(b) * double(n_in) * double(n_out));
}

void layer_args(benchmark::internal::Benchmark* b) {
    b->ArgNames({"batch", "in", "out", "act"});
    b->Args({10, 784, 30, 0})->Args({10, 30, 10, 0});      // nielsen: sigmoid
    b->Args({32, 784, 100, 1})->Args({32, 100, 10, 2});    // default: relu, softmax
    b->Args({128, 784, 100, 1})->Args({128, 100, 10, 2});  // mlp100
    b->Args({128, 784, 800, 1})->Args({128, 800, 10, 2});  // best-mlp
    b->MinTime(kMinTime);
}
BENCHMARK(BM_LayerForward)->Apply(layer_args);
BENCHMARK(BM_LayerBackward)->Apply(layer_args);

// ---------------------------------------------------------------- activations
// Arguments: batch, width. a = σ(z) over a (batch, width) matrix.

template <Activation A>
void BM_Activate(benchmark::State& state) {
    const auto b = static_cast<std::size_t>(state.range(0)), n = static_cast<std::size_t>(state.range(1));
    digitnet::Rng rng(6);
    Matrix z = random_matrix(b, n, rng, 4.0), a(b, n);
    for (auto _ : state) {
        digitnet::activate(A, z, a);
        benchmark::DoNotOptimize(a.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * b * n));
}

template <Activation A>
void BM_ActivateBackward(benchmark::State& state) {
    const auto b = static_cast<std::size_t>(state.range(0)), n = static_cast<std::size_t>(state.range(1));
    digitnet::Rng rng(7);
    Matrix z = random_matrix(b, n, rng, 4.0), a(b, n), g = random_matrix(b, n, rng), delta(b, n);
    digitnet::activate(A, z, a);
    for (auto _ : state) {
        digitnet::activation_backward(A, z, a, g, delta);
        benchmark::DoNotOptimize(delta.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * b * n));
}

void hidden_widths(benchmark::internal::Benchmark* b) {
    b->ArgNames({"batch", "n"});
    b->Args({10, 30})->Args({32, 100})->Args({128, 800});
    b->MinTime(kMinTime);
}
void output_widths(benchmark::internal::Benchmark* b) {
    b->ArgNames({"batch", "n"});
    b->Args({10, 10})->Args({32, 10})->Args({128, 10});
    b->MinTime(kMinTime);
}
BENCHMARK(BM_Activate<Activation::sigmoid>)->Name("BM_Sigmoid")->Apply(hidden_widths);
BENCHMARK(BM_Activate<Activation::relu>)->Name("BM_Relu")->Apply(hidden_widths);
BENCHMARK(BM_Activate<Activation::softmax>)->Name("BM_SoftmaxRows")->Apply(output_widths);
BENCHMARK(BM_ActivateBackward<Activation::sigmoid>)->Name("BM_SigmoidBackward")->Apply(hidden_widths);
BENCHMARK(BM_ActivateBackward<Activation::relu>)->Name("BM_ReluBackward")->Apply(hidden_widths);
BENCHMARK(BM_ActivateBackward<Activation::softmax>)->Name("BM_SoftmaxRowsBackward")->Apply(output_widths);

// ---------------------------------------------------------------- one training step per preset
// Network::backprop over one mini-batch of the preset's size, then an SGD update of every
// weight and bias. Random inputs in [0, 1) and one-hot targets; dropout as the preset says.
// GFLOP/s counts the three products per layer (forward, ∂C/∂W, ∂C/∂x; the first layer has no
// ∂C/∂x), 2 m n k each.

void BM_TrainStep(benchmark::State& state, const std::string& preset_name) {
    const digitnet::TrainConfig& config = digitnet::find_preset(preset_name).config;
    digitnet::Rng rng(8);
    digitnet::Network network(config.architecture);
    network.initialize(config.init, rng);
    for (std::size_t l = 0; l + 1 < network.layers.size(); ++l) network.layers[l].dropout = config.dropout;
    const std::size_t batch = config.batch_size;
    Matrix x = random_matrix(batch, network.input_size(), rng, 1.0);
    for (float& v : x) v = 0.5f * (v + 1.0f);
    Matrix y = one_hot(batch, network.output_size());
    auto optimizer = digitnet::make_optimizer(digitnet::OptimizerConfig{});
    std::vector<digitnet::Matrix*> values;
    std::vector<const digitnet::Matrix*> grads;
    for (auto& layer : network.layers) {
        values.push_back(&layer.weights);
        grads.push_back(&layer.grad_weights);
        if (layer.use_bias) {
            values.push_back(&layer.biases);
            grads.push_back(&layer.grad_biases);
        }
    }
    digitnet::Rng dropout_rng(9);
    const bool dropout = config.dropout > 0.0f;
    for (auto _ : state) {
        const double cost = network.backprop(x, y, dropout ? &dropout_rng : nullptr);
        benchmark::DoNotOptimize(cost);
        optimizer->step(values, grads, 0.01f);
    }
    double flops = 0.0;
    for (std::size_t l = 0; l < network.layers.size(); ++l) {
        const double mnk = double(batch) * double(network.layers[l].n_in()) * double(network.layers[l].n_out());
        flops += (l == 0 ? 4.0 : 6.0) * mnk;
    }
    set_gflops(state, flops);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));  // examples/s
}

// ---------------------------------------------------------------- a whole epoch through the Trainer
// What `digitnet train` does per epoch, on 5,000 synthetic examples (random pixels, labels
// r % 10): shuffle, encode each mini-batch, backprop, the optimiser's step, the divergence
// check. Augmentation off, no validation or test pass. Seconds per 50,000-example epoch are
// 10 times the time shown.

void BM_TrainerEpoch(benchmark::State& state, const std::string& preset_name) {
    digitnet::TrainConfig config = digitnet::find_preset(preset_name).config;
    config.epochs = 1;
    config.augment = false;
    config.evaluate_test = false;
    const std::size_t n = 5000;
    digitnet::DataSplits data;
    data.name = "synthetic";
    digitnet::Rng rng(11);
    data.train.images = random_matrix(n, 784, rng, 1.0);
    for (float& v : data.train.images) v = 0.5f * (v + 1.0f);
    data.train.labels.resize(n);
    for (std::size_t i = 0; i < n; ++i) data.train.labels[i] = static_cast<std::uint8_t>(i % 10);
    for (auto _ : state) {
        state.PauseTiming();
        digitnet::Trainer trainer(config, data);
        state.ResumeTiming();
        trainer.run();
        benchmark::DoNotOptimize(trainer.network().layers.back().weights.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));  // examples/s
}

// ---------------------------------------------------------------- the products alone
// A lower bound for a CNN preset's epoch: only the matrix products one training epoch of 5,000
// images makes, each with the shapes digitnet's layers give it (per image for a convolution:
// z = W·columns, ∂C/∂W += δ·columnsᵀ, and ∂C/∂columns = Wᵀ·δ except for the first layer; per
// mini-batch for a dense layer: z = x Wᵀ, ∂C/∂W = δᵀ x, ∂C/∂x = δ W), on operands of the right
// sizes, with no im2col, activation, pooling, normalisation or update between them. The time
// the whole epoch spends outside these is BM_TrainerEpoch5k minus this. With `whole_batch`, each
// convolution's three products are made once per mini-batch instead (the batch's columns side by
// side: P·batch wide), which is what the same multiply-adds cost in larger products.
void BM_ProductsOnly5k(benchmark::State& state, const std::string& preset_name, bool whole_batch) {
    digitnet::TrainConfig config = digitnet::find_preset(preset_name).config;
    digitnet::DataSplits data;
    data.name = "synthetic";
    data.train.images = Matrix(10, 784);
    data.train.labels.assign(10, 0);
    digitnet::Trainer trainer(config, data);
    const digitnet::Network& net = trainer.network();
    const std::size_t n = 5000, batch = config.batch_size, steps = n / batch;
    struct Product { int m, n, k; bool trans_a, trans_b; std::size_t per_step; };
    std::vector<Product> products;
    double flops = 0.0;
    bool first = true;
    for (const auto& layer : net.features) {
        const auto* conv = dynamic_cast<const digitnet::Conv2d*>(layer.get());
        if (!conv) continue;
        const int F = static_cast<int>(conv->filters()), K = static_cast<int>(conv->geometry.patch_size()),
                  P = static_cast<int>(conv->geometry.positions());
        const int Pb = whole_batch ? P * static_cast<int>(batch) : P;
        const std::size_t times = whole_batch ? 1 : batch;
        products.push_back({F, Pb, K, false, false, times});  // z_b (F, P) = W (F, K) · columns_b (K, P)
        products.push_back({F, K, Pb, false, true, times});   // δ_b (F, P) · columns_bᵀ (P, K)
        if (!first) products.push_back({K, Pb, F, true, false, times});  // Wᵀ (K, F) · δ_b (F, P)
        first = false;
    }
    for (const auto& dense : net.layers) {
        const int B = static_cast<int>(batch), in = static_cast<int>(dense.weights.cols()),
                  out = static_cast<int>(dense.weights.rows());
        products.push_back({B, out, in, false, true, 1});   // z = x (B, in) · Wᵀ
        products.push_back({out, in, B, true, false, 1});   // ∂C/∂W = δᵀ (out, B) · x (B, in)
        products.push_back({B, in, out, false, false, 1});  // ∂C/∂x = δ (B, out) · W (out, in)
    }
    std::size_t biggest = 0;
    for (const Product& p : products) {
        biggest = std::max({biggest, static_cast<std::size_t>(p.m) * p.k, static_cast<std::size_t>(p.k) * p.n,
                            static_cast<std::size_t>(p.m) * p.n});
        flops += 2.0 * p.m * p.n * p.k * static_cast<double>(p.per_step * steps);
    }
    digitnet::Rng rng(5);
    Matrix a = random_matrix(1, biggest, rng), b = random_matrix(1, biggest, rng), c(1, biggest);
    for (auto _ : state) {
        for (std::size_t step = 0; step < steps; ++step)
            for (const Product& p : products)
                for (std::size_t i = 0; i < p.per_step; ++i)
                    cblas_sgemm(CblasRowMajor, p.trans_a ? CblasTrans : CblasNoTrans, p.trans_b ? CblasTrans : CblasNoTrans,
                                p.m, p.n, p.k, 1.0f, a.data(), p.trans_a ? p.m : p.k, b.data(), p.trans_b ? p.k : p.n,
                                0.0f, c.data(), p.n);
        benchmark::DoNotOptimize(c.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
    set_gflops(state, flops);
}

// ---------------------------------------------------------------- a convolution's input gradient
// grad_columns (K, P) = Wᵀ (K, F) · δ (F, P) for one image: OpenBLAS's sgemm, or digitnet's own
// product (kernels/conv_kernels.cpp), which makes the same adds in the same order. Arguments: F, K, P.
void BM_ConvInputGradient(benchmark::State& state, bool own) {
    const int F = static_cast<int>(state.range(0)), K = static_cast<int>(state.range(1)), P = static_cast<int>(state.range(2));
    digitnet::Rng rng(6);
    const Matrix w = random_matrix(static_cast<std::size_t>(F), static_cast<std::size_t>(K), rng);
    const Matrix delta = random_matrix(static_cast<std::size_t>(F), static_cast<std::size_t>(P), rng);
    Matrix out(static_cast<std::size_t>(K), static_cast<std::size_t>(P));
    for (auto _ : state) {
        if (own)
            digitnet::weights_t_times_delta(w.data(), delta.data(), F, K, P, out.data());
        else
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, K, P, F, 1.0f, w.data(), K, delta.data(), P, 0.0f,
                        out.data(), P);
        benchmark::DoNotOptimize(out.data());
    }
    set_gflops(state, 2.0 * F * K * P);
}

// ---------------------------------------------------------------- a convolution's weight gradient
// One image's part of ∂C/∂W = δ·columnsᵀ, the receptive fields made first, as conv_backward makes it
// for the layers after the first: im2col and OpenBLAS's sgemm, or im2row, δ transposed and
// digitnet's own product (the same adds in the same order). Arguments: F, C, H (= W), kernel size.
void BM_ConvWeightGradient(benchmark::State& state, bool own) {
    const auto F = static_cast<std::size_t>(state.range(0)), C = static_cast<std::size_t>(state.range(1)),
               H = static_cast<std::size_t>(state.range(2)), k = static_cast<std::size_t>(state.range(3));
    const digitnet::ConvGeometry g = digitnet::conv_geometry({C, H, H}, k, k, 1, false);
    const std::size_t K = g.patch_size(), P = g.positions();
    digitnet::Rng rng(7);
    const Matrix image = random_matrix(1, g.in.size(), rng), delta = random_matrix(F, P, rng);
    Matrix fields(K, P), delta_t(P, F), gw(F, K);
    for (auto _ : state) {
        if (own) {
            digitnet::im2row(image.data(), g, fields.data());
            for (std::size_t f = 0; f < F; ++f)
                for (std::size_t p = 0; p < P; ++p) delta_t(p, f) = delta(f, p);
            digitnet::delta_times_rows(delta_t.data(), fields.data(), F, K, P, true, gw.data());
        } else {
            digitnet::im2col(image.data(), g, fields.data());
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(F), static_cast<int>(K),
                        static_cast<int>(P), 1.0f, delta.data(), static_cast<int>(P), fields.data(),
                        static_cast<int>(P), 1.0f, gw.data(), static_cast<int>(K));
        }
        benchmark::DoNotOptimize(gw.data());
    }
    set_gflops(state, 2.0 * static_cast<double>(F * K * P));
}

// ---------------------------------------------------------------- inference of the test set
// The 10,000 MNIST test images through the network in batches of 1,000 (as digitnet eval does),
// with predict() taking the argmax. The time depends on the pixels (the zero-skipping product skips
// background), so these are the real test images when data/mnist has them (scripts/setup.sh),
// else random pixels in [0, 1] (labelled so in the output).

Matrix inference_images(digitnet::Rng& rng, bool& real) {
    try {
        digitnet::DataOptions options;
        options.data_dir = std::string(DIGITNET_SOURCE_DIR) + "/data";
        digitnet::DataSplits data = digitnet::load_data(options);
        real = true;
        return data.test.images;
    } catch (const std::exception&) {
        real = false;
        Matrix x = random_matrix(10000, 784, rng, 1.0);
        for (float& v : x) v = 0.5f * (v + 1.0f);
        return x;
    }
}

// 784-hidden-10 ReLU with softmax + log-likelihood (bench/compare.py's mlp100 at 100).
digitnet::Architecture relu_softmax_mlp(std::size_t hidden) {
    digitnet::Architecture architecture;
    architecture.sizes = {784, hidden, 10};
    architecture.hidden = Activation::relu;
    architecture.output = Activation::softmax;
    architecture.cost = digitnet::Cost::log_likelihood;
    return architecture;
}

void BM_Inference10k(benchmark::State& state, const std::string& preset_name, std::size_t hidden) {
    const digitnet::Architecture architecture =
        hidden ? relu_softmax_mlp(hidden) : digitnet::find_preset(preset_name).config.architecture;
    digitnet::Rng rng(10);
    digitnet::Network network(architecture);
    network.initialize(digitnet::Init::he, rng);
    const std::size_t chunk = static_cast<std::size_t>(state.range(0));
    bool real = false;
    const Matrix x = inference_images(rng, real);
    const std::size_t n = x.rows();
    if (!real) state.SetLabel("random pixels: no MNIST in data/");
    for (auto _ : state) {
        std::size_t sum = 0;
        for (std::size_t begin = 0; begin < n; begin += chunk) {
            const std::size_t count = std::min(chunk, n - begin);
            for (int c : network.predict(x.rows_view(begin, count))) sum += static_cast<std::size_t>(c);
        }
        benchmark::DoNotOptimize(sum);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}

// ---------------------------------------------------------------- where an mlp100 step's time goes
// One training step of 784-100-10 (ReLU, softmax + log-likelihood, He, SGD, mini-batch 128, as
// bench/compare.py's mlp100) on the real MNIST training images when data/mnist has them, in a
// shuffled order, phase by phase; each counter is microseconds per step:
//   gather      the mini-batch's rows from the images kept as bytes, and the one-hot targets
//   hidden_fwd  z = x Wᵀ + b and ReLU of the 784 -> 100 layer (zero-skipping product)
//   output_fwd  the 100 -> 10 layer and its softmax
//   output_bwd  delta of the output layer, its ∂C/∂W, ∂C/∂b and the ∂C/∂a handed down
//   hidden_bwd  ReLU', ∂C/∂W (zero-skipping product) and ∂C/∂b of the hidden layer
//   update      plain SGD over the 79,510 parameters
void BM_StepPhases(benchmark::State& state) {
    const digitnet::Architecture architecture = relu_softmax_mlp(100);
    digitnet::Rng rng(12);
    digitnet::Network network(architecture);
    network.initialize(digitnet::Init::he, rng);
    Matrix images;
    std::vector<std::uint8_t> labels;
    try {
        digitnet::DataOptions options;
        options.data_dir = std::string(DIGITNET_SOURCE_DIR) + "/data";
        options.validation_size = 0;
        digitnet::DataSplits data = digitnet::load_data(options);
        images = std::move(data.train.images);
        labels = std::move(data.train.labels);
    } catch (const std::exception&) {
        state.SetLabel("random bytes: no MNIST in data/");
        images = Matrix(10000, 784);
        for (float& v : images) v = rng.uniform() < 0.8 ? 0.0f : static_cast<float>(rng.below(256)) / 255.0f;
        labels.resize(10000);
        for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::uint8_t>(i % 10);
    }
    const auto bytes = digitnet::PixelBytes::from_pixels(images);
    std::vector<std::uint32_t> order(labels.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<std::uint32_t>(i);
    rng.shuffle(order);
    auto optimizer = digitnet::make_optimizer(digitnet::OptimizerConfig{});
    std::vector<Matrix*> values;
    std::vector<const Matrix*> grads;
    for (auto& layer : network.layers) {
        values.insert(values.end(), {&layer.weights, &layer.biases});
        grads.insert(grads.end(), {&layer.grad_weights, &layer.grad_biases});
    }
    constexpr std::size_t batch = 128;
    Matrix x, y, grad_hidden;
    digitnet::DenseLayer &hidden = network.layers[0], &output = network.layers[1];
    double seconds[6] = {};
    std::size_t position = 0;
    using clock = std::chrono::steady_clock;
    for (auto _ : state) {
        if (position + batch > order.size()) position = 0;
        const std::span<const std::uint32_t> indices(order.data() + position, batch);
        position += batch;
        const auto t0 = clock::now();
        if (bytes) digitnet::encode_batch(network, *bytes, labels, indices, x, y);
        else network.encode_batch(images, labels, indices, x, y);
        const auto t1 = clock::now();
        hidden.forward(x, true, nullptr);
        const auto t2 = clock::now();
        output.forward(hidden.a, true, nullptr);
        const double cost = digitnet::cost_value(architecture.cost, output.a, y);
        const auto t3 = clock::now();
        output.delta.resize(batch, 10);
        digitnet::output_delta(architecture.cost, output.activation, output.z, output.a, y, output.delta);
        output.backward_delta(hidden.a, &grad_hidden);
        const auto t4 = clock::now();
        hidden.backward(x, grad_hidden, nullptr);
        const auto t5 = clock::now();
        optimizer->step(values, grads, 0.1f);
        const auto t6 = clock::now();
        benchmark::DoNotOptimize(cost);
        const clock::time_point t[] = {t0, t1, t2, t3, t4, t5, t6};
        for (int i = 0; i < 6; ++i) seconds[i] += std::chrono::duration<double>(t[i + 1] - t[i]).count();
    }
    const char* names[] = {"gather", "hidden_fwd", "output_fwd", "output_bwd", "hidden_bwd", "update"};
    for (int i = 0; i < 6; ++i)
        state.counters[names[i]] = 1e6 * seconds[i] / static_cast<double>(state.iterations());
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * batch));
}

}  // namespace

int main(int argc, char** argv) {
    // --threads=N is ours; everything else goes to Google Benchmark.
    int threads = 1;
    if (const char* env = std::getenv("OPENBLAS_NUM_THREADS")) threads = std::atoi(env);
    std::vector<char*> args;
    for (int i = 0; i < argc; ++i) {
        if (std::strncmp(argv[i], "--threads=", 10) == 0)
            threads = std::atoi(argv[i] + 10);
        else
            args.push_back(argv[i]);
    }
    digitnet::set_num_threads(threads < 1 ? 1 : threads);

    for (const char* preset : {"default", "nielsen", "rashid", "3b1b", "is-nine", "nielsen-ch3", "best-mlp"})
        benchmark::RegisterBenchmark((std::string("BM_TrainStep/") + preset).c_str(), BM_TrainStep, std::string(preset))
            ->MinTime(kMinTime);
    for (const char* preset : {"default", "nielsen", "best-mlp", "fast-99", "lenet5", "nielsen-ch6-two-conv"})
        benchmark::RegisterBenchmark((std::string("BM_TrainerEpoch5k/") + preset).c_str(), BM_TrainerEpoch,
                                     std::string(preset))
            ->MinTime(kMinTime)->Unit(benchmark::kMillisecond);
    for (const char* preset : {"fast-99", "lenet5", "nielsen-ch6-two-conv"})
        for (bool whole_batch : {false, true})
            benchmark::RegisterBenchmark((std::string("BM_ProductsOnly5k/") + preset + (whole_batch ? "/whole-batch" : "")).c_str(),
                                         BM_ProductsOnly5k, std::string(preset), whole_batch)
                ->MinTime(kMinTime)->Unit(benchmark::kMillisecond);
    // The presets' shapes (F, K, P): fast-99's second convolution, LeNet-5's second and third,
    // Nielsen's chapter-6 second, best-cnn's second and fourth.
    // fast-99's second convolution, LeNet-5's second, Nielsen's chapter-6 second, best-cnn's fourth.
    for (bool own : {false, true})
        benchmark::RegisterBenchmark(own ? "BM_ConvWeightGradient/own" : "BM_ConvWeightGradient/sgemm", BM_ConvWeightGradient, own)
            ->Args({20, 10, 12, 5})->Args({16, 6, 14, 5})->Args({40, 20, 12, 5})->Args({64, 64, 10, 3})
            ->ArgNames({"F", "C", "H", "k"})->MinTime(kMinTime);
    for (bool own : {false, true})
        benchmark::RegisterBenchmark(own ? "BM_ConvInputGradient/own" : "BM_ConvInputGradient/sgemm", BM_ConvInputGradient, own)
            ->Args({20, 250, 64})->Args({16, 150, 100})->Args({120, 400, 1})->Args({40, 500, 64})->Args({32, 288, 576})
            ->Args({64, 576, 64})->ArgNames({"F", "K", "P"})->MinTime(kMinTime);
    benchmark::RegisterBenchmark("BM_StepPhases/mlp100", BM_StepPhases)->MinTime(0.5)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("BM_Inference10k/nielsen", BM_Inference10k, std::string("nielsen"), std::size_t{0})
        ->Arg(1000)->Arg(10000)->ArgName("chunk")->MinTime(kMinTime)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Inference10k/mlp100", BM_Inference10k, std::string("default"), std::size_t{100})
        ->Arg(1000)->Arg(10000)->ArgName("chunk")->MinTime(kMinTime)->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Inference10k/best-mlp", BM_Inference10k, std::string("best-mlp"), std::size_t{0})
        ->Arg(1000)->Arg(10000)->ArgName("chunk")->MinTime(kMinTime)->Unit(benchmark::kMillisecond);
    // The convolutional configurations of bench/compare.py, by the preset whose network they time.
    for (const auto& [config, preset] : {std::pair<const char*, const char*>{"fast-99", "fast-99"},
                                         {"lenet5", "lenet5"}, {"nielsen-ch6", "nielsen-ch6-two-conv"}})
        benchmark::RegisterBenchmark((std::string("BM_Inference10k/") + config).c_str(), BM_Inference10k,
                                     std::string(preset), std::size_t{0})
            ->Arg(1000)->ArgName("chunk")->MinTime(kMinTime)->Unit(benchmark::kMillisecond);

    int n = static_cast<int>(args.size());
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

// Convolutional networks: Conv2d against its seven-loop reference, pooling, every layer kind
// against central differences, the --net text refused with one line where it cannot work, model
// files, and a small network learning.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "digitnet/conv.hpp"
#include "digitnet/conv_pictures.hpp"
#include "digitnet/error.hpp"
#include "digitnet/evaluate.hpp"
#include "digitnet/gradcheck.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/net_spec.hpp"
#include "digitnet/network.hpp"
#include "digitnet/pool.hpp"
#include "digitnet/train.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::error_of;
using digitnet::testing::fresh_dir;
using digitnet::testing::synthetic_splits;

namespace {

Matrix random_values(std::size_t rows, std::size_t cols, Rng& rng) {
    Matrix m(rows, cols);
    for (float& v : m) v = static_cast<float>(rng.uniform() * 2.0 - 1.0);
    return m;
}

double max_difference(const Matrix& a, const Matrix& b) {
    EXPECT_EQ(a.rows(), b.rows());
    EXPECT_EQ(a.cols(), b.cols());
    double worst = 0.0;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i)
        worst = std::max(worst, static_cast<double>(std::fabs(a.data()[i] - b.data()[i])));
    return worst;
}

Architecture net_architecture(const std::string& net, ImageShape input, Cost cost = Cost::log_likelihood) {
    Architecture a;
    a.net = net;
    a.input = input;
    a.cost = cost;
    apply_net(a);
    return a;
}

}  // namespace

// Odd sizes, stride 2, `same` padding (copied out with its zeros at stride 1), several channels,
// non-square kernels and kernels that cover their whole input (a dense layer, LeNet-5's third
// convolution): the layer gives the reference's outputs and gradients.
TEST(Conv2d, MatchesTheSevenLoopReferenceForwardAndBackward) {
    struct Case {
        ImageShape in;
        std::size_t kh, kw, stride, filters;
        bool same;
    };
    const std::vector<Case> cases = {{{1, 7, 7}, 3, 3, 1, 2, false}, {{3, 9, 8}, 3, 5, 2, 4, true},
                                     {{2, 5, 6}, 5, 5, 1, 3, true},  {{4, 6, 6}, 2, 2, 2, 5, false},
                                     {{1, 28, 28}, 5, 5, 1, 6, true}, {{2, 4, 4}, 1, 1, 3, 2, false},
                                     {{2, 5, 7}, 2, 4, 1, 3, true},   // even kernels: the odd pad at the bottom, right
                                     {{16, 5, 5}, 5, 5, 1, 12, false}, {{3, 4, 6}, 4, 6, 1, 2, false}};  // kernels as large as the input: one position
    Rng rng(3);
    for (const Case& c : cases) {
        SCOPED_TRACE(c.in.describe() + " kernel " + std::to_string(c.kh) + "x" + std::to_string(c.kw) + " stride " +
                     std::to_string(c.stride) + (c.same ? " same" : " valid"));
        Conv2d conv(conv_geometry(c.in, c.kh, c.kw, c.stride, c.same), c.filters);
        conv.weights = random_values(conv.weights.rows(), conv.weights.cols(), rng);
        conv.biases = random_values(1, c.filters, rng);
        const Matrix x = random_values(3, c.in.size(), rng);
        conv.forward(x, true, nullptr);
        Matrix reference;
        conv2d_reference_forward(x, conv.geometry, conv.weights, conv.biases, reference);
        EXPECT_LT(max_difference(conv.output, reference), 1e-4);

        const Matrix grad_out = random_values(3, conv.out.size(), rng);
        Matrix grad_x, ref_w, ref_b, ref_x;
        conv.backward(x, grad_out, &grad_x);
        conv2d_reference_backward(x, conv.geometry, conv.weights, grad_out, ref_w, ref_b, &ref_x);
        EXPECT_LT(max_difference(conv.grad_weights, ref_w), 1e-4);
        EXPECT_LT(max_difference(conv.grad_biases, ref_b), 1e-4);
        EXPECT_LT(max_difference(grad_x, ref_x), 1e-4);
    }
}

TEST(Conv2d, SamePaddingKeepsTheSizeAndValidShrinksIt) {
    const ConvGeometry same = conv_geometry({1, 28, 28}, 5, 5, 1, true);
    EXPECT_EQ(same.out_rows, 28u);
    EXPECT_EQ(same.pad_top, 2u);
    const ConvGeometry valid = conv_geometry({1, 28, 28}, 5, 5, 1, false);
    EXPECT_EQ(valid.out_rows, 24u);
    const ConvGeometry strided = conv_geometry({1, 7, 7}, 3, 3, 2, true);
    EXPECT_EQ(strided.out_rows, 4u);
    EXPECT_CONTAINS(error_of([] { conv_geometry({1, 4, 4}, 5, 5, 1, false); }), "larger than its input 1×4×4");
}

TEST(Pooling, MaxPoolingOfWideRowsWithManyTiesMatchesTheBlockByBlockDefinition) {
    // 3 channels of 6x22 (11 blocks a row: a vectorised run of 8 and a tail of 3), values from
    // {0, 1, 2} so that most blocks hold ties, and a 2x2 stride-2 grid that covers every pixel.
    const std::size_t C = 3, H = 6, W = 22;
    MaxPool2d pool({C, H, W}, 2, 2);
    Rng rng(7);
    Matrix x(2, C * H * W), grad(2, pool.out.size());
    for (float& v : x) v = static_cast<float>(rng.next_u64() % 3);
    for (float& g : grad) g = static_cast<float>(rng.normal());
    pool.forward(x, false, nullptr);
    Matrix grad_x;
    pool.backward(x, grad, &grad_x);
    for (std::size_t b = 0; b < 2; ++b)
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t oy = 0; oy < H / 2; ++oy)
                for (std::size_t ox = 0; ox < W / 2; ++ox) {
                    const std::size_t o = (c * (H / 2) + oy) * (W / 2) + ox;
                    std::size_t first = 0;
                    float best = -1.0f;
                    for (std::size_t k = 0; k < 4; ++k) {  // reading order: (0,0), (0,1), (1,0), (1,1)
                        const std::size_t i = (c * H + 2 * oy + k / 2) * W + 2 * ox + k % 2;
                        if (x(b, i) > best) best = x(b, i), first = i;
                    }
                    ASSERT_EQ(pool.output(b, o), best) << b << " " << o;
                    for (std::size_t k = 0; k < 4; ++k) {
                        const std::size_t i = (c * H + 2 * oy + k / 2) * W + 2 * ox + k % 2;
                        ASSERT_EQ(grad_x(b, i), i == first ? grad(b, o) : 0.0f) << b << " " << o << " " << k;
                    }
                }
}

TEST(Pooling, RowsOfUpTo16BlocksGiveTheScalarDefinitionsBitForBit) {
    // The vector paths for 2x2 blocks of stride 2 over short rows: an odd width and height (a row and
    // a column that no block covers), LeNet-5's 28 wide, fast-99's 24 and 8, and a row of exactly 16
    // blocks. Values from {-0, +0, 1, 2} so that blocks hold ties and zeros of both signs: std::max(a, b)
    // is a unless a < b, and the max-pooling gradient goes to the first of the four equal to the output.
    const ImageShape shapes[] = {{2, 5, 9}, {3, 6, 28}, {4, 24, 24}, {3, 8, 8}, {1, 4, 32}};
    Rng rng(11);
    for (const ImageShape& in : shapes) {
        SCOPED_TRACE(in.describe());
        MaxPool2d max_pool(in, 2, 2);
        AvgPool2d avg_pool(in, 2, 2);
        const ImageShape out = max_pool.out;
        Matrix x(2, in.size()), grad(2, out.size());
        const float values[] = {-0.0f, 0.0f, 1.0f, 2.0f};
        for (float& v : x) v = values[rng.next_u64() % 4];
        for (float& g : grad) g = static_cast<float>(rng.normal());
        max_pool.forward(x, false, nullptr);
        avg_pool.forward(x, false, nullptr);
        Matrix avg_grad_x, max_grad_x;
        avg_pool.backward(x, grad, &avg_grad_x);
        max_pool.backward(x, grad, &max_grad_x);
        std::size_t different = 0;
        auto same_bits = [&](float a, float b) { different += std::memcmp(&a, &b, sizeof a) != 0; };
        for (std::size_t b = 0; b < 2; ++b)
            for (std::size_t c = 0; c < in.channels; ++c) {
                for (std::size_t oy = 0; oy < out.rows; ++oy)
                    for (std::size_t ox = 0; ox < out.cols; ++ox) {
                        auto at = [&](std::size_t dy, std::size_t dx) { return (c * in.rows + 2 * oy + dy) * in.cols + 2 * ox + dx; };
                        const float a = x(b, at(0, 0)), a1 = x(b, at(0, 1)), a2 = x(b, at(1, 0)), a3 = x(b, at(1, 1));
                        const std::size_t o = (c * out.rows + oy) * out.cols + ox;
                        same_bits(max_pool.output(b, o), std::max(std::max(a, a1), std::max(a2, a3)));
                        same_bits(avg_pool.output(b, o), (((a + a1) + a2) + a3) * 0.25f);
                        for (std::size_t k = 0; k < 4; ++k) same_bits(avg_grad_x(b, at(k / 2, k % 2)), grad(b, o) * 0.25f);
                        // max: the first of the four in reading order equal to the output takes the gradient
                        const float best = max_pool.output(b, o);
                        const std::size_t first = a == best ? 0 : a1 == best ? 1 : a2 == best ? 2 : 3;
                        for (std::size_t k = 0; k < 4; ++k)
                            same_bits(max_grad_x(b, at(k / 2, k % 2)), k == first ? grad(b, o) : 0.0f);
                    }
                for (std::size_t y = 0; y < in.rows; ++y)  // what no block covers gets no gradient
                    for (std::size_t xx = 0; xx < in.cols; ++xx)
                        if (y >= 2 * out.rows || xx >= 2 * out.cols) {
                            same_bits(avg_grad_x(b, (c * in.rows + y) * in.cols + xx), 0.0f);
                            same_bits(max_grad_x(b, (c * in.rows + y) * in.cols + xx), 0.0f);
                        }
            }
        EXPECT_EQ(different, 0u);
    }
}

TEST(Pooling, MaxRoutesTheGradientToTheFirstOfEqualMaximaAndAverageSharesIt) {
    // One 2x4 image, two 2x2 blocks: the first holds a tie (3, 3), the second a single maximum.
    MaxPool2d max_pool({1, 2, 4}, 2, 2);
    Matrix x(1, 8, {3, 1, 0, 9, 3, 2, 5, 4});
    max_pool.forward(x, false, nullptr);
    EXPECT_EQ(max_pool.output(0, 0), 3.0f);
    EXPECT_EQ(max_pool.output(0, 1), 9.0f);
    Matrix grad_x;
    max_pool.backward(x, Matrix(1, 2, {1.0f, 2.0f}), &grad_x);
    const std::vector<float> expected = {1, 0, 0, 2, 0, 0, 0, 0};  // the tie's first 3 (reading order) takes it
    for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(grad_x.data()[i], expected[i]) << i;

    AvgPool2d avg_pool({1, 2, 4}, 2, 2);
    avg_pool.forward(x, false, nullptr);
    EXPECT_FLOAT_EQ(avg_pool.output(0, 0), 2.25f);
    EXPECT_FLOAT_EQ(avg_pool.output(0, 1), 4.5f);
    avg_pool.backward(x, Matrix(1, 2, {1.0f, 2.0f}), &grad_x);
    EXPECT_FLOAT_EQ(grad_x(0, 0), 0.25f);
    EXPECT_FLOAT_EQ(grad_x(0, 7), 0.5f);
}

// Every layer kind and their combinations against central differences.
TEST(NetGradients, EveryLayerKindAgreesWithCentralDifferences) {
    const std::vector<std::pair<std::string, ImageShape>> nets = {
        {"conv3x3x2 relu maxpool2 flatten dense10 softmax", {1, 7, 7}},
        {"conv3x3x3:same:stride2 tanh avgpool2 flatten dense5 sigmoid dense10 softmax", {2, 7, 7}},
        {"conv3x3x2 batchnorm sigmoid conv2x2x3 maxpool2:stride1 flatten dropout0.5 dense6 batchnorm tanh dense10 softmax",
         {2, 6, 5}},
        {"conv1x3x2 sigmoid maxpool3 flatten dense4 relu dropout0.2 dense10 softmax", {3, 5, 9}},
        {"flatten dense8 sigmoid dense10 softmax", {1, 4, 4}},
    };
    for (const auto& [net, input] : nets) {
        SCOPED_TRACE(net);
        Network network(net_architecture(net, input));
        Rng rng(5);
        network.initialize(Init::xavier, rng);
        Matrix x = random_values(3, input.size(), rng), y(3, 10);
        for (std::size_t r = 0; r < 3; ++r) y(r, rng.below(10)) = 1.0f;
        const auto checks = check_tensor_gradients(network, x, y, 1e-3);
        EXPECT_FALSE(checks.empty());
        for (const auto& c : checks) EXPECT_LT(c.max_relative_error, 1e-2) << c.name;
    }
}

TEST(NetSpec, PlansShapesParametersAndPyTorchNames) {
    const auto plan = plan_net("conv5x5x20 relu maxpool2 conv5x5x40 relu maxpool2 flatten dense100 relu dense10 softmax",
                               {1, 28, 28});
    ASSERT_EQ(plan.size(), 11u);
    EXPECT_EQ(plan[0].out, (ImageShape{20, 24, 24}));
    EXPECT_EQ(plan[2].out, (ImageShape{20, 12, 12}));
    EXPECT_EQ(plan[5].out, (ImageShape{40, 4, 4}));
    EXPECT_EQ(plan[6].out, (ImageShape{640, 1, 1}));
    EXPECT_EQ(plan[0].parameter_count(), 20u * 25 + 20);
    EXPECT_EQ(plan[3].tensors[0].name, "3.weight");
    EXPECT_EQ(plan[3].tensors[0].shape, (std::vector<std::size_t>{40, 20, 5, 5}));
    EXPECT_EQ(plan[7].tensors[0].shape, (std::vector<std::size_t>{100, 640}));
    EXPECT_EQ(net_outputs(plan), 10u);
    EXPECT_EQ(net_output_activation(plan), Activation::softmax);
    // batch normalisation after a dense layer takes its bias's place
    const auto bn = plan_net("flatten dense30 batchnorm relu dense10 softmax", {1, 28, 28});
    EXPECT_EQ(bn[1].tensors.size(), 1u);
    EXPECT_EQ(bn[2].tensors.size(), 4u);
}

// Each impossible network is refused before anything is built, in one line naming the layer.
TEST(NetSpec, ImpossibleNetworksAreRefusedNamingTheLayer) {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"conv9x9x8 relu flatten dense10 softmax", "layer 1 'conv9x9x8': the kernel is larger than its input 1×4×4"},
        {"conv3x3x0 flatten dense10 softmax", "layer 1 'conv3x3x0': the number of filters should be 1..4096, found 0"},
        {"conv3x3x2 dense10 softmax", "layer 2 'dense10': a dense layer needs a flat input"},
        {"dense10 softmax", "put flatten before it"},
        {"flatten conv3x3x2 dense10", "layer 2 'conv3x3x2': a convolution needs an image"},
        {"conv3x3x2 blah flatten dense10", "layer 2 'blah': unknown layer; the words are"},
        {"flatten dense10 softmax relu", "layer 3 'softmax': softmax is an output activation"},
        {"flatten dense10 relu relu", "layer 4 'relu': a dense layer has one activation"},
        {"conv3x3x2 relu", "must end in a dense layer"},
        {"maxpool5 flatten dense10", "layer 1 'maxpool5': the window is larger than its input"},
        {"flatten dense10 softmax dropout0.5", "softmax is an output activation"},
        {"flatten dense10 dropout1.5", "drop probability should be in [0, 1)"},
        {"conv3x3x2:sideways flatten dense10", "unknown option"},
        {"", "found none"},
    };
    for (const auto& [text, expected] : bad) {
        const std::string net = text;  // clang 14 cannot capture a structured binding in a lambda
        SCOPED_TRACE(net);
        const std::string message = error_of([&] { plan_net(net, {1, 4, 4}); });
        EXPECT_CONTAINS(message, expected);
        EXPECT_CONTAINS(message, "--net");
    }
    // An output that does not fit the cost.
    Architecture a;
    a.net = "flatten dense10";
    a.input = {1, 4, 4};
    a.cost = Cost::log_likelihood;
    EXPECT_CONTAINS(error_of([&] { apply_net(a); }), "needs probabilities as outputs");
}

TEST(NetModelFile, SavesAndLoadsTheSameNetworkUnderPyTorchNames) {
    Network network(net_architecture("conv3x3x4 batchnorm relu maxpool2 flatten dense12 batchnorm relu dense10 softmax",
                                     {1, 8, 8}));
    Rng rng(9);
    network.initialize(Init::he, rng);
    Matrix x = random_values(5, 64, rng), y(5, 10);
    for (std::size_t r = 0; r < 5; ++r) y(r, r) = 1.0f;
    network.backprop(x, y);  // running statistics away from their start
    const auto dir = fresh_dir("net-model");
    const std::string path = (dir / "cnn.safetensors").string();
    save_model(path, network, {});
    const SafetensorsFile file = load_safetensors(path);
    ASSERT_NE(file.find("0.weight"), nullptr);
    EXPECT_EQ(file.find("0.weight")->shape, (std::vector<std::size_t>{4, 1, 3, 3}));
    EXPECT_NE(file.find("1.running_var"), nullptr);
    EXPECT_EQ(file.find("5.bias"), nullptr);  // the dense layer before batchnorm has no bias
    Network loaded = load_model(path);
    EXPECT_EQ(loaded.architecture(), network.architecture());
    const Matrix expected = network.forward(x);
    const Matrix got = loaded.forward(x);
    EXPECT_EQ(max_difference(expected, got), 0.0);

    // A wrong shape is refused by name, before anything is built.
    SafetensorsFile forged = file;
    for (Tensor& t : forged.tensors)
        if (t.name == "0.weight") t.shape = {4, 1, 9};
    const std::string bad_path = (dir / "bad.safetensors").string();
    save_safetensors(bad_path, forged);
    EXPECT_CONTAINS(error_of([&] { load_model(bad_path); }), "tensor '0.weight' should have shape (4, 1, 3, 3), found (4, 1, 9)");
}

TEST(NetNetwork, ACopyIsIndependentOfItsOriginal) {
    Network a(net_architecture("conv3x3x2 relu flatten dense10 softmax", {1, 5, 5}));
    Rng rng(1);
    a.initialize(Init::he, rng);
    Network b = a;
    b.tensors().front().value->data()[0] += 1.0f;
    EXPECT_NE(a.tensors().front().value->data()[0], b.tensors().front().value->data()[0]);
}

// The network runs an increasing activation after the max-pooling written after it (fewer values to
// squash); the outputs are those of the written order, computed layer by layer.
TEST(NetNetwork, PoolingBeforeTheActivationGivesTheWrittenOrdersNumbers) {
    for (const char* activation : {"relu", "sigmoid", "tanh"}) {
        const std::string text = std::string("conv3x3x3 ") + activation + " maxpool2 flatten dense4 softmax";
        Network network(net_architecture(text, {2, 9, 9}));
        Rng rng(3);
        network.initialize(Init::he, rng);
        const Matrix x = random_values(5, 2 * 9 * 9, rng);
        const Matrix& out = network.forward(x);
        // the written order, by hand: conv, σ, max-pool, dense, softmax
        auto* conv = dynamic_cast<Conv2d*>(network.features.front().get());
        ASSERT_NE(conv, nullptr);
        ActivationLayer sigma(conv->out, parse_activation(activation, "test"));
        MaxPool2d pool(conv->out, 2, 2);
        conv->forward(x, false, nullptr);
        sigma.forward(conv->output, false, nullptr);
        pool.forward(sigma.output, false, nullptr);
        Matrix z(5, 4);
        const DenseLayer& dense = network.layers.front();
        for (std::size_t b = 0; b < 5; ++b)
            for (std::size_t j = 0; j < 4; ++j) {
                double sum = dense.biases.data()[j];
                for (std::size_t i = 0; i < pool.out.size(); ++i) sum += double(dense.weights(j, i)) * pool.output(b, i);
                z(b, j) = static_cast<float>(sum);
            }
        for (std::size_t b = 0; b < 5; ++b) {
            double total = 0.0;
            for (std::size_t j = 0; j < 4; ++j) total += std::exp(double(z(b, j)));
            for (std::size_t j = 0; j < 4; ++j)
                EXPECT_NEAR(out(b, j), std::exp(double(z(b, j))) / total, 2e-6) << activation << " " << b << " " << j;
        }
    }
}

// After convolutions a dense layer's tanh is the feature layers' vectorised one, within a few units
// in the last place of std::tanh; a network of dense layers alone keeps std::tanh itself.
TEST(NetNetwork, ADenseTanhAfterConvolutionsIsTheVectorisedOne) {
    Network cnn(net_architecture("conv3x3x2 tanh flatten dense40 tanh dense3 softmax", {1, 6, 6}));
    Network dense_only(net_architecture("flatten dense40 tanh dense3 softmax", {1, 6, 6}));
    ASSERT_EQ(cnn.layers.size(), 2u);
    EXPECT_TRUE(cnn.layers.front().fast_tanh);
    EXPECT_FALSE(dense_only.layers.front().fast_tanh);
    Rng rng(4);
    cnn.initialize(Init::xavier, rng);
    const Matrix x = random_values(7, 36, rng);
    cnn.forward(x);
    const DenseLayer& hidden = cnn.layers.front();
    bool any_differs = false;
    for (std::size_t i = 0; i < hidden.z.size(); ++i) {
        const float exact = std::tanh(hidden.z.data()[i]), fast = hidden.a.data()[i];
        EXPECT_LE(std::fabs(fast - exact), 8.0f * std::nextafter(std::fabs(exact), 2.0f) - 8.0f * std::fabs(exact) + 1e-30f)
            << "z " << hidden.z.data()[i];
        any_differs |= fast != exact;
    }
    EXPECT_TRUE(any_differs) << "every value equals std::tanh's: the vectorised tanh was not used";
}

// A small convolutional network learns the synthetic 8x8 digits, and the same seed gives the same bytes.
TEST(NetTraining, ASmallConvolutionalNetworkLearnsAndIsReproducible) {
    const DataSplits data = synthetic_splits(600);
    TrainConfig c;
    c.architecture = net_architecture("conv3x3x4 relu maxpool2 flatten dense10 softmax", {1, 8, 8});
    c.init = Init::he;
    c.epochs = 4;
    c.batch_size = 10;
    c.learning_rate = 0.1f;
    c.optimizer.name = "momentum";
    c.seed = 3;
    Network first = train(c, data);
    EXPECT_GT(evaluate_accuracy(first, data.validation).accuracy, 0.9);
    const Network second = train(c, data);
    const auto ta = first.tensors(), tb = second.tensors();
    ASSERT_EQ(ta.size(), tb.size());
    for (std::size_t k = 0; k < ta.size(); ++k) EXPECT_EQ(max_difference(*ta[k].value, *tb[k].value), 0.0) << ta[k].name;
}

// The filter and feature-map pictures have a tile per kernel and per map, and change with the image.
TEST(NetPictures, FiltersAndFeatureMapsAreDrawnAndFollowTheImage) {
    Network network(net_architecture("conv3x3x4 relu maxpool2 conv3x3x2 relu flatten dense10 softmax", {1, 12, 12}));
    Rng rng(4);
    network.initialize(Init::he, rng);
    const RgbImage filters = draw_filters(network);
    EXPECT_GT(filters.width, 4u * 3u);
    EXPECT_GT(filters.height, 2u * 3u);
    std::vector<float> a(144, 0.0f), b(144, 0.0f);
    for (std::size_t i = 0; i < 144; i += 5) b[i] = 1.0f;
    const RgbImage maps_a = draw_feature_maps(network, a.data());
    const RgbImage maps_b = draw_feature_maps(network, b.data());
    ASSERT_EQ(maps_a.rgb.size(), maps_b.rgb.size());
    EXPECT_NE(maps_a.rgb, maps_b.rgb);
    Architecture mlp;
    EXPECT_CONTAINS(error_of([&] { draw_filters(Network(mlp)); }), "no convolutional layer");
}

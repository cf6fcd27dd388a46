// Conv2d, MaxPool2d and AvgPool2d against PyTorch's numbers on fixed inputs
// (tests/fixtures/conv_torch.json, made by scripts/make_conv_fixture.py).
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "digitnet/conv.hpp"
#include "digitnet/pool.hpp"

using namespace digitnet;

namespace {

Matrix rows_of(const nlohmann::json& values, std::size_t rows) {
    const std::vector<float> v = values.get<std::vector<float>>();
    Matrix m(rows, v.size() / rows);
    std::copy(v.begin(), v.end(), m.begin());
    return m;
}

void expect_near_all(const Matrix& got, const nlohmann::json& want, const char* what) {
    const std::vector<double> w = want.get<std::vector<double>>();
    ASSERT_EQ(got.size(), w.size()) << what;
    for (std::size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(got.data()[i], w[i], 1e-4 * (1.0 + std::abs(w[i]))) << what << " " << i;
}

}  // namespace

TEST(ConvAgainstPyTorch, ForwardAndBackwardMatchTorchOnFixedInputs) {
    std::ifstream in(std::string(DIGITNET_SOURCE_DIR) + "/tests/fixtures/conv_torch.json");
    ASSERT_TRUE(in) << "tests/fixtures/conv_torch.json is missing";
    const nlohmann::json fixture = nlohmann::json::parse(in);
    std::size_t checked = 0;
    for (const auto& c : fixture["cases"]) {
        const ImageShape shape{c["input"][0], c["input"][1], c["input"][2]};
        const Matrix x = rows_of(c["x"], 2);
        Matrix grad_x;
        if (c["kind"] == "conv") {
            SCOPED_TRACE("conv on " + shape.describe());
            Conv2d conv(conv_geometry(shape, c["kernel"][0], c["kernel"][1], c["stride"], c["same"]), c["filters"]);
            conv.weights = rows_of(c["weight"], c["filters"]);
            conv.biases = rows_of(c["bias"], 1);
            conv.forward(x, true, nullptr);
            expect_near_all(conv.output, c["z"], "z");
            conv.backward(x, rows_of(c["grad_z"], 2), &grad_x);
            expect_near_all(grad_x, c["grad_x"], "grad_x");
            // torch sums over the batch; digitnet averages (C = (1/n) Σ_x C_x)
            for (float& g : conv.grad_weights) g *= 2.0f;
            for (float& g : conv.grad_biases) g *= 2.0f;
            expect_near_all(conv.grad_weights, c["grad_weight"], "grad_weight");
            expect_near_all(conv.grad_biases, c["grad_bias"], "grad_bias");
        } else {
            SCOPED_TRACE(c["kind"].get<std::string>());
            std::unique_ptr<Layer> pool;
            if (c["kind"] == "maxpool") pool = std::make_unique<MaxPool2d>(shape, c["window"], c["stride"]);
            else pool = std::make_unique<AvgPool2d>(shape, c["window"], c["stride"]);
            pool->forward(x, true, nullptr);
            expect_near_all(pool->output, c["a"], "a");
            pool->backward(x, rows_of(c["grad_a"], 2), &grad_x);
            expect_near_all(grad_x, c["grad_x"], "grad_x");
        }
        ++checked;
    }
    EXPECT_EQ(checked, 7u);
}

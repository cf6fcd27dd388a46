// digitnet demo descent: the ball, then batch vs mini-batch vs stochastic descent, as a table,
// JSON and a picture.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stb_image.h>

#include "learner_support.hpp"

using namespace digitnet::testing;

namespace {

struct Decoded {
    int w = 0, h = 0;
    std::vector<unsigned char> rgb;
    std::size_t count(unsigned char r, unsigned char g, unsigned char b, int x0, int y0, int x1, int y1) const {
        std::size_t n = 0;
        for (int y = y0; y < y1; ++y)
            for (int x = x0; x < x1; ++x) {
                const unsigned char* p = &rgb[3 * (static_cast<std::size_t>(y) * w + x)];
                n += p[0] == r && p[1] == g && p[2] == b;
            }
        return n;
    }
};

Decoded decode(const std::string& path) {
    Decoded d;
    int channels = 0;
    unsigned char* data = stbi_load(path.c_str(), &d.w, &d.h, &channels, 3);
    if (data) d.rgb.assign(data, data + 3 * static_cast<std::size_t>(d.w) * d.h);
    stbi_image_free(data);
    return d;
}

}  // namespace

TEST(DescentCommand, PrintsTheTableAndDrawsFourPanels) {
    const auto dir = fresh_dir("demo-descent");
    write_bar_digits(dir, 200);
    const std::string png = (dir / "descent.png").string();
    const CliRun r = run_cli("demo descent --data " + (dir / "mnist_train.csv").string() + " --epochs 2 -o " + png);
    ASSERT_EQ(r.status, 0) << r.err;
    for (const char* expected : {"1. A ball rolling down a valley", "2. Batch, mini-batch and stochastic gradient descent",
                                 "batch (all 200)", "mini-batch 10", "stochastic (1)", "steps per epoch",
                                 "cost after epoch 2", "steps where the cost went up", "noise of the step cost"})
        EXPECT_NE(r.out.find(expected), std::string::npos) << expected << "\n" << r.out;
    // Steps per epoch: 1, 20, 200, on one line.
    const std::size_t line = r.out.find("steps per epoch");
    const std::string steps = r.out.substr(line, r.out.find('\n', line) - line);
    EXPECT_NE(steps.find(" 1 "), std::string::npos) << steps;
    EXPECT_NE(steps.find(" 20 "), std::string::npos) << steps;
    EXPECT_NE(steps.find(" 200"), std::string::npos) << steps;

    const Decoded im = decode(png);
    ASSERT_FALSE(im.rgb.empty()) << png;
    ASSERT_EQ(im.w, 1520);
    ASSERT_EQ(im.h, 960);
    const int w = im.w / 2, h = im.h / 2;
    for (int panel = 0; panel < 4; ++panel) {
        const int x0 = panel % 2 * w, y0 = panel / 2 * h;
        const std::size_t white = im.count(255, 255, 255, x0, y0, x0 + w, y0 + h);
        EXPECT_GT(static_cast<std::size_t>(w * h) - white, static_cast<std::size_t>(w * h / 40)) << "panel " << panel;
    }
    // The step-cost panel: the stochastic run (third colour, green) covers far more than the batch run (blue).
    const std::size_t stochastic = im.count(44, 160, 44, w, 0, 2 * w, h), batch = im.count(31, 119, 180, w, 0, 2 * w, h);
    EXPECT_GT(stochastic, 3 * batch);
    EXPECT_GT(batch, 100u);
    std::filesystem::remove_all(dir);
}

TEST(DescentCommand, JsonShowsStochasticTakesMoreAndNoisierSteps) {
    const auto dir = fresh_dir("demo-descent-json");
    write_bar_digits(dir, 100);
    const CliRun r = run_cli("demo descent --data " + (dir / "mnist_train.csv").string() + " --epochs 3 --json");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["runs"].size(), 3u);
    const auto &batch = j["runs"][0], &mini = j["runs"][1], &sgd = j["runs"][2];
    EXPECT_EQ(batch["steps"].get<int>(), 3);
    EXPECT_EQ(mini["steps"].get<int>(), 30);
    EXPECT_EQ(sgd["steps"].get<int>(), 300);
    EXPECT_EQ(batch["noise"].get<double>(), 0.0);
    EXPECT_GT(sgd["noise"].get<double>(), mini["noise"].get<double>());
    EXPECT_GT(sgd["uphill_fraction"].get<double>(), 0.2);
    EXPECT_EQ(j["ball"]["cost"].size(), 31u);
    // Bad batch sizes are refused, naming the option.
    const CliRun bad = run_cli("demo descent --data " + (dir / "mnist_train.csv").string() + " --batches all,x");
    EXPECT_NE(bad.status, 0);
    EXPECT_NE(bad.err.find("--batches"), std::string::npos) << bad.err;
    std::filesystem::remove_all(dir);
}

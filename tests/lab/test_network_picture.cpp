// 3Blue1Brown's picture of one forward pass: input, hidden activations as greys, output bars.
#include <gtest/gtest.h>

#include "digitnet/error.hpp"
#include "digitnet/network_picture.hpp"

using namespace digitnet;

namespace {

std::size_t non_white_pixels(const RgbImage& im, const PlotBox& b) {
    std::size_t n = 0;
    for (int y = b.y0; y < b.y1; ++y)
        for (int x = b.x0; x < b.x1; ++x) n += !(im.get(x, y) == Rgb{255, 255, 255});
    return n;
}

Network three_b_one_b() {
    Architecture a;
    a.sizes = {784, 16, 16, 10};
    Network n(a);
    Rng rng(7);
    n.initialize(Init::scaled_normal, rng);
    return n;
}

std::vector<float> draw_stroke(int column) {
    std::vector<float> p(784, 0.0f);
    for (int y = 4; y < 24; ++y) p[y * 28 + column] = p[y * 28 + column + 1] = 1.0f;
    return p;
}

}  // namespace

TEST(NetworkPicture, HasTheInputEachHiddenLayerAndTheOutputs) {
    Network network = three_b_one_b();
    const NetworkPicture p = draw_network_activations(network, draw_stroke(13), 28, 28, "a draw_stroke");
    EXPECT_EQ(p.panel_names, (std::vector<std::string>{"input", "hidden 1", "hidden 2", "output"}));
    ASSERT_EQ(p.panels.size(), 4u);
    for (std::size_t i = 0; i < p.panels.size(); ++i) {
        const PlotBox& b = p.panels[i];
        ASSERT_FALSE(b.empty()) << p.panel_names[i];
        EXPECT_LE(b.x1, static_cast<int>(p.image.width));
        EXPECT_LE(b.y1, static_cast<int>(p.image.height));
        if (i) {
            EXPECT_GE(b.x0, p.panels[i - 1].x1) << "panels left to right";
        }
        EXPECT_GT(non_white_pixels(p.image, b), static_cast<std::size_t>((b.x1 - b.x0) * (b.y1 - b.y0) / 10)) << p.panel_names[i];
    }
    // The answer is the largest output, and its bar is drawn in the answer's colour.
    ASSERT_EQ(p.outputs.size(), 10u);
    EXPECT_EQ(p.answer, static_cast<int>(std::max_element(p.outputs.begin(), p.outputs.end()) - p.outputs.begin()));
    std::size_t answer_pixels = 0;
    const PlotBox& out = p.panels[3];
    for (int y = out.y0; y < out.y1; ++y)
        for (int x = out.x0; x < out.x1; ++x) answer_pixels += p.image.get(x, y) == palette_colour(1);
    EXPECT_GT(answer_pixels, 20u);
}

TEST(NetworkPicture, ChangesWithTheImage) {
    Network network = three_b_one_b();
    const NetworkPicture a = draw_network_activations(network, draw_stroke(8), 28, 28);
    const NetworkPicture b = draw_network_activations(network, draw_stroke(18), 28, 28);
    ASSERT_EQ(a.image.width, b.image.width);
    EXPECT_NE(a.image.rgb, b.image.rgb);
    // Not only the input: the hidden layers' greys differ too.
    const PlotBox& h = a.panels[1];
    std::size_t differ = 0;
    for (int y = h.y0; y < h.y1; ++y)
        for (int x = h.x0; x < h.x1; ++x) differ += !(a.image.get(x, y) == b.image.get(x, y));
    EXPECT_GT(differ, 50u);
}

TEST(NetworkPicture, WideLayersAndYesNoNetworksFit) {
    Architecture a;
    a.sizes = {784, 800, 1};
    a.output = Activation::sigmoid;
    a.hidden = Activation::relu;
    a.encoding.target_digit = 9;
    Network network(a);
    Rng rng(1);
    network.initialize(Init::he, rng);
    const NetworkPicture p = draw_network_activations(network, draw_stroke(10), 28, 28);
    EXPECT_LT(p.image.width, 2000u);
    EXPECT_LT(p.image.height, 600u);
    EXPECT_EQ(p.outputs.size(), 1u);
    EXPECT_THROW(draw_network_activations(network, std::vector<float>(100, 0.0f), 10, 10), Error);
}

TEST(NetworkPicture, AConvolutionalNetworkAddsItsFeatureMapsBelow) {
    Architecture a;
    a.net = "conv5x5x4 relu maxpool2 flatten dense12 relu dense10 softmax";
    a.cost = Cost::log_likelihood;
    apply_net(a);
    Network network(a);
    Rng rng(2);
    network.initialize(Init::he, rng);
    const NetworkPicture p = draw_network_activations(network, draw_stroke(12), 28, 28);
    EXPECT_EQ(p.panel_names, (std::vector<std::string>{"input", "hidden 1", "output", "feature maps"}));
    ASSERT_EQ(p.panels.size(), 4u);
    const PlotBox& maps = p.panels[3];
    EXPECT_GE(maps.y0, p.panels[2].y1);  // below the others
    EXPECT_LE(static_cast<std::size_t>(maps.y1), p.image.height);
    EXPECT_GT(non_white_pixels(p.image, maps), 100u);  // the stroke, seen by four filters
}

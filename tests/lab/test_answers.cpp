// A network's answers in words: class names, outputs vs probabilities, and inputs that look like
// nothing the network learned from (a smiley_face, noise).
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "digitnet/answers.hpp"
#include "digitnet/error.hpp"
#include "digitnet/preprocess.hpp"
#include "test_support.hpp"

using namespace digitnet;

namespace {

// A white sheet with dark strokes: rings (arcs from a0 to a1, radians, 0 = east, clockwise on
// screen) and discs, drawn at radius r with stroke width w.
struct Sheet {
    GrayImage image;
    explicit Sheet(std::size_t n) { image = GrayImage{n, n, std::vector<float>(n * n, 1.0f)}; }
    void ring(double cx, double cy, double r, double w, double a0 = 0.0, double a1 = 6.3) {
        for (std::size_t y = 0; y < image.height; ++y)
            for (std::size_t x = 0; x < image.width; ++x) {
                double a = std::atan2(y - cy, x - cx);
                if (a < 0) a += 2 * std::numbers::pi;
                if (std::fabs(std::hypot(x - cx, y - cy) - r) <= w / 2 && a >= a0 && a <= a1)
                    image.pixels[y * image.width + x] = 0.0f;
            }
    }
    void disc(double cx, double cy, double r) {
        for (std::size_t y = 0; y < image.height; ++y)
            for (std::size_t x = 0; x < image.width; ++x)
                if (std::hypot(x - cx, y - cy) <= r) image.pixels[y * image.width + x] = 0.0f;
    }
    void line(double x0, double y0, double x1, double y1, double w) {
        for (std::size_t y = 0; y < image.height; ++y)
            for (std::size_t x = 0; x < image.width; ++x) {
                const double dx = x1 - x0, dy = y1 - y0;
                const double t = std::clamp(((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy), 0.0, 1.0);
                if (std::hypot(x - (x0 + t * dx), y - (y0 + t * dy)) <= w / 2) image.pixels[y * image.width + x] = 0.0f;
            }
    }
};

GrayImage smiley_face(double w) {
    Sheet s(200);
    s.ring(100, 100, 80, w);
    s.disc(70, 75, std::max(4.0, w));
    s.disc(130, 75, std::max(4.0, w));
    s.ring(100, 100, 45, w, 0.5, 2.64);  // the mouth: the lower arc
    return s.image;
}

InkStatistics answer_stats(const GrayImage& photo) { return ink_statistics(preprocess_digit(photo), 28, 28); }

}  // namespace

TEST(Answers, ClassNamesAreDigitsOrYesAndNo) {
    Architecture digits;
    digits.sizes = {4, 10};
    EXPECT_EQ(class_names(Network(digits)), (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
    EXPECT_EQ(yes_no_question(Network(digits)), "");
    Architecture nine;
    nine.sizes = {4, 1};
    nine.encoding.target_digit = 9;
    EXPECT_EQ(class_names(Network(nine)), (std::vector<std::string>{"no", "yes"}));
    EXPECT_EQ(yes_no_question(Network(nine)), "is it a 9?");
    const std::vector<float> out{0.015f};
    EXPECT_NEAR(answer_confidence(Network(nine), out, 0), 0.985, 1e-6);  // "no, 98.5% sure"
}

TEST(Answers, OnlySoftmaxOutputsAreProbabilities) {
    Architecture a;
    a.sizes = {4, 10};
    EXPECT_FALSE(outputs_are_probabilities(Network(a)));  // sigmoid: each in [0, 1], no sum to 1
    a.output = Activation::softmax;
    a.cost = Cost::log_likelihood;
    EXPECT_TRUE(outputs_are_probabilities(Network(a)));
    const std::vector<float> sigmoid_out{0.5f, 0.25f, 0.25f, 0, 0, 0, 0, 0, 0, 0};
    a.output = Activation::sigmoid;
    a.cost = Cost::quadratic;
    EXPECT_NEAR(answer_confidence(Network(a), sigmoid_out, 0), 0.5, 1e-6);  // its share of the outputs
}

TEST(Answers, DigitsLookFamiliarAndASmileyDoesNot) {
    // Strokes like a 0, a 1 and a 7, photographed dark on white.
    Sheet zero(200), one(200), seven(200);
    zero.ring(100, 100, 70, 12);
    one.line(100, 20, 100, 180, 14);
    seven.line(40, 30, 160, 30, 12);
    seven.line(160, 30, 90, 180, 12);
    for (const Sheet* s : {&zero, &one, &seven}) {
        const InkStatistics st = answer_stats(s->image);
        EXPECT_EQ(st.marks, 1u);
        EXPECT_EQ(st.enclosed_marks, 0u);
        EXPECT_TRUE(unfamiliar_reasons(st).empty()) << unfamiliar_reasons(st).front();
    }
    for (double w : {4.0, 8.0, 12.0, 16.0}) {
        const InkStatistics st = answer_stats(smiley_face(w));
        EXPECT_GE(st.enclosed_marks, 1u) << w;  // eyes and mouth inside the face
        const std::vector<std::string> reasons = unfamiliar_reasons(st);
        ASSERT_FALSE(reasons.empty()) << w;
        EXPECT_NE(reasons.front().find("inside a closed loop"), std::string::npos) << reasons.front();
    }
}

TEST(Answers, RawNoiseAndScatteredMarksAreFlagged) {
    Rng rng(3);
    std::vector<float> noise(784);
    for (float& v : noise) v = static_cast<float>(rng.uniform());
    const std::vector<std::string> reasons = unfamiliar_reasons(ink_statistics(noise, 28, 28));
    ASSERT_FALSE(reasons.empty());
    std::string all;
    for (const auto& r : reasons) all += r + "\n";
    EXPECT_NE(all.find("more ink than any MNIST digit"), std::string::npos) << all;
    EXPECT_NE(all.find("at the edge"), std::string::npos) << all;
    // Six dots: six separate marks.
    std::vector<float> dots(784, 0.0f);
    for (int k = 0; k < 6; ++k)
        for (int d = 0; d < 4; ++d) dots[(5 + 3 * k) * 28 + 6 + 2 * k + d % 2 + 28 * (d / 2)] = 1.0f;
    const InkStatistics st = ink_statistics(dots, 28, 28);
    EXPECT_EQ(st.marks, 6u);
    EXPECT_FALSE(unfamiliar_reasons(st).empty());
    EXPECT_THROW(ink_statistics(dots, 27, 28), Error);
}

TEST(MnistAnswers, AlmostNoMnistTestDigitIsFlagged) {
    if (!digitnet::testing::have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    const std::string dir = digitnet::testing::mnist_dir();
    const Dataset test = load_idx(dir + "/t10k-images-idx3-ubyte", dir + "/t10k-labels-idx1-ubyte");
    std::size_t raw_flagged = 0, preprocessed_flagged = 0, n = 3000;
    for (std::size_t i = 0; i < n; ++i) {
        const std::vector<float> pixels(test.images.row(i), test.images.row(i) + 784);
        raw_flagged += !unfamiliar_reasons(ink_statistics(pixels, 28, 28)).empty();
        preprocessed_flagged += !unfamiliar_reasons(answer_stats(GrayImage{28, 28, pixels})).empty();
    }
    EXPECT_LE(raw_flagged, n / 300) << raw_flagged << " of " << n;  // under 0.33%
    EXPECT_LE(preprocessed_flagged, n / 300) << preprocessed_flagged << " of " << n;
}

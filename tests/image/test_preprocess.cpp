#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "digitnet/error.hpp"
#include "digitnet/image.hpp"
#include "digitnet/preprocess.hpp"
#include "digitnet/random.hpp"

using namespace digitnet;

namespace {

constexpr float kPaper = 0.8f;  // light grey paper
constexpr float kInk = 0.15f;   // dark ink

GrayImage sheet(std::size_t w, std::size_t h, float level) { return GrayImage{w, h, std::vector<float>(w * h, level)}; }

// Pixels whose centre lies within `radius` of the segment (x0, y0)-(x1, y1) get `ink`.
void stroke(GrayImage& im, double x0, double y0, double x1, double y1, double radius, float ink) {
    const auto lo_x = static_cast<long>(std::max(0.0, std::floor(std::min(x0, x1) - radius)));
    const auto hi_x = static_cast<long>(std::min<double>(im.width - 1, std::ceil(std::max(x0, x1) + radius)));
    const auto lo_y = static_cast<long>(std::max(0.0, std::floor(std::min(y0, y1) - radius)));
    const auto hi_y = static_cast<long>(std::min<double>(im.height - 1, std::ceil(std::max(y0, y1) + radius)));
    const double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    for (long y = lo_y; y <= hi_y; ++y) {
        for (long x = lo_x; x <= hi_x; ++x) {
            const double px = x + 0.5, py = y + 0.5;
            const double t = len2 > 0 ? std::clamp(((px - x0) * dx + (py - y0) * dy) / len2, 0.0, 1.0) : 0.0;
            const double ex = px - (x0 + t * dx), ey = py - (y0 + t * dy);
            if (ex * ex + ey * ey <= radius * radius) im.pixels[y * im.width + x] = ink;
        }
    }
}

// An elliptical ring centred at (cx, cy) with radii (rx, ry), `thickness` wide.
void ring(GrayImage& im, double cx, double cy, double rx, double ry, double thickness, float ink) {
    for (std::size_t y = 0; y < im.height; ++y) {
        for (std::size_t x = 0; x < im.width; ++x) {
            const double ux = (x + 0.5 - cx), uy = (y + 0.5 - cy);
            const double outer = (ux * ux) / (rx * rx) + (uy * uy) / (ry * ry);
            const double ix = rx - thickness, iy = ry - thickness;
            const double inner = (ux * ux) / (ix * ix) + (uy * uy) / (iy * iy);
            if (outer <= 1.0 && inner >= 1.0) im.pixels[y * im.width + x] = ink;
        }
    }
}

// Digits drawn in a box of height s with its top-left at (x, y).
void draw_one(GrayImage& im, double x, double y, double s, float ink) {
    stroke(im, x + 0.35 * s, y, x + 0.35 * s, y + s, 0.07 * s, ink);
    stroke(im, x + 0.1 * s, y + 0.2 * s, x + 0.35 * s, y, 0.05 * s, ink);
}
void draw_l(GrayImage& im, double x, double y, double s, float ink) {
    stroke(im, x, y, x, y + s, 0.06 * s, ink);
    stroke(im, x, y + s, x + 0.6 * s, y + s, 0.06 * s, ink);
}
void draw_seven(GrayImage& im, double x, double y, double s, float ink) {
    stroke(im, x, y, x + 0.6 * s, y, 0.05 * s, ink);
    stroke(im, x + 0.6 * s, y, x + 0.2 * s, y + s, 0.05 * s, ink);
}

struct Stats {
    std::size_t box_w = 0, box_h = 0;
    double cx = 0, cy = 0;
    float lo = 0, hi = 0;
};

Stats stats_of(const std::vector<float>& v) {
    Stats s;
    std::size_t x0 = 28, x1 = 0, y0 = 28, y1 = 0;
    double mass = 0;
    s.lo = *std::min_element(v.begin(), v.end());
    s.hi = *std::max_element(v.begin(), v.end());
    for (std::size_t y = 0; y < 28; ++y) {
        for (std::size_t x = 0; x < 28; ++x) {
            const float p = v[y * 28 + x];
            if (p <= 0.0f) continue;
            x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
            mass += p;
            s.cx += p * x;
            s.cy += p * y;
        }
    }
    if (mass > 0) {
        s.box_w = x1 - x0 + 1;
        s.box_h = y1 - y0 + 1;
        s.cx /= mass;
        s.cy /= mass;
    }
    return s;
}

// What MNIST promises: values in [0, 1] with max 1, the ink box fits 20x20 with its longer
// side 20 (+-1), and the centre of mass within a pixel of (14, 14).
void expect_mnist_like(const std::vector<float>& v) {
    ASSERT_EQ(v.size(), 784u);
    const Stats s = stats_of(v);
    EXPECT_GE(s.lo, 0.0f);
    EXPECT_FLOAT_EQ(s.hi, 1.0f);
    EXPECT_LE(s.box_w, 20u);
    EXPECT_LE(s.box_h, 20u);
    EXPECT_GE(std::max(s.box_w, s.box_h), 19u);
    EXPECT_NEAR(s.cx, 14.0, 1.0);
    EXPECT_NEAR(s.cy, 14.0, 1.0);
}

void expect_blank(const GrayImage& image) {
    try {
        preprocess_digit(image);
        ADD_FAILURE() << "expected an Error for a blank " << image.width << "x" << image.height << " image";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "IMAGE: the image is blank (no ink found)");
    }
}

}  // namespace

TEST(Preprocess, Tiny16x16OneDarkOnLightGrey) {
    GrayImage im = sheet(16, 16, kPaper);
    draw_one(im, 5, 2, 12, kInk);
    PreprocessInfo info;
    const auto out = preprocess_digit(im, &info);
    expect_mnist_like(out);
    EXPECT_TRUE(info.inverted);
    EXPECT_NEAR(info.background, kPaper, 0.01);
    EXPECT_EQ(info.scaled_height, 20u);  // a tall digit: its height is scaled to 20
    EXPECT_LT(info.scaled_width, 20u);
}

TEST(Preprocess, RingZeroOn100x60OffCentreWithNoise) {
    GrayImage im = sheet(100, 60, kPaper);
    ring(im, 30, 25, 12, 18, 4, kInk);
    Rng rng(7);
    for (float& p : im.pixels) p = std::clamp(p + static_cast<float>(rng.normal(0.0, 0.03)), 0.0f, 1.0f);
    PreprocessInfo info;
    const auto out = preprocess_digit(im, &info);
    expect_mnist_like(out);
    // The box is the ring's, not the noise's: about 24 x 36 pixels near (18, 7).
    EXPECT_NEAR(static_cast<double>(info.box_width), 24.0, 2.0);
    EXPECT_NEAR(static_cast<double>(info.box_height), 36.0, 2.0);
    EXPECT_NEAR(static_cast<double>(info.box_x), 18.0, 2.0);
    // A ring stays a ring: its centre pixel is empty.
    EXPECT_LT(out[14 * 28 + 14], 0.05f);
}

TEST(Preprocess, L1000x1000InTheTopLeftCorner) {
    GrayImage im = sheet(1000, 1000, kPaper);
    draw_l(im, 80, 60, 400, kInk);
    PreprocessInfo info;
    const auto out = preprocess_digit(im, &info);
    expect_mnist_like(out);
    EXPECT_NEAR(static_cast<double>(info.box_x), 80 - 24, 2.0);
    EXPECT_NEAR(static_cast<double>(info.box_height), 400 + 48, 2.0);
    EXPECT_NEAR(info.scale, 20.0 / 448.0, 1e-3);
}

TEST(Preprocess, Seven4000x3000PhotoSizedIsHandled) {
    GrayImage im = sheet(4000, 3000, kPaper);
    draw_seven(im, 2500, 900, 1800, kInk);
    PreprocessInfo info;
    const auto out = preprocess_digit(im, &info);
    expect_mnist_like(out);
    EXPECT_TRUE(info.inverted);
    EXPECT_EQ(info.scaled_height, 20u);
}

TEST(Preprocess, LightInkOnDarkPaperGivesTheSameResultAsDarkOnLight) {
    GrayImage dark_on_light = sheet(200, 200, kPaper);
    GrayImage light_on_dark = sheet(200, 200, 1.0f - kPaper);
    draw_seven(dark_on_light, 40, 30, 120, kInk);
    draw_seven(light_on_dark, 40, 30, 120, 1.0f - kInk);
    PreprocessInfo a, b;
    const auto out_a = preprocess_digit(dark_on_light, &a);
    const auto out_b = preprocess_digit(light_on_dark, &b);
    EXPECT_TRUE(a.inverted);
    EXPECT_FALSE(b.inverted);
    expect_mnist_like(out_b);
    for (std::size_t i = 0; i < 784; ++i) EXPECT_NEAR(out_a[i], out_b[i], 1e-3) << i;
}

TEST(Preprocess, ThickStrokesTouchingTheBorderKeepPolarity) {
    // Ink covers a third of the image and reaches its bottom edge: the border median is
    // still the paper.
    GrayImage im = sheet(60, 60, 0.9f);
    stroke(im, 30, 5, 30, 60, 10, 0.05f);
    PreprocessInfo info;
    const auto out = preprocess_digit(im, &info);
    EXPECT_TRUE(info.inverted);
    const Stats s = stats_of(out);
    EXPECT_FLOAT_EQ(s.hi, 1.0f);
    EXPECT_EQ(std::max(s.box_w, s.box_h), 20u);
}

TEST(Preprocess, AWideShapeKeepsItsAspectRatio) {
    GrayImage im = sheet(300, 100, kPaper);
    for (std::size_t y = 40; y < 60; ++y) {
        for (std::size_t x = 50; x < 250; ++x) im.pixels[y * 300 + x] = kInk;
    }
    PreprocessInfo info;
    const auto out = preprocess_digit(im, &info);
    const Stats s = stats_of(out);
    EXPECT_EQ(s.box_w, 20u);
    EXPECT_EQ(s.box_h, 2u);  // 20 * 20 / 200
    EXPECT_NEAR(s.cy, 14.0, 1.0);
    EXPECT_EQ(info.scaled_width, 20u);
    EXPECT_EQ(info.scaled_height, 2u);
}

TEST(Preprocess, ADigitFillingTheImageIsShrunkNotLost) {
    // Ink right up to every edge of the image (no paper border at all).
    GrayImage im = sheet(40, 40, 0.1f);
    ring(im, 20, 20, 20, 20, 6, 0.95f);
    const auto out = preprocess_digit(im);
    expect_mnist_like(out);
}

TEST(Preprocess, BlankAndUniformImagesThrow) {
    expect_blank(GrayImage{});
    expect_blank(sheet(16, 16, 1.0f));
    expect_blank(sheet(50, 40, 0.0f));
    expect_blank(sheet(64, 64, 0.5f));
    // Paper with faint sensor noise is still blank.
    GrayImage noisy = sheet(100, 100, kPaper);
    Rng rng(3);
    for (float& p : noisy.pixels) p += static_cast<float>(rng.uniform(-0.02, 0.02));
    expect_blank(noisy);
    // Pixels and size that disagree are not guessed at.
    expect_blank(GrayImage{10, 10, std::vector<float>(50, 0.5f)});
}

TEST(Preprocess, NonFiniteValuesAreRefused) {
    GrayImage im = sheet(20, 20, kPaper);
    draw_one(im, 5, 2, 15, kInk);
    im.pixels[42] = std::numeric_limits<float>::quiet_NaN();
    EXPECT_THROW(preprocess_digit(im), Error);
}

TEST(Preprocess, ResizeAveragesWhenShrinkingAndInterpolatesWhenEnlarging) {
    const GrayImage im{4, 4, {0, 0, 1, 1,  //
                              0, 0, 1, 1,  //
                              1, 1, 0.5f, 0.5f,  //
                              1, 1, 0.5f, 0.5f}};
    const auto small = resize_to(im, 2, 2);
    ASSERT_EQ(small.size(), 4u);
    EXPECT_FLOAT_EQ(small[0], 0.0f);
    EXPECT_FLOAT_EQ(small[1], 1.0f);
    EXPECT_FLOAT_EQ(small[2], 1.0f);
    EXPECT_FLOAT_EQ(small[3], 0.5f);

    const GrayImage two{2, 1, {0.0f, 1.0f}};
    const auto wide = resize_to(two, 4, 1);
    ASSERT_EQ(wide.size(), 4u);
    EXPECT_FLOAT_EQ(wide[0], 0.0f);   // ends clamp to the edge samples
    EXPECT_FLOAT_EQ(wide[1], 0.25f);  // u = 0.25
    EXPECT_FLOAT_EQ(wide[2], 0.75f);
    EXPECT_FLOAT_EQ(wide[3], 1.0f);

    // Shrinking by a factor that is not a whole number keeps the mean.
    GrayImage ramp{7, 3, {}};
    for (std::size_t i = 0; i < 21; ++i) ramp.pixels.push_back(static_cast<float>(i % 7) / 6.0f);
    const auto r = resize_to(ramp, 3, 3);
    double mean_in = 0, mean_out = 0;
    for (float p : ramp.pixels) mean_in += p / 21.0;
    for (float p : r) mean_out += p / 9.0;
    EXPECT_NEAR(mean_in, mean_out, 1e-5);
    EXPECT_THROW(resize_to(GrayImage{}, 28, 28), Error);
    EXPECT_THROW(resize_to(ramp, 0, 28), Error);
}

// Data augmentation: shifts, rotations and elastic distortions of whole images.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include "digitnet/augment.hpp"
#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"
#include "digitnet/matrix.hpp"
#include "digitnet/random.hpp"
#include "digitnet/train.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::error_of;

namespace {

constexpr std::size_t kSide = 28;

// A digit-like image: a thick "7" (a bar and a diagonal stroke) well inside a 28x28 frame,
// ink 1.0 on a 0 background, like MNIST's 20x20 box centred in 28x28.
std::vector<float> seven() {
    std::vector<float> img(kSide * kSide, 0.0f);
    for (std::size_t j = 8; j < 20; ++j)
        for (std::size_t i = 7; i < 9; ++i) img[i * kSide + j] = 1.0f;
    for (std::size_t i = 9; i < 21; ++i)
        for (std::size_t d = 0; d < 2; ++d) img[i * kSide + (19 - (i - 9) / 2 + d - 1)] = 1.0f;
    return img;
}

Matrix batch_of(const std::vector<float>& img, std::size_t copies) {
    Matrix m(copies, img.size());
    for (std::size_t r = 0; r < copies; ++r) std::copy(img.begin(), img.end(), m.row(r));
    return m;
}

double sum(const float* p, std::size_t n) { return std::accumulate(p, p + n, 0.0); }

double distance(const float* a, const float* b, std::size_t n) {
    double d = 0.0;
    for (std::size_t i = 0; i < n; ++i) d += std::fabs(a[i] - b[i]);
    return d;
}

}  // namespace

TEST(Augment, MovesPixelsButKeepsTheInkMass) {
    const auto img = seven();
    const double mass = sum(img.data(), img.size());
    Matrix x = batch_of(img, 20);
    Rng rng(3);
    augment_batch(x, kSide, kSide, rng);
    std::size_t changed = 0;
    for (std::size_t r = 0; r < x.rows(); ++r) {
        changed += distance(x.row(r), img.data(), img.size()) > 1.0;
        const double m = sum(x.row(r), img.size());
        EXPECT_NEAR(m, mass, 0.2 * mass) << "image " << r;
        for (std::size_t i = 0; i < img.size(); ++i) {
            EXPECT_GE(x.row(r)[i], -1e-6f);
            EXPECT_LE(x.row(r)[i], 1.0f + 1e-6f);
        }
    }
    EXPECT_GE(changed, 18u);  // (practically) every image is moved
    // Different images of one batch get different transformations.
    EXPECT_GT(distance(x.row(0), x.row(1), img.size()), 1.0);
}

TEST(Augment, ElasticDistortionAlsoKeepsTheInkMass) {
    const auto img = seven();
    const double mass = sum(img.data(), img.size());
    Matrix x = batch_of(img, 20);
    Rng rng(4);
    AugmentOptions o;
    o.elastic_alpha = 34.0f;
    o.elastic_sigma = 4.0f;
    augment_batch(x, kSide, kSide, rng, o);
    // Simard's strength stretches and squeezes thin strokes locally, so one image's ink may change
    // by a third; over many images the stretching and squeezing cancel.
    double total = 0.0;
    for (std::size_t r = 0; r < x.rows(); ++r) {
        const double m = sum(x.row(r), img.size());
        EXPECT_NEAR(m, mass, 0.4 * mass) << r;
        EXPECT_GT(distance(x.row(r), img.data(), img.size()), 1.0) << r;
        total += m;
    }
    EXPECT_NEAR(total / static_cast<double>(x.rows()), mass, 0.1 * mass);
    // A milder field (α = 8) keeps every image's ink within 20%.
    Matrix y = batch_of(img, 20);
    o.elastic_alpha = 8.0f;
    augment_batch(y, kSide, kSide, rng, o);
    for (std::size_t r = 0; r < y.rows(); ++r) EXPECT_NEAR(sum(y.row(r), img.size()), mass, 0.2 * mass) << r;
}

TEST(Augment, SameSeedSameImagesOtherSeedOtherImages) {
    const auto img = seven();
    AugmentOptions o;
    o.elastic_alpha = 20.0f;
    Matrix a = batch_of(img, 4), b = batch_of(img, 4), c = batch_of(img, 4);
    Rng ra(11), rb(11), rc(12);
    augment_batch(a, kSide, kSide, ra, o);
    augment_batch(b, kSide, kSide, rb, o);
    augment_batch(c, kSide, kSide, rc, o);
    for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a.data()[i], b.data()[i]) << i;
    EXPECT_GT(distance(a.data(), c.data(), a.size()), 1.0);
}

TEST(Augment, NoShiftNoRotationNoElasticIsTheIdentity) {
    const auto img = seven();
    Matrix x = batch_of(img, 2);
    Rng rng(5);
    AugmentOptions o;
    o.max_shift = 0.0f;
    o.max_rotation = 0.0f;
    augment_batch(x, kSide, kSide, rng, o);
    for (std::size_t i = 0; i < img.size(); ++i) EXPECT_NEAR(x.row(1)[i], img[i], 1e-6f) << i;
}

TEST(Augment, ElasticDistortionChangesTheImageOnItsOwn) {
    const auto img = seven();
    AugmentOptions o;
    o.max_shift = 0.0f;
    o.max_rotation = 0.0f;
    o.elastic_alpha = 34.0f;
    Matrix x = batch_of(img, 3);
    Rng rng(6);
    augment_batch(x, kSide, kSide, rng, o);
    for (std::size_t r = 0; r < 3; ++r) EXPECT_GT(distance(x.row(r), img.data(), img.size()), 1.0) << r;
}

TEST(Augment, ShiftOfWholePixelsMovesTheImage) {
    // A single bright pixel; with rotation off, it lands within max_shift of where it was and
    // its mass is kept (bilinear weights sum to 1).
    std::vector<float> img(kSide * kSide, 0.0f);
    img[14 * kSide + 14] = 1.0f;
    Matrix x = batch_of(img, 10);
    AugmentOptions o;
    o.max_rotation = 0.0f;
    o.max_shift = 2.0f;
    Rng rng(7);
    augment_batch(x, kSide, kSide, rng, o);
    for (std::size_t r = 0; r < x.rows(); ++r) {
        double m = 0.0, my = 0.0, mx = 0.0;
        for (std::size_t i = 0; i < kSide; ++i)
            for (std::size_t j = 0; j < kSide; ++j) {
                const double v = x.row(r)[i * kSide + j];
                m += v;
                my += v * static_cast<double>(i);
                mx += v * static_cast<double>(j);
            }
        EXPECT_NEAR(m, 1.0, 1e-5);
        EXPECT_LE(std::fabs(my / m - 14.0), 2.0 + 1e-6);
        EXPECT_LE(std::fabs(mx / m - 14.0), 2.0 + 1e-6);
    }
}

TEST(Augment, OutsideTheImageReadsTheBackground) {
    // Rashid's inputs run 0.01..1: pixels shifted in from outside must be 0.01, not 0.
    std::vector<float> img(kSide * kSide, 0.01f);
    img[14 * kSide + 14] = 1.0f;
    Matrix x = batch_of(img, 5);
    Rng rng(8);
    augment_batch(x, kSide, kSide, rng);
    for (std::size_t i = 0; i < x.size(); ++i) EXPECT_GE(x.data()[i], 0.01f - 1e-6f);
}

TEST(Augment, ElasticFieldScalesWithAlphaAndIsSmoothedBySigma) {
    std::vector<float> dx1, dy1, dx2, dy2;
    Rng a(9), b(9);
    elastic_field(kSide, kSide, 10.0f, 4.0f, a, dx1, dy1);
    elastic_field(kSide, kSide, 20.0f, 4.0f, b, dx2, dy2);
    ASSERT_EQ(dx1.size(), kSide * kSide);
    for (std::size_t i = 0; i < dx1.size(); ++i) {
        EXPECT_NEAR(dx2[i], 2.0f * dx1[i], 1e-4f);
        EXPECT_NEAR(dy2[i], 2.0f * dy1[i], 1e-4f);
    }
    // Roughness: the mean difference between horizontal neighbours relative to the mean size.
    auto roughness = [](const std::vector<float>& f) {
        double diff = 0.0, size = 0.0;
        for (std::size_t i = 0; i < kSide; ++i)
            for (std::size_t j = 0; j + 1 < kSide; ++j) {
                diff += std::fabs(f[i * kSide + j + 1] - f[i * kSide + j]);
                size += std::fabs(f[i * kSide + j]);
            }
        return diff / size;
    };
    std::vector<float> sx, sy, rx, ry;
    Rng c(10), d(10);
    elastic_field(kSide, kSide, 10.0f, 4.0f, c, sx, sy);
    elastic_field(kSide, kSide, 10.0f, 0.5f, d, rx, ry);
    EXPECT_LT(roughness(sx), 0.5 * roughness(rx));
}

TEST(Augment, ScaleChangesTheSizeAboutTheCentre) {
    // With only a size change, q = (p - centre) / s + centre: the ink's area, and so its mass,
    // grows by about s², and its centre of mass stays where it was.
    const auto img = seven();
    const double mass = sum(img.data(), img.size());
    AugmentOptions o;
    o.max_shift = 0.0f;
    o.max_rotation = 0.0f;
    o.max_scale = 0.3f;
    Matrix x = batch_of(img, 40);
    Rng rng(5), copy(5);
    augment_batch(x, kSide, kSide, rng, o);
    double smallest = 1e9, largest = 0.0;
    for (std::size_t r = 0; r < x.rows(); ++r) {
        // The factor this image drew: the generator's stream, as augment_batch reads it.
        copy.uniform(-1.0, 1.0), copy.uniform(-1.0, 1.0), copy.uniform(-1.0, 1.0);
        const double s = 1.0 + copy.uniform(-1.0, 1.0) * o.max_scale;
        const double m = sum(x.row(r), img.size());
        EXPECT_NEAR(m / mass, s * s, 0.12 * s * s) << "image " << r << ", s " << s;
        smallest = std::min(smallest, m / mass);
        largest = std::max(largest, m / mass);
    }
    EXPECT_LT(smallest, 0.7);  // some images shrink a good deal, some grow
    EXPECT_GT(largest, 1.4);
}

TEST(Augment, NoScaleDrawsNothingSoEarlierRunsStayTheSame) {
    // max_scale 0 takes no random number: the images and the generator's state are as before
    // the option existed (three draws per image without elastic distortion).
    const auto img = seven();
    Matrix x = batch_of(img, 3);
    Rng rng(9), copy(9);
    augment_batch(x, kSide, kSide, rng, AugmentOptions{});
    for (int k = 0; k < 9; ++k) copy.uniform(-1.0, 1.0);
    EXPECT_EQ(rng.uniform(0.0, 1.0), copy.uniform(0.0, 1.0));
}

TEST(Augment, ReusedBuffersGiveTheSameImages) {
    // A trainer passes the same buffers to every mini-batch, also when σ or the image size
    // changes between calls; the images must be those of fresh buffers, bit for bit.
    const auto img = seven();
    AugmentOptions a;
    a.elastic_alpha = 8.0f;
    a.max_scale = 0.1f;
    AugmentOptions b = a;
    b.elastic_sigma = 2.5f;
    AugmentBuffers buffers;
    Rng shared(11), fresh(11);
    for (const AugmentOptions& o : {a, a, b, a}) {
        Matrix x = batch_of(img, 4), y = batch_of(img, 4);
        augment_batch(x, kSide, kSide, shared, o, buffers);
        augment_batch(y, kSide, kSide, fresh, o);
        ASSERT_TRUE(std::equal(x.data(), x.data() + x.size(), y.data())) << "σ " << o.elastic_sigma;
    }
    std::vector<float> tiny(16, 0.5f);
    tiny[5] = 1.0f;
    Matrix small = batch_of(tiny, 3), small_fresh = batch_of(tiny, 3);
    augment_batch(small, 4, 4, shared, a, buffers);
    augment_batch(small_fresh, 4, 4, fresh, a);
    EXPECT_TRUE(std::equal(small.data(), small.data() + small.size(), small_fresh.data()));
}

TEST(Augment, RefusesBadOptionsAndShapes) {
    Matrix x(2, 16);
    Rng rng(1);
    AugmentOptions o;
    o.elastic_alpha = -1.0f;
    try {
        augment_batch(x, 4, 4, rng, o);
        FAIL() << "a negative alpha was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("--elastic-alpha"), std::string::npos) << e.what();
    }
    o = AugmentOptions{};
    o.elastic_sigma = 0.0f;
    EXPECT_THROW(augment_batch(x, 4, 4, rng, o), Error);
    o = AugmentOptions{};
    o.max_shift = -2.0f;
    EXPECT_EQ(error_of([&] { augment_batch(x, 4, 4, rng, o); }), "augment max_shift: expected 0..1000 pixels, found -2");
    o = AugmentOptions{};
    o.max_rotation = 200.0f;
    EXPECT_EQ(error_of([&] { augment_batch(x, 4, 4, rng, o); }),
              "augment max_rotation: expected 0..180 degrees, found 200");
    o = AugmentOptions{};
    o.max_scale = 1.0f;
    EXPECT_EQ(error_of([&] { augment_batch(x, 4, 4, rng, o); }),
              "augment max_scale (--augment-scale): expected 0..0.9, found 1");
    EXPECT_THROW(augment_batch(x, 5, 5, rng), Error);  // 25 pixels expected, rows have 16
}

TEST(Augment, TrainerUsesItAndKeepsLabels) {
    // Two trainers that differ only in --augment end with different weights: augmentation is
    // wired into training. The labels are untouched: the augmented run still learns the task.
    DataSplits data;
    Rng rng(2);
    auto make = [&](std::size_t n) {
        Dataset d;
        d.image_rows = d.image_cols = 8;
        d.images = Matrix(n, 64);
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint8_t label = static_cast<std::uint8_t>(k % 10);
            d.labels.push_back(label);
            // Class k: a 3x3 blob at one of ten places on the 8x8 grid.
            const std::size_t ci = 1 + (label / 5) * 4, cj = 1 + (label % 5);
            for (std::size_t i = 0; i < 3; ++i)
                for (std::size_t j = 0; j < 3; ++j)
                    if (ci + i < 8 && cj + j < 8) d.images(k, (ci + i) * 8 + cj + j) = 1.0f;
            for (std::size_t p = 0; p < 64; ++p) d.images(k, p) += static_cast<float>(rng.uniform(0.0, 0.05));
        }
        return d;
    };
    data.train = make(200);
    data.validation = make(50);
    TrainConfig c;
    c.architecture.sizes = {64, 20, 10};
    c.architecture.hidden = Activation::relu;
    c.architecture.output = Activation::softmax;
    c.architecture.cost = Cost::log_likelihood;
    c.init = Init::he;
    c.learning_rate = 0.1f;
    c.epochs = 3;
    c.evaluate_test = false;
    Trainer plain(c, data);
    plain.run();
    c.augment = true;
    Trainer augmented(c, data);
    augmented.run();
    EXPECT_GT(distance(plain.network().layers[0].weights.data(), augmented.network().layers[0].weights.data(),
                       plain.network().layers[0].weights.size()),
              1e-3);
    EXPECT_GT(augmented.history().back().train_accuracy, 0.3);  // far above chance (0.1)
}

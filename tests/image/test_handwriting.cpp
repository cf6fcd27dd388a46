// Reading "your own handwriting": MNIST test digits turned into photo-like images — dark ink on
// light grey paper, enlarged, off-centre, with noise — must come back through `digitnet predict`
// (which makes them MNIST-like again) and be classified correctly.
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "digitnet/dataset.hpp"
#include "digitnet/image.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::CliRun;
using digitnet::testing::run_cli;

static GrayImage photo_of(const Dataset& data, std::size_t index, std::size_t scale, std::size_t width,
                          std::size_t height, std::size_t left, std::size_t top, Rng& rng) {
    GrayImage photo;
    photo.width = width;
    photo.height = height;
    photo.pixels.assign(width * height, 0.0f);
    for (std::size_t y = 0; y < height; ++y)
        for (std::size_t x = 0; x < width; ++x) {
            float ink = 0.0f;
            if (x >= left && y >= top && (x - left) / scale < 28 && (y - top) / scale < 28)
                ink = data.images(index, ((y - top) / scale) * 28 + (x - left) / scale);
            // paper at 0.85 with a little noise, ink down to 0.1
            photo.pixels[y * width + x] = 0.85f - 0.75f * ink + static_cast<float>(rng.uniform(-0.03, 0.03));
        }
    return photo;
}

TEST(MnistHandwriting, PhotosOfDigitsAreReadCorrectly) {
    if (!digitnet::testing::have_mnist()) GTEST_SKIP() << "MNIST not in data/mnist";
    const auto dir = digitnet::testing::fresh_dir("handwriting");
    const std::string data_dir = std::string(DIGITNET_SOURCE_DIR) + "/data";
    const std::string model = (dir / "m.safetensors").string();
    const CliRun train =
        run_cli("train --data-dir " + data_dir + " --epochs 2 --train-size 20000 --quiet -o " + model);
    ASSERT_EQ(train.status, 0) << train.err;

    const Dataset test = load_idx(data_dir + "/mnist/t10k-images-idx3-ubyte", data_dir + "/mnist/t10k-labels-idx1-ubyte");
    Rng rng(4);
    std::string files;
    std::vector<int> labels;
    for (std::size_t i = 0; i < 30; ++i) {
        // Sizes from 56x56 to 330x300 ink boxes, placed off-centre on larger paper.
        const std::size_t scale = 2 + i % 10, side = 28 * scale;
        const std::size_t width = side + 40 + 7 * i, height = side + 60;
        GrayImage photo = photo_of(test, i, scale, width, height, 10 + 3 * i, 45, rng);
        const std::string path = (dir / ("digit" + std::to_string(i) + ".png")).string();
        write_png(path, photo);
        files += " " + path;
        labels.push_back(test.labels[i]);
    }
    const CliRun predict = run_cli("predict " + model + files + " --json");
    ASSERT_EQ(predict.status, 0) << predict.err;
    std::istringstream in(predict.out);
    std::string line;
    std::size_t n = 0, correct = 0;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line);
        correct += j["digit"].get<int>() == labels[n];
        EXPECT_EQ(j["probabilities"].size(), 10u);
        ++n;
    }
    EXPECT_EQ(n, 30u);
    EXPECT_GE(correct, 27u) << correct << " of 30 read correctly";
}

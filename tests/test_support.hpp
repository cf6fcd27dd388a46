#pragma once
// Helpers shared by the tests: a small learnable dataset and paths.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "digitnet/dataset.hpp"
#include "digitnet/random.hpp"

namespace digitnet::testing {

// n examples of 8x8 images in 10 classes: class c lights up row c % 8 (and column c / 8 * 4
// for c >= 8), plus uniform noise. Learnable to near 100% by a small network.
inline Dataset synthetic_digits(std::size_t n, std::uint64_t seed) {
    Rng rng(seed);
    Dataset d;
    d.image_rows = d.image_cols = 8;
    d.images = Matrix(n, 64);
    d.labels.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const int c = static_cast<int>(rng.below(10));
        d.labels[i] = static_cast<std::uint8_t>(c);
        float* img = d.images.row(i);
        for (int p = 0; p < 64; ++p) img[p] = static_cast<float>(0.3 * rng.uniform());
        for (int k = 0; k < 8; ++k) {
            if (c < 8) img[(c % 8) * 8 + k] = 1.0f;
            else img[k * 8 + (c == 8 ? 1 : 6)] = 1.0f;
        }
    }
    return d;
}

inline DataSplits synthetic_splits(std::size_t n_train, std::uint64_t seed = 1) {
    DataSplits s;
    s.name = "synthetic";
    s.train = synthetic_digits(n_train, seed);
    s.validation = synthetic_digits(200, seed + 1);
    s.test = synthetic_digits(200, seed + 2);
    return s;
}

inline std::string mnist_dir() { return std::string(DIGITNET_SOURCE_DIR) + "/data/mnist"; }
inline bool have_mnist() { return std::filesystem::exists(mnist_dir() + "/train-images-idx3-ubyte"); }

// A fresh empty folder under the test temp dir.
inline std::filesystem::path fresh_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("digitnet-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace digitnet::testing

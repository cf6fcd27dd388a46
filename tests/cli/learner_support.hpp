#pragma once
// Small data and models for the tests of the learner's path through the CLI: a CSV in the
// mnist_train.csv layout whose ten classes are horizontal bars at ten heights, and models
// trained on it in a moment.
#include <filesystem>
#include <string>

#include "test_support.hpp"

namespace digitnet::testing {

// dir/mnist_train.csv (n rows) and dir/mnist_test.csv (n / 2 rows): class c is a bar two pixels
// high at row 4 + 2c, columns 6..21, moved right by k % 3.
inline void write_bar_digits(const std::filesystem::path& dir, int n) {
    auto ink = [](int k, int p) {
        const int c = k % 10, row = p / 28, col = p % 28, shift = k % 3;
        return (row == 4 + 2 * c || row == 5 + 2 * c) && col >= 6 + shift && col <= 21 + shift;
    };
    write_mnist_csv(dir / "mnist_train.csv", n, ink);
    write_mnist_csv(dir / "mnist_test.csv", n / 2, ink);
}

// Trains `flags` on those bars for one epoch into dir/NAME.safetensors and returns its path
// ("" and a test failure when training fails).
inline std::string train_bar_model(const std::filesystem::path& dir, const std::string& name, const std::string& flags) {
    const std::string model = (dir / (name + ".safetensors")).string();
    const CliRun r = run_cli("train --data " + (dir / "mnist_train.csv").string() + " --validation-size 0 --epochs 1 " +
                             flags + " --quiet -o " + model);
    if (r.status != 0) {
        ADD_FAILURE() << "training " << name << " failed: " << r.err;
        return "";
    }
    return model;
}

}  // namespace digitnet::testing

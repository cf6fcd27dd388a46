#pragma once
// Helpers shared by the tests: a small learnable dataset, paths, reading files and running
// the digitnet program.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
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

// The whole file as bytes ("" if it cannot be opened).
inline std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Number of '\n' in s: a one-line message "error: ...\n" counts 1.
inline std::size_t line_count(const std::string& s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

// A CSV in the mnist_train.csv layout: n rows "label,p0,...,p783", row k has label k % 10 and
// pixel p is 255 where ink(k, p), else 0.
inline void write_mnist_csv(const std::filesystem::path& path, int n, const std::function<bool(int, int)>& ink) {
    std::ofstream f(path);
    for (int k = 0; k < n; ++k) {
        f << k % 10;
        for (int p = 0; p < 784; ++p) f << ',' << (ink(k, p) ? 255 : 0);
        f << '\n';
    }
}

// The shell command that runs the digitnet program with ARGS (its path quoted).
inline std::string cli_command(const std::string& args) {
    std::string command = "\"";
    command.append(DIGITNET_CLI).append("\" ").append(args);
    return command;
}

struct CliRun {
    int status = -1;  // the exit code, or 128 + signal number if it was killed
    std::string out, err;
};

// Runs `digitnet ARGS` with stdin from /dev/null; stdout and stderr are captured through two
// temporary files (named by process id and a counter), removed afterwards.
inline CliRun run_cli(const std::string& args) {
    static std::atomic<int> counter{0};
    const auto dir = std::filesystem::temp_directory_path();
    const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(counter++);
    const std::filesystem::path out = dir / ("digitnet-cli-out-" + tag), err = dir / ("digitnet-cli-err-" + tag);
    const std::string cmd =
        cli_command(args) + " >\"" + out.string() + "\" 2>\"" + err.string() + "\" </dev/null";
    const int raw = std::system(cmd.c_str());
    CliRun r;
    r.status = raw == -1 ? -1 : WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    r.out = read_text(out);
    r.err = read_text(err);
    std::filesystem::remove(out);
    std::filesystem::remove(err);
    return r;
}

}  // namespace digitnet::testing

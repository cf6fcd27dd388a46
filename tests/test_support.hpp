#pragma once
// Helpers shared by the tests: a small learnable dataset, paths, reading files and running
// the digitnet program.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <stb_image.h>

#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"
#include "digitnet/image.hpp"
#include "digitnet/random.hpp"
#include "digitnet/train.hpp"
#include "digitnet/train_config.hpp"

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

// The folders fresh_dir made in this process, removed when it ends (each test is a process of its
// own under ctest), unless DIGITNET_KEEP_TEST_FOLDERS is set, to look inside after a failure.
struct TestFolders {
    std::vector<std::filesystem::path> made;
    ~TestFolders() {
        if (std::getenv("DIGITNET_KEEP_TEST_FOLDERS")) return;
        std::error_code ignored;
        for (const auto& dir : made) std::filesystem::remove_all(dir, ignored);
    }
};
inline TestFolders& test_folders() {
    static TestFolders folders;
    return folders;
}

// A fresh empty folder under the test temp dir, removed when the test's process ends.
inline std::filesystem::path fresh_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("digitnet-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    test_folders().made.push_back(dir);
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

// A 64-16-10 sigmoid network with a softmax output for synthetic_digits: 3 epochs of
// mini-batches of 10, η = 0.5, seed 7.
inline TrainConfig small_config() {
    TrainConfig c;
    c.architecture.sizes = {64, 16, 10};
    c.architecture.hidden = Activation::sigmoid;
    c.architecture.output = Activation::softmax;
    c.architecture.cost = Cost::log_likelihood;
    c.init = Init::scaled_normal;
    c.epochs = 3;
    c.batch_size = 10;
    c.learning_rate = 0.5f;
    c.seed = 7;
    return c;
}

// The message of the digitnet::Error that f throws, checked to be one line ("" and a test
// failure when f throws none).
template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        std::string message = e.what();
        EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
        return message;
    }
    ADD_FAILURE() << "expected a digitnet::Error";
    return "";
}

#define EXPECT_CONTAINS(haystack, needle) \
    EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "'" << (haystack) << "' lacks '" << (needle) << "'"

// A PNG file decoded with stb_image as 8-bit RGB (empty if it cannot be read).
inline RgbImage read_png_rgb(const std::filesystem::path& path) {
    int w = 0, h = 0, channels = 0;
    stbi_uc* data = stbi_load(path.string().c_str(), &w, &h, &channels, 3);
    if (!data) return {};
    RgbImage im;
    im.width = static_cast<std::size_t>(w);
    im.height = static_cast<std::size_t>(h);
    im.rgb.assign(data, data + static_cast<std::size_t>(w) * static_cast<std::size_t>(h) * 3);
    stbi_image_free(data);
    return im;
}

// Writes bytes to path as they are.
inline void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Appends v as four big-endian bytes (IDX headers, PNG chunk lengths).
inline void put_be32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
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

// Trains `t` until `batch` mini-batches of its second epoch are done, then stops it between
// batches as Ctrl-C does; the status run() returned (interrupted, unless training ended first).
inline TrainStatus stop_in_second_epoch(Trainer& t, std::size_t batch) {
    std::atomic<bool> stop{false};
    TrainHooks hooks;
    hooks.stop = &stop;
    hooks.on_batch = [&](std::size_t done, std::size_t) {
        if (t.epochs_done() == 1 && done == batch) stop = true;
    };
    return t.run(hooks);
}

// Runs `line` in /bin/sh without waiting for it. The line should `exec` the command, so that the
// pid returned (-1 if fork failed) is the command's own and a signal reaches it.
inline pid_t start_shell(const std::string& line) {
    const pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    return pid;
}

// Waits until `path` exists, for at most `limit`. True if it exists.
inline bool wait_for_file(const std::filesystem::path& path, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!std::filesystem::exists(path) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return std::filesystem::exists(path);
}

// Sends `signal` to pid and waits for it to end; its wait status.
inline int signal_and_wait(pid_t pid, int signal) {
    kill(pid, signal);
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

// Starts `digitnet ARGS --checkpoint-dir DIR` and kills it with SIGKILL as soon as its first
// checkpoint is there (in the middle of a later epoch), or after 60 s. True if the checkpoint exists.
inline bool kill_at_first_checkpoint(const std::string& args, const std::string& dir) {
    const pid_t pid = start_shell("exec " + cli_command(args + " --checkpoint-dir " + dir) + " >/dev/null 2>&1");
    if (pid < 0) return false;
    const std::string checkpoint = dir + "/checkpoint.safetensors";
    wait_for_file(checkpoint, std::chrono::seconds(60));
    signal_and_wait(pid, SIGKILL);
    return std::filesystem::exists(checkpoint);
}

// Runs `args` (which must pick 1 thread) to full.safetensors in `dir`, and again killed with -9 at its
// first checkpoint (dir/ckpt) and resumed with `resume_data` (the --data-dir ... flags) to
// resumed.safetensors: the two files must be the same bytes.
inline void expect_killed_run_resumes_bit_for_bit(const std::string& args, const std::string& resume_data,
                                                  const std::filesystem::path& dir) {
    const std::string full = (dir / "full.safetensors").string(), resumed = (dir / "resumed.safetensors").string();
    ASSERT_EQ(run_cli(args + " -o " + full).status, 0);
    const std::string ckpt = (dir / "ckpt").string();
    ASSERT_TRUE(kill_at_first_checkpoint(args, ckpt));
    CliRun r = run_cli("train " + resume_data + " --resume " + ckpt + " --quiet --threads 1 -o " + resumed);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(read_text(full) == read_text(resumed)) << "resumed from " << ckpt;
}

}  // namespace digitnet::testing

// digitnet serve as a program: it prints its address, answers, and stops cleanly on SIGTERM;
// and its predict endpoint gives the same input and answer as `digitnet predict` for a picture.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "digitnet/model_io.hpp"
#include "digitnet/presets.hpp"
#include "serve/api.hpp"
#include "serve/http_client.hpp"
#include "test_support.hpp"

namespace digitnet::testing {
namespace {

using nlohmann::json;

// `digitnet serve ARGS` running, its stdout read through a pipe.
struct ServeProcess {
    pid_t pid = -1;
    int out = -1;
    std::string printed;
    std::uint16_t port = 0;

    explicit ServeProcess(const std::string& args) {
        int fds[2];
        if (pipe(fds) != 0) return;
        pid = fork();
        if (pid == 0) {
            dup2(fds[1], 1);
            dup2(fds[1], 2);
            close(fds[0]);
            execl("/bin/sh", "sh", "-c", ("exec " + cli_command(args) + " </dev/null").c_str(), static_cast<char*>(nullptr));
            _exit(127);
        }
        close(fds[1]);
        out = fds[0];
        fcntl(out, F_SETFL, O_NONBLOCK);
        // Its address, printed once it listens.
        const std::regex address(R"(serving on http://127\.0\.0\.1:([0-9]+)/)");
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        std::smatch m;
        while (std::chrono::steady_clock::now() < deadline) {
            read_output();
            if (std::regex_search(printed, m, address)) {
                port = static_cast<std::uint16_t>(std::stoi(m[1]));
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    void read_output() {
        char buffer[4096];
        ssize_t n;
        while ((n = read(out, buffer, sizeof buffer)) > 0) printed.append(buffer, static_cast<std::size_t>(n));
    }
    // SIGTERM, then the exit status (or -1 when it had to be killed after 10 s).
    int stop() {
        if (pid <= 0) return -1;
        kill(pid, SIGTERM);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        int status = 0;
        while (std::chrono::steady_clock::now() < deadline) {
            if (waitpid(pid, &status, WNOHANG) == pid) {
                pid = -1;
                read_output();
                return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        pid = -1;
        return -1;
    }
    ~ServeProcess() {
        stop();
        if (out >= 0) close(out);
    }
};

// A picture of a 7, dark ink on white paper, off-centre, as a photo of one would be.
std::vector<std::uint8_t> serve_seven_png() {
    RgbImage im(120, 90, {250, 248, 245});
    auto ink = [&](int x, int y) {
        for (int dy = -3; dy <= 3; ++dy)
            for (int dx = -3; dx <= 3; ++dx) im.set(static_cast<std::size_t>(x + dx), static_cast<std::size_t>(y + dy), {20, 20, 30});
    };
    for (int x = 30; x <= 80; ++x) ink(x, 15);
    for (int t = 0; t <= 60; ++t) ink(80 - t * 35 / 60, 15 + t);
    return encode_png(im);
}

// The default preset's network with freshly drawn weights, saved to `path`.
void save_untrained_default(const std::string& path, std::uint64_t seed) {
    Network network(find_preset("default").config.architecture);
    Rng rng(seed);
    network.initialize(Init::scaled_normal, rng);
    save_model(path, network);
}

}  // namespace

TEST(ServeCommand, PrintsItsAddressAnswersAndStopsCleanlyOnSigterm) {
    const auto dir = fresh_dir("serve-command");
    save_untrained_default((dir / "net.safetensors").string(), 3);
    ServeProcess serve("serve " + (dir / "net.safetensors").string() + " --port 0 --data-dir " + dir.string());
    ASSERT_NE(serve.port, 0) << serve.printed;
    const HttpReply models = http(serve.port, "GET", "/api/models");
    ASSERT_EQ(models.status, 200);
    EXPECT_EQ(json::parse(models.body)["models"][0]["name"], "net");
    EXPECT_EQ(serve.stop(), 0) << serve.printed;
    EXPECT_CONTAINS(serve.printed, "stopping");
}

TEST(ServeCommand, UsageErrorsExitWith2) {
    EXPECT_EQ(run_cli("serve --port 70000").status, 2);
    EXPECT_EQ(run_cli("serve --metrics a.jsonl").status, 2);
    const CliRun web = run_cli("serve x.safetensors --web /nonexistent-folder");
    EXPECT_EQ(web.status, 2);
    EXPECT_CONTAINS(web.err, "--web");
}

// The page sends the picture as it is (a small file) to /api/predict; the server makes the
// network's input with the same library code as predict: the same 28x28 and the same outputs.
TEST(ServeCommand, PredictEndpointAndPredictGiveTheSameInputAndAnswer) {
    const auto dir = fresh_dir("serve-same");
    const std::string model = (dir / "net.safetensors").string();
    save_untrained_default(model, 5);
    const std::vector<std::uint8_t> png = serve_seven_png();
    write_bytes(dir / "seven.png", png);

    const CliRun cli = run_cli("predict " + model + " " + (dir / "seven.png").string() + " --json --save-input " +
                               (dir / "input.png").string());
    ASSERT_EQ(cli.status, 0) << cli.err;
    const json expected = json::parse(cli.out.substr(0, cli.out.find('\n')));

    serve::Models models;
    models.put(std::make_shared<serve::Model>("net", load_model(model), serve::ModelCard{}));
    serve::PredictRequest request = serve::parse_predict_request(json{{"image", serve::encode_base64(png)}}.dump());
    const json answer = serve::predict_json(models, request);
    EXPECT_EQ(answer["digit"], expected["digit"]);
    ASSERT_EQ(answer["outputs"].size(), expected["outputs"].size());
    for (std::size_t j = 0; j < expected["outputs"].size(); ++j)
        EXPECT_NEAR(answer["outputs"][j].get<double>(), expected["outputs"][j].get<double>(), 1e-5) << j;
    // predict's --save-input is the input scaled up 10 times, at 8 bits.
    const RgbImage saved = read_png_rgb(dir / "input.png");
    ASSERT_EQ(saved.width, 280u);
    for (std::size_t i = 0; i < 784; ++i) {
        const double mine = answer["input"][i].get<double>();
        const double theirs = saved.get((i % 28) * 10, (i / 28) * 10).r / 255.0;
        ASSERT_NEAR(mine, theirs, 0.5 / 255 + 1e-4) << "pixel " << i;
    }
}

}  // namespace digitnet::testing

// The per-epoch metrics as JSON lines (what train --metrics writes and plot metrics reads).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "digitnet/error.hpp"
#include "digitnet/train_config.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::fresh_dir;

TEST(MetricsFile, ReadsBackWhatIsWritten) {
    const auto dir = fresh_dir("metrics-file");
    EpochMetrics first;
    first.epoch = 1;
    first.train_cost = 0.25;
    first.train_accuracy = 0.9;
    first.test_accuracy = 0.875;
    first.seconds = 1.5;
    first.learning_rate = 3.0;
    EpochMetrics second = first;
    second.epoch = 2;
    second.validation_cost = 0.125;
    second.validation_accuracy = 0.93;
    {
        std::ofstream f(dir / "run.jsonl");
        f << to_json(first) << "\n\n" << to_json(second) << "\r\n{\"train_cost\":0.5,\"test_accuracy\":null}\n";
    }
    const std::vector<EpochMetrics> history = read_metrics_file((dir / "run.jsonl").string());
    ASSERT_EQ(history.size(), 3u);
    EXPECT_EQ(history[0].epoch, 1u);
    EXPECT_EQ(history[0].train_cost, 0.25);
    EXPECT_TRUE(std::isnan(history[0].validation_accuracy));
    EXPECT_EQ(history[0].test_accuracy, 0.875);
    EXPECT_EQ(history[0].seconds, 1.5);
    EXPECT_EQ(history[1].validation_accuracy, 0.93);
    EXPECT_EQ(history[2].epoch, 3u);  // no "epoch": its place in the file
    EXPECT_TRUE(std::isnan(history[2].test_accuracy));
    EXPECT_EQ(epoch_metrics_from_json(to_json(second)).validation_cost, 0.125);
    std::filesystem::remove_all(dir);
}

TEST(MetricsFile, ErrorsNameTheFileLineAndKey) {
    const auto dir = fresh_dir("metrics-file-bad");
    const std::string path = (dir / "bad.jsonl").string();
    auto message = [&](const std::string& text) {
        std::ofstream(path) << text;
        try {
            read_metrics_file(path);
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message("{\"epoch\":1}\n{\"epoch\":2\n"),
              path + ":2: expected one JSON object per line, found text that is not JSON");
    EXPECT_EQ(message("[1]\n"), path + ":1: expected one JSON object per line, found a JSON array");
    EXPECT_EQ(message("\n{\"epoch\":1,\"validation_cost\":true}\n"),
              path + ":2: expected \"validation_cost\" to be a number, found a JSON boolean");
    EXPECT_THROW(epoch_metrics_from_json("{\"train_cost\":1}"), Error);  // one line alone needs its epoch
    std::filesystem::remove_all(dir);
}

// digitnet demo descent: gradient descent seen twice (seeds 001 and 002) — a ball rolling down a
// valley, and batch, mini-batch and stochastic gradient descent on the same network and data.
//   digitnet demo descent [--train-size 1000] [--epochs 5] [--lr 3] [--batches all,10,1] [-o FILE.png] [--json]
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data_options.hpp"
#include "demo_commands.hpp"
#include "digitnet/dataset.hpp"
#include "digitnet/descent.hpp"
#include "digitnet/error.hpp"
#include "digitnet/image.hpp"
#include "number_options.hpp"
#include "usage.hpp"

namespace digitnet::cli {

namespace {

struct DescentCliOptions {
    DataOptions data;
    std::size_t train_size = 1000, epochs = 5, ball_steps = 30;
    float lr = 3.0f;
    double ball_lr = 0.17;
    std::string layers = "784,30,10", batches = "all,10,1", output;
    std::uint64_t seed = 1;
    bool json = false;
};

std::vector<std::size_t> parse_batches(const std::string& text) {
    std::vector<std::size_t> sizes;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, end - start);
        std::size_t pos = 0, value = 0;
        bool ok = !item.empty() && item.find('-') == std::string::npos;
        if (ok && (item == "all" || item == "0")) {
            value = 0;
        } else if (ok) {
            try {
                value = std::stoul(item, &pos);
                ok = pos == item.size() && value > 0;
            } catch (...) {
                ok = false;
            }
        }
        if (!ok) throw UsageError("--batches: expected batch sizes like all,10,1 (all or 0 = every example), found '" + text + "'");
        sizes.push_back(value);
        start = end + 1;
    }
    if (sizes.size() > 8) throw UsageError("--batches: expected at most 8 batch sizes, found " + std::to_string(sizes.size()));
    return sizes;
}

void print_ball(const BallPath& ball) {
    const BallOptions& o = ball.options;
    std::printf("1. A ball rolling down a valley: C(v1, v2) = (v1^2 + %g v2^2) / 2, gradient (v1, %g v2);\n"
                "   each step v <- v - eta * gradient, eta = %g, from (%g, %g)\n",
                o.steepness, o.steepness, o.learning_rate, o.v1, o.v2);
    std::printf("   %5s  %9s  %9s  %10s\n", "step", "v1", "v2", "C");
    const std::size_t every = std::max<std::size_t>(1, o.steps / 10);
    for (std::size_t s = 0; s <= o.steps; ++s)
        if (s % every == 0 || s == o.steps)
            std::printf("   %5zu  %9.4f  %9.4f  %10.6f\n", s, ball.v1[s], ball.v2[s], ball.cost[s]);
    const bool zigzag = o.learning_rate * o.steepness > 1.0;
    std::printf("   Across the valley (v2) the slope is %g times steeper%s;\n   along it (v1) the ball creeps.\n\n",
                o.steepness, zigzag ? ": each step overshoots and the ball zigzags" : "");
}

void print_comparison(const BatchComparison& c, const std::string& data_name) {
    const BatchComparisonOptions& o = c.options;
    std::printf("2. Batch, mini-batch and stochastic gradient descent: %s, %zu %s training images, eta %g,\n"
                "   %zu epochs, the same starting weights and examples for each (seed %llu)\n",
                o.architecture.describe().c_str(), c.examples, data_name.c_str(), o.learning_rate, o.epochs,
                static_cast<unsigned long long>(o.seed));
    int w = 14;
    for (const DescentRun& r : c.runs) w = std::max(w, static_cast<int>(r.name.size()) + 2);
    auto row = [&](const char* label, auto&& cell) {
        std::printf("   %-30s", label);
        for (const DescentRun& r : c.runs) std::printf("%*s", w, cell(r).c_str());
        std::printf("\n");
    };
    auto fmt = [](const char* format, double v) {
        char buf[64];
        std::snprintf(buf, sizeof buf, format, v);
        return std::string(buf);
    };
    row("", [](const DescentRun& r) { return r.name; });
    row("examples per step", [](const DescentRun& r) { return std::to_string(r.batch_size); });
    row("steps per epoch", [](const DescentRun& r) { return std::to_string(r.steps_per_epoch); });
    for (std::size_t e = 0; e <= o.epochs; ++e) {
        const std::string label = "cost after epoch " + std::to_string(e);
        row(label.c_str(), [&](const DescentRun& r) { return fmt("%.4f", r.epoch_cost[e]); });
    }
    row("accuracy after the last epoch", [&](const DescentRun& r) { return fmt("%.1f%%", 100 * r.epoch_accuracy.back()); });
    const std::size_t first = std::min<std::size_t>(10, c.runs.front().step_cost.size());
    for (std::size_t s = 0; s < first; ++s) {
        const std::string label = "cost seen by step " + std::to_string(s + 1);
        row(label.c_str(), [&](const DescentRun& r) { return s < r.step_cost.size() ? fmt("%.4f", r.step_cost[s]) : "-"; });
    }
    row("steps where the cost went up", [&](const DescentRun& r) { return fmt("%.0f%%", 100 * uphill_fraction(r)); });
    row("noise of the step cost", [&](const DescentRun& r) { return fmt("%.2f", step_noise(r)); });
    row("seconds", [&](const DescentRun& r) { return fmt("%.3f", r.seconds); });
    std::printf("   (noise: the mean change from one step's cost to the next in the last epoch, over the mean cost)\n\n");
    // What the table shows, read from it.
    const auto lowest = std::min_element(c.runs.begin(), c.runs.end(), [](const DescentRun& a, const DescentRun& b) {
        return a.epoch_cost.back() < b.epoch_cost.back();
    });
    const auto noisiest = std::max_element(c.runs.begin(), c.runs.end(), [](const DescentRun& a, const DescentRun& b) {
        return step_noise(a) < step_noise(b);
    });
    std::printf("   Each step of the largest batch is the most careful (it looks at the most examples), but after the\n"
                "   same number of epochs, the same work, %s has the lowest cost: it took %zu steps per epoch.\n"
                "   The noisiest run, %s, follows so few examples per step that its cost goes up at %.0f%% of its\n"
                "   steps: the drunk walk downhill (the two weights' paths in the picture show it).\n",
                lowest->name.c_str(), lowest->steps_per_epoch, noisiest->name.c_str(), 100 * uphill_fraction(*noisiest));
}

nlohmann::json to_json(const BallPath& ball, const BatchComparison& c) {
    nlohmann::json runs = nlohmann::json::array();
    for (const DescentRun& r : c.runs)
        runs.push_back({{"name", r.name}, {"batch_size", r.batch_size}, {"steps_per_epoch", r.steps_per_epoch},
                        {"steps", r.step_cost.size()}, {"step_cost", r.step_cost}, {"epoch_cost", r.epoch_cost},
                        {"epoch_accuracy", r.epoch_accuracy}, {"w1", r.w1}, {"w2", r.w2},
                        {"noise", step_noise(r)}, {"uphill_fraction", uphill_fraction(r)}, {"seconds", r.seconds}});
    return {{"ball", {{"steepness", ball.options.steepness}, {"learning_rate", ball.options.learning_rate},
                      {"v1", ball.v1}, {"v2", ball.v2}, {"cost", ball.cost}}},
            {"network", c.options.architecture.describe()}, {"examples", c.examples},
            {"learning_rate", c.options.learning_rate}, {"epochs", c.options.epochs}, {"runs", runs}};
}

void run_descent_demo(const DescentCliOptions& o) {
    BallOptions ball_options;
    ball_options.learning_rate = o.ball_lr;
    ball_options.steps = o.ball_steps;
    const BallPath ball = roll_ball(ball_options);

    BatchComparisonOptions options;
    options.architecture.sizes = as_usage([&] { return parse_layer_sizes(o.layers); });
    options.batch_sizes = parse_batches(o.batches);
    options.learning_rate = o.lr;
    options.epochs = o.epochs;
    options.seed = o.seed;
    DataOptions data_options = o.data;
    data_options.validation_size = 0;
    const DataSplits data = load_data(data_options);
    const Dataset train = data.train.slice(0, std::min(o.train_size, data.train.size()));
    const BatchComparison comparison = compare_batch_sizes(options, train);

    if (o.json) {
        std::printf("%s\n", to_json(ball, comparison).dump().c_str());
    } else {
        std::printf("Gradient descent, seen twice.\n\n");
        print_ball(ball);
        print_comparison(comparison, data.name);
    }
    if (!o.output.empty()) {
        write_png(o.output, draw_descent(ball, comparison));
        if (!o.json) std::printf("\nwrote %s\n", o.output.c_str());
    }
}

}  // namespace

void add_demo_descent_command(CLI::App* demo) {
    auto o = std::make_shared<DescentCliOptions>();
    auto* cmd = demo->add_subcommand(
        "descent", "Show gradient descent: a ball rolling down a valley, then batch, mini-batch and stochastic descent");
    add_data_name_options(cmd, o->data);
    cmd->add_option("--train-size", o->train_size, "train on the first N training images")
        ->transform(whole_number(1, 20000))
        ->capture_default_str();
    cmd->add_option("--epochs", o->epochs, "passes over those images")
        ->transform(whole_number(1, 1000))
        ->capture_default_str();
    cmd->add_option("--lr", o->lr, "learning rate η, the same for every batch size")
        ->transform(real_number(positive()))
        ->capture_default_str();
    cmd->add_option("--layers", o->layers, "layer sizes of the network (sigmoid, quadratic cost)")->capture_default_str();
    cmd->add_option("--batches", o->batches, "the batch sizes compared (all or 0 = every example)")->capture_default_str();
    cmd->add_option("--seed", o->seed, "seed of the starting weights and the order of the examples")
        ->transform(whole_number())
        ->capture_default_str();
    cmd->add_option("--ball-lr", o->ball_lr, "the ball's step size η")
        ->transform(real_number(positive()))
        ->capture_default_str();
    cmd->add_option("--ball-steps", o->ball_steps, "the ball's steps")
        ->transform(whole_number(1, 100000))
        ->capture_default_str();
    cmd->add_option("-o,--output", o->output, "write the four panels to FILE (PNG)")->type_name("FILE");
    cmd->add_flag("--json", o->json, "print every value as one JSON object");
    cmd->callback([o] { run_descent_demo(*o); });
}

}  // namespace digitnet::cli

// digitnet demo: small experiments from the books, run in a moment.
//   digitnet demo slowdown [--epochs 300] [--lr 0.15] [--json] [--csv FILE] [-o FILE]
//   digitnet demo descent ... (cmd_demo_descent.cpp)
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "demo_commands.hpp"
#include "digitnet/error.hpp"
#include "digitnet/file_io.hpp"
#include "digitnet/image.hpp"
#include "digitnet/plot.hpp"
#include "digitnet/slowdown.hpp"
#include "number_options.hpp"
#include "output_paths.hpp"

namespace digitnet::cli {

namespace {

struct SlowdownCliOptions {
    std::size_t epochs = 300;
    double lr = 0.15;
    bool json = false;
    std::string csv, png;
};

// The threshold of the summary line: "cost below 0.1 after N epochs".
constexpr double kLowCost = 0.1;

struct Case {
    std::string name;
    SlowdownResult result;
};

std::vector<Case> run_cases(const SlowdownCliOptions& o) {
    SlowdownOptions bad;  // w = 2, b = 2: output ≈ 0.98 for a target of 0
    bad.epochs = o.epochs;
    bad.learning_rate = o.lr;
    SlowdownOptions good = bad;  // w = 0.6, b = 0.9: output ≈ 0.82
    good.w = 0.6;
    good.b = 0.9;
    return {{"bad start", run_slowdown(bad)}, {"good start", run_slowdown(good)}};
}

std::string after(std::size_t epoch, std::size_t epochs) {
    return epoch > epochs ? "not within " + std::to_string(epochs) + " epochs" : "after " + std::to_string(epoch) + " epochs";
}

std::string summary(const Case& c) {
    const SlowdownResult& r = c.result;
    const std::size_t n = r.options.epochs;
    const std::size_t ce = first_below(r.cross_entropy.cost, kLowCost);
    const std::size_t q = first_below(r.quadratic.cost, kLowCost);
    const std::size_t look = n < 100 ? n : 100;
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "%s (w=%g, b=%g, a=%.3f): cross-entropy cost below %g %s; quadratic cost below %g %s "
                  "(after %zu epochs the quadratic neuron still outputs %.3f, the cross-entropy one %.3f)",
                  c.name.c_str(), r.options.w, r.options.b, r.quadratic.output[0], kLowCost, after(ce, n).c_str(),
                  kLowCost, after(q, n).c_str(), look, r.quadratic.output[look], r.cross_entropy.output[look]);
    return buf;
}

void print_table(const Case& c) {
    const SlowdownResult& r = c.result;
    std::printf("%s: w=%g, b=%g, x=%g, y=%g, lr %g\n", c.name.c_str(), r.options.w, r.options.b, r.options.x, r.options.y,
                r.options.learning_rate);
    std::printf("%7s  %14s %8s  %14s %8s\n", "epoch", "quadratic C", "a", "cross-ent. C", "a");
    for (std::size_t e = 0; e <= r.options.epochs; e += 10)
        std::printf("%7zu  %14.6f %8.4f  %14.6f %8.4f\n", e, r.quadratic.cost[e], r.quadratic.output[e],
                    r.cross_entropy.cost[e], r.cross_entropy.output[e]);
    std::printf("%s\n\n", summary(c).c_str());
}

nlohmann::json trace_json(const NeuronTrace& t) {
    return {{"cost", t.cost}, {"output", t.output}, {"w", t.w}, {"b", t.b}};
}

void write_csv(const std::string& path, const std::vector<Case>& cases) {
    // epoch, then for each case: quadratic cost, quadratic output, cross-entropy cost, cross-entropy output
    std::string text = "epoch";
    for (const auto& c : cases) {
        std::string p = c.name.substr(0, c.name.find(' '));
        text += "," + p + "_quadratic_cost," + p + "_quadratic_output," + p + "_cross_entropy_cost," + p +
                "_cross_entropy_output";
    }
    text += "\n";
    char buf[128];
    for (std::size_t e = 0; e <= cases.front().result.options.epochs; ++e) {
        text += std::to_string(e);
        for (const auto& c : cases) {
            const SlowdownResult& r = c.result;
            std::snprintf(buf, sizeof buf, ",%.9g,%.9g,%.9g,%.9g", r.quadratic.cost[e], r.quadratic.output[e],
                          r.cross_entropy.cost[e], r.cross_entropy.output[e]);
            text += buf;
        }
        text += "\n";
    }
    write_file_atomic(path, text);
}

void write_plot(const std::string& path, const std::vector<Case>& cases) {
    std::vector<RgbImage> panels;
    for (const auto& c : cases) {
        const SlowdownResult& r = c.result;
        char title[128];
        std::snprintf(title, sizeof title, "%s: w=%g, b=%g, lr %g", c.name.c_str(), r.options.w, r.options.b,
                      r.options.learning_rate);
        LinePlot plot{title, "epoch", "cost", {}, std::nullopt, AxisRange{0.0, r.cross_entropy.cost[0] * 1.05}};
        Series quadratic{"quadratic", {}, r.quadratic.cost, palette_colour(0), false};
        Series cross_entropy{"cross-entropy", {}, r.cross_entropy.cost, palette_colour(1), false};
        for (std::size_t e = 0; e <= r.options.epochs; ++e) {
            quadratic.x.push_back(static_cast<double>(e));
            cross_entropy.x.push_back(static_cast<double>(e));
        }
        plot.series = {quadratic, cross_entropy};
        panels.push_back(render_line_plot(plot, 640, 480));
    }
    write_png(path, hconcat(panels));
}

void run_slowdown_demo(const SlowdownCliOptions& o) {
    check_outputs({{"--csv", o.csv}, {"--output", o.png}});
    const std::vector<Case> cases = run_cases(o);
    if (o.json) {
        nlohmann::json j{{"learning_rate", o.lr}, {"epochs", o.epochs}, {"threshold", kLowCost}};
        for (const auto& c : cases) {
            const SlowdownResult& r = c.result;
            j["cases"].push_back({{"name", c.name},
                                  {"w", r.options.w},
                                  {"b", r.options.b},
                                  {"x", r.options.x},
                                  {"y", r.options.y},
                                  {"quadratic", trace_json(r.quadratic)},
                                  {"cross_entropy", trace_json(r.cross_entropy)},
                                  {"quadratic_epochs_below_threshold", first_below(r.quadratic.cost, kLowCost)},
                                  {"cross_entropy_epochs_below_threshold", first_below(r.cross_entropy.cost, kLowCost)},
                                  {"summary", summary(c)}});
        }
        std::printf("%s\n", j.dump().c_str());
    } else {
        std::printf("One sigmoid neuron, input x = 1, target y = 0, trained by gradient descent.\n"
                    "Quadratic cost: dC/dw = (a - y) s'(z) x, tiny while the neuron is saturated.\n"
                    "Cross-entropy:  dC/dw = (a - y) x, large when the answer is badly wrong.\n\n");
        for (const auto& c : cases) print_table(c);
    }
    if (!o.csv.empty()) {
        write_csv(o.csv, cases);
        if (!o.json) std::printf("wrote %s\n", o.csv.c_str());
    }
    if (!o.png.empty()) {
        write_plot(o.png, cases);
        if (!o.json) std::printf("wrote %s\n", o.png.c_str());
    }
}

}  // namespace

void add_demo_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("demo", "Run small experiments from the books");
    cmd->require_subcommand(1);
    auto opts = std::make_shared<SlowdownCliOptions>();
    auto* slowdown = cmd->add_subcommand(
        "slowdown", "Show how one saturated sigmoid neuron learns slowly with the quadratic cost and fast with "
                    "cross-entropy (Nielsen, chapter 3)");
    slowdown->add_option("--epochs", opts->epochs, "gradient-descent steps, one per epoch")->transform(whole_number(1, 1000000))
        ->capture_default_str();
    slowdown->add_option("--lr", opts->lr, "learning rate η, the same for both costs")
        ->transform(real_number(positive()))
        ->capture_default_str();
    slowdown->add_flag("--json", opts->json, "print every epoch's values as one JSON object");
    slowdown->add_option("-o,--output", opts->png, "write both costs against the epoch to FILE (PNG)")->type_name("FILE");
    slowdown->add_option("--csv", opts->csv, "write every epoch's costs and outputs to FILE (CSV)")->type_name("FILE");
    slowdown->callback([opts] { run_slowdown_demo(*opts); });
    add_demo_descent_command(cmd);
}

}  // namespace digitnet::cli

// digitnet plot: figures as PNG files.
//   digitnet plot activations [-o activations.png]
//   digitnet plot metrics FILE.jsonl... [-o metrics.png]
//   digitnet plot confusion ... (cmd_plot_confusion.cpp)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "digitnet/error.hpp"
#include "digitnet/image.hpp"
#include "digitnet/plot.hpp"
#include "digitnet/train_config.hpp"
#include "output_paths.hpp"
#include "plot_commands.hpp"

namespace digitnet::cli {

namespace {

constexpr int kPanelWidth = 640;
constexpr int kPanelHeight = 480;

void save(const std::string& path, const RgbImage& image) {
    write_png(path, image);
    std::printf("wrote %s (%zux%zu)\n", path.c_str(), image.width, image.height);
}

// Step, sigmoid, tanh and ReLU on z in [-6, 6], and their derivatives:
//   step(z) = [z >= 0]          step'(z) = 0 (z != 0)
//   s(z) = 1 / (1 + e^-z)       s'(z) = s(z) (1 - s(z))
//   tanh(z)                     tanh'(z) = 1 - tanh(z)^2
//   relu(z) = max(0, z)         relu'(z) = [z > 0]
void plot_activations(const std::string& out) {
    LinePlot functions{"Activation functions", "z", "f(z)", {}, AxisRange{-6.0, 6.0}, AxisRange{-1.5, 2.0}};
    LinePlot derivatives{"Their derivatives", "z", "f'(z)", {}, AxisRange{-6.0, 6.0}, AxisRange{-0.2, 1.2}};
    const char* names[] = {"step", "sigmoid", "tanh", "ReLU"};
    for (int f = 0; f < 4; ++f) {
        Series value{names[f], {}, {}, palette_colour(static_cast<std::size_t>(f)), f == 0};
        Series slope{std::string(names[f]) + "'", {}, {}, palette_colour(static_cast<std::size_t>(f)), f == 0};
        for (int i = 0; i <= 1200; ++i) {
            const double z = -6.0 + i * 0.01;
            const double s = 1.0 / (1.0 + std::exp(-z));
            const double t = std::tanh(z);
            const double y[] = {z >= 0.0 ? 1.0 : 0.0, s, t, std::max(0.0, z)};
            const double dy[] = {0.0, s * (1.0 - s), 1.0 - t * t, z > 0.0 ? 1.0 : 0.0};
            value.x.push_back(z);
            value.y.push_back(y[f]);
            slope.x.push_back(z);
            slope.y.push_back(dy[f]);
        }
        functions.series.push_back(std::move(value));
        derivatives.series.push_back(std::move(slope));
    }
    save(out, hconcat({render_line_plot(functions, kPanelWidth, kPanelHeight),
                       render_line_plot(derivatives, kPanelWidth, kPanelHeight)}));
}

// The metrics drawn, from each epoch's EpochMetrics: the split each belongs to, and whether it is
// a cost (else an accuracy).
struct Column {
    const char* split;
    double EpochMetrics::*value;
    bool cost;
};
constexpr Column kColumns[] = {{"train", &EpochMetrics::train_cost, true},
                               {"validation", &EpochMetrics::validation_cost, true},
                               {"train", &EpochMetrics::train_accuracy, false},
                               {"validation", &EpochMetrics::validation_accuracy, false},
                               {"test", &EpochMetrics::test_accuracy, false}};

// One series per metric that a file has for some epoch (read_metrics_file: one JSON object per
// line, as `digitnet train --metrics` writes them), several files overlaid.
void plot_metrics(const std::vector<std::string>& files, const std::string& out) {
    // Each run one colour, each split one line style (render_metrics).
    std::vector<MetricsCurve> curves;
    for (const std::string& path : files) {
        const std::vector<EpochMetrics> history = read_metrics_file(path);
        const std::string stem = std::filesystem::path(path).stem().string();
        std::string run = files.size() > 1 ? stem : "";
        for (const std::string& other : files)  // two files of the same name: the runs go by their paths
            if (&other != &path && std::filesystem::path(other).stem() == stem) run = path;
        std::vector<double> epochs;
        for (const EpochMetrics& m : history) epochs.push_back(static_cast<double>(m.epoch));
        for (const Column& column : kColumns) {
            std::vector<double> y;
            for (const EpochMetrics& m : history) y.push_back(m.*column.value);
            if (std::none_of(y.begin(), y.end(), [](double v) { return std::isfinite(v); })) continue;
            curves.push_back({run, column.split, !column.cost, epochs, y});
        }
    }
    if (curves.empty()) {
        throw Error("plot metrics: expected lines with train_cost, validation_accuracy, ... in the files given, found none");
    }
    save(out, render_metrics(curves, kPanelWidth, kPanelHeight));
}

}  // namespace

void add_plot_command(CLI::App& app) {
    auto* plot = app.add_subcommand("plot", "Draw figures as PNG files");
    plot->require_subcommand(1);

    auto activations_out = std::make_shared<std::string>("activations.png");
    auto* activations = plot->add_subcommand(
        "activations", "Draw step, sigmoid, tanh and ReLU on z in [-6, 6] beside their derivatives");
    activations->add_option("-o,--output", *activations_out, "write the figure to FILE (PNG)")
        ->type_name("FILE")
        ->capture_default_str();
    activations->callback([activations_out] {
        check_outputs({{"--output", *activations_out}});
        plot_activations(*activations_out);
    });

    auto files = std::make_shared<std::vector<std::string>>();
    auto metrics_out = std::make_shared<std::string>("metrics.png");
    auto* metrics = plot->add_subcommand(
        "metrics", "Draw cost and accuracy per epoch from metrics files, several runs overlaid");
    metrics->add_option("FILE", *files, "metrics files written by digitnet train --metrics (JSON lines)")
        ->type_name("")
        ->required();
    metrics->add_option("-o,--output", *metrics_out, "write the figure to FILE (PNG)")
        ->type_name("FILE")
        ->capture_default_str();
    metrics->callback([files, metrics_out] {
        std::vector<NamedPath> inputs;
        for (const std::string& file : *files) inputs.push_back({"metrics file", file});
        check_outputs({{"--output", *metrics_out}}, inputs);
        plot_metrics(*files, *metrics_out);
    });

    add_plot_confusion_command(plot);
}

}  // namespace digitnet::cli

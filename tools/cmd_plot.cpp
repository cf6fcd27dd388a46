// digitnet plot: figures as PNG files.
//   digitnet plot activations [-o activations.png]
//   digitnet plot metrics FILE.jsonl... [-o metrics.png]
//   digitnet plot confusion ... (cmd_plot_confusion.cpp)
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "digitnet/error.hpp"
#include "digitnet/file_io.hpp"
#include "digitnet/image.hpp"
#include "digitnet/plot.hpp"
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

// One training run's metrics: one JSON object per line,
//   {"epoch":1,"train_cost":0.3,"train_accuracy":0.91,"validation_cost":0.2,...}
// Any key may be missing; null (how a non-finite number is written) is skipped.
struct Metrics {
    std::string stem;
    std::vector<double> epoch;
    std::vector<std::vector<double>> values;  // one column per key in kKeys, NaN where missing
};

constexpr const char* kKeys[] = {"train_cost",     "validation_cost",     "test_cost",
                                 "train_accuracy", "validation_accuracy", "test_accuracy"};
constexpr std::size_t kKeyCount = std::size(kKeys);
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

Metrics read_metrics(const std::string& path) {
    const std::vector<std::uint8_t> bytes = read_file(path, std::size_t{256} << 20);
    const std::string text(bytes.begin(), bytes.end());
    Metrics m;
    m.stem = std::filesystem::path(path).stem().string();
    m.values.resize(kKeyCount);
    std::size_t line_number = 0, start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(line_number);
        nlohmann::json record;
        try {
            record = nlohmann::json::parse(line);
        } catch (const nlohmann::json::parse_error&) {
            throw Error(where + ": expected one JSON object per line, found text that is not JSON");
        }
        if (!record.is_object()) {
            throw Error(where + ": expected one JSON object per line, found a JSON " + record.type_name());
        }
        auto number = [&](const char* key) -> double {
            const auto it = record.find(key);
            if (it == record.end() || it->is_null()) return kMissing;
            if (!it->is_number()) {
                throw Error(where + ": expected \"" + key + "\" to be a number, found a JSON " + it->type_name());
            }
            const double v = it->get<double>();
            return std::isfinite(v) ? v : kMissing;
        };
        const double epoch = number("epoch");
        m.epoch.push_back(std::isnan(epoch) ? static_cast<double>(m.epoch.size() + 1) : epoch);
        for (std::size_t k = 0; k < kKeyCount; ++k) m.values[k].push_back(number(kKeys[k]));
    }
    return m;
}

void plot_metrics(const std::vector<std::string>& files, const std::string& out) {
    LinePlot cost{"Cost per epoch", "epoch", "cost", {}, {}, {}};
    LinePlot accuracy{"Accuracy per epoch", "epoch", "accuracy", {}, {}, {}};
    std::size_t colour = 0;
    for (const std::string& path : files) {
        const Metrics m = read_metrics(path);
        const std::string prefix = files.size() > 1 ? m.stem + ": " : "";
        for (std::size_t k = 0; k < kKeyCount; ++k) {
            const std::vector<double>& y = m.values[k];
            if (std::none_of(y.begin(), y.end(), [](double v) { return std::isfinite(v); })) continue;
            const std::string key = kKeys[k];
            const std::string split = key.substr(0, key.find('_'));
            Series s{prefix + split, m.epoch, y, palette_colour(colour++), split == "validation"};
            (k < 3 ? cost : accuracy).series.push_back(std::move(s));
        }
    }
    if (cost.series.empty() && accuracy.series.empty()) {
        throw Error("plot metrics: expected lines with train_cost, validation_accuracy, ... in the files given, found none");
    }
    save(out, hconcat({render_line_plot(cost, kPanelWidth, kPanelHeight),
                       render_line_plot(accuracy, kPanelWidth, kPanelHeight)}));
}

}  // namespace

void add_plot_command(CLI::App& app) {
    auto* plot = app.add_subcommand("plot", "draw figures as PNG files");
    plot->require_subcommand(1);

    auto activations_out = std::make_shared<std::string>("activations.png");
    auto* activations = plot->add_subcommand(
        "activations", "step, sigmoid, tanh and ReLU on z in [-6, 6], beside their derivatives");
    activations->add_option("-o,--output", *activations_out, "PNG file to write")->capture_default_str();
    activations->callback([activations_out] {
        check_outputs({{"--output", *activations_out}});
        plot_activations(*activations_out);
    });

    auto files = std::make_shared<std::vector<std::string>>();
    auto metrics_out = std::make_shared<std::string>("metrics.png");
    auto* metrics = plot->add_subcommand(
        "metrics", "cost and accuracy per epoch from training metrics (JSON lines), several runs overlaid");
    metrics->add_option("FILES", *files, "metrics files, one JSON object per line")->required();
    metrics->add_option("-o,--output", *metrics_out, "PNG file to write")->capture_default_str();
    metrics->callback([files, metrics_out] {
        std::vector<NamedPath> inputs;
        for (const std::string& file : *files) inputs.push_back({"metrics file", file});
        check_outputs({{"--output", *metrics_out}}, inputs);
        plot_metrics(*files, *metrics_out);
    });

    add_plot_confusion_command(plot);
}

}  // namespace digitnet::cli

// Plots a reader can trust: one colour per run and one line style per split in both panels,
// whole-number epochs, percentages, the legend off the data, a confusion map that shows the
// mistakes.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <tuple>

#include <stb_image.h>

#include "digitnet/error.hpp"
#include "digitnet/plot.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::read_png_rgb;
using digitnet::testing::CliRun;
using digitnet::testing::fresh_dir;
using digitnet::testing::run_cli;
namespace fs = std::filesystem;

namespace {

std::size_t count_colour(const RgbImage& im, Rgb c, int x0 = 0, int y0 = 0, int x1 = -1, int y1 = -1) {
    if (x1 < 0) x1 = static_cast<int>(im.width);
    if (y1 < 0) y1 = static_cast<int>(im.height);
    std::size_t n = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) n += im.get(static_cast<std::size_t>(x), static_cast<std::size_t>(y)) == c;
    return n;
}

// Pixels of colour c in a run of at most `gap` pixels of other colours along row y: a dashed
// line has gaps, a solid one none.
std::size_t longest_gap(const RgbImage& im, Rgb c, std::size_t y, std::size_t x0, std::size_t x1) {
    std::size_t longest = 0, gap = 0;
    bool seen = false;
    for (std::size_t x = x0; x < x1; ++x) {
        if (im.get(x, y) == c) {
            if (seen) longest = std::max(longest, gap);
            seen = true;
            gap = 0;
        } else {
            ++gap;
        }
    }
    return longest;
}

}  // namespace

TEST(PlotTrust, EpochTicksAreWholeNumbersAndAccuracyTicksArePercentages) {
    LinePlot plot{"Accuracy", "epoch", "accuracy", {}, {}, {}};
    plot.series.push_back({"train", {1, 2, 3}, {0.912, 0.945, 0.961}, palette_colour(0), false});
    LinePlotLayout plain, trusted;
    render_line_plot(plot, 640, 480, &plain);
    // Without the options, three epochs get ticks like 1.0, 1.5, 2.0 and fractions 0.91, 0.92.
    EXPECT_NE(std::find(plain.x_tick_labels.begin(), plain.x_tick_labels.end(), "1.5"), plain.x_tick_labels.end());
    plot.integer_x = true;
    plot.percent_y = true;
    render_line_plot(plot, 640, 480, &trusted);
    EXPECT_EQ(trusted.x_tick_labels, (std::vector<std::string>{"1", "2", "3"}));
    ASSERT_FALSE(trusted.y_tick_labels.empty());
    for (const std::string& label : trusted.y_tick_labels) {
        EXPECT_EQ(label.back(), '%') << label;
        EXPECT_GE(std::stod(label), 90.0) << label;
        EXPECT_LE(std::stod(label), 97.0) << label;
    }
    // Thirty epochs: ticks every 5, still whole.
    plot.series[0].x = {};
    plot.series[0].y = {};
    for (int e = 1; e <= 30; ++e) {
        plot.series[0].x.push_back(e);
        plot.series[0].y.push_back(0.9 + 0.002 * e);
    }
    LinePlotLayout thirty;
    render_line_plot(plot, 640, 480, &thirty);
    for (const std::string& label : thirty.x_tick_labels) EXPECT_EQ(label.find('.'), std::string::npos) << label;
}

TEST(PlotTrust, TheLegendBesideThePlotNeverCoversTheData) {
    // Lines through every corner of the plot area: an inside legend must cover some of them.
    LinePlot plot{"", "epoch", "cost", {}, {}, {}};
    for (int k = 0; k < 12; ++k) {
        Series s{"series " + std::to_string(k), {}, {}, palette_colour(static_cast<std::size_t>(k)), false};
        for (int x = 0; x <= 10; ++x) {
            s.x.push_back(x);
            s.y.push_back(k + (x % 2 ? 0.5 : 0.0));
        }
        plot.series.push_back(s);
    }
    LinePlotLayout inside, outside;
    render_line_plot(plot, 640, 480, &inside);
    auto overlaps = [](const PlotBox& a, const PlotBox& b) {
        return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
    };
    EXPECT_TRUE(overlaps(inside.legend, inside.area));
    plot.legend_outside = true;
    const RgbImage im = render_line_plot(plot, 640, 480, &outside);
    ASSERT_FALSE(outside.legend.empty());
    EXPECT_FALSE(overlaps(outside.legend, outside.area));
    EXPECT_GE(outside.legend.x0, outside.area.x1);
    EXPECT_LE(outside.legend.x1, 640);
    // Every series is still drawn in full inside the plot area: each colour appears there.
    for (int k = 0; k < 12; ++k)
        EXPECT_GT(count_colour(im, palette_colour(static_cast<std::size_t>(k)), outside.area.x0, outside.area.y0,
                               outside.area.x1, outside.area.y1),
                  300u)
            << k;
}

TEST(PlotTrust, SolidDashedAndDottedLinesDiffer) {
    LinePlot plot{"", "", "", {}, AxisRange{0, 1}, AxisRange{0, 4}};
    Series solid{"", {0, 1}, {1, 1}, Rgb{200, 0, 0}, false};
    Series dashed{"", {0, 1}, {2, 2}, Rgb{0, 200, 0}, true};
    Series dotted{"", {0, 1}, {3, 3}, Rgb{0, 0, 200}, false, true};
    plot.series = {solid, dashed, dotted};
    LinePlotLayout layout;
    const RgbImage im = render_line_plot(plot, 640, 480, &layout);
    auto row_of = [&](double v) {
        return static_cast<std::size_t>(layout.area.y1 - 1 - v / 4.0 * (layout.area.y1 - layout.area.y0 - 1));
    };
    const std::size_t x0 = static_cast<std::size_t>(layout.area.x0 + 2), x1 = static_cast<std::size_t>(layout.area.x1 - 2);
    const std::size_t solid_n = count_colour(im, solid.colour), dashed_n = count_colour(im, dashed.colour),
                      dotted_n = count_colour(im, dotted.colour);
    EXPECT_EQ(longest_gap(im, solid.colour, row_of(1), x0, x1), 0u);
    EXPECT_GE(longest_gap(im, dashed.colour, row_of(2), x0, x1), 5u);
    EXPECT_GE(longest_gap(im, dotted.colour, row_of(3), x0, x1), 4u);
    EXPECT_GT(solid_n, dashed_n);
    EXPECT_GT(dashed_n, dotted_n);  // 10 of 16 pixels against 3 of 8
    EXPECT_GT(dotted_n, 0u);
}

TEST(PlotTrust, ThirtySeriesGetThirtyColours) {
    std::set<std::tuple<int, int, int>> colours;
    for (std::size_t i = 0; i < 30; ++i) colours.insert({palette_colour(i).r, palette_colour(i).g, palette_colour(i).b});
    EXPECT_EQ(colours.size(), 30u);
    EXPECT_EQ(palette_colour(0), palette_colour(30));
}

TEST(PlotTrust, MetricsGiveEachRunOneColourAndEachSplitOneStyleInBothPanels) {
    std::vector<MetricsCurve> curves;
    for (const char* run : {"a", "b", "c"}) {
        for (const char* split : {"train", "validation", "test"}) {
            MetricsCurve cost{run, split, false, {1, 2, 3}, {0.5, 0.3, 0.2}};
            MetricsCurve accuracy{run, split, true, {1, 2, 3}, {0.90, 0.93, 0.95}};
            if (std::string(split) != "test") curves.push_back(cost);
            curves.push_back(accuracy);
        }
    }
    const RgbImage im = render_metrics(curves);
    ASSERT_EQ(im.width, 1280u);
    for (std::size_t run = 0; run < 3; ++run) {
        EXPECT_GT(count_colour(im, palette_colour(run), 0, 0, 640, 480), 100u) << "cost panel, run " << run;
        EXPECT_GT(count_colour(im, palette_colour(run), 640, 0, 1280, 480), 100u) << "accuracy panel, run " << run;
    }
    for (std::size_t other = 3; other < 10; ++other) EXPECT_EQ(count_colour(im, palette_colour(other)), 0u) << other;
    EXPECT_THROW(render_metrics({}), Error);
}

TEST(PlotTrust, TheConfusionMapScaledWithoutTheDiagonalShowsTheMistakes) {
    std::vector<std::vector<double>> cells(10, std::vector<double>(10, 0.0));
    for (int i = 0; i < 10; ++i) cells[i][i] = 980.0;
    cells[4][9] = 20.0;  // the mistake to see
    cells[7][1] = 5.0;
    const RgbImage plain = render_heatmap(cells, {}, {}, "", "", "");
    HeatmapOptions options;
    options.scale_without_diagonal = true;
    options.colour_bar = true;
    options.colour_bar_label = "mistakes";
    const RgbImage shown = render_heatmap(cells, {}, {}, "", "", "", options);
    // Scaled to 980, the 20 is almost white; scaled to the largest mistake, it is the darkest blue.
    const Rgb darkest = sequential_colour(1.0);
    EXPECT_EQ(count_colour(plain, sequential_colour(20.0 / 980.0)) > 1000, true);
    EXPECT_GT(count_colour(shown, darkest), 1000u);   // the 20's cell (48 x 48 and more) and the bar's top
    EXPECT_GT(count_colour(shown, kHeatmapDiagonal), 10u * 1000u);  // the diagonal in grey
    EXPECT_EQ(count_colour(plain, kHeatmapDiagonal), 0u);
    // The colour bar: wider than the plain map, with the whole colour scale in a column to the right.
    EXPECT_GT(shown.width, plain.width + 40);
    bool bar = false;
    for (std::size_t x = plain.width - 40; x < shown.width && !bar; ++x) {
        std::size_t top = 0, bottom = 0;
        for (std::size_t y = 0; y < shown.height; ++y) {
            top += shown.get(x, y) == darkest;
            bottom += shown.get(x, y) == sequential_colour(0.0);
        }
        bar = top > 0 && bottom > 0;
    }
    EXPECT_TRUE(bar);
}

TEST(PlotMetricsCommand, EachRunKeepsItsColourAndTheEpochAxisIsWhole) {
    const fs::path dir = fresh_dir("plot-trust");
    for (const char* name : {"first", "second"}) {
        std::ofstream f(dir / (std::string(name) + ".jsonl"));
        const double d = name[0] == 'f' ? 0.0 : 0.04;  // the second run lower in cost, higher in accuracy
        for (int e = 1; e <= 3; ++e)
            f << "{\"epoch\":" << e << ",\"train_cost\":" << 0.5 / e - d << ",\"validation_cost\":" << 0.6 / e - d
              << ",\"train_accuracy\":" << 0.9 + 0.01 * e + d << ",\"validation_accuracy\":" << 0.89 + 0.01 * e + d
              << "}\n";
    }
    const fs::path png = dir / "m.png";
    const CliRun r = run_cli("plot metrics " + (dir / "first.jsonl").string() + " " + (dir / "second.jsonl").string() +
                             " -o " + png.string());
    ASSERT_EQ(r.status, 0) << r.err;
    const RgbImage im = read_png_rgb(png);
    ASSERT_EQ(im.width, 1280u);
    // Run 1 in colour 0 and run 2 in colour 1, in both panels; no series took a colour of its own.
    for (std::size_t run = 0; run < 2; ++run) {
        EXPECT_GT(count_colour(im, palette_colour(run), 0, 0, 640, 480), 200u) << run;
        EXPECT_GT(count_colour(im, palette_colour(run), 640, 0, 1280, 480), 200u) << run;
    }
    for (std::size_t other = 2; other < 10; ++other) EXPECT_EQ(count_colour(im, palette_colour(other)), 0u) << other;
    fs::remove_all(dir);
}

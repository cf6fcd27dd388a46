#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <stb_image.h>

#include "digitnet/error.hpp"
#include "digitnet/image.hpp"
#include "digitnet/plot.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::read_png_rgb;
using digitnet::testing::CliRun;
using digitnet::testing::fresh_dir;
using digitnet::testing::run_cli;
namespace fs = std::filesystem;

namespace {

std::size_t distinct_colours(const RgbImage& im) {
    std::set<std::tuple<int, int, int>> colours;
    for (std::size_t i = 0; i < im.width * im.height; ++i) colours.insert({im.rgb[i * 3], im.rgb[i * 3 + 1], im.rgb[i * 3 + 2]});
    return colours.size();
}

double non_white_fraction(const RgbImage& im) {
    std::size_t count = 0;
    for (std::size_t i = 0; i < im.width * im.height; ++i) {
        count += !(im.rgb[i * 3] == 255 && im.rgb[i * 3 + 1] == 255 && im.rgb[i * 3 + 2] == 255);
    }
    return static_cast<double>(count) / static_cast<double>(im.width * im.height);
}

std::size_t pixels_of_colour(const RgbImage& im, Rgb c) {
    std::size_t count = 0;
    for (std::size_t y = 0; y < im.height; ++y) {
        for (std::size_t x = 0; x < im.width; ++x) count += im.get(x, y) == c;
    }
    return count;
}

}  // namespace

TEST(Plot, NiceTicksAreRoundAndCoverTheRange) {
    const auto unit = nice_ticks(0.0, 1.0);
    ASSERT_EQ(unit.size(), 6u);
    EXPECT_DOUBLE_EQ(unit.front(), 0.0);
    EXPECT_NEAR(unit[1], 0.2, 1e-12);
    EXPECT_NEAR(unit.back(), 1.0, 1e-12);

    const auto acc = nice_ticks(0.913, 0.978);
    ASSERT_GE(acc.size(), 3u);
    EXPECT_LE(acc.front(), 0.913);
    EXPECT_GE(acc.back(), 0.978);
    const double step = acc[1] - acc[0];
    EXPECT_NEAR(step, 0.01, 1e-12);
    for (double t : acc) EXPECT_NEAR(t / step, std::round(t / step), 1e-6) << t;

    const auto epochs = nice_ticks(1, 30);
    EXPECT_NEAR(epochs[1] - epochs[0], 5.0, 1e-12);
    EXPECT_DOUBLE_EQ(epochs.back(), 30.0);

    const auto flat = nice_ticks(3.0, 3.0);  // widened
    EXPECT_LT(flat.front(), 3.0);
    EXPECT_GT(flat.back(), 3.0);
    const auto bad = nice_ticks(std::numeric_limits<double>::quiet_NaN(), 1.0);
    EXPECT_GE(bad.size(), 2u);
}

TEST(Plot, LinePlotHasTheSizeAxesSeriesAndText) {
    LinePlot plot;
    plot.title = "Cost";
    plot.x_label = "epoch";
    plot.y_label = "cost";
    Series a{"train", {}, {}, Rgb{214, 39, 40}, false};
    Series b{"validation", {}, {}, Rgb{44, 160, 44}, true};
    for (int e = 1; e <= 30; ++e) {
        a.x.push_back(e);
        a.y.push_back(1.0 / e);
        b.x.push_back(e);
        b.y.push_back(e == 10 ? std::numeric_limits<double>::quiet_NaN() : 1.2 / e);  // a gap
    }
    plot.series = {a, b};
    const RgbImage im = render_line_plot(plot, 640, 480);
    EXPECT_EQ(im.width, 640u);
    EXPECT_EQ(im.height, 480u);
    EXPECT_GT(pixels_of_colour(im, a.colour), 500u);  // a 3-pixel line across the plot
    EXPECT_GT(pixels_of_colour(im, b.colour), 300u);  // dashed
    EXPECT_GT(pixels_of_colour(im, Rgb{0, 0, 0}), 500u);  // text
    EXPECT_GT(distinct_colours(im), 4u);
    // The frame of the plot area is drawn: a dark column left of the plot area spanning
    // most of the height.
    std::size_t longest = 0;
    for (std::size_t x = 0; x < im.width / 3; ++x) {
        std::size_t run = 0;
        for (std::size_t y = 0; y < im.height; ++y) run += im.get(x, y) == Rgb{60, 60, 60};
        longest = std::max(longest, run);
    }
    EXPECT_GT(longest, im.height / 2);
}

TEST(Plot, LinePlotSurvivesEmptyAndExtremeData) {
    LinePlot empty;
    const RgbImage a = render_line_plot(empty, 300, 200);
    EXPECT_EQ(a.width, 300u);
    LinePlot extreme;
    extreme.y_range = AxisRange{0.0, 1.0};
    extreme.series.push_back({"wild", {0, 1, 2, 3}, {1e300, -1e300, 0.5, std::numeric_limits<double>::infinity()},
                              Rgb{1, 2, 3}, false});
    extreme.series.push_back({"one point", {2}, {0.5}, Rgb{4, 5, 6}, false});
    const RgbImage b = render_line_plot(extreme, 400, 300);
    EXPECT_GT(pixels_of_colour(b, Rgb{1, 2, 3}), 10u);
    EXPECT_GT(pixels_of_colour(b, Rgb{4, 5, 6}), 3u);
    EXPECT_THROW(render_line_plot(empty, 10, 10), Error);
}

TEST(Plot, TextIsDrawnAndMeasured) {
    RgbImage im(200, 40);
    draw_text(im, 2, 2, "Accuracy 0.97", Rgb{0, 0, 0}, 2);
    EXPECT_GT(pixels_of_colour(im, Rgb{0, 0, 0}), 100u);
    EXPECT_EQ(text_width("abc", 2), 2 * text_width("abc", 1));
    EXPECT_GT(text_width("abc", 1), 0);
    RgbImage tall(40, 200);
    draw_text_vertical(tall, 2, 2, "cost", Rgb{0, 0, 0}, 2);
    // Rotated text is taller than it is wide.
    std::size_t min_x = 40, max_x = 0, min_y = 200, max_y = 0;
    for (std::size_t y = 0; y < 200; ++y) {
        for (std::size_t x = 0; x < 40; ++x) {
            if (tall.get(x, y) == Rgb{0, 0, 0}) {
                min_x = std::min(min_x, x), max_x = std::max(max_x, x);
                min_y = std::min(min_y, y), max_y = std::max(max_y, y);
            }
        }
    }
    EXPECT_GT(max_y - min_y, max_x - min_x);
    // Non-ASCII text is drawn as '?' rather than read out of bounds.
    RgbImage other(100, 30);
    draw_text(other, 0, 0, "\xc3\xa9\x01", Rgb{0, 0, 0}, 1);
    EXPECT_GT(pixels_of_colour(other, Rgb{0, 0, 0}), 0u);
}

TEST(Plot, HeatmapColoursCellsAndWritesNumbers) {
    std::vector<std::vector<double>> cells(10, std::vector<double>(10, 3.0));
    for (int i = 0; i < 10; ++i) cells[i][i] = 950.0 + i;
    const RgbImage im = render_heatmap(cells, {}, {}, "Confusion", "predicted", "true");
    EXPECT_GT(im.width, 480u);
    EXPECT_GT(im.height, 480u);
    EXPECT_GT(pixels_of_colour(im, sequential_colour(1.0)), 1000u);  // the largest cell
    EXPECT_GT(pixels_of_colour(im, Rgb{255, 255, 255}), 1000u);      // its number, in white
    EXPECT_THROW(render_heatmap({{1, 2}, {3}}, {}, {}, "", "", ""), Error);
    EXPECT_THROW(render_heatmap({}, {}, {}, "", "", ""), Error);
}

TEST(Plot, TilesUseADivergingColourMapCentredOnZero) {
    std::vector<std::vector<float>> tiles(3, std::vector<float>(28 * 28, 0.0f));
    tiles[0][0] = 1.0f;
    tiles[0][1] = -1.0f;
    tiles[2][5] = -0.5f;
    const RgbImage im = render_tiles(tiles, 28, 28, 2, true, {"unit 0", "unit 1", "unit 2"}, "Weights", 3);
    EXPECT_GT(pixels_of_colour(im, diverging_colour(1.0)), 8u);
    EXPECT_GT(pixels_of_colour(im, diverging_colour(-1.0)), 17u);  // tile 2 scales -0.5 to -1
    EXPECT_EQ(diverging_colour(0.0), (Rgb{255, 255, 255}));
    EXPECT_GT(im.width, 2u * 84u);
    EXPECT_GT(im.height, 2u * 84u);
    EXPECT_THROW(render_tiles(tiles, 28, 27, 2, true, {}), Error);
    EXPECT_THROW(render_tiles(tiles, 28, 28, 2, true, {"only one"}), Error);
}

TEST(Plot, ConcatenationPlacesFiguresSideBySide) {
    const RgbImage a(10, 20, Rgb{1, 1, 1}), b(30, 5, Rgb{2, 2, 2});
    const RgbImage h = hconcat({a, b});
    EXPECT_EQ(h.width, 40u);
    EXPECT_EQ(h.height, 20u);
    EXPECT_EQ(h.get(9, 19), (Rgb{1, 1, 1}));
    EXPECT_EQ(h.get(10, 0), (Rgb{2, 2, 2}));
    EXPECT_EQ(h.get(10, 10), (Rgb{255, 255, 255}));
    const RgbImage v = vconcat({a, b});
    EXPECT_EQ(v.width, 30u);
    EXPECT_EQ(v.height, 25u);
    EXPECT_EQ(v.get(0, 24), (Rgb{2, 2, 2}));
}

TEST(PlotCommand, ActivationsFigureDecodesAndIsNotBlank) {
    const fs::path dir = fresh_dir("plot-activations");
    const fs::path png = dir / "act.png";
    const CliRun r = run_cli("plot activations -o " + png.string());
    ASSERT_EQ(r.status, 0) << r.err;
    const RgbImage im = read_png_rgb(png);
    ASSERT_FALSE(im.rgb.empty());
    EXPECT_EQ(im.width, 1280u);
    EXPECT_EQ(im.height, 480u);
    EXPECT_GT(distinct_colours(im), 6u);
    EXPECT_GT(non_white_fraction(im), 0.03);
    for (std::size_t i = 0; i < 4; ++i) EXPECT_GT(pixels_of_colour(im, palette_colour(i)), 200u) << i;
    fs::remove_all(dir);
}

TEST(PlotCommand, MetricsFromSeveralFilesAreOverlaid) {
    const fs::path dir = fresh_dir("plot-metrics");
    {
        std::ofstream a(dir / "run-a.jsonl");
        std::ofstream b(dir / "run-b.jsonl");
        for (int e = 1; e <= 10; ++e) {
            a << "{\"epoch\":" << e << ",\"train_cost\":" << 1.0 / e << ",\"train_accuracy\":" << 0.9 + 0.008 * e
              << ",\"validation_accuracy\":" << 0.89 + 0.007 * e << ",\"validation_cost\":" << 1.1 / e
              << ",\"seconds\":1.5}\n";
            b << "{\"epoch\":" << e << ",\"train_cost\":" << 0.8 / e << ",\"test_accuracy\":"
              << (e == 3 ? std::string("null") : std::to_string(0.85 + 0.01 * e)) << "}\n";
        }
        b << "\n";  // a blank line is skipped
    }
    const fs::path png = dir / "curves.png";
    const CliRun r = run_cli("plot metrics " + (dir / "run-a.jsonl").string() + " " + (dir / "run-b.jsonl").string() +
                             " -o " + png.string());
    ASSERT_EQ(r.status, 0) << r.err;
    const RgbImage im = read_png_rgb(png);
    ASSERT_FALSE(im.rgb.empty());
    EXPECT_EQ(im.width, 1280u);
    EXPECT_EQ(im.height, 480u);
    EXPECT_GT(distinct_colours(im), 6u);
    // Each run has one colour, the same in both panels (run-a's four curves, run-b's two); no third colour.
    for (std::size_t i = 0; i < 2; ++i) EXPECT_GT(pixels_of_colour(im, palette_colour(i)), 50u) << i;
    EXPECT_EQ(pixels_of_colour(im, palette_colour(2)), 0u);
    fs::remove_all(dir);
}

TEST(PlotCommand, MalformedMetricsLineIsNamed) {
    const fs::path dir = fresh_dir("plot-metrics_bad");
    {
        std::ofstream f(dir / "bad.jsonl");
        f << "{\"epoch\":1,\"train_cost\":0.5}\n{\"epoch\":2,\"train_cost\":0.4}\n{\"epoch\":3,\"train_cost\":0.3\n";
        std::ofstream g(dir / "wrongtype.jsonl");
        g << "{\"epoch\":1,\"train_cost\":\"low\"}\n";
    }
    const CliRun r = run_cli("plot metrics " + (dir / "bad.jsonl").string() + " -o " + (dir / "x.png").string());
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("bad.jsonl:3"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "x.png"));
    const CliRun t =
        run_cli("plot metrics " + (dir / "wrongtype.jsonl").string() + " -o " + (dir / "x.png").string());
    EXPECT_NE(t.status, 0);
    EXPECT_NE(t.err.find("wrongtype.jsonl:1"), std::string::npos) << t.err;
    EXPECT_NE(t.err.find("train_cost"), std::string::npos) << t.err;
    const CliRun m = run_cli("plot metrics " + (dir / "missing.jsonl").string());
    EXPECT_NE(m.status, 0);
    EXPECT_NE(m.err.find("missing.jsonl"), std::string::npos) << m.err;
    fs::remove_all(dir);
}

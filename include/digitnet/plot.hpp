#pragma once
// A small plotting library drawing into RgbImage: line plots with axes, "nice" ticks,
// labels, title and legend; heat maps (confusion matrices); grids of image tiles; and
// side-by-side composition of several figures. Text uses stb_easy_font's bitmap glyphs
// drawn at 2x (printable ASCII; other characters are shown as '?').
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "digitnet/image.hpp"

namespace digitnet {

struct Series {
    std::string label;
    std::vector<double> x, y;    // points (x[i], y[i]); non-finite points break the line
    Rgb colour{31, 119, 180};
    bool dashed = false;  // 10 pixels on, 6 off
    bool dotted = false;  // 3 pixels on, 5 off (when not dashed)
};

struct AxisRange {
    double lo = 0.0, hi = 1.0;
};

struct LinePlot {
    std::string title, x_label, y_label;
    std::vector<Series> series;
    std::optional<AxisRange> x_range;  // default: the data's range widened to round ticks
    std::optional<AxisRange> y_range;
    bool integer_x = false;       // x ticks on whole numbers only (epochs): a step of at least 1
    bool percent_y = false;       // y values are fractions, their ticks read as percentages (0.95 -> "95%")
    bool legend_outside = false;  // the legend beside the plot area, never over the data
};

// Where render_line_plot put things, in pixels of the image ([x0, x1) x [y0, y1)).
struct PlotBox {
    int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    bool empty() const { return x1 <= x0 || y1 <= y0; }
};
struct LinePlotLayout {
    PlotBox area;    // the plot area, its frame included
    PlotBox legend;  // empty when no series has a label
    std::vector<double> x_ticks, y_ticks;
    std::vector<std::string> x_tick_labels, y_tick_labels;
};

// A distinct colour for series number i: a ten-colour qualitative palette, then the same ten
// darker (i = 10..19) and lighter (20..29), so that 30 series never share a colour; repeating after.
Rgb palette_colour(std::size_t i);

// Round tick positions covering [lo, hi]: a step of 1, 2 or 5 times a power of ten chosen
// so that about `target` ticks (at least 2) fall in the range; the first tick is <= lo and
// the last >= hi. lo == hi is widened first.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

// width x height pixels (each at least 200 x 150). Series with a label and no points appear
// in the legend only (e.g. "train" for every solid line). `layout`, when given, receives
// where the plot area, the legend and the ticks went.
RgbImage render_line_plot(const LinePlot& plot, int width, int height, LinePlotLayout* layout = nullptr);

// A heat map of cells[row][col] (e.g. a confusion matrix: rows = true class, columns =
// predicted class) on a white-to-blue colour map from 0 to the largest cell, with each
// cell's number written in it (integers when all cells are integers, else 2 decimals).
// row_labels / col_labels may be empty (then 0, 1, 2, ...).
struct HeatmapOptions {
    // Colours scaled to the largest cell OFF the diagonal, so that a confusion matrix shows its
    // mistakes (a 980 on the diagonal no longer makes a 20 look white); diagonal cells are then
    // drawn in grey with their numbers.
    bool scale_without_diagonal = false;
    bool colour_bar = false;       // a colour bar beside the grid, from 0 to the top of the scale
    std::string colour_bar_label;  // written beside the bar, e.g. "mistakes"
};
RgbImage render_heatmap(const std::vector<std::vector<double>>& cells, const std::vector<std::string>& row_labels,
                        const std::vector<std::string>& col_labels, const std::string& title,
                        const std::string& x_label, const std::string& y_label, const HeatmapOptions& options = {});

// The grey of the diagonal cells when HeatmapOptions::scale_without_diagonal is set.
inline constexpr Rgb kHeatmapDiagonal{215, 215, 215};

// One curve of a training run's metrics, for render_metrics.
struct MetricsCurve {
    std::string run;    // the run's name (e.g. the file's stem); "" when there is one run
    std::string split;  // "train", "validation" or "test"
    bool accuracy = false;       // an accuracy (a fraction) rather than a cost
    std::vector<double> epoch, value;
};
// Cost per epoch beside accuracy per epoch. Each run has one colour (palette_colour of its
// place among the runs, the same in both panels), each split one line style (train solid,
// validation dashed, test dotted); epochs are ticked on whole numbers, accuracy in per cent,
// and the legend sits beside each plot area, off the data. Throws Error when `curves` is empty.
RgbImage render_metrics(const std::vector<MetricsCurve>& curves, int panel_width = 640, int panel_height = 480);

// Tiles of tile_rows x tile_cols values (row-major), `columns` tiles per row, each pixel
// drawn as a `pixel_scale` square (0 = choose so a tile is about 84 pixels wide).
// diverging: blue (negative) - white (0) - red (positive), each tile scaled by its own
// max |v|; otherwise greyscale from the tile's min (black) to max (white).
// captions (may be empty, else one per tile) are written under the tiles.
RgbImage render_tiles(const std::vector<std::vector<float>>& tiles, std::size_t tile_rows, std::size_t tile_cols,
                      std::size_t columns, bool diverging, const std::vector<std::string>& captions,
                      const std::string& title = "", int pixel_scale = 0);

// Figures side by side (top-aligned) or stacked (left-aligned), on a white background.
RgbImage hconcat(const std::vector<RgbImage>& images);
RgbImage vconcat(const std::vector<RgbImage>& images);

// Colour maps: t in [0, 1] -> white to dark blue; t in [-1, 1] -> blue, white at 0, red.
Rgb sequential_colour(double t);
Rgb diverging_colour(double t);

// Text drawing, exposed for figures built by hand. `scale` multiplies stb_easy_font's
// glyphs (about 6 x 8 pixels per character at scale 1).
int text_width(std::string_view text, int scale);
int text_height(int scale);
void draw_text(RgbImage& image, int x, int y, std::string_view text, Rgb colour, int scale);
// Rotated 90 degrees counter-clockwise (reads bottom to top); (x, y) is the top-left of
// the rotated text's box.
void draw_text_vertical(RgbImage& image, int x, int y, std::string_view text, Rgb colour, int scale);
void fill_rect(RgbImage& image, int x0, int y0, int x1, int y1, Rgb colour);  // [x0, x1) x [y0, y1), clipped

}  // namespace digitnet

// Plots drawn pixel by pixel into an RgbImage (see plot.hpp).
#include "digitnet/plot.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "digitnet/error.hpp"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#endif
#include <stb_easy_font.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace digitnet {

namespace {

constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kBlack{0, 0, 0};
constexpr Rgb kGrid{225, 225, 225};
constexpr Rgb kFrame{60, 60, 60};
constexpr Rgb kLegendBorder{160, 160, 160};

constexpr int kTextScale = 2;   // tick labels, axis labels, legend
constexpr int kTitleScale = 3;  // titles
constexpr int kLineWidth = 3;   // series lines, in pixels

struct Rect {
    int x0, y0, x1, y1;  // [x0, x1) x [y0, y1)
    int width() const { return x1 - x0; }
    int height() const { return y1 - y0; }
};

// stb_easy_font covers printable ASCII only; anything else is drawn as '?'.
std::string printable(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c < 32 || c > 126) c = '?';
    }
    return out;
}

// The glyph quads of `text` at scale 1, origin at its top-left: {x0, y0, x1, y1} each.
std::vector<std::array<float, 4>> glyph_quads(std::string_view text) {
    std::string s = printable(text);
    std::vector<char> buffer(s.size() * 1024 + 64);  // a glyph uses at most ~15 quads of 64 bytes
    const int quads = stb_easy_font_print(0.0f, 0.0f, s.data(), nullptr, buffer.data(), static_cast<int>(buffer.size()));
    std::vector<std::array<float, 4>> out;
    out.reserve(static_cast<std::size_t>(quads));
    for (int q = 0; q < quads; ++q) {
        // Four vertices of 16 bytes each: x, y, z as floats, then 4 colour bytes.
        float x0 = std::numeric_limits<float>::max(), y0 = x0, x1 = -x0, y1 = -x0;
        for (int v = 0; v < 4; ++v) {
            float xy[2];
            std::memcpy(xy, buffer.data() + (q * 4 + v) * 16, sizeof xy);
            x0 = std::min(x0, xy[0]);
            x1 = std::max(x1, xy[0]);
            y0 = std::min(y0, xy[1]);
            y1 = std::max(y1, xy[1]);
        }
        out.push_back({x0, y0, x1, y1});
    }
    return out;
}

void blend_pixel(RgbImage& image, int x, int y, Rgb colour) {
    if (x < 0 || y < 0 || x >= static_cast<int>(image.width) || y >= static_cast<int>(image.height)) return;
    image.set(static_cast<std::size_t>(x), static_cast<std::size_t>(y), colour);
}

// How a line is drawn: solid, or `on` pixels drawn out of every `period` along it.
struct Dashes {
    double on = 0.0, period = 0.0;  // period 0: solid
};
constexpr Dashes kSolid{};
constexpr Dashes kDashed{10.0, 16.0};
constexpr Dashes kDotted{3.0, 8.0};
Dashes dashes_of(const Series& s) { return s.dashed ? kDashed : s.dotted ? kDotted : kSolid; }

// Series lines: a polyline of kLineWidth-pixel squares, clipped to `clip`, solid, dashed
// (10 pixels on, 6 off) or dotted (3 on, 5 off). `drawn` marks the pixels covered (for
// placing the legend).
class Pen {
public:
    Pen(RgbImage& image, Rect clip, std::vector<bool>& drawn) : image_(image), clip_(clip), drawn_(drawn) {}

    void line(double x0, double y0, double x1, double y1, Rgb colour, Dashes dashes) {
        const double length = std::hypot(x1 - x0, y1 - y0);
        const double start = travelled_;
        travelled_ += length;
        if (!clip_segment(x0, y0, x1, y1)) return;
        const double clipped = std::hypot(x1 - x0, y1 - y0);
        const int steps = std::max(1, static_cast<int>(std::ceil(std::max(std::fabs(x1 - x0), std::fabs(y1 - y0)))));
        for (int k = 0; k <= steps; ++k) {
            const double t = static_cast<double>(k) / steps;
            if (dashes.period > 0.0 && std::fmod(start + t * clipped, dashes.period) >= dashes.on) continue;
            stamp(x0 + t * (x1 - x0), y0 + t * (y1 - y0), colour);
        }
    }
    void lift() { travelled_ = 0.0; }

private:
    void stamp(double x, double y, Rgb colour) {
        const int cx = static_cast<int>(std::lround(x - (kLineWidth - 1) / 2.0));
        const int cy = static_cast<int>(std::lround(y - (kLineWidth - 1) / 2.0));
        for (int dy = 0; dy < kLineWidth; ++dy) {
            for (int dx = 0; dx < kLineWidth; ++dx) {
                const int px = cx + dx, py = cy + dy;
                if (px < clip_.x0 || py < clip_.y0 || px >= clip_.x1 || py >= clip_.y1) continue;
                image_.set(static_cast<std::size_t>(px), static_cast<std::size_t>(py), colour);
                drawn_[static_cast<std::size_t>(py) * image_.width + static_cast<std::size_t>(px)] = true;
            }
        }
    }

    // Liang-Barsky: keep the part of the segment inside clip_; false when none is.
    bool clip_segment(double& x0, double& y0, double& x1, double& y1) const {
        const double dx = x1 - x0, dy = y1 - y0;
        double t0 = 0.0, t1 = 1.0;
        const double p[4] = {-dx, dx, -dy, dy};
        const double q[4] = {x0 - clip_.x0, clip_.x1 - 1 - x0, y0 - clip_.y0, clip_.y1 - 1 - y0};
        for (int i = 0; i < 4; ++i) {
            if (p[i] == 0.0) {
                if (q[i] < 0.0) return false;
            } else {
                const double r = q[i] / p[i];
                if (p[i] < 0.0) t0 = std::max(t0, r);
                else t1 = std::min(t1, r);
            }
        }
        if (t0 > t1) return false;
        const double ax = x0 + t0 * dx, ay = y0 + t0 * dy;
        x1 = x0 + t1 * dx;
        y1 = y0 + t1 * dy;
        x0 = ax;
        y0 = ay;
        return true;
    }

    RgbImage& image_;
    Rect clip_;
    std::vector<bool>& drawn_;
    double travelled_ = 0.0;
};

// Tick label text: as many decimals as the step needs (step 0.02 -> "0.94").
std::string tick_label(double value, double step) {
    const int decimals = std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 10);
    if (std::fabs(value) < step * 1e-6) value = 0.0;  // no "-0.0"
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

// A y tick as a percentage: 0.95 -> "95%" (0.955 with a step of 0.005 -> "95.5%").
std::string percent_tick_label(double value, double step) { return tick_label(100.0 * value, 100.0 * step) + "%"; }

AxisRange data_range(const std::vector<Series>& series, bool along_x) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const Series& s : series) {
        const std::size_t n = std::min(s.x.size(), s.y.size());
        for (std::size_t i = 0; i < n; ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
            const double v = along_x ? s.x[i] : s.y[i];
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    }
    if (!(lo <= hi)) return {0.0, 1.0};
    return {lo, hi};
}

// The axis range and its ticks: a given range keeps its ends (ticks inside it), a data
// range is widened to the outermost nice ticks.
struct Axis {
    AxisRange range;
    std::vector<double> ticks;
    double step = 1.0;
};

// integers: ticks on whole numbers only (a step of at least 1).
Axis make_axis(const std::optional<AxisRange>& given, AxisRange data, bool integers = false) {
    Axis axis;
    const AxisRange wanted = given ? *given : data;
    axis.ticks = nice_ticks(wanted.lo, wanted.hi);
    axis.step = axis.ticks.size() > 1 ? axis.ticks[1] - axis.ticks[0] : 1.0;
    if (integers && axis.step < 1.0) {
        // 1..3 epochs: ticks 1, 2, 3 rather than 1.0, 1.5, ... (a lone epoch gets a tick either side)
        double lo = std::floor(wanted.lo), hi = std::ceil(wanted.hi);
        if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0.0, hi = 1.0;
        if (hi <= lo) lo -= 1.0, hi += 1.0;
        axis.ticks.clear();
        for (double t = lo; t <= hi + 0.5; t += 1.0) axis.ticks.push_back(t);
        axis.step = 1.0;
    }
    if (given && given->lo < given->hi && std::isfinite(given->lo) && std::isfinite(given->hi)) {
        axis.range = *given;
        const double eps = axis.step * 1e-9;
        std::erase_if(axis.ticks, [&](double t) { return t < given->lo - eps || t > given->hi + eps; });
    } else {
        axis.range = {axis.ticks.front(), axis.ticks.back()};
    }
    return axis;
}

Rgb lerp(Rgb a, Rgb b, double t) {
    t = std::clamp(t, 0.0, 1.0);
    auto mix = [t](std::uint8_t u, std::uint8_t v) {
        return static_cast<std::uint8_t>(std::lround(u + (static_cast<double>(v) - u) * t));
    };
    return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

double luminance(Rgb c) { return (0.299 * c.r + 0.587 * c.g + 0.114 * c.b) / 255.0; }

void draw_frame(RgbImage& image, Rect r, Rgb colour) {
    fill_rect(image, r.x0, r.y0, r.x1, r.y0 + 1, colour);
    fill_rect(image, r.x0, r.y1 - 1, r.x1, r.y1, colour);
    fill_rect(image, r.x0, r.y0, r.x0 + 1, r.y1, colour);
    fill_rect(image, r.x1 - 1, r.y0, r.x1, r.y1, colour);
}

void draw_text_centred(RgbImage& image, int centre_x, int y, std::string_view text, Rgb colour, int scale) {
    draw_text(image, centre_x - text_width(text, scale) / 2, y, text, colour, scale);
}

// The largest scale (2 or 1) at which `text` fits `width` pixels.
int fitting_scale(std::string_view text, int width) { return text_width(text, 2) <= width ? 2 : 1; }

}  // namespace

Rgb palette_colour(std::size_t i) {
    static constexpr Rgb kPalette[] = {{31, 119, 180}, {214, 39, 40},  {44, 160, 44},  {255, 127, 14},
                                       {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127},
                                       {188, 189, 34},  {23, 190, 207}};
    const Rgb base = kPalette[i % 10];
    switch (i / 10 % 3) {
        case 1: return lerp(base, kBlack, 0.45);  // the same hues, darker
        case 2: return lerp(base, kWhite, 0.45);  // and lighter
        default: return base;
    }
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
    if (!std::isfinite(lo) || !std::isfinite(hi)) {
        lo = 0.0;
        hi = 1.0;
    }
    if (lo > hi) std::swap(lo, hi);
    if (hi - lo < 1e-12 * std::max(1.0, std::fabs(lo))) {
        const double pad = lo == 0.0 ? 1.0 : std::fabs(lo) * 0.1;
        lo -= pad;
        hi += pad;
    }
    target = std::max(target, 2);
    // step = 1, 2 or 5 x 10^k, whichever is nearest to (hi - lo) / target
    const double rough = (hi - lo) / target;
    const double magnitude = std::pow(10.0, std::floor(std::log10(rough)));
    const double norm = rough / magnitude;
    const double step = (norm < 1.5 ? 1.0 : norm < 3.0 ? 2.0 : norm < 7.0 ? 5.0 : 10.0) * magnitude;
    const double first = std::floor(lo / step + 1e-9) * step;
    const double last = std::ceil(hi / step - 1e-9) * step;
    const long count = std::clamp(std::lround((last - first) / step), 1L, 1000L);
    std::vector<double> ticks;
    for (long k = 0; k <= count; ++k) ticks.push_back(first + static_cast<double>(k) * step);
    return ticks;
}

int text_width(std::string_view text, int scale) {
    std::string s = printable(text);
    return stb_easy_font_width(s.data()) * scale;
}

int text_height(int scale) { return 10 * scale; }

void fill_rect(RgbImage& image, int x0, int y0, int x1, int y1, Rgb colour) {
    x0 = std::max(x0, 0);
    y0 = std::max(y0, 0);
    x1 = std::min(x1, static_cast<int>(image.width));
    y1 = std::min(y1, static_cast<int>(image.height));
    for (int y = y0; y < y1; ++y) {
        for (int x = x0; x < x1; ++x) image.set(static_cast<std::size_t>(x), static_cast<std::size_t>(y), colour);
    }
}

void draw_text(RgbImage& image, int x, int y, std::string_view text, Rgb colour, int scale) {
    for (const auto& q : glyph_quads(text)) {
        fill_rect(image, x + static_cast<int>(q[0]) * scale, y + static_cast<int>(q[1]) * scale,
                  x + static_cast<int>(q[2]) * scale, y + static_cast<int>(q[3]) * scale, colour);
    }
}

void draw_text_vertical(RgbImage& image, int x, int y, std::string_view text, Rgb colour, int scale) {
    // Glyph point (u, v) goes to (x + v, y + width - u): rotated a quarter turn anticlockwise.
    const int width = text_width(text, scale);
    for (const auto& q : glyph_quads(text)) {
        const int u0 = static_cast<int>(q[0]) * scale, u1 = static_cast<int>(q[2]) * scale;
        const int v0 = static_cast<int>(q[1]) * scale, v1 = static_cast<int>(q[3]) * scale;
        for (int v = v0; v < v1; ++v) {
            for (int u = u0; u < u1; ++u) blend_pixel(image, x + v, y + width - 1 - u, colour);
        }
    }
}

RgbImage render_line_plot(const LinePlot& plot, int width, int height, LinePlotLayout* layout) {
    if (width < 200 || height < 150 || width > 8000 || height > 8000) {
        throw Error("plot: expected a size of 200..8000 x 150..8000 pixels, found " + std::to_string(width) + "x" +
                    std::to_string(height));
    }
    RgbImage image(static_cast<std::size_t>(width), static_cast<std::size_t>(height), kWhite);
    const Axis xa = make_axis(plot.x_range, data_range(plot.series, true), plot.integer_x);
    const Axis ya = make_axis(plot.y_range, data_range(plot.series, false));

    std::vector<std::string> x_tick_text, y_tick_text;
    for (double t : xa.ticks) x_tick_text.push_back(tick_label(t, xa.step));
    int y_tick_width = 0;
    for (double t : ya.ticks) {
        y_tick_text.push_back(plot.percent_y ? percent_tick_label(t, ya.step) : tick_label(t, ya.step));
        y_tick_width = std::max(y_tick_width, text_width(y_tick_text.back(), kTextScale));
    }
    const int text_h = text_height(kTextScale);
    const int pad = 10, tick = 6;

    // The legend's entries and box size.
    std::vector<const Series*> entries;
    for (const Series& s : plot.series) {
        if (!s.label.empty()) entries.push_back(&s);
    }
    const int sample = 36, row_h = text_h + 6, inner = 8, margin = 8;
    int legend_w = 0, legend_h = 0;
    if (!entries.empty()) {
        int label_w = 0;
        for (const Series* s : entries) label_w = std::max(label_w, text_width(s->label, kTextScale));
        legend_w = inner * 3 + sample + label_w;
        legend_h = inner * 2 + row_h * static_cast<int>(entries.size()) - 6;
    }
    // Beside the plot area: at most half the figure's width.
    const bool outside = plot.legend_outside && !entries.empty();
    if (outside) legend_w = std::min(legend_w, width / 2);

    const int top = pad + (plot.title.empty() ? 8 : text_height(kTitleScale) + pad);
    const int left = pad + (plot.y_label.empty() ? 0 : text_h + pad) + y_tick_width + tick + 4;
    const int bottom = pad + tick + 4 + text_h + (plot.x_label.empty() ? 0 : text_h + pad);
    const int right = outside ? legend_w + 2 * margin : 24;
    const Rect area{left, top, width - right, height - bottom};
    if (area.width() < 40 || area.height() < 40) {
        throw Error("plot: " + std::to_string(width) + "x" + std::to_string(height) +
                    " pixels leave no room for the plot area; expected a larger size");
    }
    auto px = [&](double x) {
        return area.x0 + (x - xa.range.lo) / (xa.range.hi - xa.range.lo) * (area.width() - 1);
    };
    auto py = [&](double y) {
        return area.y1 - 1 - (y - ya.range.lo) / (ya.range.hi - ya.range.lo) * (area.height() - 1);
    };

    // Grid, ticks and tick labels.
    for (std::size_t i = 0; i < xa.ticks.size(); ++i) {
        const int x = static_cast<int>(std::lround(px(xa.ticks[i])));
        fill_rect(image, x, area.y0, x + 1, area.y1, kGrid);
        fill_rect(image, x, area.y1, x + 1, area.y1 + tick, kFrame);
        draw_text_centred(image, x, area.y1 + tick + 4, x_tick_text[i], kBlack, kTextScale);
    }
    for (std::size_t i = 0; i < ya.ticks.size(); ++i) {
        const int y = static_cast<int>(std::lround(py(ya.ticks[i])));
        fill_rect(image, area.x0, y, area.x1, y + 1, kGrid);
        fill_rect(image, area.x0 - tick, y, area.x0, y + 1, kFrame);
        draw_text(image, area.x0 - tick - 4 - text_width(y_tick_text[i], kTextScale), y - text_h * 4 / 10,
                  y_tick_text[i], kBlack, kTextScale);
    }

    // The series.
    std::vector<bool> drawn(image.width * image.height, false);
    Pen pen(image, {area.x0 + 1, area.y0 + 1, area.x1 - 1, area.y1 - 1}, drawn);
    for (const Series& s : plot.series) {
        pen.lift();
        const std::size_t n = std::min(s.x.size(), s.y.size());
        auto usable = [&s, n](std::size_t i) { return i < n && std::isfinite(s.x[i]) && std::isfinite(s.y[i]); };
        bool have_previous = false;
        double prev_x = 0.0, prev_y = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            if (!usable(i)) {
                have_previous = false;
                continue;
            }
            const double x = px(s.x[i]), y = py(s.y[i]);
            if (have_previous) pen.line(prev_x, prev_y, x, y, s.colour, dashes_of(s));
            else if (!usable(i + 1)) pen.line(x, y, x, y, s.colour, kSolid);  // an isolated point
            prev_x = x;
            prev_y = y;
            have_previous = true;
        }
    }
    draw_frame(image, area, kFrame);

    // Labels and title.
    if (!plot.x_label.empty()) {
        draw_text_centred(image, (area.x0 + area.x1) / 2, area.y1 + tick + 4 + text_h + pad, plot.x_label, kBlack,
                          kTextScale);
    }
    if (!plot.y_label.empty()) {
        const int w = text_width(plot.y_label, kTextScale);
        draw_text_vertical(image, pad, (area.y0 + area.y1) / 2 - w / 2, plot.y_label, kBlack, kTextScale);
    }
    if (!plot.title.empty()) {
        const int scale = text_width(plot.title, kTitleScale) <= width - 2 * pad ? kTitleScale : kTextScale;
        // Centred over the plot area, moved in as far as needed to stay inside the figure.
        const int w = text_width(plot.title, scale);
        draw_text(image, std::clamp((area.x0 + area.x1) / 2 - w / 2, pad, std::max(pad, width - pad - w)), pad,
                  plot.title, kBlack, scale);
    }

    // Legend: beside the plot area (legend_outside), or in the corner of the plot area that
    // covers the fewest drawn line pixels.
    Rect best{0, 0, 0, 0};
    if (outside) {
        best = {area.x1 + margin, area.y0, area.x1 + margin + legend_w, std::min(area.y0 + legend_h, height - 1)};
    } else if (!entries.empty()) {
        const int box_w = std::min(area.width() - 8, legend_w);
        const int box_h = std::min(area.height() - 8, legend_h);
        const Rect corners[4] = {
            {area.x1 - margin - box_w, area.y0 + margin, area.x1 - margin, area.y0 + margin + box_h},
            {area.x1 - margin - box_w, area.y1 - margin - box_h, area.x1 - margin, area.y1 - margin},
            {area.x0 + margin, area.y0 + margin, area.x0 + margin + box_w, area.y0 + margin + box_h},
            {area.x0 + margin, area.y1 - margin - box_h, area.x0 + margin + box_w, area.y1 - margin},
        };
        best = corners[0];
        long fewest = std::numeric_limits<long>::max();
        for (const Rect& r : corners) {
            long covered = 0;
            for (int y = std::max(r.y0, 0); y < r.y1; ++y) {
                for (int x = std::max(r.x0, 0); x < r.x1; ++x) {
                    covered += drawn[static_cast<std::size_t>(y) * image.width + static_cast<std::size_t>(x)];
                }
            }
            if (covered < fewest) {
                fewest = covered;
                best = r;
            }
        }
    }
    if (!entries.empty()) {
        fill_rect(image, best.x0, best.y0, best.x1, best.y1, kWhite);
        draw_frame(image, best, kLegendBorder);
        std::vector<bool> legend_drawn(image.width * image.height, false);
        Pen legend_pen(image, best, legend_drawn);
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const int y = best.y0 + inner + static_cast<int>(i) * row_h;
            const double mid = y + text_h * 0.4;
            legend_pen.lift();
            legend_pen.line(best.x0 + inner, mid, best.x0 + inner + sample, mid, entries[i]->colour,
                            dashes_of(*entries[i]));
            // Text that would not fit the box is cut at its edge.
            RgbImage label(static_cast<std::size_t>(text_width(entries[i]->label, kTextScale) + 1),
                           static_cast<std::size_t>(text_h), kWhite);
            draw_text(label, 0, 0, entries[i]->label, kBlack, kTextScale);
            const int x0 = best.x0 + inner * 2 + sample;
            for (int ly = 0; ly < static_cast<int>(label.height); ++ly)
                for (int lx = 0; lx < static_cast<int>(label.width) && x0 + lx < best.x1 - 2; ++lx)
                    if (label.get(static_cast<std::size_t>(lx), static_cast<std::size_t>(ly)) == kBlack)
                        blend_pixel(image, x0 + lx, y + ly, kBlack);
        }
    }
    if (layout) {
        layout->area = {area.x0, area.y0, area.x1, area.y1};
        layout->legend = entries.empty() ? PlotBox{} : PlotBox{best.x0, best.y0, best.x1, best.y1};
        layout->x_ticks = xa.ticks;
        layout->y_ticks = ya.ticks;
        layout->x_tick_labels = x_tick_text;
        layout->y_tick_labels = y_tick_text;
    }
    return image;
}

Rgb sequential_colour(double t) {
    // White to dark blue through light and mid blue (after ColorBrewer "Blues").
    static constexpr Rgb kStops[] = {{247, 251, 255}, {198, 219, 239}, {107, 174, 214}, {33, 113, 181}, {8, 48, 107}};
    if (!std::isfinite(t)) t = 0.0;
    t = std::clamp(t, 0.0, 1.0) * 4.0;
    const int i = std::min(3, static_cast<int>(t));
    return lerp(kStops[i], kStops[i + 1], t - i);
}

Rgb diverging_colour(double t) {
    if (!std::isfinite(t)) t = 0.0;
    t = std::clamp(t, -1.0, 1.0);
    return t < 0.0 ? lerp(kWhite, Rgb{33, 102, 172}, -t) : lerp(kWhite, Rgb{178, 24, 43}, t);
}

RgbImage render_heatmap(const std::vector<std::vector<double>>& cells, const std::vector<std::string>& row_labels,
                        const std::vector<std::string>& col_labels, const std::string& title,
                        const std::string& x_label, const std::string& y_label, const HeatmapOptions& options) {
    const std::size_t rows = cells.size();
    const std::size_t cols = rows ? cells[0].size() : 0;
    if (rows == 0 || cols == 0 || rows > 200 || cols > 200) {
        throw Error("heat map: expected 1..200 rows and columns, found " + std::to_string(rows) + "x" +
                    std::to_string(cols));
    }
    for (std::size_t r = 0; r < rows; ++r) {
        if (cells[r].size() != cols) {
            throw Error("heat map: expected " + std::to_string(cols) + " cells in row " + std::to_string(r) +
                        ", found " + std::to_string(cells[r].size()));
        }
    }
    auto label = [](const std::vector<std::string>& labels, std::size_t i) {
        return i < labels.size() ? labels[i] : std::to_string(i);
    };
    // The top of the colour scale: the largest cell, or the largest off the diagonal.
    const bool skip_diagonal = options.scale_without_diagonal && rows == cols;
    double peak = 0.0;
    bool integers = true;
    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cols; ++c) {
            const double v = cells[r][c];
            if (std::isfinite(v) && !(skip_diagonal && r == c)) peak = std::max(peak, v);
            if (!std::isfinite(v) || v != std::floor(v)) integers = false;
        }
    }
    auto cell_text = [integers](double v) {
        char buffer[64];
        if (!std::isfinite(v)) return std::string("-");
        std::snprintf(buffer, sizeof buffer, integers ? "%.0f" : "%.2f", v);
        return std::string(buffer);
    };
    int widest_number = 0;
    for (const auto& row : cells) {
        for (double v : row) widest_number = std::max(widest_number, text_width(cell_text(v), 1));
    }
    const int cell = std::clamp(widest_number * 2 + 12, 48, 120);
    const int text_h = text_height(kTextScale), pad = 12;
    int row_label_w = 0;
    for (std::size_t r = 0; r < rows; ++r) row_label_w = std::max(row_label_w, text_width(label(row_labels, r), kTextScale));
    int col_label_w = 0;
    for (std::size_t c = 0; c < cols; ++c) col_label_w = std::max(col_label_w, text_width(label(col_labels, c), kTextScale));
    const bool vertical_cols = col_label_w > cell - 4;  // long column labels are written upwards
    const int col_label_h = vertical_cols ? col_label_w : text_h;

    const int left = pad + (y_label.empty() ? 0 : text_h + pad) + row_label_w + 8;
    const int top = pad + (title.empty() ? 0 : text_height(kTitleScale) + pad);
    const int grid_w = cell * static_cast<int>(cols), grid_h = cell * static_cast<int>(rows);
    // The colour bar: a column of the colour map beside the grid, ticked 0 .. peak.
    const int bar_gap = 24, bar_w = 24;
    const std::vector<double> bar_ticks = nice_ticks(0.0, peak > 0.0 ? peak : 1.0, 5);
    const double bar_step = bar_ticks.size() > 1 ? bar_ticks[1] - bar_ticks[0] : 1.0;
    int bar_text_w = 0;
    if (options.colour_bar) {
        for (double t : bar_ticks)
            if (t <= peak * (1 + 1e-9) || peak <= 0.0) bar_text_w = std::max(bar_text_w, text_width(tick_label(t, bar_step), kTextScale));
        if (!options.colour_bar_label.empty()) bar_text_w += pad + text_h;
    }
    const int bar_total = options.colour_bar ? bar_gap + bar_w + 9 + bar_text_w + pad : 0;
    const int width = std::max(left + grid_w + bar_total + pad * 2, text_width(title, kTitleScale) + 2 * pad);
    const int height = top + grid_h + 8 + col_label_h + (x_label.empty() ? 0 : pad + text_h) + pad;
    RgbImage image(static_cast<std::size_t>(width), static_cast<std::size_t>(height), kWhite);

    for (std::size_t r = 0; r < rows; ++r) {
        for (std::size_t c = 0; c < cols; ++c) {
            const double v = cells[r][c];
            const Rgb colour = skip_diagonal && r == c ? kHeatmapDiagonal : sequential_colour(peak > 0.0 ? v / peak : 0.0);
            const int x0 = left + static_cast<int>(c) * cell, y0 = top + static_cast<int>(r) * cell;
            fill_rect(image, x0, y0, x0 + cell, y0 + cell, colour);
            const std::string text = cell_text(v);
            const int scale = fitting_scale(text, cell - 6);
            draw_text_centred(image, x0 + cell / 2, y0 + cell / 2 - text_height(scale) * 4 / 10, text,
                              luminance(colour) < 0.5 ? kWhite : kBlack, scale);
        }
        const std::string text = label(row_labels, r);
        draw_text(image, left - 8 - text_width(text, kTextScale), top + static_cast<int>(r) * cell + cell / 2 - text_h * 4 / 10,
                  text, kBlack, kTextScale);
    }
    draw_frame(image, {left, top, left + grid_w, top + grid_h}, kFrame);
    for (std::size_t c = 0; c < cols; ++c) {
        const std::string text = label(col_labels, c);
        const int centre = left + static_cast<int>(c) * cell + cell / 2;
        if (vertical_cols) {
            draw_text_vertical(image, centre - text_h * 4 / 10, top + grid_h + 8 + col_label_w - text_width(text, kTextScale),
                               text, kBlack, kTextScale);
        } else {
            draw_text_centred(image, centre, top + grid_h + 8, text, kBlack, kTextScale);
        }
    }
    if (!x_label.empty()) {
        draw_text_centred(image, left + grid_w / 2, top + grid_h + 8 + col_label_h + pad, x_label, kBlack, kTextScale);
    }
    if (!y_label.empty()) {
        draw_text_vertical(image, pad, top + grid_h / 2 - text_width(y_label, kTextScale) / 2, y_label, kBlack,
                           kTextScale);
    }
    if (options.colour_bar) {
        const int x0 = left + grid_w + bar_gap;
        const double top_value = peak > 0.0 ? peak : 1.0;
        for (int y = 0; y < grid_h; ++y) {
            const double t = 1.0 - static_cast<double>(y) / std::max(1, grid_h - 1);
            fill_rect(image, x0, top + y, x0 + bar_w, top + y + 1, sequential_colour(t));
        }
        draw_frame(image, {x0, top, x0 + bar_w, top + grid_h}, kFrame);
        for (double t : bar_ticks) {
            if (t > top_value * (1 + 1e-9)) continue;
            const int y = top + static_cast<int>(std::lround((1.0 - t / top_value) * (grid_h - 1)));
            fill_rect(image, x0 + bar_w, y, x0 + bar_w + 5, y + 1, kFrame);
            draw_text(image, x0 + bar_w + 9, y - text_h * 4 / 10, tick_label(t, bar_step), kBlack, kTextScale);
        }
        if (!options.colour_bar_label.empty()) {
            const int w = text_width(options.colour_bar_label, kTextScale);
            draw_text_vertical(image, x0 + bar_w + 9 + bar_text_w - text_h, top + grid_h / 2 - w / 2,
                               options.colour_bar_label, kBlack, kTextScale);
        }
    }
    if (!title.empty()) draw_text_centred(image, width / 2, pad, title, kBlack, kTitleScale);
    return image;
}

RgbImage render_tiles(const std::vector<std::vector<float>>& tiles, std::size_t tile_rows, std::size_t tile_cols,
                      std::size_t columns, bool diverging, const std::vector<std::string>& captions,
                      const std::string& title, int pixel_scale) {
    if (tiles.empty() || tile_rows == 0 || tile_cols == 0 || tile_rows > 1024 || tile_cols > 1024 || tiles.size() > 10000) {
        throw Error("tiles: expected 1..10000 tiles of 1..1024 x 1..1024 values, found " + std::to_string(tiles.size()) +
                    " of " + std::to_string(tile_rows) + "x" + std::to_string(tile_cols));
    }
    for (std::size_t i = 0; i < tiles.size(); ++i) {
        if (tiles[i].size() != tile_rows * tile_cols) {
            throw Error("tiles: expected " + std::to_string(tile_rows * tile_cols) + " values in tile " +
                        std::to_string(i) + ", found " + std::to_string(tiles[i].size()));
        }
    }
    if (!captions.empty() && captions.size() != tiles.size()) {
        throw Error("tiles: expected no captions or one per tile (" + std::to_string(tiles.size()) + "), found " +
                    std::to_string(captions.size()));
    }
    if (pixel_scale < 0 || pixel_scale > 64) {
        throw Error("tiles: expected a pixel scale of 0..64, found " + std::to_string(pixel_scale));
    }
    const int scale = pixel_scale > 0 ? pixel_scale : std::max(1, 84 / static_cast<int>(tile_cols));
    columns = std::clamp<std::size_t>(columns, 1, tiles.size());
    const std::size_t grid_rows = (tiles.size() + columns - 1) / columns;
    const int tile_w = scale * static_cast<int>(tile_cols), tile_h = scale * static_cast<int>(tile_rows);
    int caption_scale = 2;
    for (const std::string& c : captions) caption_scale = std::min(caption_scale, fitting_scale(c, tile_w + 8));
    const int caption_h = captions.empty() ? 0 : text_height(caption_scale) + 4;
    const int gap = 10, pad = 12;
    const int top = pad + (title.empty() ? 0 : text_height(kTitleScale) + pad);
    const int cell_w = tile_w + gap, cell_h = tile_h + caption_h + gap;
    const int width = std::max(2 * pad + cell_w * static_cast<int>(columns) - gap,
                               text_width(title, kTitleScale) + 2 * pad);
    const int height = top + cell_h * static_cast<int>(grid_rows) - gap + pad;
    RgbImage image(static_cast<std::size_t>(width), static_cast<std::size_t>(height), kWhite);

    for (std::size_t t = 0; t < tiles.size(); ++t) {
        const std::vector<float>& v = tiles[t];
        float lo = std::numeric_limits<float>::infinity(), hi = -lo, extent = 0.0f;
        for (float x : v) {
            if (!std::isfinite(x)) continue;
            lo = std::min(lo, x);
            hi = std::max(hi, x);
            extent = std::max(extent, std::fabs(x));
        }
        const int x0 = pad + static_cast<int>(t % columns) * cell_w;
        const int y0 = top + static_cast<int>(t / columns) * cell_h;
        for (std::size_t r = 0; r < tile_rows; ++r) {
            for (std::size_t c = 0; c < tile_cols; ++c) {
                const float x = v[r * tile_cols + c];
                Rgb colour;
                if (diverging) {
                    colour = diverging_colour(extent > 0.0f ? x / extent : 0.0);
                } else {
                    const double g = hi > lo ? (x - lo) / (hi - lo) : (std::isfinite(x) ? 0.5 : 0.0);
                    colour = lerp(kBlack, kWhite, g);
                }
                fill_rect(image, x0 + static_cast<int>(c) * scale, y0 + static_cast<int>(r) * scale,
                          x0 + static_cast<int>(c + 1) * scale, y0 + static_cast<int>(r + 1) * scale, colour);
            }
        }
        draw_frame(image, {x0 - 1, y0 - 1, x0 + tile_w + 1, y0 + tile_h + 1}, kLegendBorder);
        if (!captions.empty()) {
            draw_text_centred(image, x0 + tile_w / 2, y0 + tile_h + 4, captions[t], kBlack, caption_scale);
        }
    }
    if (!title.empty()) draw_text_centred(image, width / 2, pad, title, kBlack, kTitleScale);
    return image;
}

RgbImage hconcat(const std::vector<RgbImage>& images) {
    std::size_t width = 0, height = 0;
    for (const RgbImage& im : images) {
        width += im.width;
        height = std::max(height, im.height);
    }
    RgbImage out(width, height, kWhite);
    std::size_t x0 = 0;
    for (const RgbImage& im : images) {
        for (std::size_t y = 0; y < im.height; ++y) {
            std::copy_n(im.rgb.data() + y * im.width * 3, im.width * 3, out.rgb.data() + (y * width + x0) * 3);
        }
        x0 += im.width;
    }
    return out;
}

RgbImage vconcat(const std::vector<RgbImage>& images) {
    std::size_t width = 0, height = 0;
    for (const RgbImage& im : images) {
        width = std::max(width, im.width);
        height += im.height;
    }
    RgbImage out(width, height, kWhite);
    std::size_t y0 = 0;
    for (const RgbImage& im : images) {
        for (std::size_t y = 0; y < im.height; ++y) {
            std::copy_n(im.rgb.data() + y * im.width * 3, im.width * 3, out.rgb.data() + (y0 + y) * width * 3);
        }
        y0 += im.height;
    }
    return out;
}

}  // namespace digitnet

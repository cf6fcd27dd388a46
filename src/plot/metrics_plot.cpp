// Cost and accuracy per epoch of one or more training runs (see render_metrics in plot.hpp).
#include <algorithm>
#include <string>
#include <vector>

#include "digitnet/error.hpp"
#include "digitnet/plot.hpp"

namespace digitnet {

namespace {

// One line style per split: train solid, validation dashed, test dotted.
void set_style(Series& s, const std::string& split) {
    s.dashed = split == "validation";
    s.dotted = split == "test";
}

constexpr Rgb kStyleKey{90, 90, 90};  // the colour of the legend's line-style entries

}  // namespace

RgbImage render_metrics(const std::vector<MetricsCurve>& curves, int panel_width, int panel_height) {
    if (curves.empty()) throw Error("metrics plot: expected at least one curve, found none");
    // The runs in the order they first appear: run k is drawn in palette_colour(k).
    std::vector<std::string> runs, splits;
    for (const MetricsCurve& c : curves) {
        if (std::find(runs.begin(), runs.end(), c.run) == runs.end()) runs.push_back(c.run);
        if (std::find(splits.begin(), splits.end(), c.split) == splits.end()) splits.push_back(c.split);
    }
    // The legend lists the splits in their usual order, whatever order the curves came in.
    auto rank = [](const std::string& split) { return split == "train" ? 0 : split == "validation" ? 1 : split == "test" ? 2 : 3; };
    std::stable_sort(splits.begin(), splits.end(), [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
    auto colour_of = [&runs](const std::string& run) {
        return palette_colour(static_cast<std::size_t>(std::find(runs.begin(), runs.end(), run) - runs.begin()));
    };
    LinePlot cost{"Cost per epoch", "epoch", "cost", {}, {}, {}};
    LinePlot accuracy{"Accuracy per epoch", "epoch", "accuracy", {}, {}, {}};
    for (LinePlot* p : {&cost, &accuracy}) {
        p->integer_x = true;
        p->legend_outside = true;
    }
    accuracy.percent_y = true;
    const bool one_run = runs.size() == 1;
    for (const MetricsCurve& c : curves) {
        // One run: the lines are labelled by split. Several: the legend has one entry per run
        // (its colour) and one per split (its line style), added below.
        Series s{one_run ? c.split : "", c.epoch, c.value, colour_of(c.run), false};
        set_style(s, c.split);
        (c.accuracy ? accuracy : cost).series.push_back(std::move(s));
    }
    if (!one_run) {
        for (LinePlot* p : {&cost, &accuracy}) {
            for (const std::string& run : runs) p->series.push_back({run, {}, {}, colour_of(run), false});
            for (const std::string& split : splits) {
                Series key{split, {}, {}, kStyleKey, false};
                set_style(key, split);
                p->series.push_back(std::move(key));
            }
        }
    }
    return hconcat({render_line_plot(cost, panel_width, panel_height),
                    render_line_plot(accuracy, panel_width, panel_height)});
}

}  // namespace digitnet

// Gradient descent seen twice: a ball rolling down a valley, and batch, mini-batch and
// stochastic gradient descent side by side (see descent.hpp).
#include "digitnet/descent.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numbers>
#include <numeric>
#include <span>

#include "digitnet/cost.hpp"
#include "digitnet/error.hpp"
#include "digitnet/plot.hpp"

namespace digitnet {

// ---- 1. the ball ----

double valley_cost(double k, double v1, double v2) { return 0.5 * (v1 * v1 + k * v2 * v2); }

BallPath roll_ball(const BallOptions& o) {
    if (o.steps < 1 || o.steps > 100000) throw Error("--ball-steps: expected 1..100000, found " + std::to_string(o.steps));
    if (!(o.learning_rate > 0.0) || !std::isfinite(o.learning_rate))
        throw Error("--ball-lr: expected a positive learning rate, found " + std::to_string(o.learning_rate));
    if (!(o.steepness > 0.0) || !std::isfinite(o.steepness) || !std::isfinite(o.v1) || !std::isfinite(o.v2))
        throw Error("ball: expected a positive steepness and a finite start");
    BallPath path;
    path.options = o;
    double v1 = o.v1, v2 = o.v2;
    for (std::size_t step = 0;; ++step) {
        path.v1.push_back(v1);
        path.v2.push_back(v2);
        path.cost.push_back(valley_cost(o.steepness, v1, v2));
        if (step == o.steps) break;
        // ∇C = (∂C/∂v1, ∂C/∂v2) = (v1, k v2);  v ← v − η ∇C
        const double g1 = v1, g2 = o.steepness * v2;
        v1 -= o.learning_rate * g1;
        v2 -= o.learning_rate * g2;
    }
    return path;
}

// ---- 2. batch sizes ----

namespace {

std::string run_name(std::size_t batch_size, std::size_t n) {
    if (batch_size == 0 || batch_size >= n) return "batch (all " + std::to_string(n) + ")";
    if (batch_size == 1) return "stochastic (1)";
    return "mini-batch " + std::to_string(batch_size);
}

// w ← w − η ∂C/∂w and b ← b − η ∂C/∂b for every layer: plain gradient descent.
void step_downhill(Network& network, float eta) {
    for (DenseLayer& layer : network.layers) {
        float* w = layer.weights.data();
        const float* gw = layer.grad_weights.data();
        for (std::size_t i = 0; i < layer.weights.size(); ++i) w[i] -= eta * gw[i];
        if (!layer.use_bias) continue;
        float* b = layer.biases.data();
        const float* gb = layer.grad_biases.data();
        for (std::size_t i = 0; i < layer.biases.size(); ++i) b[i] -= eta * gb[i];
    }
}

struct Watched {
    double w1, w2;
};
Watched watched_weights(const Network& network) {
    const DenseLayer& out = network.layers.back();
    if (out.n_in() > 1) return {out.weights(0, 0), out.weights(0, 1)};
    return {out.weights(0, 0), out.use_bias && !out.biases.empty() ? out.biases(0, 0) : 0.0f};  // one input: w and b
}

DescentRun run_descent(const BatchComparisonOptions& o, const Dataset& train, std::size_t batch_size,
                       const Matrix& x_all, const Matrix& y_all) {
    const std::size_t n = train.size();
    const std::size_t m = batch_size == 0 || batch_size > n ? n : batch_size;
    DescentRun run;
    run.name = run_name(batch_size, n);
    run.batch_size = m;
    run.steps_per_epoch = (n + m - 1) / m;

    // The same starting weights for every run: the same seed, the same draws.
    Network network(o.architecture);
    Rng rng(o.seed);
    network.initialize(o.init, rng);
    std::vector<int> predicted;
    auto measure = [&] {
        run.epoch_cost.push_back(network.cost(x_all, y_all));
        network.classes(network.layers.back().a, predicted);
        std::size_t correct = 0;
        for (std::size_t i = 0; i < n; ++i) correct += predicted[i] == network.label_class(train.labels[i]);
        run.epoch_accuracy.push_back(static_cast<double>(correct) / static_cast<double>(n));
    };
    auto watch = [&] {
        const Watched w = watched_weights(network);
        run.w1.push_back(w.w1);
        run.w2.push_back(w.w2);
    };
    measure();
    watch();

    const auto start = std::chrono::steady_clock::now();
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    Matrix x, y;
    for (std::size_t epoch = 0; epoch < o.epochs; ++epoch) {
        if (m < n) rng.shuffle(order);  // a new order of the examples every epoch
        for (std::size_t begin = 0; begin < n; begin += m) {
            const std::size_t count = std::min(m, n - begin);
            double cost = 0.0;
            if (m == n) {
                cost = network.backprop(x_all, y_all);  // every example, every step
            } else {
                network.encode_batch(train.images, train.labels, std::span(order).subspan(begin, count), x, y);
                cost = network.backprop(x, y);
            }
            run.step_cost.push_back(cost);
            step_downhill(network, o.learning_rate);
            watch();
        }
        measure();
    }
    run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return run;
}

}  // namespace

BatchComparison compare_batch_sizes(const BatchComparisonOptions& o, const Dataset& train) {
    if (o.epochs < 1 || o.epochs > 1000) throw Error("--epochs: expected 1..1000, found " + std::to_string(o.epochs));
    if (!(o.learning_rate > 0.0f) || !std::isfinite(o.learning_rate))
        throw Error("--lr: expected a positive learning rate, found " + std::to_string(o.learning_rate));
    if (train.size() == 0) throw Error("--train-size: expected some training examples, found none");
    if (train.size() > 20000)
        throw Error("--train-size: the demonstration trains one network per batch size; expected at most 20000 "
                    "examples, found " + std::to_string(train.size()));
    if (o.batch_sizes.empty()) throw Error("--batches: expected at least one batch size");
    if (o.architecture.batch_norm) throw Error("--batch-norm: the demonstration uses plain gradient descent");
    if (o.architecture.sizes.front() != train.features())
        throw Error("--layers: the network takes " + std::to_string(o.architecture.sizes.front()) +
                    " inputs but the data's images have " + std::to_string(train.features()) + " pixels");
    if (o.architecture.encoding.target_digit < 0 && o.architecture.sizes.back() != 10)
        throw Error("--layers: a digit classifier needs 10 outputs, found " + std::to_string(o.architecture.sizes.back()));
    BatchComparison result;
    result.options = o;
    result.examples = train.size();
    // Every example's encoded input and target, for full-batch steps and the per-epoch cost.
    Network encoder(o.architecture);
    std::vector<std::uint32_t> all(train.size());
    std::iota(all.begin(), all.end(), 0u);
    Matrix x_all, y_all;
    encoder.encode_batch(train.images, train.labels, all, x_all, y_all);
    for (std::size_t b : o.batch_sizes) result.runs.push_back(run_descent(o, train, b, x_all, y_all));
    return result;
}

double step_noise(const DescentRun& run) {
    const std::size_t n = run.steps_per_epoch;
    if (n < 2 || run.step_cost.size() < n) return 0.0;
    const auto last = run.step_cost.end() - static_cast<std::ptrdiff_t>(n);
    double change = 0.0, level = 0.0;
    for (auto it = last; it != run.step_cost.end(); ++it) {
        level += *it;
        if (it != last) change += std::fabs(*it - *(it - 1));
    }
    level /= static_cast<double>(n);
    change /= static_cast<double>(n - 1);
    return level > 0.0 ? change / level : 0.0;
}

double uphill_fraction(const DescentRun& run) {
    const std::vector<double>& c = run.step_cost;
    if (c.size() < 2) return 0.0;
    std::size_t up = 0;
    for (std::size_t i = 1; i < c.size(); ++i) up += c[i] > c[i - 1];
    return static_cast<double>(up) / static_cast<double>(c.size() - 1);
}

// ---- the figure ----

namespace {

constexpr int kPanelW = 760, kPanelH = 480;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr Rgb kContour{170, 190, 215};

RgbImage ball_panel(const BallPath& ball) {
    const double k = ball.options.steepness;
    LinePlot plot;
    char title[160];
    std::snprintf(title, sizeof title, "A ball rolling down C = (v1^2 + %g v2^2)/2, eta %g", k, ball.options.learning_rate);
    plot.title = title;
    plot.x_label = "v1";
    plot.y_label = "v2";
    const double reach = std::max(std::fabs(ball.options.v1), std::sqrt(k) * std::fabs(ball.options.v2));
    plot.x_range = AxisRange{-1.1 * reach, 1.1 * reach};
    plot.y_range = AxisRange{-1.1 * reach / std::sqrt(k) * 1.4, 1.1 * reach / std::sqrt(k) * 1.4};
    // Contours C = c: the ellipses v1 = √(2c) cos t, v2 = √(2c/k) sin t.
    Series contours{"", {}, {}, kContour, false};
    const double top = ball.cost.front() * 1.6;
    for (int level = 1; level <= 8; ++level) {
        const double c = top * (level / 8.0) * (level / 8.0);
        for (int i = 0; i <= 180; ++i) {
            const double t = 2.0 * std::numbers::pi * i / 180.0;
            contours.x.push_back(std::sqrt(2.0 * c) * std::cos(t));
            contours.y.push_back(std::sqrt(2.0 * c / k) * std::sin(t));
        }
        contours.x.push_back(kNaN);
        contours.y.push_back(kNaN);
    }
    Series path{"path of the ball", ball.v1, ball.v2, palette_colour(1), false};
    Series steps{"", {}, {}, Rgb{0, 0, 0}, false};  // a dot at each step
    for (std::size_t i = 0; i < ball.v1.size(); ++i) {
        steps.x.insert(steps.x.end(), {ball.v1[i], kNaN});
        steps.y.insert(steps.y.end(), {ball.v2[i], kNaN});
    }
    Series key{"cost contours", {}, {}, kContour, false};
    plot.series = {contours, path, steps, key};
    plot.legend_outside = true;
    return render_line_plot(plot, kPanelW, kPanelH);
}

// Stochastic first, so that the smoother runs are drawn over its noise.
std::vector<std::size_t> noisiest_first(const BatchComparison& c) {
    std::vector<std::size_t> order(c.runs.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return c.runs[a].batch_size < c.runs[b].batch_size; });
    return order;
}

RgbImage step_cost_panel(const BatchComparison& c) {
    LinePlot plot{"Cost of each step's examples", "epoch", "cost", {}, std::nullopt, std::nullopt};
    double top = 0.0;
    for (const DescentRun& r : c.runs) top = std::max(top, r.epoch_cost.front());
    plot.y_range = AxisRange{0.0, top * 1.5};
    plot.x_range = AxisRange{0.0, static_cast<double>(c.options.epochs)};
    for (std::size_t i : noisiest_first(c)) {
        const DescentRun& r = c.runs[i];
        Series s{r.name + ", " + std::to_string(r.step_cost.size()) + " steps", {}, r.step_cost, palette_colour(i), false};
        for (std::size_t k = 0; k < r.step_cost.size(); ++k)
            s.x.push_back(static_cast<double>(k) / static_cast<double>(r.steps_per_epoch));  // before step k's update
        plot.series.push_back(std::move(s));
    }
    plot.legend_outside = true;
    return render_line_plot(plot, kPanelW, kPanelH);
}

RgbImage epoch_cost_panel(const BatchComparison& c) {
    LinePlot plot{"Cost on all training examples, per epoch", "epoch", "cost", {}, std::nullopt, std::nullopt};
    plot.integer_x = true;
    for (std::size_t i = 0; i < c.runs.size(); ++i) {
        const DescentRun& r = c.runs[i];
        Series s{r.name, {}, r.epoch_cost, palette_colour(i), false};
        for (std::size_t e = 0; e < r.epoch_cost.size(); ++e) s.x.push_back(static_cast<double>(e));
        plot.series.push_back(std::move(s));
    }
    plot.legend_outside = true;
    return render_line_plot(plot, kPanelW, kPanelH);
}

RgbImage weight_path_panel(const BatchComparison& c) {
    LinePlot plot{"Two weights' paths: the drunk walk", "output weight w(0,0)", "output weight w(0,1)", {}, std::nullopt,
                  std::nullopt};
    for (std::size_t i : noisiest_first(c)) {
        const DescentRun& r = c.runs[i];
        plot.series.push_back({r.name, r.w1, r.w2, palette_colour(i), false});
    }
    if (!c.runs.empty()) {  // the common start
        plot.series.push_back({"start", {c.runs[0].w1.front()}, {c.runs[0].w2.front()}, Rgb{0, 0, 0}, false});
    }
    plot.legend_outside = true;
    return render_line_plot(plot, kPanelW, kPanelH);
}

}  // namespace

RgbImage draw_descent(const BallPath& ball, const BatchComparison& comparison) {
    if (comparison.runs.empty()) throw Error("descent figure: expected at least one run, found none");
    return vconcat({hconcat({ball_panel(ball), step_cost_panel(comparison)}),
                    hconcat({epoch_cost_panel(comparison), weight_path_panel(comparison)})});
}

}  // namespace digitnet

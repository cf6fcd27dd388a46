// digitnet gradcheck: backpropagation against numerical gradients on a small random network.
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "digitnet/error.hpp"
#include "digitnet/gradcheck.hpp"
#include "digitnet/gradient_timing.hpp"
#include "digitnet/train_config.hpp"
#include "number_options.hpp"
#include "usage.hpp"

namespace digitnet::cli {

namespace {

struct GradcheckOptions {
    std::string net;
    std::string input_shape = "1x8x8";
    std::string layers = "5,4,3";
    std::string activation = "sigmoid";
    std::string output_activation = "sigmoid";
    std::string cost = "quadratic";
    std::size_t batch = 4;
    std::uint64_t seed = 1;
    double step = 1e-3;  // h of the central difference
    double tolerance = 1e-2;
    bool timings = false;
};

std::string duration(double seconds) {
    char buf[64];
    if (seconds < 1e-3) std::snprintf(buf, sizeof buf, "%.1f us", seconds * 1e6);
    else if (seconds < 1.0) std::snprintf(buf, sizeof buf, "%.1f ms", seconds * 1e3);
    else if (seconds < 120.0) std::snprintf(buf, sizeof buf, "%.1f s", seconds);
    else if (seconds < 7200.0) std::snprintf(buf, sizeof buf, "%.0f minutes", seconds / 60.0);
    else if (seconds < 172800.0) std::snprintf(buf, sizeof buf, "%.0f hours", seconds / 3600.0);
    else std::snprintf(buf, sizeof buf, "%.0f days", seconds / 86400.0);
    return buf;
}

void print_timings(const std::string& what, const GradientTimings& t) {
    std::printf("  %s: %zu parameters, %zu example%s\n", what.c_str(), t.parameters, t.examples, t.examples == 1 ? "" : "s");
    std::printf("    numerical gradient: %s (%zu evaluations of the cost, two per parameter)\n",
                duration(t.numerical_seconds).c_str(), t.cost_evaluations);
    std::printf("    backpropagation:    %s (one forward and one backward pass)\n", duration(t.backprop_seconds).c_str());
    std::printf("    numerical is %.0f times slower\n", t.times_slower());
}

// Saito's point (seed 004), measured: the numerical gradient is far too slow to train with.
void run_timings(const Network& checked, const Matrix& x, const Matrix& y, const GradcheckOptions& o) {
    std::printf("\ntimings: both ways of finding every dC/dw\n");
    Network small = checked;
    print_timings("this network, " + small.architecture().describe(), time_gradients(small, x, y, o.step));
    // 3Blue1Brown's 784-16-16-10 on one example with MNIST-like input values.
    Architecture a;
    a.sizes = {784, 16, 16, 10};
    Network big(a);
    Rng rng(o.seed);
    big.initialize(Init::scaled_normal, rng);
    Matrix bx(1, 784), by(1, 10);
    for (float& v : bx) v = rng.uniform() < 0.2 ? static_cast<float>(rng.uniform()) : 0.0f;
    by(0, rng.below(10)) = 1.0f;
    const GradientTimings t = time_gradients(big, bx, by, o.step);
    print_timings("3Blue1Brown's network, 784-16-16-10", t);
    // One epoch of MNIST's 60,000 examples: the numerical gradient's cost grows with the
    // examples; one backprop per example is an upper bound for backprop (mini-batches are faster).
    std::printf("  one epoch of 60,000 examples would take about %s with numerical gradients, %s by backpropagation\n",
                duration(60000.0 * t.numerical_seconds).c_str(), duration(60000.0 * t.backprop_seconds).c_str());
}

ImageShape parse_input_shape(const std::string& text) {
    std::size_t c = 0, r = 0, w = 0;
    char extra = 0;
    if (std::sscanf(text.c_str(), "%zux%zux%zu%c", &c, &r, &w, &extra) != 3 || c == 0 || r == 0 || w == 0 || c > 16 ||
        r > 32 || w > 32)
        throw UsageError("--input-shape: expected CHANNELSxROWSxCOLS, each at least 1 (at most 16x32x32), found '" + text + "'");
    return {c, r, w};
}

// A --net network on random images: every trained tensor against central differences.
void run_net_gradcheck(const GradcheckOptions& o, bool cost_given) {
    Architecture a;
    a.net = o.net;
    a.input = parse_input_shape(o.input_shape);
    Network network = as_usage([&] {
        a.cost = parse_cost(o.cost);
        if (!cost_given && net_output_activation(plan_net(o.net, a.input)) == Activation::softmax)
            a.cost = Cost::log_likelihood;
        apply_net(a);
        return Network(a);
    });
    if (network.parameter_count() > 20000)
        throw UsageError("--net: gradcheck takes two cost evaluations per parameter; use a small network (found " +
                         std::to_string(network.parameter_count()) + " parameters)");
    Rng rng(o.seed);
    network.initialize(Init::xavier, rng);
    Matrix x(o.batch, a.input.size()), y(o.batch, network.output_size());
    for (float& v : x) v = static_cast<float>(rng.uniform());
    for (std::size_t r = 0; r < o.batch; ++r) y(r, rng.below(network.output_size())) = 1.0f;
    const auto result = check_tensor_gradients(network, x, y, o.step);
    std::printf("gradcheck %s on %s images, batch %zu, step h %g\n", a.describe().c_str(), a.input.describe().c_str(),
                o.batch, o.step);
    std::printf("  %-20s  max relative error\n", "tensor");
    double worst = 0.0;
    for (const auto& r : result) {
        std::printf("  %-20s  %.2e\n", r.name.c_str(), r.max_relative_error);
        worst = std::max(worst, r.max_relative_error);
    }
    const bool ok = worst < o.tolerance;
    std::printf("%s: largest relative error %.2e (tolerance %.0e)\n", ok ? "ok" : "FAILED", worst, o.tolerance);
    if (!ok) throw Error("gradcheck: backpropagation disagrees with the numerical gradient");
}

void run_gradcheck(const GradcheckOptions& o) {
    Architecture a;
    as_usage([&] {
        a.sizes = parse_layer_sizes(o.layers);
        a.hidden = parse_activation(o.activation, "--activation");
        a.output = parse_activation(o.output_activation, "--output-activation");
        a.cost = parse_cost(o.cost);
        check_cost_output_flags(a);
    });
    if (a.sizes.size() > 6 || a.sizes.front() > 64)
        throw UsageError("--layers: gradcheck takes one cost evaluation per parameter; use a small network (found " +
                         o.layers + ")");
    Network network = as_usage([&] { return Network(a); });
    Rng rng(o.seed);
    network.initialize(Init::xavier, rng);
    // Random inputs in [0, 1] and targets: one-hot rows for probability outputs, else random values.
    Matrix x(o.batch, a.sizes.front()), y(o.batch, a.sizes.back());
    for (float& v : x) v = static_cast<float>(rng.uniform());
    for (std::size_t r = 0; r < o.batch; ++r) y(r, rng.below(a.sizes.back())) = 1.0f;
    const Network untouched = network;
    const auto result = check_gradients(network, x, y, o.step);
    std::printf("gradcheck %s, batch %zu, step h %g\n", a.describe().c_str(), o.batch, o.step);
    std::printf("  layer  max relative error (weights)  (biases)\n");
    double worst = 0.0;
    for (std::size_t l = 0; l < result.size(); ++l) {
        std::printf("  %5zu  %28.2e  %8.2e\n", l + 1, result[l].max_relative_error_weights,
                    result[l].max_relative_error_biases);
        worst = std::max(worst, result[l].max_relative_error());
    }
    const bool ok = worst < o.tolerance;
    std::printf("%s: largest relative error %.2e (tolerance %.0e)\n", ok ? "ok" : "FAILED", worst, o.tolerance);
    if (o.timings) run_timings(untouched, x, y, o);
    if (!ok) throw Error("gradcheck: backpropagation disagrees with the numerical gradient");
}

}  // namespace

void add_gradcheck_command(CLI::App& app) {
    auto o = std::make_shared<GradcheckOptions>();
    auto* cmd = app.add_subcommand(
        "gradcheck", "Compare backpropagation with numerical gradients (central differences) on a small network");
    cmd->add_option("--net", o->net, "check this network instead (train --help gives the words), on random images")
        ->excludes(cmd->add_option("--layers", o->layers, "layer sizes of the small network")->capture_default_str());
    cmd->add_option("--input-shape", o->input_shape, "the images' shape for --net, CHANNELSxROWSxCOLS")
        ->capture_default_str();
    cmd->add_option("--activation", o->activation, "hidden activation: sigmoid, tanh, relu or identity")
        ->capture_default_str();
    cmd->add_option("--output-activation", o->output_activation,
                    "output activation: sigmoid, softmax, identity, tanh or relu")
        ->capture_default_str();
    cmd->add_option("--cost", o->cost, "cost: quadratic, cross-entropy or log-likelihood")->capture_default_str();
    cmd->add_option("--batch", o->batch, "examples in the batch the gradients are averaged over")
        ->transform(whole_number(1, 256))
        ->capture_default_str();
    cmd->add_option("--seed", o->seed, "seed for the weights and the data")->transform(whole_number())->capture_default_str();
    cmd->add_option("--step", o->step, "h of the central difference (C(w + h) - C(w - h)) / 2h")
        ->transform(real_number(between(1e-6, 1e-1)))
        ->capture_default_str();
    cmd->add_option("--tolerance", o->tolerance, "largest relative error that passes")
        ->transform(real_number(positive()))
        ->capture_default_str();
    cmd->add_flag("--timings", o->timings,
                  "also time the numerical gradient against backpropagation, here and on 784-16-16-10 (Saito's "
                  "point: numerical gradients are slow)");
    cmd->callback([o, cmd] {
        if (cmd->count("--net")) run_net_gradcheck(*o, cmd->count("--cost") > 0);
        else run_gradcheck(*o);
    });
}

}  // namespace digitnet::cli

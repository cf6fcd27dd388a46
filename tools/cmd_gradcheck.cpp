// digitnet gradcheck: backpropagation against numerical gradients on a small random network.
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "digitnet/error.hpp"
#include "digitnet/gradcheck.hpp"
#include "number_options.hpp"

namespace digitnet::cli {

namespace {

struct GradcheckOptions {
    std::string layers = "5,4,3";
    std::string activation = "sigmoid";
    std::string output = "sigmoid";
    std::string cost = "quadratic";
    std::size_t batch = 4;
    std::uint64_t seed = 1;
    double epsilon = 1e-3;
    double tolerance = 1e-2;
};

void run_gradcheck(const GradcheckOptions& o) {
    Architecture a;
    a.sizes = parse_layer_sizes(o.layers);
    a.hidden = parse_activation(o.activation, "--activation");
    a.output = parse_activation(o.output, "--output");
    a.cost = parse_cost(o.cost);
    if (a.sizes.size() > 6 || a.sizes.front() > 64)
        throw Error("--layers: gradcheck takes one cost evaluation per parameter; use a small network (found " +
                    o.layers + ")");
    Network network(a);
    Rng rng(o.seed);
    network.initialize(Init::xavier, rng);
    // Random inputs in [0, 1] and targets: one-hot rows for probability outputs, else random values.
    Matrix x(o.batch, a.sizes.front()), y(o.batch, a.sizes.back());
    for (float& v : x) v = static_cast<float>(rng.uniform());
    for (std::size_t r = 0; r < o.batch; ++r) y(r, rng.below(a.sizes.back())) = 1.0f;
    const auto result = check_gradients(network, x, y, o.epsilon);
    std::printf("gradcheck %s, batch %zu, epsilon %g\n", a.describe().c_str(), o.batch, o.epsilon);
    std::printf("  layer  max relative error (weights)  (biases)\n");
    double worst = 0.0;
    for (std::size_t l = 0; l < result.size(); ++l) {
        std::printf("  %5zu  %28.2e  %8.2e\n", l + 1, result[l].max_relative_error_weights,
                    result[l].max_relative_error_biases);
        worst = std::max(worst, result[l].max_relative_error());
    }
    const bool ok = worst < o.tolerance;
    std::printf("%s: largest relative error %.2e (tolerance %.0e)\n", ok ? "ok" : "FAILED", worst, o.tolerance);
    if (!ok) throw Error("gradcheck: backpropagation disagrees with the numerical gradient");
}

}  // namespace

void add_gradcheck_command(CLI::App& app) {
    auto o = std::make_shared<GradcheckOptions>();
    auto* cmd = app.add_subcommand("gradcheck", "compare backpropagation with numerical gradients (central differences)");
    cmd->add_option("--layers", o->layers, "layer sizes of the small network")->capture_default_str();
    cmd->add_option("--activation", o->activation, "hidden activation: sigmoid, tanh, relu, identity")->capture_default_str();
    cmd->add_option("--output", o->output, "output activation: sigmoid, softmax, identity, tanh, relu")->capture_default_str();
    cmd->add_option("--cost", o->cost, "quadratic, cross-entropy or log-likelihood")->capture_default_str();
    cmd->add_option("--batch", o->batch, "examples in the batch")->transform(whole_number(1, 256))->capture_default_str();
    cmd->add_option("--seed", o->seed, "seed for the weights and the data")->transform(whole_number())->capture_default_str();
    cmd->add_option("--epsilon", o->epsilon, "step of the central difference")
        ->transform(real_number(between(1e-6, 1e-1)))
        ->capture_default_str();
    cmd->add_option("--tolerance", o->tolerance, "largest relative error that passes")
        ->transform(real_number(positive()))
        ->capture_default_str();
    cmd->callback([o] { run_gradcheck(*o); });
}

}  // namespace digitnet::cli

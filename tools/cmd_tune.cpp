// digitnet tune: random search over learning rate, L2 λ, hidden size and mini-batch size,
// scored on the validation split (never the test set).
//   digitnet tune [--data ..] [--trials N] [--seconds S] [--epochs E] [--train-size N] [--seed S] [--preset P]
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.hpp"
#include "data_options.hpp"
#include "digitnet/error.hpp"
#include "digitnet/presets.hpp"
#include "digitnet/tune.hpp"
#include "number_options.hpp"
#include "usage.hpp"

namespace digitnet::cli {

namespace {

struct TuneCliOptions {
    DataOptions data;
    std::string preset = "default";
    std::size_t trials = 8, epochs = 2, train_size = 10000;
    double seconds = 0.0;
    std::uint64_t seed = 1;
    float lr_min = 0.0f, lr_max = 0.0f;
    std::size_t hidden_min = 30, hidden_max = 300, batch_min = 8, batch_max = 256;
    int threads = 0;
};

std::string status_text(const TrialResult& r) {
    if (r.status == TrainStatus::diverged) return "diverged";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * r.validation_accuracy);
    return buf;
}

void print_row(const TrialResult& r) {
    std::printf("%5zu  %10.4g  %8.4g  %6zu  %5zu  %10s  %8.4f  %6.1f\n", r.index, r.settings.learning_rate, r.settings.l2,
                r.settings.hidden, r.settings.batch_size, status_text(r).c_str(), r.validation_cost, r.seconds);
}

void run_tune(const TuneCliOptions& o, const CLI::App& cmd) {
    set_num_threads(o.threads);
    TuneOptions t;
    t.base = as_usage([&] { return find_preset(o.preset).config; });
    t.base.epochs = o.epochs;
    t.base.train_size = o.train_size;
    t.space = default_space(t.base);
    if (cmd.count("--lr-min")) t.space.lr_min = o.lr_min;
    if (cmd.count("--lr-max")) t.space.lr_max = o.lr_max;
    t.space.hidden_min = o.hidden_min;
    t.space.hidden_max = o.hidden_max;
    t.space.batch_min = o.batch_min;
    t.space.batch_max = o.batch_max;
    t.trials = o.trials;
    t.seconds = o.seconds;
    t.seed = o.seed;
    as_usage([&] { validate(t.space); });
    if (o.data.validation_size == 0)
        throw UsageError("--validation-size: trials are scored on the validation split, which is empty (use N > 0)");

    DataSplits data = load_data(o.data);
    data.test = Dataset{};  // the test set plays no part in choosing settings
    const std::size_t n = std::min(o.train_size, data.train.size());
    std::printf("data: %s (train %zu used, validation %zu; the test set is not used)\n", data.name.c_str(), n,
                data.validation.size());
    std::printf("search: lr log-uniform %g..%g, L2 0 or log-uniform %g..%g, hidden %zu..%zu, batch %zu..%zu; "
                "preset %s, %zu epochs per trial, budget %s%s, seed %llu\n\n",
                t.space.lr_min, t.space.lr_max, t.space.l2_min, t.space.l2_max, t.space.hidden_min, t.space.hidden_max,
                t.space.batch_min, t.space.batch_max, o.preset.c_str(), o.epochs,
                o.trials ? (std::to_string(o.trials) + " trials").c_str() : "",
                o.seconds > 0 ? (std::string(o.trials ? " / " : "") + std::to_string(o.seconds) + " s").c_str() : "",
                static_cast<unsigned long long>(o.seed));
    const char* header = "trial          lr        L2  hidden  batch  validation      cost       s\n";
    std::printf("%s", header);
    std::fflush(stdout);

    TuneHooks hooks;
    hooks.on_trial = [](const TrialResult& r) {
        print_row(r);
        std::fflush(stdout);
    };
    const std::vector<TrialResult> results = sorted_by_validation(random_search(t, data, hooks));

    std::printf("\nsorted by validation accuracy:\n%s", header);
    for (const auto& r : results) print_row(r);
    const TrialResult& best = results.front();
    if (best.status == TrainStatus::diverged) throw Error("every trial diverged; try a smaller --lr-max");
    std::string extra;
    if (cmd.count("--data")) extra += "--data " + o.data.data;
    if (cmd.count("--data-dir")) extra += (extra.empty() ? "" : " ") + std::string("--data-dir ") + o.data.data_dir;
    // The trials were scored on this validation split: the command holds it out too, even where the
    // preset has none (nielsen, rashid), so that its validation figure is the one printed here.
    if (cmd.count("--validation-size") || o.data.validation_size != find_preset(o.preset).validation_size)
        extra += (extra.empty() ? "" : " ") + std::string("--validation-size ") + std::to_string(o.data.validation_size);
    if (cmd.count("--threads")) extra += (extra.empty() ? "" : " ") + std::string("--threads ") + std::to_string(o.threads);
    TrainConfig config = trial_config(t.base, best.settings);
    config.seed = o.seed;
    std::printf("\nbest: trial %zu, validation %s\n%s\n", best.index, status_text(best).c_str(),
                train_command_line(o.preset, config, extra).c_str());
    std::printf("(it trains the same network again: its last epoch's validation figure is the %s above)\n",
                status_text(best).c_str());
}

}  // namespace

void add_tune_command(CLI::App& app) {
    auto opts = std::make_shared<TuneCliOptions>();
    auto* cmd = app.add_subcommand("tune", "Search at random for a learning rate, L2 λ, hidden size and batch size");
    cmd->footer(
        "Each trial trains the preset's network with settings drawn at random (learning rate log-uniform around\n"
        "the preset's, L2 λ 0 or log-uniform 0.1..30, hidden size log-uniform, batch a power of two) and is scored\n"
        "on the validation split only; the test set is never used. The same --seed gives the same trials.");
    add_data_options(cmd, opts->data);
    cmd->add_option("--preset", opts->preset, "the configuration each trial starts from (see digitnet train --help)")->capture_default_str();
    cmd->add_option("--trials", opts->trials, "at most N trials (0 = no limit: give --seconds)")
        ->transform(whole_number(0, 1000000))
        ->capture_default_str();
    cmd->add_option("--seconds", opts->seconds, "start no new trial after this many seconds (0 = no limit)")
        ->transform(real_number(non_negative()));
    cmd->add_option("--epochs", opts->epochs, "epochs per trial")
        ->transform(whole_number(1, kMaxEpochs))
        ->capture_default_str();
    cmd->add_option("--train-size", opts->train_size, "training examples per trial")
        ->transform(whole_number(1))
        ->capture_default_str();
    cmd->add_option("--seed", opts->seed, "seed of the trials' draws and of every trial's training")
        ->transform(whole_number())
        ->capture_default_str();
    cmd->add_option("--lr-min", opts->lr_min, "smallest learning rate (default: the preset's / 10)")
        ->transform(real_number(positive()));
    cmd->add_option("--lr-max", opts->lr_max, "largest learning rate (default: the preset's × 10)")
        ->transform(real_number(positive()));
    cmd->add_option("--hidden-min", opts->hidden_min, "smallest hidden-layer size")
        ->transform(whole_number(1, 100000))
        ->capture_default_str();
    cmd->add_option("--hidden-max", opts->hidden_max, "largest hidden-layer size")
        ->transform(whole_number(1, 100000))
        ->capture_default_str();
    cmd->add_option("--batch-min", opts->batch_min, "smallest mini-batch (a power of two)")
        ->transform(whole_number(1))
        ->capture_default_str();
    cmd->add_option("--batch-max", opts->batch_max, "largest mini-batch (a power of two)")
        ->transform(whole_number(1))
        ->capture_default_str();
    cmd->add_option("--threads", opts->threads, "threads for matrix products (0 = all cores)")
        ->transform(whole_number(0, 1024))
        ->capture_default_str();
    cmd->callback([opts, cmd] { run_tune(*opts, *cmd); });
}

}  // namespace digitnet::cli

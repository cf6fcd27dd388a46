// digitnet train: train a network (a preset, flags on top), print one line per epoch, save it.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "commands.hpp"
#include "data_options.hpp"
#include "digitnet/error.hpp"
#include "digitnet/evaluate.hpp"
#include "digitnet/file_io.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/presets.hpp"
#include "digitnet/train.hpp"
#include "number_options.hpp"

namespace digitnet::cli {

namespace {

// Set by SIGINT; the trainer checks it between mini-batches. A signal handler can only reach
// a flag with static storage, so this is the one piece of process-wide state in the program.
std::atomic<bool> g_interrupted{false};
extern "C" void on_sigint(int) { g_interrupted.store(true); }

struct TrainOptions {
    DataOptions data;
    std::string preset = "default";
    std::string layers, activation, output, cost, init, batch, lr_decay, optimizer;
    std::size_t epochs = 0, train_size = 0, early_stop = 0, lr_step = 0;
    float lr = 0, l2 = 0, l1 = 0, dropout = 0, momentum = 0, beta1 = 0, beta2 = 0, lr_decay_factor = 0;
    float input_low = 0, elastic_alpha = 0, elastic_sigma = 4;
    std::string targets;
    int target_digit = -1;
    std::uint64_t seed = 1;
    bool no_bias = false, batch_norm = false, augment = false, quiet = false, no_test = false, json = false;
    int threads = 0;
    std::string out, metrics, checkpoint_dir, resume;
};

std::size_t parse_batch(const std::string& text) {
    if (text == "all") return 0;
    bool digits = !text.empty();
    for (char c : text) digits = digits && c >= '0' && c <= '9';
    if (!digits)
        throw Error("--batch: expected a positive mini-batch size, or 0 / all for the full batch; found '" + text + "'");
    return static_cast<std::size_t>(parse_whole_number(text, "--batch"));
}

std::string format_float(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

// The preset with every flag the user gave applied on top. `base` is the preset's (or the
// checkpoint's) configuration.
TrainConfig apply_flags(TrainConfig c, const TrainOptions& o, const CLI::App& cmd) {
    auto given = [&](const char* name) { return cmd.count(name) > 0; };
    if (given("--layers")) c.architecture.sizes = parse_layer_sizes(o.layers);
    if (given("--activation")) c.architecture.hidden = parse_activation(o.activation, "--activation");
    if (given("--output")) c.architecture.output = parse_activation(o.output, "--output");
    if (given("--cost")) c.architecture.cost = parse_cost(o.cost);
    if (given("--no-bias")) c.architecture.use_bias = !o.no_bias;
    if (given("--batch-norm")) c.architecture.batch_norm = o.batch_norm;
    if (given("--input-low")) c.architecture.encoding.input_low = o.input_low;
    if (given("--targets")) {
        float low = 0, high = 0;
        char extra = 0;
        if (std::sscanf(o.targets.c_str(), "%f,%f%c", &low, &high, &extra) != 2 || !(low < high))
            throw Error("--targets: expected LOW,HIGH with LOW < HIGH (e.g. 0.01,0.99), found '" + o.targets + "'");
        c.architecture.encoding.target_low = low;
        c.architecture.encoding.target_high = high;
    }
    if (given("--target-digit")) c.architecture.encoding.target_digit = o.target_digit;
    if (given("--init")) c.init = parse_init(o.init);
    if (given("--epochs")) c.epochs = o.epochs;
    if (given("--batch")) c.batch_size = parse_batch(o.batch);
    if (given("--lr")) c.learning_rate = o.lr;
    if (given("--seed")) c.seed = o.seed;
    if (given("--optimizer")) c.optimizer.name = o.optimizer;
    if (given("--momentum")) c.optimizer.momentum = o.momentum;
    if (given("--beta1")) c.optimizer.beta1 = o.beta1;
    if (given("--beta2")) c.optimizer.beta2 = o.beta2;
    if (given("--l2")) c.l2 = o.l2;
    if (given("--l1")) c.l1 = o.l1;
    if (given("--dropout")) c.dropout = o.dropout;
    if (given("--augment")) c.augment = o.augment;
    if (given("--elastic-alpha")) c.elastic_alpha = o.elastic_alpha;
    if (given("--elastic-sigma")) c.elastic_sigma = o.elastic_sigma;
    if (given("--train-size")) c.train_size = o.train_size;
    if (given("--early-stop")) c.early_stop = o.early_stop;
    if (given("--lr-decay")) c.lr_decay = o.lr_decay;
    if (given("--lr-decay-factor")) c.lr_decay_factor = o.lr_decay_factor;
    if (given("--lr-step")) c.lr_step = o.lr_step;
    if (given("--no-test-each-epoch")) c.evaluate_test = !o.no_test;
    return c;
}

// Refuses a --resume whose flags say something else than the checkpoint (more epochs is fine).
void check_resume_agrees(const TrainConfig& stored, const TrainConfig& requested, const std::string& path) {
    using Field = std::pair<const char*, std::function<std::string(const TrainConfig&)>>;
    const std::vector<Field> fields = {
        {"--layers", [](const TrainConfig& c) { return c.architecture.describe(); }},
        {"--init", [](const TrainConfig& c) { return to_string(c.init); }},
        {"--batch", [](const TrainConfig& c) { return std::to_string(c.batch_size); }},
        {"--lr", [](const TrainConfig& c) { return format_float(c.learning_rate); }},
        {"--seed", [](const TrainConfig& c) { return std::to_string(c.seed); }},
        {"--optimizer", [](const TrainConfig& c) { return c.optimizer.name + " " + format_float(c.optimizer.momentum) + " " +
                                                          format_float(c.optimizer.beta1) + " " + format_float(c.optimizer.beta2); }},
        {"--l2", [](const TrainConfig& c) { return format_float(c.l2); }},
        {"--l1", [](const TrainConfig& c) { return format_float(c.l1); }},
        {"--dropout", [](const TrainConfig& c) { return format_float(c.dropout); }},
        {"--augment", [](const TrainConfig& c) { return std::string(c.augment ? "on" : "off") + " " +
                                                       format_float(c.elastic_alpha) + " " + format_float(c.elastic_sigma); }},
        {"--train-size", [](const TrainConfig& c) { return std::to_string(c.train_size); }},
        {"--early-stop", [](const TrainConfig& c) { return std::to_string(c.early_stop); }},
        {"--lr-decay", [](const TrainConfig& c) { return c.lr_decay + " " + format_float(c.lr_decay_factor) + " " +
                                                         std::to_string(c.lr_step); }},
    };
    for (const auto& [flag, get] : fields)
        if (get(stored) != get(requested))
            throw Error(std::string(flag) + " " + get(requested) + " contradicts the checkpoint " + path +
                        ", which was trained with " + get(stored) + " (leave the flag out to continue as it was)");
    if (requested.epochs < stored.epochs && requested.epochs != 0)
        throw Error("--epochs " + std::to_string(requested.epochs) + " contradicts the checkpoint " + path +
                    ", which was started for " + std::to_string(stored.epochs) + " epochs (only more epochs can be asked for)");
}

std::string percent(double fraction) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * fraction);
    return buf;
}

std::string epoch_line(const EpochMetrics& m, std::size_t epochs) {
    char buf[512];
    int n = std::snprintf(buf, sizeof buf, "epoch %zu/%zu  cost %.4f  train %s", m.epoch, epochs, m.train_cost,
                          percent(m.train_accuracy).c_str());
    if (std::isfinite(m.validation_accuracy))
        n += std::snprintf(buf + n, sizeof buf - n, "  validation %s", percent(m.validation_accuracy).c_str());
    if (std::isfinite(m.test_accuracy))
        n += std::snprintf(buf + n, sizeof buf - n, "  test %s", percent(m.test_accuracy).c_str());
    std::snprintf(buf + n, sizeof buf - n, "  %.1f s", m.seconds);
    return buf;
}

void run_train(const TrainOptions& o, const CLI::App& cmd) {
    const std::string checkpoint_file_name = "checkpoint.safetensors";
    const bool resuming = !o.resume.empty();
    const std::string resume_path =
        resuming ? (std::filesystem::path(o.resume) / checkpoint_file_name).string() : std::string();
    if (resuming && !std::filesystem::exists(resume_path))
        throw Error("--resume: no checkpoint in " + o.resume + " (looked for " + resume_path + ")");
    // A resumed run keeps the thread count it was trained with, unless --threads says otherwise.
    set_num_threads(resuming && !cmd.count("--threads") ? read_checkpoint_info(resume_path).threads : o.threads);
    std::string checkpoint_dir = resuming ? o.resume : o.checkpoint_dir;

    // Ctrl-C from here on asks the trainer to stop between mini-batches and checkpoint.
    g_interrupted.store(false);
    std::signal(SIGINT, on_sigint);
    TrainConfig config_from_flags;
    if (!resuming) {
        config_from_flags = apply_flags(find_preset(o.preset).config, o, cmd);
        validate(config_from_flags);  // refuse bad values before the data is read
    }
    // The validation split: --validation-size, else the checkpoint's when resuming, else the preset's.
    DataOptions data_options = o.data;
    if (!cmd.count("--validation-size")) {
        if (resuming) {
            if (auto v = checkpoint_validation_size(resume_path)) data_options.validation_size = *v;
        } else {
            data_options.validation_size = find_preset(o.preset).validation_size;
        }
    }
    DataSplits data = load_data(data_options);
    std::unique_ptr<Trainer> trainer;
    if (resuming) {
        const std::string& path = resume_path;
        trainer = std::make_unique<Trainer>(Trainer::resume(path, data));
        TrainConfig requested = apply_flags(trainer->config(), o, cmd);
        if (cmd.count("--preset")) {
            requested = apply_flags(find_preset(o.preset).config, o, cmd);
            if (!cmd.count("--seed")) requested.seed = trainer->config().seed;
        }
        check_resume_agrees(trainer->config(), requested, path);
        if (requested.epochs > trainer->config().epochs) trainer->set_epochs(requested.epochs);
        std::printf("resuming %s from epoch %zu\n", path.c_str(), trainer->epochs_done());
    } else {
        trainer = std::make_unique<Trainer>(config_from_flags, data);
    }
    const TrainConfig& config = trainer->config();
    if (!checkpoint_dir.empty()) std::filesystem::create_directories(checkpoint_dir);

    std::printf("data: %s (train %zu%s, validation %zu, test %zu)\n", data.name.c_str(),
                config.train_size ? std::min(config.train_size, data.train.size()) : data.train.size(),
                config.train_size ? " used" : "", data.validation.size(), data.test.size());
    std::printf("network: %s, %zu parameters; %s, batch %s, lr %g, %zu epochs, seed %llu\n",
                config.architecture.describe().c_str(), trainer->network().parameter_count(), config.optimizer.name.c_str(),
                config.batch_size ? std::to_string(config.batch_size).c_str() : "all", config.learning_rate,
                config.epochs, static_cast<unsigned long long>(config.seed));
    std::fflush(stdout);

    // The metrics file: rewritten whole after each epoch (atomically), so it always holds
    // every epoch so far, including those before a resume.
    auto write_metrics = [&] {
        if (o.metrics.empty()) return;
        std::string text;
        for (const auto& m : trainer->history()) text += to_json(m) + "\n";
        write_file_atomic(o.metrics, text);
    };

    const bool progress = !o.quiet && isatty(fileno(stderr));
    TrainHooks hooks;
    hooks.stop = &g_interrupted;
    hooks.on_batch = [&](std::size_t done, std::size_t total) {
        if (!progress || (done % 50 != 0 && done != total)) return;
        const int width = 30, filled = static_cast<int>(width * done / total);
        std::fprintf(stderr, "\r  [%.*s%*s] %3zu%%", filled, "==============================", width - filled, "",
                     100 * done / total);
        std::fflush(stderr);
    };
    hooks.on_epoch = [&](const EpochMetrics& m) {
        if (progress) std::fprintf(stderr, "\r%60s\r", "");
        if (!o.quiet) std::printf("%s\n", epoch_line(m, trainer->config().epochs).c_str());
        std::fflush(stdout);
        write_metrics();
        if (!checkpoint_dir.empty())
            trainer->save_checkpoint((std::filesystem::path(checkpoint_dir) / checkpoint_file_name).string());
    };

    const TrainStatus status = trainer->run(hooks);
    std::signal(SIGINT, SIG_DFL);
    if (progress) std::fprintf(stderr, "\r%60s\r", "");

    if (status == TrainStatus::diverged) {
        std::string where = checkpoint_dir.empty() ? "" : "; the last good checkpoint is in " + checkpoint_dir;
        throw Error(trainer->divergence_message() + where);
    }
    if (status == TrainStatus::interrupted) {
        std::string dir = checkpoint_dir;
        if (dir.empty()) {
            std::filesystem::path out(o.out.empty() ? std::string("digitnet-model.safetensors") : o.out);
            dir = (out.parent_path() / (out.stem().string() + ".checkpoint")).string();
            if (out.parent_path().empty()) dir = out.stem().string() + ".checkpoint";
            std::filesystem::create_directories(dir);
        }
        trainer->save_checkpoint((std::filesystem::path(dir) / checkpoint_file_name).string());
        write_metrics();
        std::fprintf(stderr, "interrupted: checkpoint written to %s (continue with: digitnet train --resume %s)\n",
                     dir.c_str(), dir.c_str());
        std::fflush(stderr);
        std::exit(130);
    }
    if (status == TrainStatus::early_stopped)
        std::printf("early stop: no better validation accuracy for %zu epochs; keeping the best weights\n",
                    config.early_stop);

    if (!o.out.empty()) {
        Metadata meta{{"training", to_json(config)}, {"data", data.name},
                      {"image_rows", std::to_string(data.train.image_rows)},
                      {"image_cols", std::to_string(data.train.image_cols)}};
        save_model(o.out, trainer->network(), meta);
        std::printf("model written to %s\n", o.out.c_str());
    }
    if (data.test.size()) {
        const Evaluation ev = evaluate_accuracy(trainer->network(), data.test);
        std::printf("test accuracy: %s (%zu/%zu)\n", percent(ev.accuracy).c_str(), ev.correct, ev.examples);
    }
}

}  // namespace

void add_train_command(CLI::App& app) {
    auto opts = std::make_shared<TrainOptions>();
    auto* cmd = app.add_subcommand("train", "train a network on a dataset");
    cmd->footer(
        "The gradient of a mini-batch is the average over its examples, so --lr means the same at --batch 1 and\n"
        "--batch 1024. Every epoch visits each training example once, in a seeded Fisher-Yates order; the last,\n"
        "partial mini-batch is used. Any flag overrides the preset's value.");
    add_data_options(cmd, opts->data);
    std::string preset_names;
    for (const auto& p : presets()) preset_names += "\n    " + p.name + ": " + p.description;
    cmd->add_option("--preset", opts->preset, "starting configuration:" + preset_names)->capture_default_str();
    cmd->add_option("--layers", opts->layers, "layer sizes, input to output, e.g. 784,30,10");
    cmd->add_option("--activation", opts->activation, "hidden activation: sigmoid, relu, tanh, identity");
    cmd->add_option("--output", opts->output, "output activation: sigmoid, softmax, identity, ...");
    cmd->add_option("--cost", opts->cost, "quadratic, cross-entropy or log-likelihood");
    cmd->add_option("--init", opts->init, "normal, scaled-normal, rashid, xavier or he");
    cmd->add_flag("--no-bias", opts->no_bias, "layers without biases (Rashid's network)");
    cmd->add_flag("--batch-norm", opts->batch_norm, "batch normalisation on every hidden layer");
    cmd->add_option("--input-low", opts->input_low, "inputs scaled to LOW..1.0 (Rashid: 0.01)")
        ->transform(real_number(between(0.0, 0.99)));
    cmd->add_option("--targets", opts->targets, "target values LOW,HIGH instead of 0,1 (Rashid: 0.01,0.99)");
    cmd->add_option("--target-digit", opts->target_digit, "one output neuron answering \"is this a DIGIT?\"")
        ->transform(whole_number(0, 9));
    cmd->add_option("--epochs", opts->epochs, "number of passes over the training data")
        ->transform(whole_number(1, kMaxEpochs));
    cmd->add_option("--batch", opts->batch, "mini-batch size; 1 = stochastic, 0 or all = full batch");
    cmd->add_option("--lr", opts->lr, "learning rate η (the same meaning at every batch size)")
        ->transform(real_number(positive()));
    cmd->add_option("--seed", opts->seed, "seed of the random generator (weights, order, dropout)")
        ->transform(whole_number());
    cmd->add_option("--optimizer", opts->optimizer, "sgd, momentum, nesterov, adagrad, rmsprop or adam");
    cmd->add_option("--momentum", opts->momentum, "μ for momentum and nesterov (default 0.9)")->transform(real_number());
    cmd->add_option("--beta1", opts->beta1, "Adam's β1 (default 0.9)")->transform(real_number());
    cmd->add_option("--beta2", opts->beta2, "Adam's β2 (default 0.999)")->transform(real_number());
    cmd->add_option("--l2", opts->l2, "L2 regularisation λ (weight decay, scaled by the training-set size)")
        ->transform(real_number(non_negative()));
    cmd->add_option("--l1", opts->l1, "L1 regularisation λ")->transform(real_number(non_negative()));
    cmd->add_option("--dropout", opts->dropout, "dropout probability on hidden layers, in [0, 1)")
        ->transform(real_number({0.0, 1.0, false, true}));
    cmd->add_flag("--augment", opts->augment, "expand the training data with random shifts and rotations");
    cmd->add_option("--elastic-alpha", opts->elastic_alpha, "with --augment: elastic distortions of strength α (e.g. 34)")
        ->transform(real_number(between(0.0, 100.0)));
    cmd->add_option("--elastic-sigma", opts->elastic_sigma, "with --augment: smoothness σ of the distortions (default 4)")
        ->transform(real_number({0.0, 20.0, true, false}));
    cmd->add_option("--train-size", opts->train_size, "use only the first N training examples")->transform(whole_number(1));
    cmd->add_option("--early-stop", opts->early_stop, "stop after N epochs without a better validation accuracy")
        ->transform(whole_number(0, kMaxEpochs));
    cmd->add_option("--lr-decay", opts->lr_decay, "learning-rate schedule: none, step or plateau");
    cmd->add_option("--lr-decay-factor", opts->lr_decay_factor, "factor applied at each decay (default 0.5)")
        ->transform(real_number({0.0, 1.0, true, false}));
    cmd->add_option("--lr-step", opts->lr_step, "step: epochs between decays; plateau: patience in epochs")
        ->transform(whole_number(1, kMaxEpochs));
    cmd->add_flag("--no-test-each-epoch", opts->no_test, "do not report test accuracy after every epoch");
    cmd->add_option("--threads", opts->threads, "threads for matrix products (0 = all cores)")
        ->transform(whole_number(0, 1024));
    cmd->add_option("--out", opts->out, "write the trained model here (safetensors)");
    cmd->add_option("--metrics", opts->metrics, "write per-epoch metrics here as JSON lines");
    cmd->add_option("--checkpoint-dir", opts->checkpoint_dir, "write a checkpoint here after every epoch");
    cmd->add_option("--resume", opts->resume, "continue from the checkpoint in this folder");
    cmd->add_flag("--quiet", opts->quiet, "no per-epoch lines or progress bar");
    cmd->callback([opts, cmd] { run_train(*opts, *cmd); });
}

}  // namespace digitnet::cli

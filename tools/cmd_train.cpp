// digitnet train: train a network (a preset, flags on top), print one line per epoch, save it.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "data_options.hpp"
#include "digitnet/error.hpp"
#include "digitnet/evaluate.hpp"
#include "digitnet/file_io.hpp"
#include "digitnet/format.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/presets.hpp"
#include "digitnet/train.hpp"
#include "number_options.hpp"
#include "output_paths.hpp"

namespace digitnet::cli {

namespace {

constexpr const char* kCheckpointFileName = "checkpoint.safetensors";

struct TrainOptions {
    DataOptions data;
    std::string preset = "default";
    std::string layers, activation, output, cost, init, batch, lr_decay, optimizer, net;
    std::size_t epochs = 0, train_size = 0, early_stop = 0, lr_step = 0;
    float lr = 0, l2 = 0, l1 = 0, dropout = 0, momentum = 0, beta1 = 0, beta2 = 0, lr_decay_factor = 0;
    float input_low = 0, elastic_alpha = 0, elastic_sigma = 4;
    std::string targets;
    int target_digit = -1;
    std::uint64_t seed = 1;
    bool no_bias = false, batch_norm = false, augment = false, quiet = false, no_test = false;
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

// The preset with every flag the user gave applied on top. `c` is the preset's (or the
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
    if (given("--net")) {
        Architecture a;
        a.net = o.net;
        a.encoding = c.architecture.encoding;
        a.cost = c.architecture.cost;
        // A softmax output goes with the log-likelihood cost unless --cost says otherwise.
        if (!given("--cost") && net_output_activation(plan_net(o.net, a.input)) == Activation::softmax)
            a.cost = Cost::log_likelihood;
        apply_net(a);
        c.architecture = a;
    }
    if (c.architecture.is_net())
        for (const char* flag : {"--layers", "--activation", "--output", "--no-bias", "--batch-norm"})
            if (given(flag))
                throw Error(std::string(flag) + ": a --net network is described by its text alone ('" +
                            c.architecture.net + "'); leave " + flag + " out");
    return c;
}

// Every float to 9 significant digits: two different floats never print the same.
std::string exact_float(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

// Refuses a --resume whose flags say something else than the checkpoint (more epochs is fine).
// Each setting is compared exactly; the message shows it as the user would type it.
void check_resume_agrees(const TrainConfig& stored, const TrainConfig& requested, const std::string& path) {
    using Format = std::string (*)(double);
    using Field = std::pair<const char*, std::function<std::string(const TrainConfig&, Format)>>;
    auto sizes = [](const TrainConfig& c) {
        std::string text;
        for (std::size_t s : c.architecture.sizes) text += (text.empty() ? "" : ",") + std::to_string(s);
        return text;
    };
    auto on_off = [](bool v) { return std::string(v ? "on" : "off"); };
    const std::vector<Field> fields = {
        {"--net", [](const TrainConfig& c, Format) { return c.architecture.is_net() ? "'" + c.architecture.net + "'" : "none"; }},
        {"--layers", [&](const TrainConfig& c, Format) { return sizes(c); }},
        {"--activation", [](const TrainConfig& c, Format) { return to_string(c.architecture.hidden); }},
        {"--output", [](const TrainConfig& c, Format) { return to_string(c.architecture.output); }},
        {"--cost", [](const TrainConfig& c, Format) { return to_string(c.architecture.cost); }},
        {"--no-bias", [&](const TrainConfig& c, Format) { return on_off(!c.architecture.use_bias); }},
        {"--batch-norm", [&](const TrainConfig& c, Format) { return on_off(c.architecture.batch_norm); }},
        {"--input-low", [](const TrainConfig& c, Format f) { return f(c.architecture.encoding.input_low); }},
        {"--targets", [](const TrainConfig& c, Format f) {
             return f(c.architecture.encoding.target_low) + "," + f(c.architecture.encoding.target_high);
         }},
        {"--target-digit", [](const TrainConfig& c, Format) {
             return c.architecture.encoding.target_digit < 0 ? std::string("none")
                                                             : std::to_string(c.architecture.encoding.target_digit);
         }},
        {"--init", [](const TrainConfig& c, Format) { return to_string(c.init); }},
        {"--batch", [](const TrainConfig& c, Format) { return c.batch_size ? std::to_string(c.batch_size) : "all"; }},
        {"--lr", [](const TrainConfig& c, Format f) { return f(c.learning_rate); }},
        {"--seed", [](const TrainConfig& c, Format) { return std::to_string(c.seed); }},
        {"--optimizer", [](const TrainConfig& c, Format) { return c.optimizer.name; }},
        {"--momentum", [](const TrainConfig& c, Format f) { return f(c.optimizer.momentum); }},
        {"--beta1", [](const TrainConfig& c, Format f) { return f(c.optimizer.beta1); }},
        {"--beta2", [](const TrainConfig& c, Format f) { return f(c.optimizer.beta2); }},
        {"--l2", [](const TrainConfig& c, Format f) { return f(c.l2); }},
        {"--l1", [](const TrainConfig& c, Format f) { return f(c.l1); }},
        {"--dropout", [](const TrainConfig& c, Format f) { return f(c.dropout); }},
        {"--augment", [&](const TrainConfig& c, Format) { return on_off(c.augment); }},
        {"--elastic-alpha", [](const TrainConfig& c, Format f) { return f(c.elastic_alpha); }},
        {"--elastic-sigma", [](const TrainConfig& c, Format f) { return f(c.elastic_sigma); }},
        {"--train-size", [](const TrainConfig& c, Format) { return c.train_size ? std::to_string(c.train_size) : "all"; }},
        {"--early-stop", [](const TrainConfig& c, Format) { return std::to_string(c.early_stop); }},
        {"--lr-decay", [](const TrainConfig& c, Format) { return c.lr_decay; }},
        {"--lr-decay-factor", [](const TrainConfig& c, Format f) { return f(c.lr_decay_factor); }},
        {"--lr-step", [](const TrainConfig& c, Format) { return std::to_string(c.lr_step); }},
        {"--no-test-each-epoch", [&](const TrainConfig& c, Format) { return on_off(!c.evaluate_test); }},
    };
    // Numbers as a person writes them in the message (format_number's default digits).
    auto format_float = [](double v) { return format_number(v); };
    for (const auto& [flag, get] : fields)
        if (get(stored, exact_float) != get(requested, exact_float))
            throw Error(std::string(flag) + " " + get(requested, format_float) + " contradicts the checkpoint " + path +
                        ", which was trained with " + get(stored, format_float) +
                        " (leave the flag out to continue as it was)");
    if (requested.epochs < stored.epochs)
        throw Error("--epochs " + std::to_string(requested.epochs) + " contradicts the checkpoint " + path +
                    ", which was started for " + std::to_string(stored.epochs) + " epochs (only more epochs can be asked for)");
    // Whatever no flag above names (a setting a preset brings along) must agree too.
    TrainConfig same_epochs = requested;
    same_epochs.epochs = stored.epochs;
    if (!(same_epochs == stored))
        throw Error("--preset " + std::string("contradicts the checkpoint ") + path +
                    " in a setting no flag names (leave --preset out to continue as it was)");
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

// A checkpoint folder opened for writing: created when missing, locked for as long as the
// run lasts (a second training writing the same folder is refused; the lock dies with the
// process, however it ends), and cleared of the temporary files an interrupted write left.
struct CheckpointFolder {
    std::string option;  // the flag that named it
    std::string folder;
    std::string file;
    FolderLock lock;
};

CheckpointFolder open_checkpoint_folder(const std::string& folder, const std::string& option) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(folder, ec) && !fs::is_directory(folder, ec))
        throw Error(option + ": '" + folder + "' is a file, expected a folder for checkpoints");
    fs::create_directories(folder, ec);
    if (ec) throw Error(option + ": cannot create the folder '" + folder + "': " + ec.message());
    std::optional<FolderLock> lock;
    try {
        lock.emplace(FolderLock::acquire(folder));
    } catch (const Error& e) {
        throw Error(option + ": " + e.what() + " (is another training writing checkpoints there?)");
    }
    remove_temporary_files(folder, kCheckpointFileName);
    const std::string file = (fs::path(folder) / kCheckpointFileName).string();
    check_outputs({{option, file}});
    return {option, folder, file, std::move(*lock)};
}

// The first SIGINT (Ctrl-C) or SIGTERM asks the trainer to stop between mini-batches and
// checkpoint; any later one is only recorded, so that it cannot kill the process while the
// checkpoint is written. A handler can only reach flags with static storage, so these are the
// one piece of process-wide state in the program.
std::atomic<bool> g_interrupted{false};
volatile std::sig_atomic_t g_signal = 0;
extern "C" void on_stop_signal(int signal) {
    if (g_signal == 0) g_signal = signal;
    g_interrupted.store(true);
}

void catch_stop_signals() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

void default_stop_signals() {
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
}

// The exit status of a run stopped by a signal: 128 + its number (130 for SIGINT, 143 for SIGTERM).
int stopped_status() { return 128 + (g_signal ? static_cast<int>(g_signal) : SIGINT); }

const char* signal_name() { return g_signal == SIGTERM ? "SIGTERM" : "Ctrl-C"; }

void run_train(const TrainOptions& o, const CLI::App& cmd) {
    namespace fs = std::filesystem;
    auto given = [&](const char* name) { return cmd.count(name) > 0; };
    // From here on a Ctrl-C or SIGTERM stops the run with a checkpoint (even while the data loads).
    g_interrupted.store(false);
    g_signal = 0;
    catch_stop_signals();

    // The checkpoint resumed from, checked completely (all but against the data) first.
    const bool resuming = !o.resume.empty();
    std::string resume_path;
    CheckpointInfo info;
    if (resuming) {
        std::error_code ec;
        if (fs::exists(o.resume, ec) && !fs::is_directory(o.resume, ec))
            throw Error("--resume: '" + o.resume + "' is a file, expected the folder holding " + kCheckpointFileName);
        resume_path = (fs::path(o.resume) / kCheckpointFileName).string();
        if (!fs::exists(resume_path, ec))
            throw Error("--resume: no checkpoint in " + o.resume + " (looked for " + resume_path + ")");
        info = read_checkpoint_info(resume_path);
    }

    // The configuration: the preset with the flags on top, or the checkpoint's, every flag
    // checked against it; the thread count and the data likewise.
    TrainConfig config;
    if (!resuming) {
        config = apply_flags(find_preset(o.preset).config, o, cmd);
        validate(config);
    } else {
        TrainConfig requested = apply_flags(info.config, o, cmd);
        if (given("--preset")) {
            requested = apply_flags(find_preset(o.preset).config, o, cmd);
            if (!given("--seed")) requested.seed = info.config.seed;
            if (!given("--epochs")) requested.epochs = std::max(requested.epochs, info.config.epochs);
        }
        check_resume_agrees(info.config, requested, resume_path);
        config = info.config;
        config.epochs = std::max(config.epochs, requested.epochs);
    }
    set_num_threads(resuming && !given("--threads") ? info.threads : o.threads);
    if (resuming && num_threads() != info.threads) {
        if (given("--threads"))
            throw Error("--threads " + std::to_string(o.threads) + " contradicts the checkpoint " + resume_path +
                        ", which was trained with " + std::to_string(info.threads) +
                        " threads: the sums, and so the bytes, would differ (leave the flag out to continue as it was)");
        throw Error("--resume: the checkpoint " + resume_path + " was trained with " + std::to_string(info.threads) +
                    " threads, and OpenBLAS gives this run at most " + std::to_string(num_threads()) +
                    ": the sums, and so the bytes, would differ");
    }
    DataOptions data_options = o.data;
    if (!given("--validation-size"))
        data_options.validation_size = resuming ? info.validation_size : find_preset(o.preset).validation_size;
    else if (resuming && o.data.validation_size != info.validation_size)
        throw Error("--validation-size " + std::to_string(o.data.validation_size) + " contradicts the checkpoint " +
                    resume_path + ", which was trained with a validation split of " +
                    std::to_string(info.validation_size) + " examples (leave the flag out to continue as it was)");
    if (resuming && !given("--data")) data_options.data = info.data_name;

    // Every output, checked before the data is read: --out, --metrics, the checkpoint folder
    // (that of --checkpoint-dir, else the one resumed from), or, without one, the folder a
    // Ctrl-C would checkpoint into (next to --out).
    std::vector<NamedPath> data_file;
    if (std::error_code ec; fs::is_regular_file(data_options.data, ec)) data_file.push_back({"data", data_options.data});
    std::vector<NamedPath> inputs = data_file;
    if (resuming) inputs.push_back({"checkpoint", resume_path});
    check_outputs({{"--out", o.out}, {"--metrics", o.metrics}}, inputs);
    std::optional<CheckpointFolder> checkpoints;
    std::string interrupt_folder;
    if (!o.checkpoint_dir.empty()) {
        checkpoints.emplace(open_checkpoint_folder(o.checkpoint_dir, "--checkpoint-dir"));
    } else if (resuming) {
        checkpoints.emplace(open_checkpoint_folder(o.resume, "--resume"));
    } else {
        const fs::path out(o.out.empty() ? std::string("digitnet-model.safetensors") : o.out);
        interrupt_folder = (out.parent_path() / (out.stem().string() + ".checkpoint")).string();
        // Created only if a Ctrl-C comes; its folder is --out's, checked above.
        const std::string option = o.out.empty() ? "train" : "--out";
        std::error_code ec;
        if (fs::exists(interrupt_folder, ec) && !fs::is_directory(interrupt_folder, ec))
            throw Error(option + ": a Ctrl-C would write its checkpoint into '" + interrupt_folder +
                        "', which is a file, expected a folder (or give --checkpoint-dir)");
        if (fs::is_directory(interrupt_folder, ec))
            check_outputs({{option, (fs::path(interrupt_folder) / kCheckpointFileName).string()}});
    }
    // (The checkpoint may replace the one resumed from: that is how a run continues in place.)
    if (checkpoints)
        check_outputs({{"--out", o.out}, {"--metrics", o.metrics}, {checkpoints->option, checkpoints->file}}, data_file);

    DataSplits data = load_data(data_options);
    std::unique_ptr<Trainer> trainer;
    if (resuming) {
        trainer = std::make_unique<Trainer>(Trainer::resume(resume_path, data));
        if (config.epochs > trainer->config().epochs) trainer->set_epochs(config.epochs);
        std::printf("resuming %s from epoch %zu (threads %d)\n", resume_path.c_str(), trainer->epochs_done(), num_threads());
    } else {
        trainer = std::make_unique<Trainer>(config, data);
    }
    const TrainConfig& run_config = trainer->config();

    std::printf("data: %s (train %zu%s, validation %zu, test %zu)\n", data.name.c_str(),
                run_config.train_size ? std::min(run_config.train_size, data.train.size()) : data.train.size(),
                run_config.train_size ? " used" : "", data.validation.size(), data.test.size());
    std::printf("network: %s, %zu parameters; %s, batch %s, lr %g, %zu epoch%s, seed %llu\n",
                run_config.architecture.describe().c_str(), trainer->network().parameter_count(),
                run_config.optimizer.name.c_str(), run_config.batch_size ? std::to_string(run_config.batch_size).c_str() : "all",
                run_config.learning_rate, run_config.epochs, run_config.epochs == 1 ? "" : "s",
                static_cast<unsigned long long>(run_config.seed));
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
        if (checkpoints) trainer->save_checkpoint(checkpoints->file);
    };

    const TrainStatus status = trainer->run(hooks);
    if (progress) std::fprintf(stderr, "\r%60s\r", "");

    if (status == TrainStatus::diverged) {
        std::string where = checkpoints ? "; the last good checkpoint is in " + checkpoints->folder : "";
        throw Error(trainer->divergence_message() + where);
    }
    if (status == TrainStatus::interrupted) {
        // Further signals stay caught (only recorded) until the checkpoint is renamed into place.
        if (!checkpoints) checkpoints.emplace(open_checkpoint_folder(interrupt_folder, "checkpoint folder"));
        trainer->save_checkpoint(checkpoints->file);
        write_metrics();
        std::fprintf(stderr, "interrupted (%s): checkpoint written to %s (continue with: digitnet train --resume %s)\n",
                     signal_name(), checkpoints->folder.c_str(), checkpoints->folder.c_str());
        std::fflush(stderr);
        std::exit(stopped_status());
    }
    if (status == TrainStatus::early_stopped)
        std::printf("early stop: no better validation accuracy for %zu epochs; keeping the best weights\n",
                    run_config.early_stop);

    if (!o.out.empty()) {
        Metadata meta{{"training", to_json(run_config)}, {"data", data.name},
                      {"image_rows", std::to_string(data.train.image_rows)},
                      {"image_cols", std::to_string(data.train.image_cols)}};
        save_model(o.out, trainer->network(), meta);
        std::printf("model written to %s\n", o.out.c_str());
    } else if (!o.quiet) {
        std::printf("the model is not saved (--out FILE keeps it)\n");
    }
    std::fflush(stdout);
    // A signal that came after the last mini-batch waited for the model to be written.
    default_stop_signals();
    if (g_interrupted.load()) {
        std::fprintf(stderr, "interrupted (%s) after training had finished%s\n", signal_name(),
                     o.out.empty() ? "" : "; the model is written");
        std::exit(stopped_status());
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
    cmd->add_option("--net", opts->net,
                    "any network, as words from input to output, e.g. 'conv5x5x20 relu maxpool2 flatten dense100 "
                    "relu dense10 softmax' (words: conv<kh>x<kw>x<filters>[:same][:stride<s>], maxpool<k>, "
                    "avgpool<k>, flatten, dense<n>, relu, sigmoid, tanh, identity, softmax, dropout<p>, batchnorm; "
                    "a softmax output trains on log-likelihood unless --cost says otherwise)");
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

// digitnet train: train a network (a preset, flags on top), print one line per epoch, save it.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
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
#include "settings_text.hpp"
#include "usage.hpp"

namespace digitnet::cli {

namespace {

constexpr const char* kCheckpointFileName = "checkpoint.safetensors";

struct TrainOptions {
    DataOptions data;
    std::string preset = "default";
    std::string layers, activation, output_activation, cost, init, batch, lr_decay, optimizer, net;
    std::size_t epochs = 0, train_size = 0, early_stop = 0, lr_step = 0;
    float lr = 0, l2 = 0, l1 = 0, dropout = 0, momentum = 0, rho = 0, beta1 = 0, beta2 = 0, epsilon = 0;
    float lr_decay_factor = 0;
    float input_low = 0, elastic_alpha = 0, elastic_sigma = 4, augment_scale = 0, weight_average = 0;
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
        throw UsageError("--batch: expected a positive mini-batch size, or 0 / all for the full batch; found '" + text + "'");
    return static_cast<std::size_t>(parse_whole_number(text, "--batch"));
}

// The preset with every flag the user gave applied on top. `c` is the preset's (or the
// checkpoint's) configuration.
TrainConfig apply_flags(TrainConfig c, const TrainOptions& o, const CLI::App& cmd) {
    auto given = [&](const char* name) { return cmd.count(name) > 0; };
    if (given("--layers")) c.architecture.sizes = parse_layer_sizes(o.layers);
    if (given("--activation")) c.architecture.hidden = parse_activation(o.activation, "--activation");
    if (given("--output-activation"))
        c.architecture.output = parse_activation(o.output_activation, "--output-activation");
    if (given("--cost")) c.architecture.cost = parse_cost(o.cost);
    if (given("--no-bias")) c.architecture.use_bias = !o.no_bias;
    if (given("--batch-norm")) c.architecture.batch_norm = o.batch_norm;
    if (given("--input-low")) c.architecture.encoding.input_low = o.input_low;
    if (given("--targets")) {
        float low = 0, high = 0;
        char extra = 0;
        if (std::sscanf(o.targets.c_str(), "%f,%f%c", &low, &high, &extra) != 2 || !(low < high))
            throw UsageError("--targets: expected LOW,HIGH with LOW < HIGH (e.g. 0.01,0.99), found '" + o.targets + "'");
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
    if (given("--rho")) c.optimizer.rho = o.rho;
    if (given("--beta1")) c.optimizer.beta1 = o.beta1;
    if (given("--beta2")) c.optimizer.beta2 = o.beta2;
    if (given("--epsilon")) c.optimizer.epsilon = o.epsilon;
    if (given("--l2")) c.l2 = o.l2;
    if (given("--l1")) c.l1 = o.l1;
    if (given("--dropout")) c.dropout = o.dropout;
    if (given("--augment")) c.augment = o.augment;
    if (given("--elastic-alpha")) c.elastic_alpha = o.elastic_alpha;
    if (given("--elastic-sigma")) c.elastic_sigma = o.elastic_sigma;
    if (given("--augment-scale")) c.augment_scale = o.augment_scale;
    if (given("--train-size")) c.train_size = o.train_size;
    if (given("--weight-average")) c.weight_average = o.weight_average;
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
        for (const char* flag : {"--layers", "--activation", "--output-activation", "--no-bias", "--batch-norm"})
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
        {"--output-activation", [](const TrainConfig& c, Format) { return to_string(c.architecture.output); }},
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
        {"--rho", [](const TrainConfig& c, Format f) { return f(c.optimizer.rho); }},
        {"--beta1", [](const TrainConfig& c, Format f) { return f(c.optimizer.beta1); }},
        {"--beta2", [](const TrainConfig& c, Format f) { return f(c.optimizer.beta2); }},
        {"--epsilon", [](const TrainConfig& c, Format f) { return f(c.optimizer.epsilon); }},
        {"--l2", [](const TrainConfig& c, Format f) { return f(c.l2); }},
        {"--l1", [](const TrainConfig& c, Format f) { return f(c.l1); }},
        {"--dropout", [](const TrainConfig& c, Format f) { return f(c.dropout); }},
        {"--augment", [&](const TrainConfig& c, Format) { return on_off(c.augment); }},
        {"--elastic-alpha", [](const TrainConfig& c, Format f) { return f(c.elastic_alpha); }},
        {"--elastic-sigma", [](const TrainConfig& c, Format f) { return f(c.elastic_sigma); }},
        {"--augment-scale", [](const TrainConfig& c, Format f) { return f(c.augment_scale); }},
        {"--train-size", [](const TrainConfig& c, Format) { return c.train_size ? std::to_string(c.train_size) : "all"; }},
        {"--early-stop", [](const TrainConfig& c, Format) { return std::to_string(c.early_stop); }},
        {"--weight-average", [](const TrainConfig& c, Format f) { return f(c.weight_average); }},
        {"--lr-decay", [](const TrainConfig& c, Format) { return c.lr_decay; }},
        {"--lr-decay-factor", [](const TrainConfig& c, Format f) { return f(c.lr_decay_factor); }},
        {"--lr-step", [](const TrainConfig& c, Format) { return std::to_string(c.lr_step); }},
        {"--no-test-each-epoch", [&](const TrainConfig& c, Format) { return on_off(!c.evaluate_test); }},
    };
    // Numbers as a person writes them in the message (format_number's default digits).
    auto format_float = [](double v) { return format_number(v); };
    for (const auto& [flag, get] : fields)
        if (get(stored, exact_float) != get(requested, exact_float))
            throw UsageError(std::string(flag) + " " + get(requested, format_float) + " contradicts the checkpoint " + path +
                        ", which was trained with " + get(stored, format_float) +
                        " (leave the flag out to continue as it was)");
    if (requested.epochs < stored.epochs)
        throw UsageError("--epochs " + std::to_string(requested.epochs) + " contradicts the checkpoint " + path +
                    ", which was started for " + std::to_string(stored.epochs) + " epochs (only more epochs can be asked for)");
    // Whatever no flag above names (a setting a preset brings along) must agree too.
    TrainConfig same_epochs = requested;
    same_epochs.epochs = stored.epochs;
    if (!(same_epochs == stored))
        throw UsageError("--preset " + std::string("contradicts the checkpoint ") + path +
                    " in a setting no flag names (leave --preset out to continue as it was)");
}

std::string percent(double fraction) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * fraction);
    return buf;
}

// One epoch's line, in fixed-width columns so that the numbers of every epoch line up: the
// epoch as wide as the last one, the cost in 6 characters (costs below 10), each accuracy in 7
// ("100.00%"), the seconds in 5.
std::string epoch_line(const EpochMetrics& m, std::size_t epochs) {
    const int digits = static_cast<int>(std::to_string(epochs).size());
    char buf[512];
    int n = std::snprintf(buf, sizeof buf, "epoch %*zu/%zu  cost %6.4f  train %7s", digits, m.epoch, epochs, m.train_cost,
                          percent(m.train_accuracy).c_str());
    if (std::isfinite(m.validation_accuracy))
        n += std::snprintf(buf + n, sizeof buf - n, "  validation %7s", percent(m.validation_accuracy).c_str());
    if (std::isfinite(m.test_accuracy))
        n += std::snprintf(buf + n, sizeof buf - n, "  test %7s", percent(m.test_accuracy).c_str());
    std::snprintf(buf + n, sizeof buf - n, "  %5.1f s", m.seconds);
    return buf;
}

// "42 s", "3:05", "1:02:03": a duration as a clock shows it.
std::string clock_time(double seconds) {
    const auto total = static_cast<long long>(seconds + 0.5);
    char buf[64];
    if (total < 60) std::snprintf(buf, sizeof buf, "%lld s", total);
    else if (total < 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld", total / 60, total % 60);
    else std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60, total % 60);
    return buf;
}

// The progress bar on stderr, redrawn in place ("\r") at most ten times a second and at the end
// of every epoch: the epoch, how far into it, and the time the whole run has left at the pace
// of this run so far (evaluations between epochs included). Only for a terminal (see run_train).
class ProgressBar {
public:
    void update(std::size_t epoch, std::size_t epochs, std::size_t done, std::size_t total) {
        using clock = std::chrono::steady_clock;
        const auto now = clock::now();
        const std::size_t position = (epoch - 1) * total + done;  // mini-batches of the whole run
        if (!started_) {
            started_ = true;
            start_ = now;
            start_position_ = position;
        } else if (done != total && now - drawn_ < std::chrono::milliseconds(100)) {
            return;
        }
        drawn_ = now;
        const int width = 30, filled = static_cast<int>(width * done / total);
        char line[160];
        int n = std::snprintf(line, sizeof line, "  epoch %zu/%zu [%.*s%*s] %3zu%%", epoch, epochs, filled,
                              "==============================", width - filled, "", 100 * done / total);
        const std::size_t batches = position - start_position_;
        if (batches > 0) {
            const double per_batch = std::chrono::duration<double>(now - start_).count() / static_cast<double>(batches);
            const double left = per_batch * static_cast<double>(epochs * total - position);
            std::snprintf(line + n, sizeof line - n, "  %s left", clock_time(left).c_str());
        }
        std::fprintf(stderr, "\r%-*s", static_cast<int>(shown_), line);
        shown_ = std::max(shown_, std::strlen(line));
        std::fflush(stderr);
    }
    // Blanks the bar, so that the next line printed starts on a clean line.
    void clear() {
        if (shown_ == 0) return;
        std::fprintf(stderr, "\r%*s\r", static_cast<int>(shown_), "");
        std::fflush(stderr);
        shown_ = 0;
    }

private:
    bool started_ = false;
    std::chrono::steady_clock::time_point start_, drawn_;
    std::size_t start_position_ = 0;
    std::size_t shown_ = 0;  // the longest line drawn since the last clear
};

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

// `text` as one word for a POSIX shell: in single quotes, each ' written as '\''.
std::string shell_word(const std::string& text) {
    std::string word = "'";
    for (char c : text) word += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return word + "'";
}

// The command that continues an interrupted run, complete and ready to paste in any folder:
// this program's path and --resume with the checkpoint folder, and what the checkpoint does not
// remember or remembers relative to where the run started: --data when it is a file or folder,
// --data-dir (where a named dataset was found) and --metrics (the file to go on writing). Every
// path is absolute. The checkpoint remembers the rest: every setting, the split, the thread count
// and the model file.
std::string resume_command(const std::string& folder, const DataOptions& data, const TrainOptions& o,
                           const CLI::App& cmd) {
    namespace fs = std::filesystem;
    auto path_word = [](const std::string& path) {
        std::error_code ec;
        const fs::path absolute = fs::absolute(path, ec);
        return shell_word(ec ? path : absolute.lexically_normal().string());
    };
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    std::string command = (ec ? std::string("digitnet") : shell_word(self.string())) + " train --resume " +
                          path_word(folder);
    if (fs::exists(data.data, ec)) command += " --data " + path_word(data.data);
    if (cmd.count("--data-dir")) command += " --data-dir " + path_word(data.data_dir);
    if (!o.metrics.empty()) command += " --metrics " + path_word(o.metrics);
    return command;
}

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

    if (given("--out") && given("--output"))
        throw UsageError("--out: the older name of -o/--output; give the model file once");
    // A command line written when --output named the output layer's activation would save the
    // model into a file called "softmax": refused.
    if (std::error_code ec; !o.out.empty() && !fs::exists(o.out, ec)) {
        bool activation_name = true;
        try {
            (void)parse_activation(o.out, "--output");
        } catch (const Error&) {
            activation_name = false;
        }
        if (activation_name)
            throw UsageError("--output: expected a file for the model, found '" + o.out +
                             "', the name of an activation (the output layer's is --output-activation)");
    }

    // The configuration: the preset with the flags on top, or the checkpoint's, every flag
    // checked against it; the thread count and the data likewise.
    TrainConfig config;
    if (!resuming) {
        config = as_usage([&] { return apply_flags(find_preset(o.preset).config, o, cmd); });
        as_usage([&] { validate(config); });
    } else {
        TrainConfig requested = as_usage([&] { return apply_flags(info.config, o, cmd); });
        if (given("--preset")) {
            requested = as_usage([&] { return apply_flags(find_preset(o.preset).config, o, cmd); });
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
            throw UsageError("--threads " + std::to_string(o.threads) + " contradicts the checkpoint " + resume_path +
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
        throw UsageError("--validation-size " + std::to_string(o.data.validation_size) + " contradicts the checkpoint " +
                    resume_path + ", which was trained with a validation split of " +
                    std::to_string(info.validation_size) + " examples (leave the flag out to continue as it was)");
    if (resuming && !given("--data")) data_options.data = info.data_name;

    // The model file: -o's, or the one the checkpoint resumed from remembers. The checkpoints keep
    // its absolute path, so that a run resumed from another folder writes the same file.
    std::string model = o.out;
    std::string model_option = "--output";
    if (resuming && o.out.empty() && !info.output.empty()) {
        model = info.output;
        model_option = "--resume (the model file its checkpoint names)";
    }
    const bool keepable = model.size() <= 4096 && is_utf8(model) && std::none_of(model.begin(), model.end(), [](char c) {
                              return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
                          });
    if (!keepable)
        throw UsageError("--output: a checkpoint keeps the model file's path as text, which must be UTF-8 with no "
                         "control characters and at most 4096 bytes; found " + quote_text(model, 60));
    check_data_is_text(data_options.data);  // kept in the model file and every checkpoint (resume reads the data by it)

    // Every output, checked before the data is read: --output, --metrics, the checkpoint folder
    // (that of --checkpoint-dir, else the one resumed from), or, without one, the folder a
    // Ctrl-C would checkpoint into (next to --output).
    std::vector<NamedPath> data_file;
    if (std::error_code ec; fs::is_regular_file(data_options.data, ec)) data_file.push_back({"data", data_options.data});
    std::vector<NamedPath> inputs = data_file;
    if (resuming) inputs.push_back({"checkpoint", resume_path});
    check_outputs({{model_option, model}, {"--metrics", o.metrics}}, inputs);
    std::optional<CheckpointFolder> checkpoints;
    std::string interrupt_folder;
    if (!o.checkpoint_dir.empty()) {
        checkpoints.emplace(open_checkpoint_folder(o.checkpoint_dir, "--checkpoint-dir"));
    } else if (resuming) {
        checkpoints.emplace(open_checkpoint_folder(o.resume, "--resume"));
    } else {
        const fs::path out(o.out.empty() ? std::string("digitnet-model.safetensors") : o.out);
        interrupt_folder = (out.parent_path() / (out.stem().string() + ".checkpoint")).string();
        // Created only if a Ctrl-C comes; its folder is --output's, checked above.
        const std::string option = o.out.empty() ? "train" : "--output";
        std::error_code ec;
        if (fs::exists(interrupt_folder, ec) && !fs::is_directory(interrupt_folder, ec))
            throw Error(option + ": a Ctrl-C would write its checkpoint into '" + interrupt_folder +
                        "', which is a file, expected a folder (or give --checkpoint-dir)");
        if (fs::is_directory(interrupt_folder, ec))
            check_outputs({{option, (fs::path(interrupt_folder) / kCheckpointFileName).string()}});
    }
    // (The checkpoint may replace the one resumed from: that is how a run continues in place.)
    if (checkpoints)
        check_outputs({{model_option, model}, {"--metrics", o.metrics}, {checkpoints->option, checkpoints->file}},
                      data_file);

    DataSplits data = load_data(data_options);
    std::unique_ptr<Trainer> trainer;
    if (resuming) {
        trainer = std::make_unique<Trainer>(Trainer::resume(resume_path, data));
        if (config.epochs > trainer->config().epochs) trainer->set_epochs(config.epochs);
        std::printf("resuming %s from epoch %zu (threads %d)\n", resume_path.c_str(), trainer->epochs_done(), num_threads());
    } else {
        trainer = std::make_unique<Trainer>(config, data);
    }
    {
        std::error_code ec;
        const fs::path absolute = model.empty() ? fs::path() : fs::absolute(model, ec);
        trainer->set_output(ec ? model : absolute.string());
        if (resuming && !model.empty() && o.out.empty())
            std::printf("the model will be written to %s, as the run was started to\n", model.c_str());
    }
    const TrainConfig& run_config = trainer->config();

    std::printf("data: %s (train %zu%s, validation %zu, test %zu)\n", data.name.c_str(),
                run_config.train_size ? std::min(run_config.train_size, data.train.size()) : data.train.size(),
                run_config.train_size ? " used" : "", data.validation.size(), data.test.size());
    std::printf("network: %s, %zu parameters\n", run_config.architecture.describe().c_str(),
                trainer->network().parameter_count());
    for (const std::string& line : settings_lines(run_config, num_threads())) std::printf("%s\n", line.c_str());
    std::fflush(stdout);

    // The metrics file: rewritten whole after each epoch (atomically), so it always holds
    // every epoch so far, including those before a resume.
    auto write_metrics = [&] {
        if (o.metrics.empty()) return;
        std::string text;
        for (const auto& m : trainer->history()) text += to_json(m) + "\n";
        write_file_atomic(o.metrics, text);
    };

    // The progress bar: on a terminal only, and not with --quiet.
    const bool progress = !o.quiet && isatty(fileno(stderr));
    ProgressBar bar;
    TrainHooks hooks;
    hooks.stop = &g_interrupted;
    hooks.on_batch = [&](std::size_t done, std::size_t total) {
        if (progress) bar.update(trainer->epochs_done() + 1, trainer->config().epochs, done, total);
    };
    hooks.on_epoch = [&](const EpochMetrics& m) {
        bar.clear();
        if (!o.quiet) std::printf("%s\n", epoch_line(m, trainer->config().epochs).c_str());
        std::fflush(stdout);
        write_metrics();
        if (checkpoints) trainer->save_checkpoint(checkpoints->file);
    };

    const TrainStatus status = trainer->run(hooks);
    bar.clear();

    if (status == TrainStatus::diverged) {
        std::string where = checkpoints ? "; the last good checkpoint is in " + checkpoints->folder : "";
        throw Error(trainer->divergence_message() + where);
    }
    if (status == TrainStatus::interrupted) {
        // Further signals stay caught (only recorded) until the checkpoint is renamed into place.
        if (!checkpoints) checkpoints.emplace(open_checkpoint_folder(interrupt_folder, "checkpoint folder"));
        trainer->save_checkpoint(checkpoints->file);
        write_metrics();
        std::fprintf(stderr, "interrupted (%s): checkpoint written to %s; to continue: %s\n", signal_name(),
                     checkpoints->folder.c_str(), resume_command(checkpoints->folder, data_options, o, cmd).c_str());
        std::fflush(stderr);
        std::exit(stopped_status());
    }
    if (status == TrainStatus::early_stopped) {
        // The weights kept are those of the first epoch with the best validation accuracy (the
        // trainer keeps a new best only when it is strictly better).
        const EpochMetrics* best = nullptr;
        for (const EpochMetrics& m : trainer->history())
            if (!best || m.validation_accuracy > best->validation_accuracy) best = &m;
        std::printf("early stop: no better validation accuracy for %zu epoch%s; keeping the weights of epoch %zu (%s)\n",
                    run_config.early_stop, run_config.early_stop == 1 ? "" : "s", best->epoch,
                    percent(best->validation_accuracy).c_str());
    }

    // The test accuracy after the last epoch, measured before the model is written so that the
    // file records it (inspect and serve show it).
    std::optional<Evaluation> test;
    if (data.test.size()) test = evaluate_accuracy(trainer->network(), data.test);
    if (!model.empty()) {
        Metadata meta{{"training", to_json(run_config)}, {"data", data.name},
                      {"image_rows", std::to_string(data.train.image_rows)},
                      {"image_cols", std::to_string(data.train.image_cols)}};
        if (test) meta["test_accuracy"] = std::to_string(test->accuracy);
        save_model(model, trainer->network(), meta);
        std::printf("model written to %s\n", model.c_str());
    } else if (!o.quiet) {
        std::printf("the model is not saved (-o MODEL keeps it)\n");
    }
    std::fflush(stdout);
    // A signal that came after the last mini-batch waited for the model to be written.
    default_stop_signals();
    if (g_interrupted.load()) {
        std::fprintf(stderr, "interrupted (%s) after training had finished%s\n", signal_name(),
                     model.empty() ? "" : "; the model is written");
        std::exit(stopped_status());
    }
    if (test) std::printf("test accuracy: %s (%zu/%zu)\n", percent(test->accuracy).c_str(), test->correct, test->examples);
}

}  // namespace

void add_train_command(CLI::App& app) {
    auto opts = std::make_shared<TrainOptions>();
    auto* cmd = app.add_subcommand("train", "Train a network on a dataset, one line per epoch, and save it");
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
    cmd->add_option("--activation", opts->activation, "hidden activation: sigmoid, relu, tanh or identity");
    cmd->add_option("--output-activation", opts->output_activation,
                    "output activation: sigmoid, softmax, identity, tanh or relu");
    cmd->add_option("--cost", opts->cost, "cost: quadratic, cross-entropy or log-likelihood");
    cmd->add_option("--init", opts->init, "weight initialisation: normal, scaled-normal, rashid, xavier or he");
    cmd->add_flag("--no-bias", opts->no_bias, "layers without biases (Rashid's network)");
    cmd->add_flag("--batch-norm", opts->batch_norm, "batch normalisation on every hidden layer");
    cmd->add_option("--input-low", opts->input_low, "inputs scaled to LOW..1 instead of 0..1 (Rashid: 0.01)")
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
    cmd->add_option("--optimizer", opts->optimizer, "optimiser: sgd, momentum, nesterov, adagrad, rmsprop or adam");
    const RealRange unit{0.0, 1.0, false, true};  // [0, 1)
    cmd->add_option("--momentum", opts->momentum, "μ of momentum and nesterov (default: the preset's, 0.9)")
        ->transform(real_number(unit));
    cmd->add_option("--rho", opts->rho, "ρ of rmsprop, the decay of its squared-gradient average (default: the preset's, 0.9)")
        ->transform(real_number(unit));
    cmd->add_option("--beta1", opts->beta1, "β1 of adam (default: the preset's, 0.9)")->transform(real_number(unit));
    cmd->add_option("--beta2", opts->beta2, "β2 of adam (default: the preset's, 0.999)")->transform(real_number(unit));
    cmd->add_option("--epsilon", opts->epsilon,
                    "ε of adagrad, rmsprop and adam, added to the root in the update's denominator (default: the "
                    "preset's, 1e-8)")
        ->transform(real_number(between(1e-20, 1.0)));
    cmd->add_option("--l2", opts->l2, "λ of L2 regularisation (weight decay), scaled by the training-set size")
        ->transform(real_number(non_negative()));
    cmd->add_option("--l1", opts->l1, "λ of L1 regularisation, scaled by the training-set size")
        ->transform(real_number(non_negative()));
    cmd->add_option("--dropout", opts->dropout, "dropout probability on every hidden layer")
        ->transform(real_number(unit));
    cmd->add_flag("--augment", opts->augment,
                  "expand the training data with random shifts (up to 2 pixels) and rotations (up to 10 degrees)");
    cmd->add_option("--elastic-alpha", opts->elastic_alpha,
                    "with --augment: elastic distortions of strength α, in pixels (e.g. 34; default: none)")
        ->transform(real_number(between(0.0, 100.0)));
    cmd->add_option("--elastic-sigma", opts->elastic_sigma,
                    "with --augment: smoothness σ of the distortions, in pixels (default: the preset's, 4)")
        ->transform(real_number({0.0, 20.0, true, false}));
    cmd->add_option("--augment-scale", opts->augment_scale,
                    "with --augment: change each image's size by a factor in [1 - S, 1 + S] (e.g. 0.1; default: none)")
        ->transform(real_number(between(0.0, 0.5)));
    cmd->add_option("--train-size", opts->train_size, "use only the first N training examples (default: all)")
        ->transform(whole_number(1));
    cmd->add_option("--early-stop", opts->early_stop,
                    "stop after N epochs without a better validation accuracy and keep the best epoch's weights")
        ->transform(whole_number(0, kMaxEpochs));
    cmd->add_option("--weight-average", opts->weight_average,
                    "evaluate and save the weights' moving average w̄ ← d·w̄ + (1 - d)·w, updated after every step, "
                    "with decay d (e.g. 0.999; default: none)")
        ->transform(real_number(unit));
    cmd->add_option("--lr-decay", opts->lr_decay, "learning-rate schedule: none, step or plateau");
    cmd->add_option("--lr-decay-factor", opts->lr_decay_factor,
                    "factor the learning rate is multiplied by at each decay (default: the preset's, 0.5)")
        ->transform(real_number({0.0, 1.0, true, false}));  // (0, 1]
    cmd->add_option("--lr-step", opts->lr_step, "step: epochs between decays; plateau: patience in epochs")
        ->transform(whole_number(1, kMaxEpochs));
    cmd->add_flag("--no-test-each-epoch", opts->no_test, "do not report test accuracy after every epoch");
    cmd->add_option("--threads", opts->threads, "threads for matrix products (0 = all cores)")
        ->transform(whole_number(0, 1024))
        ->capture_default_str();
    cmd->add_option("-o,--output", opts->out, "write the trained model to MODEL (safetensors)")->type_name("MODEL");
    // --out, the name this option had before, still works; an empty group keeps it out of the help.
    cmd->add_option("--out", opts->out)->group("");
    cmd->add_option("--metrics", opts->metrics, "write every epoch's metrics to FILE (JSON lines)")->type_name("FILE");
    cmd->add_option("--checkpoint-dir", opts->checkpoint_dir, "write a checkpoint into DIR after every epoch")
        ->type_name("DIR");
    cmd->add_option("--resume", opts->resume, "continue the run whose checkpoint is in DIR")->type_name("DIR");
    cmd->add_flag("--quiet", opts->quiet, "print no per-epoch lines and no progress bar");
    cmd->callback([opts, cmd] { run_train(*opts, *cmd); });
}

}  // namespace digitnet::cli

// digitnet serve: a page to draw a digit and watch the network read it (and learn), and its JSON
// API. The server itself is in serve/ (serve/README.md); this file reads the options, loads or
// trains the models and waits for Ctrl-C.
#include <signal.h>

#include <csignal>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "data_options.hpp"
#include "digitnet/evaluate.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/presets.hpp"
#include "digitnet/train.hpp"
#include "number_options.hpp"
#include "serve/http_server.hpp"
#include "usage.hpp"

namespace digitnet::cli {

namespace {

struct ServeOptions {
    std::vector<std::string> models;
    std::vector<std::string> metrics;  // the k-th belongs to the k-th model
    std::string host = "127.0.0.1";
    std::uint16_t port = 8080;
    std::string save_dir = ".";
    std::string web_dir = DIGITNET_WEB_DIR;
    double timeout = 10;
    std::size_t epochs = 2;  // of the default preset, when no model is given
    DataOptions data;
};

// Set by SIGINT or SIGTERM; the main thread polls it.
std::atomic<bool> serve_stop_requested{false};
extern "C" void on_serve_signal(int) { serve_stop_requested.store(true); }

// The network a model-less `digitnet serve` answers with: the default preset, trained briefly.
std::shared_ptr<serve::Model> train_default_model(const DataSplits& data, std::size_t epochs) {
    const Preset& preset = find_preset("default");
    TrainConfig config = preset.config;
    config.epochs = epochs;
    std::printf("no model given: training the %s preset for %zu epochs first (--epochs for more)\n", preset.name.c_str(),
                epochs);
    std::fflush(stdout);
    Trainer trainer(config, data);
    TrainHooks hooks;
    hooks.stop = &serve_stop_requested;
    hooks.on_epoch = [&](const EpochMetrics& m) {
        if (std::isfinite(m.test_accuracy)) std::printf("  epoch %zu: test accuracy %.2f%%\n", m.epoch, 100 * m.test_accuracy);
        else std::printf("  epoch %zu done\n", m.epoch);
        std::fflush(stdout);
    };
    trainer.run(hooks);
    serve::ModelCard card;
    card.metadata = {{"training", to_json(trainer.config())}, {"data", data.name}};
    card.data = data.name;
    card.curves = trainer.history();
    if (!card.curves.empty()) {
        card.test_accuracy = card.curves.back().test_accuracy;
        card.test_accuracy_source = "the last epoch of the training at start-up";
    }
    return std::make_shared<serve::Model>("default", trainer.network(), card);
}

void run_serve(const ServeOptions& o) {
    if (o.metrics.size() > o.models.size())
        throw UsageError("--metrics: one file per model, in the models' order; found " + std::to_string(o.metrics.size()) +
                         " for " + std::to_string(o.models.size()) + " models");
    std::error_code ec;
    if (!std::filesystem::is_directory(o.web_dir, ec))
        throw UsageError("--web: expected the folder of the page's files, found " + quote_text(o.web_dir, 200));
    if (!std::filesystem::is_directory(o.save_dir, ec))
        throw UsageError("--save-dir: expected an existing folder, found " + quote_text(o.save_dir, 200));

    // The data: for training from the page, and to measure a model's test accuracy.
    check_data_is_text(o.data.data);  // a model trained from the page keeps it
    std::shared_ptr<const DataSplits> data;
    try {
        data = std::make_shared<const DataSplits>(load_data(o.data));
    } catch (const Error& e) {
        if (o.models.empty()) throw;
        std::printf("training from the page is off: %s\n", e.what());
    }

    serve::Models models;
    for (std::size_t k = 0; k < o.models.size(); ++k) {
        Metadata meta;
        Network network = load_model(o.models[k], &meta);
        if (network.input_size() != 784)
            throw Error(o.models[k] + ": serve needs a network with 784 (28x28) inputs, found " +
                        std::to_string(network.input_size()));
        serve::ModelCard card = serve::card_from_file(o.models[k], meta, k < o.metrics.size() ? o.metrics[k] : "");
        if (!std::isfinite(card.test_accuracy) && data && data->test.size() && data->test.features() == 784) {
            card.test_accuracy = evaluate_accuracy(network, data->test).accuracy;
            card.test_accuracy_source = "measured by serve on " + data->name + "'s " + std::to_string(data->test.size()) +
                                        " test images";
        }
        const std::string name = models.unused_name(serve::model_name_for(o.models[k]));
        models.put(std::make_shared<serve::Model>(name, std::move(network), std::move(card)));
        std::printf("model %s: %s\n", name.c_str(), o.models[k].c_str());
    }
    if (o.models.empty()) models.put(train_default_model(*data, o.epochs));
    if (serve_stop_requested) return;

    serve::Training training(models, data, o.save_dir);
    serve::Service service(models, training, o.web_dir);
    serve::ServerOptions options;
    options.host = o.host;
    options.port = o.port;
    options.limits.request_deadline = std::chrono::milliseconds(static_cast<long long>(o.timeout * 1000));
    serve::HttpServer server(options, service);
    std::printf("serving on %s (Ctrl-C stops)\n", server.url().c_str());
    std::fflush(stdout);
    while (!serve_stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::printf("stopping\n");
    std::fflush(stdout);
}

}  // namespace

void add_serve_command(CLI::App& app) {
    auto o = std::make_shared<ServeOptions>();
    auto* cmd = app.add_subcommand("serve", "Serve a page to draw digits for the models to read, and to watch one learn");
    cmd->add_option("MODEL", o->models, "model files written by digitnet train -o (none: train the default preset first)")
        ->type_name("");
    cmd->add_option("--port", o->port, "the port to listen on (0: any free one)")
        ->transform(whole_number(0, 65535))
        ->capture_default_str();
    cmd->add_option("--host", o->host, "the address to listen on (another than loopback lets other machines in)")
        ->capture_default_str();
    cmd->add_option("--metrics", o->metrics,
                    "a metrics file of train --metrics, for a model's training curves (one per MODEL, in order)")
        ->type_name("FILE")
        ->allow_extra_args(false);
    cmd->add_option("--save-dir", o->save_dir, "the folder the page's save button writes models to")
        ->type_name("DIR")
        ->capture_default_str();
    cmd->add_option("--web", o->web_dir, "the folder of the page's files")->type_name("DIR");
    cmd->add_option("--timeout", o->timeout, "seconds a client has to send a whole request (slower ones are dropped)")
        ->transform(real_number(between(0.1, 3600)))
        ->capture_default_str();
    cmd->add_option("--epochs", o->epochs, "with no MODEL: epochs of the default preset to train first")
        ->transform(whole_number(1, 20))
        ->capture_default_str();
    add_data_options(cmd, o->data);
    cmd->callback([o] {
        struct sigaction action {};
        action.sa_handler = on_serve_signal;
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, nullptr);
        sigaction(SIGTERM, &action, nullptr);
        std::signal(SIGPIPE, SIG_IGN);
        run_serve(*o);
    });
}

}  // namespace digitnet::cli

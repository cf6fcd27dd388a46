// Training in the server (training.hpp).
#include "serve/training.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>

#include "digitnet/preprocess.hpp"
#include "digitnet/presets.hpp"
#include "digitnet/train.hpp"

namespace digitnet::serve {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// At most this many events are kept for a run (progress events are ten a second at most).
constexpr std::size_t kMaxEvents = 20000;
// How often the session model is refreshed from the network being trained, and progress sent.
constexpr auto kSnapshotEvery = std::chrono::milliseconds(500);
constexpr auto kProgressEvery = std::chrono::milliseconds(100);

std::size_t whole_field(const json& j, const char* key, std::size_t low, std::size_t high) {
    const json& v = j[key];
    const std::string expected = std::string(key) + ": expected a whole number " + std::to_string(low) + ".." +
                                 std::to_string(high) + ", found ";
    if (!v.is_number()) throw ApiError(400, expected + (v.is_string() ? "a string" : "something that is not a number"));
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (!std::isfinite(d) || d != std::floor(d)) throw ApiError(400, expected + "a fraction");
        if (d < static_cast<double>(low) || d > static_cast<double>(high))
            throw ApiError(400, expected + std::to_string(static_cast<long long>(std::clamp(d, -1e18, 1e18))));
        return static_cast<std::size_t>(d);
    }
    if (v.is_number_integer() && v.get<long long>() < 0) throw ApiError(400, expected + std::to_string(v.get<long long>()));
    const auto n = v.get<unsigned long long>();
    if (n < low || n > high) throw ApiError(400, expected + std::to_string(n));
    return static_cast<std::size_t>(n);
}

std::string timestamp() {
    const std::time_t now = std::time(nullptr);
    std::tm t{};
    localtime_r(&now, &t);
    char text[32];
    std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &t);
    return text;
}

}  // namespace

TrainRequest parse_train_request(std::string_view body) {
    const json j = parse_object(body);
    for (const auto& [key, value] : j.items())
        if (key != "preset" && key != "epochs" && key != "examples")
            throw ApiError(400, "body: unknown field " + quote_text(key, 40) + " (expected preset, epochs, examples)");
    TrainRequest r;
    if (j.contains("preset")) {
        if (!j["preset"].is_string()) throw ApiError(400, "preset: expected a preset's name, found something else");
        r.preset = j["preset"].get<std::string>();
        std::string known;
        bool found = false;
        for (const Preset& p : presets()) {
            known += (known.empty() ? "" : ", ") + p.name;
            found = found || p.name == r.preset;
        }
        if (!found) throw ApiError(400, "preset: expected one of " + known + "; found " + quote_text(r.preset, 40));
    }
    if (j.contains("epochs")) r.epochs = whole_field(j, "epochs", 1, kMaxServeEpochs);
    if (j.contains("examples")) r.examples = whole_field(j, "examples", kMinServeExamples, 60000);
    return r;
}

Training::Training(Models& models, std::shared_ptr<const DataSplits> data, std::string save_dir)
    : models_(models), data_(std::move(data)), save_dir_(std::move(save_dir)) {}

Training::~Training() {
    stop_ = true;
    close();
    if (thread_.joinable()) thread_.join();
}

json Training::start(const TrainRequest& request) {
    if (!data_ || data_->train.size() == 0)
        throw ApiError(503, "training: this server has no training data (serve finds MNIST as train does: see data)");
    if (data_->train.features() != kDigitSide * kDigitSide)
        throw ApiError(503, "training: the server's data are not 28x28 images");
    std::lock_guard lock(mutex_);
    if (running_) throw ApiError(409, "training: a run is going ('" + model_name_ + "'); stop it or wait for it to end");
    if (thread_.joinable()) thread_.join();  // the last run, already over
    TrainRequest r = request;
    if (r.examples > data_->train.size()) r.examples = data_->train.size();
    ++runs_;
    model_name_ = models_.unused_name("session-" + std::to_string(runs_));
    request_ = r;
    running_ = true;
    stop_ = false;
    history_ = json::array();
    progress_ = json::object();
    events_.clear();
    const json started{{"model", model_name_}, {"preset", r.preset}, {"epochs", r.epochs},
                       {"examples", r.examples ? r.examples : data_->train.size()}};
    thread_ = std::thread([this, r, name = model_name_, started] { run(r, name, started); });
    return started;
}

json Training::stop() {
    std::lock_guard lock(mutex_);
    if (!running_) throw ApiError(409, "training: no run is going");
    stop_ = true;
    return {{"stopping", model_name_}};
}

json Training::status() const {
    std::lock_guard lock(mutex_);
    json j{{"running", running_}, {"available", data_ != nullptr}, {"max_epochs", kMaxServeEpochs}};
    if (runs_) {
        j["model"] = model_name_;
        j["preset"] = request_.preset;
        j["epochs"] = request_.epochs;
        j["history"] = history_;
        j["progress"] = progress_;
    }
    json names = json::array();
    for (const Preset& p : presets()) names.push_back({{"name", p.name}, {"description", p.description}});
    j["presets"] = names;
    return j;
}

void Training::publish(const std::string& kind, const json& data) {
    std::lock_guard lock(mutex_);
    if (events_.size() < kMaxEvents || kind != "progress") events_.push_back({next_event_++, kind, data.dump()});
    changed_.notify_all();
}

std::vector<TrainEvent> Training::events_after(std::size_t after, std::chrono::milliseconds wait) const {
    std::unique_lock lock(mutex_);
    auto fresh = [&] { return closing_ || (!events_.empty() && events_.back().id > after); };
    changed_.wait_for(lock, wait, fresh);
    std::vector<TrainEvent> out;
    for (const TrainEvent& e : events_)
        if (e.id > after) out.push_back(e);
    return out;
}

void Training::close() {
    std::lock_guard lock(mutex_);
    closing_ = true;
    changed_.notify_all();
}

void Training::run(TrainRequest request, std::string model_name, nlohmann::json started) {
    json done{{"model", model_name}};
    try {
        const Preset& preset = find_preset(request.preset);
        TrainConfig config = preset.config;
        config.epochs = request.epochs;
        config.train_size = request.examples;
        Trainer trainer(config, *data_);
        ModelCard card;
        card.metadata = {{"training", to_json(config)}, {"data", data_->name},
                         {"image_rows", std::to_string(data_->train.image_rows)},
                         {"image_cols", std::to_string(data_->train.image_cols)}};
        card.data = data_->name;
        card.test_accuracy_source = "this session's training, after its last epoch";
        auto snapshot = [&] {
            card.curves = trainer.history();
            if (!card.curves.empty()) card.test_accuracy = card.curves.back().test_accuracy;
            models_.put(std::make_shared<Model>(model_name, trainer.network(), card));
        };
        snapshot();  // the untrained network: its answers are chance until the first batches
        publish("start", started);  // once the model is there to be drawn against
        Clock::time_point last_snapshot = Clock::now(), last_progress = Clock::now();
        TrainHooks hooks;
        hooks.stop = &stop_;
        hooks.on_batch = [&](std::size_t done_examples, std::size_t total) {
            const Clock::time_point now = Clock::now();
            if (now - last_progress >= kProgressEvery || done_examples == total) {
                last_progress = now;
                const json p{{"epoch", trainer.epochs_done() + 1}, {"epochs", config.epochs}, {"done", done_examples},
                             {"total", total}};
                {
                    std::lock_guard lock(mutex_);
                    progress_ = p;
                }
                publish("progress", p);
            }
            if (now - last_snapshot >= kSnapshotEvery) {
                last_snapshot = now;
                snapshot();
            }
        };
        hooks.on_epoch = [&](const EpochMetrics& m) {
            snapshot();
            last_snapshot = Clock::now();
            json e = epoch_json(m);
            e["epochs"] = config.epochs;
            {
                std::lock_guard lock(mutex_);
                history_.push_back(e);
            }
            publish("epoch", e);
        };
        const TrainStatus status = trainer.run(hooks);
        snapshot();
        done["status"] = status == TrainStatus::finished        ? "finished"
                         : status == TrainStatus::early_stopped ? "early stopped"
                         : status == TrainStatus::interrupted   ? "stopped"
                                                                : "diverged";
        if (status == TrainStatus::diverged) done["error"] = trainer.divergence_message();
        done["epochs_done"] = trainer.epochs_done();
    } catch (const Error&) {
        done["status"] = "failed";
        done["error"] = "training could not run with these settings";
    } catch (const std::exception&) {
        done["status"] = "failed";
        done["error"] = "training stopped: out of memory or an internal error";
    }
    {
        std::lock_guard lock(mutex_);
        running_ = false;
        session_models_.push_back(model_name);
    }
    publish("done", done);
}

json Training::save(const std::string& name) {
    const std::shared_ptr<Model> model = models_.find(name);
    {
        std::lock_guard lock(mutex_);
        if (std::find(session_models_.begin(), session_models_.end(), name) == session_models_.end())
            throw ApiError(409, name == model_name_ && running_
                                    ? "model: '" + name + "' is still training; save it when its run has ended"
                                    : "model: '" + name + "' was not trained in this session (it is a file already)");
    }
    const std::string file = name + "-" + timestamp() + ".safetensors";
    const std::filesystem::path path = std::filesystem::path(save_dir_) / file;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) throw ApiError(409, "model: " + file + " exists already; try again in a second");
    try {
        save_model(path.string(), model->network_copy(), model->card().metadata);
    } catch (const Error&) {
        throw ApiError(500, "model: the file could not be written in the server's save folder");
    }
    return {{"saved", file}};
}

}  // namespace digitnet::serve

#pragma once
// Training in the server: one run at a time, on a thread of its own, bounded in epochs and
// examples. Each epoch's metrics and the progress within an epoch become events (for the
// page's server-sent events stream); the network being trained is a model of the session
// ("session-1", ...), refreshed as it learns, so that the page can draw against it.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "digitnet/dataset.hpp"
#include "serve/api.hpp"

namespace digitnet::serve {

// The bounds of a training request.
inline constexpr std::size_t kMaxServeEpochs = 20;
inline constexpr std::size_t kMinServeExamples = 100;

// POST /api/train: {"preset": name, "epochs": 1..20, "examples": 100..(training set size)}.
struct TrainRequest {
    std::string preset = "default";
    std::size_t epochs = 1;
    std::size_t examples = 0;  // 0 = the whole training split
};
TrainRequest parse_train_request(std::string_view body);

// One event of the stream: its number (counting from 1 over the server's life), kind and JSON.
struct TrainEvent {
    std::size_t id = 0;
    std::string kind;  // "start", "progress", "epoch", "done"
    std::string data;  // a JSON object
};

class Training {
public:
    // `data` (may be null: then training is refused) must outlive this object. Finished
    // models are added to `models`; they are saved into `save_dir`.
    Training(Models& models, std::shared_ptr<const DataSplits> data, std::string save_dir);
    ~Training();  // stops a run and waits for it
    Training(const Training&) = delete;
    Training& operator=(const Training&) = delete;

    // Starts a run; ApiError 409 while one runs, 503 without data, 400 for a bad request.
    nlohmann::json start(const TrainRequest& request);
    // Asks the run to stop after its current mini-batch; ApiError 409 when none runs.
    nlohmann::json stop();
    // Whether a run is going, its request, its epochs so far and its progress.
    nlohmann::json status() const;
    // Saves the session model `name` (made by a run) into the save folder with the same atomic
    // write as train -o; returns the file's name. ApiError 404/409 for a model that is not one.
    nlohmann::json save(const std::string& name);

    // The events after `after` (all of the current run's when after is 0), waiting up to `wait`
    // for one to come. Returns at once when the server is closing (`closing()`).
    std::vector<TrainEvent> events_after(std::size_t after, std::chrono::milliseconds wait) const;
    // Wakes every waiting stream and makes it end.
    void close();
    bool closing() const { return closing_.load(); }

private:
    void run(TrainRequest request, std::string model_name, nlohmann::json started);
    void publish(const std::string& kind, const nlohmann::json& data);

    Models& models_;
    std::shared_ptr<const DataSplits> data_;
    std::string save_dir_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> closing_{false};

    mutable std::mutex mutex_;  // guards everything below
    mutable std::condition_variable changed_;
    bool running_ = false;
    std::size_t runs_ = 0;
    TrainRequest request_;
    std::string model_name_;
    nlohmann::json history_ = nlohmann::json::array();
    nlohmann::json progress_;
    std::vector<std::string> session_models_;  // names of the models runs made
    std::vector<TrainEvent> events_;            // the current run's
    std::size_t next_event_ = 1;
};

}  // namespace digitnet::serve

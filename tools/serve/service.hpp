#pragma once
// The routes of `digitnet serve`: a request (method, path, body) in, a reply out, with no HTTP
// library in sight, so that every endpoint and every refusal can be tested directly.
//   GET  /, /NAME.EXT                   the page's files (web/), nothing else
//   GET  /api/models                    the models: name, kind, architecture, parameters
//   GET  /api/models/NAME               its card
//   GET  /api/models/NAME/weights.png   its first layer's weights, or a CNN's filters
//   POST /api/models/NAME/save          a session model written to the save folder
//   POST /api/predict                   the answer to a picture
//   GET  /api/train                     the training run: going or not, its epochs so far
//   POST /api/train                     starts a run; POST /api/train/stop stops it
//   GET  /api/train/events              server-sent events of the run (the HTTP layer streams them)
#include <string>
#include <utility>
#include <vector>

#include "serve/api.hpp"
#include "serve/training.hpp"

namespace digitnet::serve {

struct Request {
    std::string method;
    std::string path;   // decoded, without the query
    std::string body;
};

struct Reply {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    bool event_stream = false;  // GET /api/train/events: the HTTP layer streams Training's events
    std::vector<std::pair<std::string, std::string>> headers;
};

class Service {
public:
    Service(Models& models, Training& training, std::string web_dir);
    // Never throws: a refusal is a 4xx reply with {"error": ...}; anything unexpected a 500
    // reply saying only that.
    Reply handle(const Request& request) const;
    Training& training() const { return training_; }

private:
    Reply route(const Request& request) const;
    Reply static_file(const std::string& path) const;

    Models& models_;
    Training& training_;
    std::string web_dir_;
};

// A reply {"error": message} with `status`.
Reply error_reply(int status, const std::string& message);

}  // namespace digitnet::serve

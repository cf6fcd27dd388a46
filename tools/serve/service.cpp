// The routes of digitnet serve (service.hpp).
#include "serve/service.hpp"

#include <chrono>
#include <filesystem>
#include <new>

#include "digitnet/file_io.hpp"

namespace digitnet::serve {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxStaticBytes = 4 << 20;

Reply json_reply(const json& j, int status = 200) {
    Reply r;
    r.status = status;
    // A model's file name need not be UTF-8: such bytes are sent as U+FFFD, not refused.
    r.body = j.dump(-1, ' ', false, json::error_handler_t::replace);
    return r;
}

// The content type of a page file, by its extension ("" for one that is not served).
std::string static_type(const std::string& extension) {
    if (extension == ".html") return "text/html; charset=utf-8";
    if (extension == ".js" || extension == ".mjs") return "text/javascript; charset=utf-8";
    if (extension == ".css") return "text/css; charset=utf-8";
    if (extension == ".svg") return "image/svg+xml";
    if (extension == ".png") return "image/png";
    if (extension == ".ico") return "image/x-icon";
    return "";
}

// A page file's name: letters, digits, '_' and '-', one '.' before the extension; no folders.
bool plain_file_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    std::size_t dots = 0;
    for (char c : name) {
        if (c == '.') ++dots;
        else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return dots == 1 && name.front() != '.' && name.back() != '.';
}

// The parts of a path after "/api/": "models/x/save" -> {"models", "x", "save"}.
std::vector<std::string> segments(const std::string& path) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::size_t end = slash == std::string::npos ? path.size() : slash;
        parts.push_back(path.substr(start, end - start));
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return parts;
}

Reply method_not_allowed(const std::string& path, const std::string& allowed) {
    Reply r = error_reply(405, "method: " + path + " takes " + allowed);
    r.headers.emplace_back("Allow", allowed);
    return r;
}

}  // namespace

Reply error_reply(int status, const std::string& message) { return json_reply(json{{"error", message}}, status); }

Service::Service(Models& models, Training& training, std::string web_dir)
    : models_(models), training_(training), web_dir_(std::move(web_dir)) {}

Reply Service::handle(const Request& request) const {
    try {
        return route(request);
    } catch (const ApiError& e) {
        return error_reply(e.status(), e.what());
    } catch (const std::bad_alloc&) {
        return error_reply(503, "server: out of memory for this request");
    } catch (const std::exception&) {
        // Whatever else went wrong stays in the server: its text may name internals.
        return error_reply(500, "server: the request could not be answered");
    }
}

Reply Service::route(const Request& request) const {
    const std::string& path = request.path;
    const std::string& method = request.method;
    if (path.rfind("/api/", 0) != 0) {
        if (method != "GET" && method != "HEAD") return method_not_allowed(path, "GET");
        return static_file(path);
    }
    const std::vector<std::string> parts = segments(path.substr(5));
    const bool get = method == "GET" || method == "HEAD", post = method == "POST";

    if (parts.size() == 1 && parts[0] == "predict") {
        if (!post) return method_not_allowed(path, "POST");
        const auto start = std::chrono::steady_clock::now();
        Reply r = json_reply(predict_json(models_, parse_predict_request(request.body)));
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        r.headers.emplace_back("Server-Timing", "predict;dur=" + std::to_string(ms));
        return r;
    }
    if (parts[0] == "models") {
        if (parts.size() == 1) {
            if (!get) return method_not_allowed(path, "GET");
            json list = json::array();
            for (const auto& m : models_.list()) {
                const json card = m->card_json();
                list.push_back({{"name", m->name()}, {"kind", card["kind"]}, {"architecture", card["architecture"]},
                                {"parameters", card["parameters"]}, {"test_accuracy", card["test_accuracy"]}});
            }
            return json_reply({{"models", list}});
        }
        const std::string& name = parts[1];
        if (!valid_model_name(name))
            return error_reply(404, "model: expected a model's name in the path, found " + quote_text(name, 64));
        if (parts.size() == 2) {
            if (!get) return method_not_allowed(path, "GET");
            return json_reply(models_.find(name)->card_json());
        }
        if (parts.size() == 3 && parts[2] == "weights.png") {
            if (!get) return method_not_allowed(path, "GET");
            const std::vector<std::uint8_t> png = models_.find(name)->weights_png();
            Reply r;
            r.content_type = "image/png";
            r.body.assign(png.begin(), png.end());
            return r;
        }
        if (parts.size() == 3 && parts[2] == "save") {
            if (!post) return method_not_allowed(path, "POST");
            return json_reply(training_.save(name));
        }
    }
    if (parts[0] == "train") {
        if (parts.size() == 1) {
            if (get) return json_reply(training_.status());
            if (!post) return method_not_allowed(path, "GET, POST");
            return json_reply(training_.start(parse_train_request(request.body)), 202);
        }
        if (parts.size() == 2 && parts[1] == "stop") {
            if (!post) return method_not_allowed(path, "POST");
            return json_reply(training_.stop());
        }
        if (parts.size() == 2 && parts[1] == "events") {
            if (!get) return method_not_allowed(path, "GET");
            Reply r;
            r.content_type = "text/event-stream";
            r.event_stream = true;
            return r;
        }
    }
    return error_reply(404, "path: no endpoint " + quote_text(path, 80) + " (see docs/api.md)");
}

Reply Service::static_file(const std::string& path) const {
    const std::string name = path == "/" ? "index.html" : path.substr(1);
    const std::string type = plain_file_name(name) ? static_type(std::filesystem::path(name).extension().string()) : "";
    const std::filesystem::path file = std::filesystem::path(web_dir_) / name;
    std::error_code ec;
    if (type.empty() || !std::filesystem::is_regular_file(std::filesystem::symlink_status(file, ec)))
        return error_reply(404, "path: no file " + quote_text(path, 80));
    Reply r;
    r.content_type = type;
    try {
        const std::vector<std::uint8_t> bytes = read_file(file.string(), kMaxStaticBytes);
        r.body.assign(bytes.begin(), bytes.end());
    } catch (const Error&) {
        return error_reply(404, "path: no file " + quote_text(path, 80));
    }
    return r;
}

}  // namespace digitnet::serve

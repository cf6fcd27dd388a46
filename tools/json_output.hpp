#pragma once
// The one line a subcommand prints for --json. Paths and names in it come from the command line
// and the file system, which need not be UTF-8 (a scan named in Latin-1, say): nlohmann's dump
// would throw on such bytes, so they are printed as U+FFFD instead.
#include <string>

#include <nlohmann/json.hpp>

namespace digitnet::cli {

inline std::string json_line(const nlohmann::json& j) {
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
inline std::string json_line(const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace digitnet::cli

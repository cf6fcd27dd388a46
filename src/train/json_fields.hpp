#pragma once
// Strict readers of the JSON that digitnet writes into model files and checkpoints: a field
// must be there, have the type that was written (a whole number is an unsigned JSON integer:
// not -1, not 1.7, not "1"), and an object must hold no key that was not written. Each
// throws digitnet::Error "'KEY' should be ..., found ..." (callers add where).
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

#include <nlohmann/json.hpp>

#include "digitnet/error.hpp"

namespace digitnet::json_fields {

using json = nlohmann::json;

inline std::string shown(const json& v) {
    std::string text = v.dump();
    return text.size() > 40 ? text.substr(0, 37) + "..." : text;
}

inline const json& field(const json& j, const char* key) {
    if (!j.is_object()) throw Error(std::string("expected an object holding '") + key + "', found " + shown(j));
    const auto it = j.find(key);
    if (it == j.end()) throw Error(std::string("'") + key + "' is missing");
    return *it;
}

inline void only_keys(const json& j, std::initializer_list<const char*> keys) {
    if (!j.is_object()) throw Error("expected an object, found " + shown(j));
    for (const auto& [key, value] : j.items()) {
        bool known = false;
        for (const char* k : keys) known = known || key == k;
        if (!known) throw Error("unexpected key '" + key + "'");
    }
}

inline std::uint64_t whole(const json& j, const char* key, std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
    const json& v = field(j, key);
    if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max)
        throw Error(std::string("'") + key + "' should be a whole number 0.." + std::to_string(max) + ", found " + shown(v));
    return v.get<std::uint64_t>();
}

inline double real(const json& j, const char* key) {
    const json& v = field(j, key);
    if (!v.is_number() || !std::isfinite(v.get<double>()))
        throw Error(std::string("'") + key + "' should be a finite number, found " + shown(v));
    return v.get<double>();
}

inline float real_float(const json& j, const char* key) {
    const double v = real(j, key);
    if (std::fabs(v) > std::numeric_limits<float>::max())
        throw Error(std::string("'") + key + "' should be a float, found " + shown(field(j, key)));
    return static_cast<float>(v);
}

inline bool boolean(const json& j, const char* key) {
    const json& v = field(j, key);
    if (!v.is_boolean()) throw Error(std::string("'") + key + "' should be true or false, found " + shown(v));
    return v.get<bool>();
}

inline std::string text(const json& j, const char* key) {
    const json& v = field(j, key);
    if (!v.is_string()) throw Error(std::string("'") + key + "' should be a string, found " + shown(v));
    return v.get<std::string>();
}

}  // namespace digitnet::json_fields

// Checks of numbers typed on the command line (number_options.hpp).
#include "number_options.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "digitnet/error.hpp"

namespace digitnet::cli {

namespace {

constexpr std::uint64_t kAll = std::numeric_limits<std::uint64_t>::max();

// What was typed, for a message: printable and at most 40 characters.
std::string found(const std::string& text) {
    if (text.empty()) return "found nothing (an empty value)";
    std::string shown;
    for (char c : text) shown += (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) ? '?' : c;
    if (shown.size() > 40) shown = shown.substr(0, 37) + "...";
    return "found '" + shown + "'";
}

std::string whole_range(std::uint64_t min, std::uint64_t max) {
    if (max == kAll) return std::to_string(min) + " or more";
    return std::to_string(min) + ".." + std::to_string(max);
}

std::string number_text(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string real_range(const RealRange& r) {
    const bool low = std::isfinite(r.min), high = std::isfinite(r.max);
    if (!low && !high) return "a finite number";
    if (!high) return std::string("a number ") + (r.min_excluded ? "> " : ">= ") + number_text(r.min);
    if (!low) return std::string("a number ") + (r.max_excluded ? "< " : "<= ") + number_text(r.max);
    return std::string("a number in ") + (r.min_excluded ? "(" : "[") + number_text(r.min) + ", " +
           number_text(r.max) + (r.max_excluded ? ")" : "]");
}

// "" when `text` is a whole number in min..max (and rewrites it without leading zeros),
// else what went wrong.
std::string check_whole(std::string& text, std::uint64_t min, std::uint64_t max) {
    const std::string expected = "expected a whole number " + whole_range(min, max) + ", ";
    bool digits = !text.empty();
    for (char c : text) digits = digits && c >= '0' && c <= '9';
    if (!digits) return expected + found(text);
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc::result_out_of_range || end != text.data() + text.size())
        return expected + found(text) + ", which is larger than " + std::to_string(kAll);
    if (v < min || v > max) return expected + found(text);
    text = std::to_string(v);  // "010" -> "10": CLI11 would read a leading 0 as octal
    return "";
}

std::string check_real(const std::string& text, const RealRange& r) {
    const std::string expected = "expected " + real_range(r) + ", ";
    // Decimal digits, one point, an optional exponent, an optional leading minus.
    bool plain = !text.empty();
    for (char c : text) plain = plain && (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                                          c == '+' || c == 'e' || c == 'E');
    double v = 0.0;
    if (plain) {
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        plain = ec == std::errc() && end == text.data() + text.size();
    }
    if (!plain || !std::isfinite(v) || std::fabs(v) > std::numeric_limits<float>::max()) {
        if (plain) return expected + found(text) + ", which is too large";
        return expected + found(text);
    }
    const bool below = r.min_excluded ? !(v > r.min) : !(v >= r.min);
    const bool above = r.max_excluded ? !(v < r.max) : !(v <= r.max);
    if (below || above) return expected + found(text);
    return "";
}

}  // namespace

CLI::Validator whole_number(std::uint64_t min, std::uint64_t max) {
    return CLI::Validator([min, max](std::string& text) { return check_whole(text, min, max); },
                          whole_range(min, max));
}

CLI::Validator real_number(RealRange range) {
    std::string desc = real_range(range);
    return CLI::Validator([range](std::string& text) { return check_real(text, range); }, desc.substr(desc.find(' ') + 1));
}

std::uint64_t parse_whole_number(const std::string& text, const std::string& option, std::uint64_t min,
                                 std::uint64_t max) {
    std::string copy = text;
    const std::string problem = check_whole(copy, min, max);
    if (!problem.empty()) throw Error(option + ": " + problem);
    return std::stoull(copy);
}

std::vector<float> parse_real_list(const std::string& text, const std::string& option) {
    std::vector<float> values;
    std::size_t begin = 0;
    for (;;) {
        const std::size_t comma = text.find(',', begin);
        const std::string item = text.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin);
        const std::string problem = check_real(item, RealRange{});
        if (!problem.empty()) throw Error(option + ": " + problem + " in '" + text + "'");
        values.push_back(std::stof(item));
        if (comma == std::string::npos) return values;
        begin = comma + 1;
    }
}

}  // namespace digitnet::cli

#pragma once
// Numbers typed on the command line mean what they say. CLI11 on its own reads "-1" into an
// unsigned option as 2^64 - 1, "99999999999999999999" as 2^64 - 1, "" as 0 and "010" as
// octal 8. These checks run on the text first (as CLI11 transforms) and refuse all of that
// with "--option: expected ..., found '...'":
//   whole_number  decimal digits only (no sign, fraction, exponent or base prefix), within
//                 min..max; leading zeros are decimal ("010" is ten)
//   real_number   a finite decimal number, optional exponent (no hex, inf or nan), within
//                 a range and a float's magnitude
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace digitnet::cli {

CLI::Validator whole_number(std::uint64_t min = 0, std::uint64_t max = std::numeric_limits<std::uint64_t>::max());

struct RealRange {
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    bool min_excluded = false;
    bool max_excluded = false;
};
CLI::Validator real_number(RealRange range = {});
inline RealRange positive() { return {0.0, std::numeric_limits<double>::infinity(), true, false}; }
inline RealRange non_negative() { return {0.0, std::numeric_limits<double>::infinity(), false, false}; }
inline RealRange between(double min, double max) { return {min, max, false, false}; }

// The same checks for text the program parses itself (e.g. --batch's numbers): the value, or
// digitnet::Error "OPTION: expected ..., found '...'".
std::uint64_t parse_whole_number(const std::string& text, const std::string& option, std::uint64_t min = 0,
                                 std::uint64_t max = std::numeric_limits<std::uint64_t>::max());

// Comma-separated real numbers ("0.05,0.1"), each checked as real_number() checks one;
// digitnet::Error "OPTION: expected ..., found '...'" for an empty or bad element.
std::vector<float> parse_real_list(const std::string& text, const std::string& option);

}  // namespace digitnet::cli

#pragma once
// Usage errors: the command line itself is wrong (an unknown subcommand or option, a missing,
// malformed or out-of-range value, options that do not go together, a flag that contradicts
// the checkpoint it resumes). main() prints them as one line, like every digitnet::Error, and
// exits with kUsageExit, the code CLI11's own parse errors get too; any other error (a file,
// the data, a failed check of the work) exits with 1.
#include <string>

#include "digitnet/error.hpp"

namespace digitnet::cli {

inline constexpr int kUsageExit = 2;

class UsageError : public Error {
public:
    explicit UsageError(const std::string& message) : Error(message) {}
};

// Runs f, which reads options through the library's checks (parse_activation, validate, ...):
// a digitnet::Error from them is a UsageError.
template <typename F>
auto as_usage(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const UsageError&) {
        throw;
    } catch (const Error& e) {
        throw UsageError(e.what());
    }
}

}  // namespace digitnet::cli

#pragma once
// digitnet::Error: the one exception type for bad input (a corrupt file, a wrong shape,
// a value out of range). Its message is one line meant for a person: it names the file
// or option, what was expected and what was found. The CLI prints it and exits non-zero.
#include <stdexcept>
#include <string>

namespace digitnet {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace digitnet

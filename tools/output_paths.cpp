// Output paths checked before the work that fills them (output_paths.hpp).
#include "output_paths.hpp"

#include <filesystem>

#include "digitnet/error.hpp"
#include "digitnet/file_io.hpp"

namespace digitnet::cli {

bool same_file(const std::string& a, const std::string& b) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
    const fs::path pa = fs::weakly_canonical(fs::absolute(a, ec), ec);
    const fs::path pb = fs::weakly_canonical(fs::absolute(b, ec), ec);
    return pa == pb;
}

void check_outputs(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs) {
    for (std::size_t i = 0; i < outputs.size(); ++i) {
        const auto& [option, path] = outputs[i];
        if (path.empty()) continue;
        try {
            check_writable_file(path);
        } catch (const Error& e) {
            throw Error(option + ": " + e.what());
        }
        for (std::size_t j = 0; j < i; ++j)
            if (!outputs[j].second.empty() && same_file(outputs[j].second, path))
                throw Error(option + ": '" + path + "' is the same file as " + outputs[j].first + " '" +
                            outputs[j].second + "'; give each output its own file");
        for (const auto& [role, input] : inputs)
            if (!input.empty() && same_file(input, path))
                throw Error(option + ": writing '" + path + "' would overwrite the input " + role + " '" + input + "'");
    }
}

}  // namespace digitnet::cli

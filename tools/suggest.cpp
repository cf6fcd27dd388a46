// "did you mean ...?" for misspelled subcommands and options (see suggest.hpp).
#include "suggest.hpp"

#include <algorithm>
#include <climits>

namespace digitnet::cli {

namespace {

// Optimal string alignment distance: Levenshtein plus the swap of two neighbouring letters.
std::size_t edit_distance(const std::string& a, const std::string& b) {
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1, 0));
    for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[n][m];
}

std::string path_of(const CLI::App* app) {
    std::string path;
    for (const CLI::App* a = app; a; a = a->get_parent()) path = a->get_name() + (path.empty() ? "" : " " + path);
    return path;
}

std::string with_suggestion(const std::string& message, const std::string& suggestion, const CLI::App* app) {
    if (!suggestion.empty()) return message + "; did you mean '" + suggestion + "'?";
    return message + " (see " + path_of(app) + " --help)";
}

}  // namespace

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
    // Compare without leading dashes, so "-epochs" finds "--epochs".
    auto bare = [](const std::string& s) { return s.substr(std::min(s.find_first_not_of('-'), s.size())); };
    const std::string w = bare(word);
    if (w.size() < 3) return "";  // "-e": too short to guess from
    const std::size_t allowed = w.size() <= 4 ? 1 : w.size() <= 8 ? 2 : 3;
    std::string best;
    std::size_t best_distance = SIZE_MAX;
    for (const std::string& c : candidates) {
        const std::size_t d = edit_distance(w, bare(c));
        if (d < best_distance) {
            best_distance = d;
            best = c;
        }
    }
    return best_distance <= allowed ? best : "";
}

std::string explain_unknown_word(const CLI::App& app, int argc, const char* const* argv) {
    const CLI::App* current = &app;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--") break;
        if (arg.size() > 1 && arg[0] == '-' && !(arg[1] >= '0' && arg[1] <= '9') && arg[1] != '.') {
            // An option of this (sub)command or of one it is part of; --name=value gives its value inline.
            const std::string name = arg.substr(0, arg.find('='));
            const CLI::Option* option = nullptr;
            for (const CLI::App* a = current; a && !option; a = a->get_parent()) {
                for (const CLI::Option* o : a->get_options())
                    if (o->nonpositional() && o->check_name(name)) option = o;
            }
            if (!option) {
                if (arg.size() > 2 && arg[1] != '-' && name.size() > 2) continue;  // -abc: stacked short flags
                std::vector<std::string> names;
                for (const CLI::Option* o : current->get_options()) {
                    if (!o->nonpositional() || o->get_group().empty()) continue;  // an empty group: hidden
                    for (const std::string& l : o->get_lnames()) names.push_back("--" + l);
                    for (const std::string& s : o->get_snames()) names.push_back("-" + s);
                }
                return with_suggestion("unknown option '" + name + "' for '" + path_of(current) + "'", nearest(name, names),
                                       current);
            }
            if (option->get_type_size_max() > 0 && arg.find('=') == std::string::npos) i += 1;  // its value
            continue;
        }
        // A word: a subcommand where this command has them, else a positional argument.
        const auto subcommands = current->get_subcommands([](const CLI::App*) { return true; });
        if (subcommands.empty()) continue;
        const auto match = std::find_if(subcommands.begin(), subcommands.end(),
                                        [&](const CLI::App* s) { return s->check_name(arg); });
        if (match != subcommands.end()) {
            current = *match;
            continue;
        }
        if (current->get_require_subcommand_min() == 0) continue;
        std::vector<std::string> names;
        for (const CLI::App* s : subcommands) names.push_back(s->get_name());
        const std::string where = current == &app ? "" : " of '" + path_of(current) + "'";
        return with_suggestion("unknown subcommand '" + arg + "'" + where, nearest(arg, names), current);
    }
    return "";
}

}  // namespace digitnet::cli

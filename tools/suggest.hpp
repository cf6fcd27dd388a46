#pragma once
// Better messages for the parse errors a newcomer makes: a misspelled subcommand or option is
// named, with the nearest known name ("unknown subcommand 'trian'; did you mean 'train'?").
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace digitnet::cli {

// The candidate nearest to `word` by edit distance (insertions, deletions, substitutions and
// swaps of neighbours), when it is near enough to be a slip: at most 1 edit for words of up to
// 4 letters, 2 up to 8, 3 beyond. "" when none is, or the word (without dashes) is shorter than 3.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

// Walks the command line as `app` would, and for the first word that is neither a known
// subcommand where one is required, nor a known option of the (sub)command it follows, says
// so and suggests the nearest name. "" when the command line has no such word (the parse error
// is about something else).
std::string explain_unknown_word(const CLI::App& app, int argc, const char* const* argv);

}  // namespace digitnet::cli

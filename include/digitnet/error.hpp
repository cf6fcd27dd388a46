#pragma once
// digitnet::Error: the one exception type for bad input (a corrupt file, a wrong shape,
// a value out of range). Its message is one line meant for a person: it names the file
// or option, what was expected and what was found. The CLI prints it and exits non-zero.
//
// Text taken from a file's contents (a tensor name, a PNG chunk type, a CSV field, a metadata
// value) goes into a message only through escape_text / quote_text, so that a crafted file
// cannot put control characters on the terminal or forge extra lines.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace digitnet {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// `text` made safe to print on one line. Valid UTF-8 is kept as it is, except control
// characters, which are escaped byte by byte as \xNN: C0 controls (including tab, CR and LF),
// DEL, C1 controls (U+0080..U+009F), the line and paragraph separators U+2028/U+2029 and the
// bidirectional-text controls (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069). Bytes that are
// not UTF-8 (invalid, overlong, surrogates, past U+10FFFF) are escaped as \xNN too, and a
// backslash becomes \\, so the escaped text tells every input apart. The result holds at most
// `max_bytes` bytes of escaped text, cut at a character boundary; a cut text ends in "...".
std::string escape_text(std::string_view text, std::size_t max_bytes = 64);

// escape_text in single quotes: 'text'.
std::string quote_text(std::string_view text, std::size_t max_bytes = 64);

// Whether `text` is valid UTF-8 (shortest-form sequences of Unicode scalar values): the text a
// JSON header or metadata value can hold.
bool is_utf8(std::string_view text);

// A path read from the file system (a folder's entries are named by whoever made the folder)
// made safe to print as escape_text makes file contents, kept whole up to PATH_MAX bytes.
inline std::string escape_path(std::string_view path) { return escape_text(path, 4096); }

}  // namespace digitnet

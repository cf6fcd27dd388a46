// CSV in the mnist_train.csv layout (https://pjreddie.com/projects/mnist-in-csv/):
//
//   label,p0,p1,...,p783      one example per line, no header
//
// label is 0..9 and p0..p783 are the 28 x 28 pixels row by row, each 0..255. Lines end in
// \n or \r\n, the last one may have no newline, and blank lines are skipped. Numbers are
// read with std::from_chars straight from the text, so the 110 MB training file parses
// in well under a second.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string>
#include <vector>

#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"
#include "digitnet/file_io.hpp"

namespace digitnet {
namespace {

constexpr std::size_t kRows = 28;
constexpr std::size_t kCols = 28;
constexpr std::size_t kPixels = kRows * kCols;  // 784
constexpr std::size_t kFields = 1 + kPixels;    // 785: the label, then the pixels

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// A field as it may appear in a one-line message: escaped, at most 20 bytes.
std::string quoted(std::string_view field) { return quote_text(field, 20); }

}  // namespace

Dataset parse_csv(std::string_view text, const std::string& name) {
    // A valid line has at least 785 one-digit numbers and 784 commas, which bounds how
    // many examples the text can hold without trusting any count.
    const std::size_t max_examples = text.size() / (2 * kFields - 1) + 1;
    std::vector<std::uint8_t> labels;
    std::vector<std::uint8_t> pixels;
    labels.reserve(max_examples);
    pixels.reserve(max_examples * kPixels);

    std::size_t line_number = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_number;
        if (trim(line).empty()) continue;  // blank line

        auto where = [&] { return name + ", line " + std::to_string(line_number); };
        std::size_t fields = static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1;
        if (fields != kFields)
            throw Error(where() + ": expected " + std::to_string(kFields) + " fields (a label and " +
                        std::to_string(kPixels) + " pixels), found " + std::to_string(fields));

        const char* p = line.data();
        const char* stop = line.data() + line.size();
        for (std::size_t f = 0; f < kFields; ++f) {
            const char* comma = static_cast<const char*>(std::memchr(p, ',', static_cast<std::size_t>(stop - p)));
            if (!comma) comma = stop;
            std::string_view field = trim(std::string_view(p, static_cast<std::size_t>(comma - p)));
            p = comma + 1;

            int value = 0;
            auto [next, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
            bool whole = next == field.data() + field.size();
            if (field.empty() || (ec != std::errc{} && ec != std::errc::result_out_of_range) || !whole)
                throw Error(where() + ", field " + std::to_string(f + 1) + ": expected a number, found " +
                            quoted(field));
            const bool in_range = ec == std::errc{} && value >= 0 && value <= (f == 0 ? 9 : 255);
            if (!in_range) {
                if (f == 0)
                    throw Error(where() + ": label " + escape_text(field, 20) + " is outside 0..9");
                throw Error(where() + ", field " + std::to_string(f + 1) + ": pixel value " +
                            quoted(field) + " is outside 0..255");
            }
            if (f == 0)
                labels.push_back(static_cast<std::uint8_t>(value));
            else
                pixels.push_back(static_cast<std::uint8_t>(value));
        }
    }

    Dataset d;
    d.image_rows = kRows;
    d.image_cols = kCols;
    d.labels = std::move(labels);
    // pixel value v (0..255) -> v / 255 in [0, 1], through a table of the 256 values.
    std::array<float, 256> scale{};
    for (int v = 0; v < 256; ++v) scale[v] = static_cast<float>(v) / 255.0f;
    d.images.resize(d.labels.size(), kPixels);
    float* out = d.images.data();
    for (std::size_t i = 0; i < pixels.size(); ++i) out[i] = scale[pixels[i]];
    return d;
}

Dataset load_csv(const std::string& path) {
    const std::vector<std::uint8_t> bytes = read_file(path, kCsvMaxFileBytes);
    Dataset d = parse_csv(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), path);
    if (d.size() == 0) throw Error(path + ": no examples: expected lines of a label and 784 pixel values");
    return d;
}

}  // namespace digitnet

// Escaping text taken from files before it goes into a message (see error.hpp).
#include "digitnet/error.hpp"

#include <cstdint>

namespace digitnet {
namespace {

// The length of the UTF-8 sequence starting at text[i] (1..4) and its code point, or 0 when
// the bytes there are not a valid, shortest-form sequence of a Unicode scalar value.
std::size_t utf8_sequence(std::string_view text, std::size_t i, std::uint32_t& code_point) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    std::uint32_t min = 0;
    if (lead < 0x80) {
        code_point = lead;
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2, code_point = lead & 0x1F, min = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3, code_point = lead & 0x0F, min = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4, code_point = lead & 0x07, min = 0x10000;
    } else {
        return 0;  // a continuation byte, C0/C1 (overlong) or F5..FF
    }
    if (i + length > text.size()) return 0;
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(k) & 0xC0) != 0x80) return 0;
        code_point = (code_point << 6) | (byte(k) & 0x3F);
    }
    if (code_point < min || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) return 0;
    return length;
}

// Characters a terminal acts on or that change how the rest of the line is shown.
bool is_control(std::uint32_t c) {
    return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029 || c == 0x200E ||
           c == 0x200F || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

}  // namespace

std::string escape_text(std::string_view text, std::size_t max_bytes) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::uint32_t code_point = 0;
        const std::size_t length = utf8_sequence(text, i, code_point);
        std::string piece;
        if (length == 0 || is_control(code_point)) {
            for (std::size_t k = 0; k < (length == 0 ? 1 : length); ++k) {
                const auto b = static_cast<unsigned char>(text[i + k]);
                piece += {'\\', 'x', kHex[b >> 4], kHex[b & 15]};
            }
        } else if (code_point == '\\') {
            piece = "\\\\";
        } else {
            piece = text.substr(i, length);
        }
        if (out.size() + piece.size() > max_bytes) return out + "...";
        out += piece;
        i += length == 0 ? 1 : length;
    }
    return out;
}

bool is_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        std::uint32_t code_point = 0;
        const std::size_t length = utf8_sequence(text, i, code_point);
        if (length == 0) return false;
        i += length;
    }
    return true;
}

std::string quote_text(std::string_view text, std::size_t max_bytes) {
    return "'" + escape_text(text, max_bytes) + "'";
}

}  // namespace digitnet

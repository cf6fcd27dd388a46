#include "digitnet/format.hpp"

#include <cstdio>

namespace digitnet {

std::string format_number(double v, int significant_digits) {
    const int length = std::snprintf(nullptr, 0, "%.*g", significant_digits, v);
    std::string text(static_cast<std::size_t>(length), '\0');
    std::snprintf(text.data(), text.size() + 1, "%.*g", significant_digits, v);
    return text;
}

}  // namespace digitnet

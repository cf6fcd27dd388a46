#pragma once
// Numbers as short text, for messages, tables and command lines.
#include <string>

namespace digitnet {

// v rounded to `significant_digits` significant digits, without trailing zeros, as printf's
// "%.Ng" writes it (6 is what a plain "%g" gives): format_number(0.5) = "0.5",
// format_number(3e-05) = "3e-05", format_number(1.0 / 3.0, 3) = "0.333".
std::string format_number(double v, int significant_digits = 6);

}  // namespace digitnet

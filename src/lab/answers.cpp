// A network's answers in words, and whether an input looks like MNIST (see answers.hpp).
#include "digitnet/answers.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "digitnet/error.hpp"

namespace digitnet {

void check_digit_outputs(const Network& network, const std::string& name) {
    const bool yes_no = network.architecture().encoding.target_digit >= 0;
    const std::size_t outputs = yes_no ? 1 : 10;
    if (network.output_size() != outputs)
        throw Error(name + ": expected a network with " + std::to_string(outputs) + " output" +
                    (yes_no ? " (a yes/no network)" : "s, one per digit 0..9") + ", found " +
                    std::to_string(network.output_size()));
}

std::vector<std::string> class_names(const Network& network) {
    if (network.architecture().encoding.target_digit >= 0) return {"no", "yes"};
    std::vector<std::string> names;
    for (std::size_t c = 0; c < network.output_size(); ++c) names.push_back(std::to_string(c));
    return names;
}

std::string yes_no_question(const Network& network) {
    const int digit = network.architecture().encoding.target_digit;
    return digit >= 0 ? "is it a " + std::to_string(digit) + "?" : "";
}

bool outputs_are_probabilities(const Network& network) {
    return network.architecture().output == Activation::softmax;
}

double answer_confidence(const Network& network, std::span<const float> outputs, int answer) {
    if (outputs.empty()) return 0.0;
    if (network.architecture().encoding.target_digit >= 0) {
        const double a = std::clamp(static_cast<double>(outputs[0]), 0.0, 1.0);
        return answer ? a : 1.0 - a;
    }
    const auto k = static_cast<std::size_t>(answer);
    if (k >= outputs.size()) return 0.0;
    if (outputs_are_probabilities(network)) return outputs[k];
    double sum = 0.0;
    for (float v : outputs) sum += std::max(0.0f, v);
    return sum > 0.0 ? std::max(0.0f, outputs[k]) / sum : 0.0;
}

InkStatistics ink_statistics(std::span<const float> pixels, std::size_t rows, std::size_t cols) {
    if (rows == 0 || cols == 0 || pixels.size() != rows * cols)
        throw Error("ink statistics: expected " + std::to_string(rows) + "x" + std::to_string(cols) + " pixels, found " +
                    std::to_string(pixels.size()));
    constexpr float kInk = 0.25f;          // a pixel this dark (bright, in MNIST's terms) is part of a mark
    constexpr std::size_t kMinMark = 2;    // a lone pixel is a speck, not a mark
    constexpr std::size_t kEdge = 2;       // the border ring's width
    InkStatistics s;
    double edge = 0.0;
    for (std::size_t y = 0; y < rows; ++y) {
        for (std::size_t x = 0; x < cols; ++x) {
            const double v = std::clamp(pixels[y * cols + x], 0.0f, 1.0f);
            s.ink += v;
            if (y < kEdge || x < kEdge || y + kEdge >= rows || x + kEdge >= cols) edge += v;
        }
    }
    s.edge_fraction = s.ink > 0.0 ? edge / s.ink : 0.0;

    auto is_ink = [&](std::size_t i) { return pixels[i] >= kInk; };
    auto on_border = [&](std::size_t i) {
        const std::size_t y = i / cols, x = i % cols;
        return y == 0 || x == 0 || y + 1 == rows || x + 1 == cols;
    };
    // The paper outside every loop: background reached from the border, 4 neighbours at a time.
    std::vector<char> outside(pixels.size(), 0);
    std::vector<std::size_t> stack;
    for (std::size_t i = 0; i < pixels.size(); ++i) {
        if (on_border(i) && !is_ink(i)) {
            outside[i] = 1;
            stack.push_back(i);
        }
    }
    auto visit4 = [&](std::size_t i, auto&& f) {
        const std::size_t y = i / cols, x = i % cols;
        if (y > 0) f(i - cols);
        if (y + 1 < rows) f(i + cols);
        if (x > 0) f(i - 1);
        if (x + 1 < cols) f(i + 1);
    };
    while (!stack.empty()) {
        const std::size_t i = stack.back();
        stack.pop_back();
        visit4(i, [&](std::size_t j) {
            if (!outside[j] && !is_ink(j)) {
                outside[j] = 1;
                stack.push_back(j);
            }
        });
    }
    // The marks, 8 neighbours at a time; a mark that never meets the outside paper (nor the
    // border) lies inside a loop.
    std::vector<char> seen(pixels.size(), 0);
    for (std::size_t start = 0; start < pixels.size(); ++start) {
        if (seen[start] || !is_ink(start)) continue;
        std::size_t size = 0;
        bool meets_outside = false;
        seen[start] = 1;
        stack.push_back(start);
        while (!stack.empty()) {
            const std::size_t i = stack.back();
            stack.pop_back();
            ++size;
            if (on_border(i)) meets_outside = true;
            visit4(i, [&](std::size_t j) { meets_outside = meets_outside || outside[j]; });
            const std::size_t y = i / cols, x = i % cols;
            for (std::size_t ny = y ? y - 1 : 0; ny <= std::min(rows - 1, y + 1); ++ny) {
                for (std::size_t nx = x ? x - 1 : 0; nx <= std::min(cols - 1, x + 1); ++nx) {
                    const std::size_t j = ny * cols + nx;
                    if (!seen[j] && is_ink(j)) {
                        seen[j] = 1;
                        stack.push_back(j);
                    }
                }
            }
        }
        if (size < kMinMark) continue;
        ++s.marks;
        if (!meets_outside) ++s.enclosed_marks;
    }
    return s;
}

std::vector<std::string> unfamiliar_reasons(const InkStatistics& s) {
    std::vector<std::string> reasons;
    char buf[256];
    if (s.enclosed_marks > 0) {
        std::snprintf(buf, sizeof buf,
                      "it has %zu mark%s inside a closed loop (like the eyes of a face), which almost no MNIST digit has "
                      "(13 of 60,000)",
                      s.enclosed_marks, s.enclosed_marks == 1 ? "" : "s");
        reasons.push_back(buf);
    }
    if (s.marks > kMnistMarksMax) {
        std::snprintf(buf, sizeof buf,
                      "it is made of %zu separate marks; an MNIST digit is one or two strokes (4 marks in 19 of 60,000, "
                      "never more)",
                      s.marks);
        reasons.push_back(buf);
    }
    if (s.ink < kMnistInkMin) {
        std::snprintf(buf, sizeof buf, "it has very little ink (%.0f pixels' worth; MNIST digits have 19 to 310)", s.ink);
        reasons.push_back(buf);
    } else if (s.ink > kMnistInkMax) {
        std::snprintf(buf, sizeof buf, "it has more ink than any MNIST digit (%.0f pixels' worth; they have 19 to 310)",
                      s.ink);
        reasons.push_back(buf);
    }
    if (s.edge_fraction > kMnistEdgeFractionMax) {
        std::snprintf(buf, sizeof buf,
                      "%.0f%% of its ink is at the edge of the picture; MNIST digits keep a margin (at most 8%%)",
                      100.0 * s.edge_fraction);
        reasons.push_back(buf);
    }
    return reasons;
}

}  // namespace digitnet

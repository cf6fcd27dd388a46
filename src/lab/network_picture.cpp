// One forward pass drawn as 3Blue1Brown draws it (see network_picture.hpp).
#include "digitnet/network_picture.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "digitnet/answers.hpp"
#include "digitnet/conv_pictures.hpp"
#include "digitnet/error.hpp"

namespace digitnet {

namespace {

constexpr Rgb kWhite{255, 255, 255}, kBlack{0, 0, 0}, kFrame{60, 60, 60}, kBar{120, 150, 190};
constexpr int kTextScale = 2, kGap = 48, kPad = 16, kField = 224;  // the input is drawn 224 pixels high

void frame(RgbImage& im, int x0, int y0, int x1, int y1, Rgb c) {
    fill_rect(im, x0, y0, x1, y0 + 1, c);
    fill_rect(im, x0, y1 - 1, x1, y1, c);
    fill_rect(im, x0, y0, x0 + 1, y1, c);
    fill_rect(im, x1 - 1, y0, x1, y1, c);
}

Rgb grey(double v) {
    const auto g = static_cast<std::uint8_t>(std::lround(255.0 * std::clamp(v, 0.0, 1.0)));
    return {g, g, g};
}

// A neuron: a grey disc with a dark rim (a square when too small for a disc).
void neuron(RgbImage& im, int x0, int y0, int size, double value) {
    const Rgb fill = grey(value);
    if (size < 8) {
        fill_rect(im, x0, y0, x0 + size - 1, y0 + size - 1, fill);
        return;
    }
    const double c = (size - 1) / 2.0, r = size * 0.45;
    for (int y = 0; y < size; ++y) {
        for (int x = 0; x < size; ++x) {
            const double d = std::hypot(x - c, y - c);
            if (d <= r) fill_rect(im, x0 + x, y0 + y, x0 + x + 1, y0 + y + 1, d <= r - 1.5 ? fill : kFrame);  // clipped
        }
    }
}

bool on_unit_scale(Activation a) { return a == Activation::sigmoid || a == Activation::softmax; }

std::string number(const char* format, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

}  // namespace

NetworkPicture draw_network_activations(Network& network, std::span<const float> pixels, std::size_t rows,
                                        std::size_t cols, const std::string& title) {
    if (rows == 0 || cols == 0 || pixels.size() != rows * cols || rows * cols != network.input_size())
        throw Error("--activations: the network takes " + std::to_string(network.input_size()) + " inputs, found a " +
                    std::to_string(rows) + "x" + std::to_string(cols) + " image with " + std::to_string(pixels.size()) +
                    " pixels");
    if (rows > 4096 || cols > 4096) throw Error("--activations: the image is too large to draw");
    Matrix input(1, network.input_size()), encoded;
    std::copy(pixels.begin(), pixels.end(), input.begin());
    network.encode_inputs(input, encoded);
    NetworkPicture picture;
    picture.answer = network.predict(encoded)[0];  // one forward pass: every layer's a holds this image's activations
    const Matrix& out = network.layers.back().a;
    picture.outputs.assign(out.begin(), out.end());

    // Sizes: the input scaled to kField pixels high; each hidden layer a grid of neurons kField
    // high (up to 16 a column, more for wide layers); the output bars.
    const int text_h = text_height(kTextScale);
    const int scale = std::max(1, kField / static_cast<int>(std::max(rows, cols)));
    const int input_w = scale * static_cast<int>(cols), input_h = scale * static_cast<int>(rows);
    struct Grid {
        std::size_t per_column, columns;
        int cell;
    };
    std::vector<Grid> grids;
    for (std::size_t l = 0; l + 1 < network.layers.size(); ++l) {
        const std::size_t n = network.layers[l].n_out();
        const auto root = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(n))));
        const std::size_t per_column = std::max(std::min<std::size_t>(n, 16), root);
        const int cell = std::clamp(kField / static_cast<int>(per_column), 3, 28);
        grids.push_back({per_column, (n + per_column - 1) / per_column, cell});
    }
    const std::vector<std::string> names = class_names(network);
    const bool yes_no = network.architecture().encoding.target_digit >= 0;
    const std::size_t n_out = network.output_size();
    const int bar_row = std::clamp(kField / static_cast<int>(std::max<std::size_t>(n_out, 1)), 8, 28);
    int label_w = 0;
    for (std::size_t j = 0; j < n_out; ++j)
        label_w = std::max(label_w, text_width(yes_no ? yes_no_question(network) : names[j], kTextScale));
    const int bar_len = 160, value_w = text_width("0.000", kTextScale);
    const int output_w = label_w + 8 + bar_len + 8 + value_w;

    std::vector<int> widths{input_w};
    for (const Grid& g : grids) widths.push_back(std::max(static_cast<int>(g.columns) * g.cell, text_width("hidden 10", kTextScale)));
    widths.push_back(output_w);
    int width = kPad;
    for (int w : widths) width += w + kGap;
    width = width - kGap + kPad;
    const int title_scale = text_width(title, 3) + 2 * kPad <= width ? 3 : 2;  // a long title in smaller letters
    const int title_h = title.empty() ? 0 : text_height(title_scale) + kPad;
    const int top = kPad + title_h + text_h + 8;  // panel captions above the panels
    const int body_h = std::max({input_h, kField, bar_row * static_cast<int>(n_out)});
    const int height = top + body_h + 8 + 2 * (text_h + 4) + kPad;
    width = std::max(width, text_width(title, title_scale) + 2 * kPad);
    RgbImage& im = picture.image;
    im = RgbImage(static_cast<std::size_t>(width), static_cast<std::size_t>(height), kWhite);
    if (!title.empty()) draw_text(im, kPad, kPad, title, kBlack, title_scale);

    int x = kPad;
    auto caption = [&](int x0, int w, const std::string& above, const std::string& below, int bottom) {
        draw_text(im, x0 + std::max(0, (w - text_width(above, kTextScale)) / 2), top - text_h - 6, above, kBlack, kTextScale);
        if (!below.empty())
            draw_text(im, x0 + std::max(0, (w - text_width(below, kTextScale)) / 2), bottom + 8, below, kBlack, kTextScale);
    };
    // The input.
    {
        const int y0 = top + (body_h - input_h) / 2;
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t c = 0; c < cols; ++c)
                fill_rect(im, x + static_cast<int>(c) * scale, y0 + static_cast<int>(r) * scale,
                          x + static_cast<int>(c + 1) * scale, y0 + static_cast<int>(r + 1) * scale,
                          grey(pixels[r * cols + c]));
        frame(im, x - 1, y0 - 1, x + input_w + 1, y0 + input_h + 1, kFrame);
        caption(x, input_w, "input", std::to_string(rows) + "x" + std::to_string(cols) + " pixels", y0 + input_h);
        picture.panel_names.push_back("input");
        picture.panels.push_back({x - 1, y0 - 1, x + input_w + 1, y0 + input_h + 1});
        x += widths[0] + kGap;
    }
    // The hidden layers.
    for (std::size_t l = 0; l < grids.size(); ++l) {
        const DenseLayer& layer = network.layers[l];
        const Grid& g = grids[l];
        const std::size_t n = layer.n_out();
        double peak = 1.0;
        const bool unit = on_unit_scale(layer.activation);
        if (!unit) {
            peak = 0.0;
            for (std::size_t j = 0; j < n; ++j) peak = std::max(peak, std::fabs(static_cast<double>(layer.a(0, j))));
            if (peak == 0.0) peak = 1.0;
        }
        const int grid_w = static_cast<int>(g.columns) * g.cell;
        const int grid_h = static_cast<int>(std::min(g.per_column, n)) * g.cell;
        const int x0 = x + (widths[l + 1] - grid_w) / 2, y0 = top + (body_h - grid_h) / 2;
        for (std::size_t j = 0; j < n; ++j) {
            const int cx = x0 + static_cast<int>(j / g.per_column) * g.cell;
            const int cy = y0 + static_cast<int>(j % g.per_column) * g.cell;
            const double a = layer.a(0, j);
            neuron(im, cx, cy, g.cell, layer.activation == Activation::tanh ? 0.5 + 0.5 * a : std::fabs(a) / peak);
        }
        const std::string name = "hidden " + std::to_string(l + 1);
        std::string below = std::to_string(n) + " " + to_string(layer.activation);
        if (!unit && layer.activation != Activation::tanh) below += number(", max %.3g", peak);
        caption(x, widths[l + 1], name, below, y0 + grid_h);
        picture.panel_names.push_back(name);
        picture.panels.push_back({x0, y0, x0 + grid_w, y0 + grid_h});
        x += widths[l + 1] + kGap;
    }
    // The output bars.
    {
        const Activation act = network.layers.back().activation;
        double peak = 1.0;
        if (!on_unit_scale(act)) {
            peak = 0.0;
            for (float v : picture.outputs) peak = std::max(peak, std::fabs(static_cast<double>(v)));
            if (peak == 0.0) peak = 1.0;
        }
        const int y0 = top + (body_h - bar_row * static_cast<int>(n_out)) / 2;
        for (std::size_t j = 0; j < n_out; ++j) {
            const int y = y0 + static_cast<int>(j) * bar_row;
            const std::string label = yes_no ? yes_no_question(network) : names[j];
            const bool chosen = !yes_no && static_cast<int>(j) == picture.answer;
            draw_text(im, x + label_w - text_width(label, kTextScale), y + (bar_row - text_h) / 2, label, kBlack, kTextScale);
            const int bx = x + label_w + 8;
            const int len = static_cast<int>(std::lround(bar_len * std::clamp(std::fabs(picture.outputs[j]) / peak, 0.0, 1.0)));
            fill_rect(im, bx, y + 2, bx + bar_len, y + bar_row - 2, Rgb{240, 240, 240});
            fill_rect(im, bx, y + 2, bx + std::max(len, 1), y + bar_row - 2, chosen || yes_no ? palette_colour(1) : kBar);
            draw_text(im, bx + bar_len + 8, y + (bar_row - text_h) / 2, number("%.3f", picture.outputs[j]), kBlack,
                      kTextScale);
        }
        const int bottom = y0 + bar_row * static_cast<int>(n_out);
        caption(x, output_w, outputs_are_probabilities(network) ? "output: probabilities" : "output",
                "answer: " + names[static_cast<std::size_t>(picture.answer)], bottom);
        picture.panel_names.push_back("output");
        picture.panels.push_back({x, y0, x + output_w, bottom});
    }
    // A convolutional network: its feature maps for this image under the dense part, so that the
    // picture shows every layer the image went through.
    if (has_convolutions(network)) {
        const RgbImage maps = draw_feature_maps(network, encoded.data());
        const int y0 = static_cast<int>(im.height);
        RgbImage both(std::max(im.width, maps.width + 2 * kPad), im.height + maps.height + kPad, kWhite);
        for (std::size_t y = 0; y < im.height; ++y)
            for (std::size_t x0 = 0; x0 < im.width; ++x0) both.set(x0, y, im.get(x0, y));
        for (std::size_t y = 0; y < maps.height; ++y)
            for (std::size_t x0 = 0; x0 < maps.width; ++x0) both.set(x0 + kPad, static_cast<std::size_t>(y0) + y, maps.get(x0, y));
        im = std::move(both);
        picture.panel_names.push_back("feature maps");
        picture.panels.push_back({kPad, y0, kPad + static_cast<int>(maps.width), y0 + static_cast<int>(maps.height)});
    }
    return picture;
}

}  // namespace digitnet

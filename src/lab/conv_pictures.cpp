// The learned filters and the feature maps of a convolutional network (conv_pictures.hpp).
#include "digitnet/conv_pictures.hpp"

#include <string>
#include <vector>

#include "digitnet/conv.hpp"
#include "digitnet/error.hpp"
#include "digitnet/plot.hpp"

namespace digitnet {

bool has_convolutions(const Network& network) {
    for (const auto& f : network.features)
        if (dynamic_cast<const Conv2d*>(f.get())) return true;
    return false;
}

static std::vector<const Conv2d*> conv_layers(const Network& network) {
    std::vector<const Conv2d*> convs;
    for (const auto& f : network.features)
        if (const auto* conv = dynamic_cast<const Conv2d*>(f.get())) convs.push_back(conv);
    if (convs.empty())
        throw Error("the network has no convolutional layer (" + network.architecture().describe() + ")");
    return convs;
}

RgbImage draw_filters(const Network& network) {
    std::vector<RgbImage> rows;
    std::size_t index = 0;
    for (const Conv2d* conv : conv_layers(network)) {
        const ConvGeometry& g = conv->geometry;
        const std::size_t kernel = g.kernel_rows * g.kernel_cols;
        std::vector<std::vector<float>> tiles;
        std::vector<std::string> captions;
        for (std::size_t f = 0; f < conv->filters(); ++f)
            for (std::size_t c = 0; c < g.in.channels; ++c) {
                const float* w = conv->weights.row(f) + c * kernel;  // W(f, c, ·, ·)
                tiles.emplace_back(w, w + kernel);
                captions.push_back(g.in.channels > 1 ? std::to_string(f) + "." + std::to_string(c) : std::to_string(f));
            }
        const std::size_t columns = std::min<std::size_t>(tiles.size(), g.in.channels > 1 ? g.in.channels * 4 : 10);
        rows.push_back(render_tiles(tiles, g.kernel_rows, g.kernel_cols, columns, true, captions,
                                    "convolution " + std::to_string(++index) + ": " + std::to_string(conv->filters()) +
                                        " filters of " + std::to_string(g.in.channels) + "x" +
                                        std::to_string(g.kernel_rows) + "x" + std::to_string(g.kernel_cols)));
    }
    return vconcat(rows);
}

RgbImage draw_feature_maps(Network& network, const float* pixels) {
    const std::vector<const Conv2d*> convs = conv_layers(network);
    Matrix x(1, network.input_size());
    std::copy(pixels, pixels + x.cols(), x.data());
    network.encode_inputs(x, x);
    network.forward(x);
    std::vector<RgbImage> rows;
    std::size_t index = 0;
    for (const Conv2d* conv : convs) {
        const ImageShape& out = conv->out;
        std::vector<std::vector<float>> tiles;
        std::vector<std::string> captions;
        for (std::size_t f = 0; f < out.channels; ++f) {
            const float* plane = conv->output.row(0) + f * out.plane();
            tiles.emplace_back(plane, plane + out.plane());
            captions.push_back(std::to_string(f));
        }
        rows.push_back(render_tiles(tiles, out.rows, out.cols, std::min<std::size_t>(tiles.size(), 10), false, captions,
                                    "convolution " + std::to_string(++index) + ": " + std::to_string(out.channels) +
                                        " feature maps of " + std::to_string(out.rows) + "x" + std::to_string(out.cols)));
    }
    return vconcat(rows);
}

}  // namespace digitnet

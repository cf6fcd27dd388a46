#include "digitnet/inside.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "digitnet/answers.hpp"
#include "digitnet/error.hpp"
#include "digitnet/plot.hpp"

namespace digitnet {

std::vector<std::vector<float>> first_layer_weight_tiles(const Network& network) {
    const DenseLayer& first = network.layers.front();
    std::vector<std::vector<float>> tiles(first.n_out());
    for (std::size_t j = 0; j < first.n_out(); ++j) tiles[j].assign(first.weights.row(j), first.weights.row(j) + first.n_in());
    return tiles;
}

RgbImage draw_first_layer_weights(const Network& network, std::size_t count) {
    const auto side = static_cast<std::size_t>(std::lround(std::sqrt(static_cast<double>(network.input_size()))));
    if (side * side != network.input_size())
        throw Error("weights: needs a network whose inputs form a square image, found " +
                    std::to_string(network.input_size()) + " inputs");
    std::vector<std::vector<float>> tiles = first_layer_weight_tiles(network);
    if (count > 0 && count < tiles.size()) tiles.resize(count);
    std::vector<std::string> captions;
    for (std::size_t j = 0; j < tiles.size(); ++j) captions.push_back(std::to_string(j));
    const auto columns = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(tiles.size()))));
    return render_tiles(tiles, side, side, columns, true, captions, "first-layer weights (blue < 0 < red)");
}

NoiseReport noise_confidence(Network& network, std::size_t n, Rng& rng) {
    NoiseReport report;
    report.images = n;
    report.histogram.assign(10, 0);
    report.predicted_counts.assign(network.architecture().encoding.target_digit >= 0 ? 2 : network.output_size(), 0);
    const std::size_t batch = 500;
    Matrix pixels, x;
    double top_sum = 0.0;
    std::size_t above = 0;
    for (std::size_t begin = 0; begin < n; begin += batch) {
        const std::size_t count = std::min(batch, n - begin);
        pixels.resize(count, network.input_size());
        for (float& v : pixels) v = static_cast<float>(rng.uniform());
        network.encode_inputs(pixels, x);
        const std::vector<int> predicted = network.predict(x);
        const Matrix& out = network.layers.back().a;
        for (std::size_t r = 0; r < count; ++r) {
            const float* row = out.row(r);
            // Confidence: the top output as a share of all outputs (the softmax probability itself;
            // for sigmoid outputs, normalised so that the numbers are comparable).
            float top = 0.0f, sum = 0.0f;
            for (std::size_t j = 0; j < out.cols(); ++j) {
                top = std::max(top, row[j]);
                sum += std::max(row[j], 0.0f);
            }
            const double p = out.cols() == 1 ? std::max(row[0], 1.0f - row[0]) : (sum > 0 ? top / sum : 0.0);
            report.histogram[std::min<std::size_t>(9, static_cast<std::size_t>(p * 10))]++;
            top_sum += p;
            above += p > 0.9;
            report.predicted_counts[static_cast<std::size_t>(predicted[r])]++;
        }
    }
    if (n) {
        report.mean_top_probability = top_sum / static_cast<double>(n);
        report.fraction_above_90 = static_cast<double>(above) / static_cast<double>(n);
    }
    return report;
}

// σ⁻¹ for each activation, on values already kept inside its range.
static float inverse_activation(Activation act, float a) {
    switch (act) {
        case Activation::sigmoid: return std::log(a / (1.0f - a));  // logit
        case Activation::tanh: return std::atanh(a * 2.0f - 1.0f);  // a rescaled to (-1, 1)
        case Activation::softmax: return std::log(a);              // up to a constant
        default: return a;                                          // identity, ReLU (a > 0)
    }
}

// Scale v to 0.01..0.99, as Rashid does before each inverse sigmoid.
static void rescale(std::vector<float>& v) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    const float min = *lo, range = *hi - *lo;
    for (float& x : v) x = range > 0 ? 0.01f + 0.98f * (x - min) / range : 0.5f;
}

std::vector<std::vector<float>> backquery(const Network& network) {
    const Encoding& e = network.architecture().encoding;
    const std::size_t n_classes = e.target_digit >= 0 ? 2 : network.output_size();
    std::vector<std::vector<float>> images;
    for (std::size_t c = 0; c < n_classes; ++c) {
        std::vector<float> a(network.output_size(), std::max(e.target_low, 0.01f));
        if (e.target_digit >= 0) a[0] = c == 1 ? std::min(e.target_high, 0.99f) : std::max(e.target_low, 0.01f);
        else a[c] = std::min(e.target_high, 0.99f);
        for (std::size_t l = network.layers.size(); l-- > 0;) {
            const DenseLayer& layer = network.layers[l];
            // z = σ⁻¹(a), then the layer's input: a_prev = Wᵀ (z - b)
            std::vector<float> z(a.size());
            for (std::size_t j = 0; j < a.size(); ++j)
                z[j] = inverse_activation(layer.activation, a[j]) - (layer.use_bias ? layer.biases(0, j) : 0.0f);
            std::vector<float> prev(layer.n_in(), 0.0f);
            for (std::size_t j = 0; j < layer.n_out(); ++j)
                for (std::size_t k = 0; k < layer.n_in(); ++k) prev[k] += layer.weights(j, k) * z[j];
            rescale(prev);
            a = std::move(prev);
        }
        for (float& v : a) v = (v - 0.01f) / 0.98f;  // back to 0..1 pixels
        images.push_back(std::move(a));
    }
    return images;
}

std::string mistake_caption(const Network& network, const Mistake& m) {
    const std::vector<std::string> names = class_names(network);
    auto name = [&](int c) {
        return c >= 0 && static_cast<std::size_t>(c) < names.size() ? names[static_cast<std::size_t>(c)] : std::to_string(c);
    };
    return name(network.label_class(m.label)) + "->" + name(m.predicted);
}

std::vector<Mistake> worst_mistakes(Network& network, const Dataset& data, std::size_t count) {
    std::vector<Mistake> mistakes;
    Matrix x, y;
    std::vector<std::uint32_t> indices;
    const std::size_t batch = 1000;
    for (std::size_t begin = 0; begin < data.size(); begin += batch) {
        const std::size_t n = std::min(batch, data.size() - begin);
        indices.resize(n);
        std::iota(indices.begin(), indices.end(), static_cast<std::uint32_t>(begin));
        network.encode_batch(data.images, data.labels, indices, x, y);
        const std::vector<int> predicted = network.predict(x);
        const Matrix& out = network.layers.back().a;
        for (std::size_t r = 0; r < n; ++r) {
            const int truth = network.label_class(data.labels[begin + r]);
            if (predicted[r] == truth) continue;
            Mistake m;
            m.index = begin + r;
            m.label = data.labels[begin + r];
            m.predicted = predicted[r];
            const bool yes_no = out.cols() == 1;
            m.confidence = yes_no ? (predicted[r] ? out(r, 0) : 1.0f - out(r, 0)) : out(r, predicted[r]);
            // A network without an output for the true class (fewer than 10) gave it nothing.
            const bool has_output = static_cast<std::size_t>(truth) < out.cols();
            m.true_output = yes_no ? (truth ? out(r, 0) : 1.0f - out(r, 0)) : has_output ? out(r, truth) : 0.0f;
            mistakes.push_back(m);
        }
    }
    std::stable_sort(mistakes.begin(), mistakes.end(),
                     [](const Mistake& a, const Mistake& b) { return a.true_output < b.true_output; });
    if (mistakes.size() > count) mistakes.resize(count);
    return mistakes;
}

}  // namespace digitnet

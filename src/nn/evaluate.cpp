#include "digitnet/evaluate.hpp"

#include <numeric>

namespace digitnet {

static Evaluation run_evaluation(Network& network, const Dataset& data, std::size_t batch_size, bool confusion) {
    Evaluation ev;
    const std::size_t n_classes = network.architecture().encoding.target_digit >= 0 ? 2 : network.output_size();
    ev.examples = data.size();
    if (confusion) ev.confusion.assign(n_classes, std::vector<std::size_t>(n_classes, 0));
    if (data.size() == 0) return ev;
    // A convolutional network keeps every receptive field of a batch (conv.hpp): 100 images at a
    // time keep that memory to tens of MB.
    if (network.architecture().is_net()) batch_size = std::min<std::size_t>(batch_size, 100);
    Matrix x, y;
    std::vector<std::uint32_t> indices;
    double cost_sum = 0.0;
    for (std::size_t begin = 0; begin < data.size(); begin += batch_size) {
        const std::size_t count = std::min(batch_size, data.size() - begin);
        indices.resize(count);
        std::iota(indices.begin(), indices.end(), static_cast<std::uint32_t>(begin));
        network.encode_batch(data.images, data.labels, indices, x, y);
        const std::vector<int> predicted = network.predict(x);  // one forward pass
        cost_sum += cost_value(network.architecture().cost, network.layers.back().a, y) * static_cast<double>(count);
        for (std::size_t i = 0; i < count; ++i) {
            const int truth = network.label_class(data.labels[begin + i]);
            ev.correct += predicted[i] == truth;
            if (confusion && static_cast<std::size_t>(truth) < n_classes &&
                static_cast<std::size_t>(predicted[i]) < n_classes)
                ev.confusion[truth][predicted[i]]++;
        }
    }
    ev.accuracy = static_cast<double>(ev.correct) / static_cast<double>(ev.examples);
    ev.cost = cost_sum / static_cast<double>(ev.examples);
    if (confusion) {
        ev.precision.assign(n_classes, 0.0);
        ev.recall.assign(n_classes, 0.0);
        for (std::size_t c = 0; c < n_classes; ++c) {
            std::size_t predicted_c = 0, true_c = 0;
            for (std::size_t k = 0; k < n_classes; ++k) {
                predicted_c += ev.confusion[k][c];
                true_c += ev.confusion[c][k];
            }
            if (predicted_c) ev.precision[c] = static_cast<double>(ev.confusion[c][c]) / static_cast<double>(predicted_c);
            if (true_c) ev.recall[c] = static_cast<double>(ev.confusion[c][c]) / static_cast<double>(true_c);
        }
    }
    return ev;
}

Evaluation evaluate(Network& network, const Dataset& data, std::size_t batch_size) {
    return run_evaluation(network, data, batch_size, true);
}

Evaluation evaluate_accuracy(Network& network, const Dataset& data, std::size_t batch_size) {
    return run_evaluation(network, data, batch_size, false);
}

}  // namespace digitnet

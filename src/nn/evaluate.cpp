#include "digitnet/evaluate.hpp"

#include <numeric>

#include "digitnet/error.hpp"

namespace digitnet {

// The networks' outputs for x, averaged (an ensemble's answer); one network's are its own.
static ConstMatrixView ensemble_outputs(const std::vector<Network*>& networks, ConstMatrixView x, Matrix& average) {
    if (networks.size() == 1) return networks.front()->forward(x);
    const float share = 1.0f / static_cast<float>(networks.size());
    for (std::size_t k = 0; k < networks.size(); ++k) {
        const Matrix& out = networks[k]->forward(x);
        if (k == 0) average.resize(out.rows(), out.cols());
        for (std::size_t i = 0; i < out.size(); ++i)
            average.data()[i] = (k == 0 ? 0.0f : average.data()[i]) + share * out.data()[i];
    }
    return average;
}

// An ensemble's networks must take the same inputs and give the same kind of outputs.
static void check_members(const std::vector<Network*>& networks) {
    const Network& network = *networks.front();
    for (const Network* other : networks)
        if (other->input_size() != network.input_size() || other->output_size() != network.output_size() ||
            !(other->architecture().encoding == network.architecture().encoding))
            throw Error("ensemble: every model needs the same inputs, outputs and encoding; " +
                        network.architecture().describe() + " and " + other->architecture().describe() + " differ");
}

static std::vector<Network*> members_of(std::vector<Network>& networks) {
    if (networks.empty()) throw Error("ensemble: no models");
    std::vector<Network*> members;
    for (Network& n : networks) members.push_back(&n);
    check_members(members);
    return members;
}

void ensemble_outputs(std::vector<Network>& networks, ConstMatrixView x, Matrix& average) {
    const ConstMatrixView out = ensemble_outputs(members_of(networks), x, average);
    if (out.data != average.data()) {
        average.resize(out.rows, out.cols);
        std::copy(out.data, out.data + out.rows * out.cols, average.data());
    }
}

static Evaluation run_evaluation(const std::vector<Network*>& networks, const Dataset& data, std::size_t batch_size,
                                 bool confusion) {
    Network& network = *networks.front();  // encodes the inputs and reads the answers for all
    check_members(networks);
    Evaluation ev;
    const std::size_t n_classes = network.architecture().encoding.target_digit >= 0 ? 2 : network.output_size();
    ev.examples = data.size();
    if (confusion) {
        ev.confusion.assign(n_classes, std::vector<std::size_t>(n_classes, 0));
        ev.truth.reserve(data.size());
        ev.predicted.reserve(data.size());
    }
    if (data.size() == 0) return ev;
    // A convolutional network keeps every receptive field of a batch (conv.hpp): 100 images at a
    // time keep that memory to tens of MB.
    for (const Network* n : networks)
        if (n->architecture().is_net()) batch_size = std::min<std::size_t>(batch_size, 100);
    Matrix x, y, average;
    std::vector<int> predicted;
    std::vector<std::uint32_t> indices;
    double cost_sum = 0.0;
    for (std::size_t begin = 0; begin < data.size(); begin += batch_size) {
        const std::size_t count = std::min(batch_size, data.size() - begin);
        indices.resize(count);
        std::iota(indices.begin(), indices.end(), static_cast<std::uint32_t>(begin));
        network.encode_batch(data.images, data.labels, indices, x, y);
        const ConstMatrixView outputs = ensemble_outputs(networks, x, average);  // one forward pass each
        network.classes(outputs, predicted);
        cost_sum += cost_value(network.architecture().cost, outputs, y) * static_cast<double>(count);
        for (std::size_t i = 0; i < count; ++i) {
            const int truth = network.label_class(data.labels[begin + i]);
            ev.correct += predicted[i] == truth;
            if (confusion) {
                ev.truth.push_back(truth);
                ev.predicted.push_back(predicted[i]);
            }
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
    return run_evaluation({&network}, data, batch_size, true);
}

Evaluation evaluate_accuracy(Network& network, const Dataset& data, std::size_t batch_size) {
    return run_evaluation({&network}, data, batch_size, false);
}

Evaluation evaluate_ensemble(std::vector<Network>& networks, const Dataset& data, std::size_t batch_size) {
    return run_evaluation(members_of(networks), data, batch_size, true);
}

}  // namespace digitnet

#include "digitnet/presets.hpp"

#include "digitnet/error.hpp"

namespace digitnet {

static TrainConfig make(std::vector<std::size_t> sizes, Activation hidden, Activation output, Cost cost, Init init,
                        std::size_t epochs, std::size_t batch, float lr) {
    TrainConfig c;
    c.architecture.sizes = std::move(sizes);
    c.architecture.hidden = hidden;
    c.architecture.output = output;
    c.architecture.cost = cost;
    c.init = init;
    c.epochs = epochs;
    c.batch_size = batch;
    c.learning_rate = lr;
    return c;
}

static std::vector<Preset> build_presets() {
    using A = Activation;
    std::vector<Preset> list;
    {
        // The README's main job: a good network in well under a minute.
        TrainConfig c = make({784, 100, 10}, A::relu, A::softmax, Cost::log_likelihood, Init::he, 10, 32, 0.1f);
        c.optimizer.name = "momentum";
        c.learning_rate = 0.02f;
        list.push_back({"default", "784-100-10 ReLU, softmax + log-likelihood, momentum SGD, 10 epochs", c});
    }
    list.push_back({"nielsen", "Nielsen ch. 1: 784-30-10 sigmoid, quadratic cost, mini-batch 10, lr 3.0, N(0,1), 30 epochs, all 60,000 training images",
                    make({784, 30, 10}, A::sigmoid, A::sigmoid, Cost::quadratic, Init::normal, 30, 10, 3.0f), 0});
    {
        TrainConfig c = make({784, 200, 10}, A::sigmoid, A::sigmoid, Cost::quadratic, Init::rashid, 5, 1, 0.1f);
        c.architecture.use_bias = false;
        c.architecture.encoding.input_low = 0.01f;
        c.architecture.encoding.target_low = 0.01f;
        c.architecture.encoding.target_high = 0.99f;
        list.push_back({"rashid", "Rashid: 784-200-10 sigmoid without biases, one example at a time, lr 0.1, 5 epochs, "
                                  "inputs 0.01..1.0, targets 0.01/0.99, all 60,000 training images",
                        c, 0});
    }
    list.push_back({"3b1b", "3Blue1Brown: 784-16-16-10 sigmoid (13,002 parameters), quadratic cost, mini-batch 10, lr 3.0",
                    make({784, 16, 16, 10}, A::sigmoid, A::sigmoid, Cost::quadratic, Init::scaled_normal, 30, 10, 3.0f)});
    {
        TrainConfig c = make({784, 30, 1}, A::sigmoid, A::sigmoid, Cost::cross_entropy, Init::scaled_normal, 10, 10, 0.5f);
        c.architecture.encoding.target_digit = 9;
        list.push_back({"is-nine", "Nielsen ch. 1: one sigmoid output neuron answering \"is this a 9?\"", c});
    }
    {
        TrainConfig c = make({784, 100, 10}, A::sigmoid, A::sigmoid, Cost::cross_entropy, Init::scaled_normal, 30, 10, 0.5f);
        c.l2 = 5.0f;
        list.push_back({"nielsen-ch3", "Nielsen ch. 3: 784-100-10 sigmoid, cross-entropy, L2 5.0, lr 0.5, mini-batch 10", c});
    }
    {
        TrainConfig c = make({784, 800, 10}, A::relu, A::softmax, Cost::log_likelihood, Init::he, 20, 128, 0.001f);
        c.optimizer.name = "adam";
        c.dropout = 0.3f;
        c.augment = true;
        c.lr_decay = "step";
        c.lr_step = 7;
        c.lr_decay_factor = 0.3f;
        list.push_back({"best-mlp", "784-800-10 ReLU, dropout 0.3, shifted and rotated data, Adam lr 0.001, batch 128, ×0.3 every 7 epochs, 20 epochs", c});
    }
    return list;
}

const std::vector<Preset>& presets() {
    static const std::vector<Preset> list = build_presets();  // immutable after first use
    return list;
}

const Preset& find_preset(const std::string& name) {
    std::string known;
    for (const auto& p : presets()) {
        if (p.name == name) return p;
        known += (known.empty() ? "" : ", ") + p.name;
    }
    throw Error("--preset: expected one of " + known + "; found '" + name + "'");
}

}  // namespace digitnet

// Checkpoints: everything a training run needs to continue exactly, in one safetensors file.
#include "digitnet/train.hpp"

#include <map>

#include <nlohmann/json.hpp>

#include "digitnet/error.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/safetensors.hpp"

namespace digitnet {

using json = nlohmann::json;

static Tensor matrix_tensor(const std::string& name, const Matrix& m) {
    Tensor t;
    t.name = name;
    t.shape = {m.rows(), m.cols()};
    t.values.assign(m.begin(), m.end());
    return t;
}

static Matrix tensor_matrix(const Tensor& t, const std::string& source) {
    if (t.shape.size() != 2) throw Error(source + ": tensor '" + t.name + "' should be 2-dimensional");
    Matrix m(t.shape[0], t.shape[1]);
    std::copy(t.values.begin(), t.values.end(), m.begin());
    return m;
}

void Trainer::save_checkpoint(const std::string& path) const {
    SafetensorsFile file;
    append_network_tensors(network_, "", file.tensors);
    for (const auto& [name, m] : optimizer_->state()) file.tensors.push_back(matrix_tensor("optimizer." + name, m));
    for (std::size_t i = 0; i < best_weights_.size(); ++i)
        file.tensors.push_back(matrix_tensor("best." + std::to_string(i), best_weights_[i]));
    if (position_ > 0) {
        // An interrupted epoch: its order (indices < 2^24 are exact in float32).
        Tensor order;
        order.name = "epoch_order";
        order.shape = {order_.size()};
        order.values.assign(order_.begin(), order_.end());
        file.tensors.push_back(std::move(order));
    }
    json metrics = json::array();
    for (const auto& m : history_) metrics.push_back(json::parse(to_json(m)));
    json state{{"epoch", epoch_},
               {"position", position_},
               {"learning_rate", learning_rate_},
               {"best_validation", best_validation_},
               {"epochs_since_best", epochs_since_best_},
               {"epoch_cost_sum", epoch_cost_sum_},
               {"epoch_correct", epoch_correct_},
               {"epoch_seconds", epoch_seconds_},
               {"validation_size", data_->validation.size()}};
    file.metadata["format"] = "digitnet-checkpoint";
    file.metadata["format_version"] = "1";
    file.metadata["architecture"] = architecture_to_json(network_.architecture());
    file.metadata["config"] = to_json(config_);
    file.metadata["rng"] = rng_.state_string();
    file.metadata["state"] = state.dump();
    file.metadata["metrics"] = metrics.dump();
    save_safetensors(path, file);
}

std::optional<std::size_t> checkpoint_validation_size(const std::string& path) {
    const SafetensorsFile file = load_safetensors(path);
    auto it = file.metadata.find("state");
    if (it == file.metadata.end()) return std::nullopt;
    try {
        const json state = json::parse(it->second);
        if (!state.contains("validation_size")) return std::nullopt;
        return state.at("validation_size").get<std::size_t>();
    } catch (const json::exception& e) {
        throw Error(path + ": checkpoint state is invalid: " + e.what());
    }
}

Trainer Trainer::resume(const std::string& path, const DataSplits& data) {
    const SafetensorsFile file = load_safetensors(path);
    auto meta = [&](const char* key) -> const std::string& {
        auto it = file.metadata.find(key);
        if (it == file.metadata.end()) throw Error(path + ": not a digitnet checkpoint (metadata '" + key + "' is missing)");
        return it->second;
    };
    if (meta("format") != "digitnet-checkpoint")
        throw Error(path + ": not a digitnet checkpoint (format is '" + meta("format") + "')");
    TrainConfig config = train_config_from_json(meta("config"));
    validate(config);
    Trainer t(ResumeTag{}, config, data);
    t.network_ = network_from_tensors(config.architecture, file, "", path);
    for (std::size_t l = 0; l + 1 < t.network_.layers.size(); ++l) t.network_.layers[l].dropout = config.dropout;
    t.rng_.set_state_string(meta("rng"));
    std::map<std::string, Matrix> opt_state;
    std::vector<Matrix> best;
    for (const Tensor& tensor : file.tensors) {
        if (tensor.name.rfind("optimizer.", 0) == 0) opt_state[tensor.name.substr(10)] = tensor_matrix(tensor, path);
    }
    auto values = t.parameter_values();
    for (std::size_t i = 0; i < values.size(); ++i)
        if (const Tensor* b = file.find("best." + std::to_string(i))) best.push_back(tensor_matrix(*b, path));
    t.optimizer_->load_state(opt_state, values);
    try {
        const json state = json::parse(meta("state"));
        t.epoch_ = state.at("epoch").get<std::size_t>();
        t.position_ = state.at("position").get<std::size_t>();
        t.learning_rate_ = state.at("learning_rate").get<float>();
        t.best_validation_ = state.at("best_validation").get<double>();
        t.epochs_since_best_ = state.at("epochs_since_best").get<std::size_t>();
        t.epoch_cost_sum_ = state.at("epoch_cost_sum").get<double>();
        t.epoch_correct_ = state.at("epoch_correct").get<std::size_t>();
        t.epoch_seconds_ = state.at("epoch_seconds").get<double>();
        const std::size_t validation_size = state.value("validation_size", data.validation.size());
        if (validation_size != data.validation.size())
            throw Error(path + ": the checkpoint was trained with a validation split of " +
                        std::to_string(validation_size) + " examples, the data has " +
                        std::to_string(data.validation.size()) + " (--validation-size)");
        for (const auto& m : json::parse(meta("metrics"))) t.history_.push_back(epoch_metrics_from_json(m.dump()));
    } catch (const json::exception& e) {
        throw Error(path + ": checkpoint state is invalid: " + e.what());
    }
    t.best_weights_ = std::move(best);
    const std::size_t n = config.train_size ? std::min(config.train_size, data.train.size()) : data.train.size();
    if (t.position_ > 0) {
        const Tensor* order = file.find("epoch_order");
        if (!order || order->values.size() != n || t.position_ >= n)
            throw Error(path + ": the interrupted epoch's order does not match " + std::to_string(n) + " training examples");
        t.order_.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            const float v = order->values[i];
            if (!(v >= 0.0f && v < static_cast<float>(n))) throw Error(path + ": epoch_order holds an index out of range");
            t.order_[i] = static_cast<std::uint32_t>(v);
        }
    }
    if (data.train.features() != t.network_.input_size())
        throw Error(path + ": the checkpoint's network takes " + std::to_string(t.network_.input_size()) +
                    " inputs but the data's images have " + std::to_string(data.train.features()) + " pixels");
    return t;
}

}  // namespace digitnet

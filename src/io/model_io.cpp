#include "digitnet/model_io.hpp"

#include <cmath>

#include "digitnet/error.hpp"
#include "digitnet/train.hpp"

namespace digitnet {

static Tensor to_tensor(const std::string& name, const Matrix& m, bool as_vector) {
    Tensor t;
    t.name = name;
    if (as_vector) t.shape = {m.size()};
    else t.shape = {m.rows(), m.cols()};
    t.values.assign(m.begin(), m.end());
    return t;
}

void append_network_tensors(const Network& network, const std::string& prefix, std::vector<Tensor>& tensors) {
    for (std::size_t l = 0; l < network.layers.size(); ++l) {
        const DenseLayer& layer = network.layers[l];
        const std::string base = prefix + "layer." + std::to_string(l) + ".";
        tensors.push_back(to_tensor(base + "weights", layer.weights, false));
        if (layer.use_bias) tensors.push_back(to_tensor(base + "biases", layer.biases, true));
        if (layer.batch_norm) {
            tensors.push_back(to_tensor(base + "bn_gamma", layer.norm.gamma, true));
            tensors.push_back(to_tensor(base + "bn_beta", layer.norm.beta, true));
            tensors.push_back(to_tensor(base + "bn_running_mean", layer.norm.running_mean, true));
            tensors.push_back(to_tensor(base + "bn_running_var", layer.norm.running_var, true));
        }
    }
}

static std::string shape_text(const std::vector<std::size_t>& shape) {
    std::string s = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + ")";
}

Network network_from_tensors(const Architecture& architecture, const SafetensorsFile& file,
                             const std::string& prefix, const std::string& source) {
    for (const Tensor& t : file.tensors)
        if (t.is_integer && t.name.rfind(prefix + "layer.", 0) == 0)
            throw Error(source + ": tensor '" + t.name + "' holds integers (I64), expected float weights");
    Network network(architecture);
    for (std::size_t l = 0; l < network.layers.size(); ++l) {
        DenseLayer& layer = network.layers[l];
        const std::string base = prefix + "layer." + std::to_string(l) + ".";
        const Tensor* w = file.find(base + "weights");
        if (!w) throw Error(source + ": tensor '" + base + "weights' is missing");
        const std::vector<std::size_t> want_w{layer.n_out(), layer.n_in()};
        if (w->shape != want_w)
            throw Error(source + ": tensor '" + base + "weights' should have shape " + shape_text(want_w) +
                        ", found " + shape_text(w->shape));
        std::copy(w->values.begin(), w->values.end(), layer.weights.begin());
        const Tensor* b = file.find(base + "biases");
        if (layer.use_bias) {
            if (!b) throw Error(source + ": tensor '" + base + "biases' is missing");
            const std::vector<std::size_t> want_b{layer.n_out()};
            if (b->shape != want_b)
                throw Error(source + ": tensor '" + base + "biases' should have shape " + shape_text(want_b) +
                            ", found " + shape_text(b->shape));
            std::copy(b->values.begin(), b->values.end(), layer.biases.begin());
        } else if (b) {
            throw Error(source + ": tensor '" + base + "biases' found in a network without biases");
        }
        if (layer.batch_norm) {
            for (auto [name, target] : {std::pair{"bn_gamma", &layer.norm.gamma}, std::pair{"bn_beta", &layer.norm.beta},
                                        std::pair{"bn_running_mean", &layer.norm.running_mean},
                                        std::pair{"bn_running_var", &layer.norm.running_var}}) {
                const Tensor* t = file.find(base + name);
                if (!t) throw Error(source + ": tensor '" + base + name + "' is missing");
                const std::vector<std::size_t> want{layer.n_out()};
                if (t->shape != want)
                    throw Error(source + ": tensor '" + base + name + "' should have shape " + shape_text(want) +
                                ", found " + shape_text(t->shape));
                std::copy(t->values.begin(), t->values.end(), target->begin());
            }
            for (float v : layer.norm.running_var)
                if (v < 0.0f) throw Error(source + ": tensor '" + base + "bn_running_var' holds a negative variance");
        }
    }
    const Tensor* extra = file.find(prefix + "layer." + std::to_string(network.layers.size()) + ".weights");
    if (extra) throw Error(source + ": more layers in the file than its architecture " + architecture.describe());
    return network;
}

void save_model(const std::string& path, const Network& network, const Metadata& extra) {
    SafetensorsFile file;
    append_network_tensors(network, "", file.tensors);
    file.metadata = extra;
    file.metadata["format"] = "digitnet-model";
    file.metadata["format_version"] = "1";
    file.metadata["architecture"] = architecture_to_json(network.architecture());
    save_safetensors(path, file);
}

static Architecture read_architecture(const SafetensorsFile& file, const std::string& path) {
    auto format = file.metadata.find("format");
    if (format == file.metadata.end() || (format->second != "digitnet-model" && format->second != "digitnet-checkpoint"))
        throw Error(path + ": not a digitnet model (metadata 'format' should be digitnet-model, found " +
                    (format == file.metadata.end() ? std::string("none") : "'" + format->second + "'") + ")");
    auto arch = file.metadata.find("architecture");
    if (arch == file.metadata.end()) throw Error(path + ": metadata 'architecture' is missing");
    try {
        return architecture_from_json(arch->second);
    } catch (const Error& e) {
        throw Error(path + ": metadata 'architecture' is invalid: " + e.what());
    }
}

Network load_model(const std::string& path, Metadata* metadata) {
    SafetensorsFile file = load_safetensors(path);
    Architecture architecture = read_architecture(file, path);
    Network network = network_from_tensors(architecture, file, "", path);
    if (metadata) *metadata = file.metadata;
    return network;
}

void load_weights(Network& network, const std::string& path) {
    Network loaded = load_model(path);  // all checks happen here, before `network` is touched
    if (!(loaded.architecture() == network.architecture()))
        throw Error(path + ": holds a " + loaded.architecture().describe() + " network, but a " +
                    network.architecture().describe() + " network was asked for");
    network = std::move(loaded);
}

}  // namespace digitnet

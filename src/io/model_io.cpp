#include "digitnet/model_io.hpp"

#include <algorithm>
#include <cmath>

#include "digitnet/error.hpp"
#include "digitnet/file_kind.hpp"
#include "digitnet/train.hpp"
#include "digitnet/train_config.hpp"

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
    // A --net network: its tensors under PyTorch's names and shapes ("0.weight": (20, 1, 5, 5)).
    for (const LayerTensor& lt : network.tensors()) {
        Tensor t;
        t.name = prefix + lt.name;
        t.shape = lt.shape;
        t.values.assign(lt.value->begin(), lt.value->end());
        tensors.push_back(std::move(t));
    }
    for (std::size_t l = 0; network.plan().empty() && l < network.layers.size(); ++l) {
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

namespace {

// The tensors a layer of the architecture reads, with their shapes: the layout Network's
// constructor gives its layers (batch normalisation on the hidden layers, which then have
// no bias), worked out from the architecture alone so that nothing is allocated for it.
struct ExpectedTensor {
    std::string name;
    std::vector<std::size_t> shape;
};

std::vector<ExpectedTensor> expected_tensors(const Architecture& a, std::size_t l, const std::string& base) {
    const std::size_t n_in = a.sizes[l], n_out = a.sizes[l + 1];
    const bool normalised = a.batch_norm && l + 2 < a.sizes.size();
    std::vector<ExpectedTensor> expected{{base + "weights", {n_out, n_in}}};
    if (a.use_bias && !normalised) expected.push_back({base + "biases", {n_out}});
    if (normalised)
        for (const char* name : {"bn_gamma", "bn_beta", "bn_running_mean", "bn_running_var"})
            expected.push_back({base + name, {n_out}});
    return expected;
}

// The layer's matrix a tensor fills.
Matrix& target_of(DenseLayer& layer, const std::string& name, const std::string& base) {
    const std::string field = name.substr(base.size());
    if (field == "weights") return layer.weights;
    if (field == "biases") return layer.biases;
    if (field == "bn_gamma") return layer.norm.gamma;
    if (field == "bn_beta") return layer.norm.beta;
    if (field == "bn_running_mean") return layer.norm.running_mean;
    return layer.norm.running_var;
}

}  // namespace

// A --net network's tensors: every one the plan names present with its shape (checked before the
// network is built), none of its layers' beyond them, then copied in.
static Network net_from_tensors(const Architecture& architecture, const SafetensorsFile& file,
                                const std::string& prefix, const std::string& source) {
    const std::vector<LayerSpec> plan = plan_net(architecture.net, architecture.input);
    std::vector<std::string> expected;
    for (const LayerSpec& s : plan)
        for (const TensorSpec& want : s.tensors) {
            const std::string name = prefix + want.name;
            expected.push_back(name);
            const Tensor* t = file.find(name);
            if (!t) throw Error(source + ": tensor '" + name + "' is missing");
            if (t->is_integer) throw Error(source + ": tensor '" + name + "' holds integers (I64), expected float weights");
            if (t->shape != want.shape)
                throw Error(source + ": tensor '" + name + "' should have shape " + shape_text(want.shape) + ", found " +
                            shape_text(t->shape));
            if (want.name.ends_with("running_var"))
                for (float v : t->values)
                    if (v < 0.0f) throw Error(source + ": tensor '" + name + "' holds a negative variance");
        }
    for (std::size_t i = 0; i < plan.size() + 1; ++i) {  // a layer's tensor the plan does not expect
        const std::string layer_prefix = prefix + std::to_string(i) + ".";
        for (const Tensor& t : file.tensors)
            if (t.name.rfind(layer_prefix, 0) == 0 && std::find(expected.begin(), expected.end(), t.name) == expected.end())
                throw Error(source + ": tensor '" + t.name + "' does not belong to layer " + std::to_string(i + 1) +
                            (i < plan.size() ? " '" + plan[i].word + "'" : std::string(" (there is none)")));
    }
    Network network(architecture);
    for (const LayerTensor& lt : network.tensors()) {
        const Tensor& t = *file.find(prefix + lt.name);
        if (lt.value->size() != t.values.size())  // the plan disagrees with the network built
            throw Error(source + ": internal error: tensor '" + t.name + "' does not fit its layer");
        std::copy(t.values.begin(), t.values.end(), lt.value->begin());
    }
    return network;
}

Network network_from_tensors(const Architecture& architecture, const SafetensorsFile& file,
                             const std::string& prefix, const std::string& source) {
    for (const Tensor& t : file.tensors)
        if (t.is_integer && t.name.rfind(prefix + "layer.", 0) == 0)
            throw Error(source + ": tensor '" + t.name + "' holds integers (I64), expected float weights");
    try {
        validate(architecture);
    } catch (const Error& e) {
        throw Error(source + ": the architecture is invalid: " + e.what());
    }
    if (architecture.is_net()) {
        try {
            return net_from_tensors(architecture, file, prefix, source);
        } catch (const Error& e) {
            const std::string message = e.what();
            if (message.rfind(source + ":", 0) == 0) throw;
            throw Error(source + ": the architecture is invalid: " + message);
        }
    }
    // First every tensor against the architecture: present, of the right shape, nothing left
    // over. Only then is the network built, so a small file cannot make it allocate more than
    // the values the file holds.
    const std::size_t n_layers = architecture.sizes.size() - 1;
    for (std::size_t l = 0; l < n_layers; ++l) {
        const std::string base = prefix + "layer." + std::to_string(l) + ".";
        const std::vector<ExpectedTensor> expected = expected_tensors(architecture, l, base);
        for (const ExpectedTensor& want : expected) {
            const Tensor* t = file.find(want.name);
            if (!t) throw Error(source + ": tensor '" + want.name + "' is missing");
            if (t->shape != want.shape)
                throw Error(source + ": tensor '" + want.name + "' should have shape " + shape_text(want.shape) +
                            ", found " + shape_text(t->shape));
        }
        auto expects = [&](const std::string& name) {
            return std::any_of(expected.begin(), expected.end(), [&](const ExpectedTensor& e) { return e.name == name; });
        };
        if (file.find(base + "biases") && !expects(base + "biases"))
            throw Error(source + ": tensor '" + base + "biases' found in a network without biases");
        if (expects(base + "bn_running_var"))
            for (float v : file.find(base + "bn_running_var")->values)
                if (v < 0.0f) throw Error(source + ": tensor '" + base + "bn_running_var' holds a negative variance");
    }
    if (file.find(prefix + "layer." + std::to_string(n_layers) + ".weights"))
        throw Error(source + ": more layers in the file than its architecture " + architecture.describe());

    Network network;
    try {
        network = Network(architecture);
    } catch (const Error& e) {
        throw Error(source + ": the architecture is invalid: " + e.what());
    }
    for (std::size_t l = 0; l < n_layers; ++l) {
        DenseLayer& layer = network.layers[l];
        const std::string base = prefix + "layer." + std::to_string(l) + ".";
        for (const ExpectedTensor& want : expected_tensors(architecture, l, base)) {
            const Tensor& t = *file.find(want.name);
            Matrix& target = target_of(layer, want.name, base);
            if (target.size() != t.values.size())  // the layout above disagrees with Network's
                throw Error(source + ": internal error: tensor '" + want.name + "' does not fit its layer");
            std::copy(t.values.begin(), t.values.end(), target.begin());
        }
    }
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
                    (format == file.metadata.end() ? std::string("none") : quote_text(format->second)) + ")");
    auto arch = file.metadata.find("architecture");
    if (arch == file.metadata.end()) throw Error(path + ": metadata 'architecture' is missing");
    try {
        return architecture_from_json(arch->second);  // checked by validate(Architecture)
    } catch (const Error& e) {
        // The message may quote the file's text (an activation's name, a JSON excerpt).
        throw Error(path + ": metadata 'architecture' is invalid: " + escape_text(e.what(), 300));
    }
}

Network load_model(const std::string& path, Metadata* metadata) {
    require_model_file(path);  // a PNG given as the model is named as a PNG, not as a bad header
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

// Parsing and checking a --net description (net_spec.hpp).
#include "digitnet/net_spec.hpp"

#include <charconv>
#include <sstream>

#include "digitnet/error.hpp"
#include "digitnet/format.hpp"

namespace digitnet {

namespace {

constexpr std::size_t kMaxLayers = 64;
constexpr std::size_t kMaxKernel = 64;
constexpr std::size_t kMaxFilters = 4096;
constexpr std::size_t kMaxUnits = 100000;

constexpr const char* kWords =
    "conv<kh>x<kw>x<filters>[:same][:stride<s>], maxpool<k>, avgpool<k>, flatten, dense<n>, relu, sigmoid, tanh, "
    "identity, softmax, dropout<p>, batchnorm";

// Reads a whole number from the front of `text`, advancing it; false if there is none.
bool take_number(std::string_view& text, std::size_t& value) {
    auto [next, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || next == text.data()) return false;
    text.remove_prefix(static_cast<std::size_t>(next - text.data()));
    return true;
}

bool take(std::string_view& text, std::string_view prefix) {
    if (text.substr(0, prefix.size()) != prefix) return false;
    text.remove_prefix(prefix.size());
    return true;
}

struct LayerError {
    std::size_t index;
    std::string word;
    [[noreturn]] void operator()(const std::string& why) const {
        throw Error("--net: layer " + std::to_string(index + 1) + " '" + word + "': " + why);
    }
};

void check_range(const LayerError& fail, const char* what, std::size_t value, std::size_t max) {
    if (value == 0 || value > max)
        fail(std::string(what) + " should be 1.." + std::to_string(max) + ", found " + std::to_string(value));
}

// ":same", ":valid", ":stride<s>" after a conv or pool word.
void take_options(std::string_view& rest, LayerSpec& spec, bool allow_padding, const LayerError& fail) {
    while (!rest.empty()) {
        if (!take(rest, ":")) fail("unexpected '" + std::string(rest) + "' (options are written :same, :stride2)");
        std::size_t s = 0;
        if (allow_padding && take(rest, "same")) spec.same = true;
        else if (allow_padding && take(rest, "valid")) spec.same = false;
        else if (take(rest, "stride") && take_number(rest, s)) {
            check_range(fail, "the stride", s, kMaxKernel);
            spec.stride = s;
        } else
            fail(std::string("unknown option (expected ") + (allow_padding ? ":same, :valid or " : "") + ":stride<s>)");
    }
}

LayerSpec parse_word(const std::string& word, std::size_t index) {
    const LayerError fail{index, word};
    LayerSpec spec;
    spec.word = word;
    std::string_view rest = word;
    std::size_t n = 0;
    if (take(rest, "conv")) {
        spec.kind = LayerKind::conv;
        if (!take_number(rest, spec.kernel_rows) || !take(rest, "x") || !take_number(rest, spec.kernel_cols) ||
            !take(rest, "x") || !take_number(rest, spec.filters))
            fail("expected conv<kh>x<kw>x<filters>, e.g. conv5x5x20");
        check_range(fail, "the kernel size", spec.kernel_rows, kMaxKernel);
        check_range(fail, "the kernel size", spec.kernel_cols, kMaxKernel);
        check_range(fail, "the number of filters", spec.filters, kMaxFilters);
        take_options(rest, spec, true, fail);
    } else if (take(rest, "maxpool") || take(rest, "avgpool")) {
        spec.kind = word.rfind("max", 0) == 0 ? LayerKind::maxpool : LayerKind::avgpool;
        if (!take_number(rest, spec.window)) fail("expected a window size, e.g. maxpool2");
        check_range(fail, "the window", spec.window, kMaxKernel);
        spec.stride = spec.window;
        take_options(rest, spec, false, fail);
    } else if (word == "flatten") {
        spec.kind = LayerKind::flatten;
    } else if (take(rest, "dense")) {
        spec.kind = LayerKind::dense;
        if (!take_number(rest, n) || !rest.empty()) fail("expected dense<neurons>, e.g. dense100");
        check_range(fail, "the number of neurons", n, kMaxUnits);
        spec.units = n;
    } else if (take(rest, "dropout")) {
        spec.kind = LayerKind::dropout;
        float p = -1.0f;
        auto [next, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), p);
        if (ec != std::errc() || next != rest.data() + rest.size())
            fail("expected dropout<p> with a drop probability, e.g. dropout0.5");
        if (!(p >= 0.0f && p < 1.0f)) fail("the drop probability should be in [0, 1), found " + format_number(p));
        spec.p = p;
    } else if (word == "batchnorm") {
        spec.kind = LayerKind::batchnorm;
    } else {
        for (Activation a : {Activation::relu, Activation::sigmoid, Activation::tanh, Activation::identity,
                             Activation::softmax})
            if (word == to_string(a)) {
                spec.kind = LayerKind::activation;
                spec.activation = a;
                return spec;
            }
        fail(std::string("unknown layer; the words are ") + kWords);
    }
    return spec;
}

bool is_image(ImageShape s) { return s.rows > 1 || s.cols > 1; }

}  // namespace

std::size_t LayerSpec::parameter_count() const {
    std::size_t n = 0;
    for (const TensorSpec& t : tensors) {
        if (!t.trained) continue;
        std::size_t size = 1;
        for (std::size_t d : t.shape) size *= d;
        n += size;
    }
    return n;
}

std::vector<LayerSpec> plan_net(const std::string& net, ImageShape input) {
    std::vector<std::string> words;
    std::istringstream in(net);
    for (std::string w; in >> w;) words.push_back(w);
    if (words.empty()) throw Error("--net: expected layers like 'conv5x5x20 relu maxpool2 flatten dense10 softmax', found none");
    if (words.size() > kMaxLayers)
        throw Error("--net: at most " + std::to_string(kMaxLayers) + " layers, found " + std::to_string(words.size()));
    std::vector<LayerSpec> plan;
    ImageShape shape = input;
    bool dense_seen = false, flattened = false;
    // After a dense layer: what may still follow it before the next dense layer.
    enum { after_dense, after_norm, after_activation, after_dropout } stage = after_dropout;
    for (std::size_t i = 0; i < words.size(); ++i) {
        LayerSpec spec = parse_word(words[i], i);
        const LayerError fail{i, spec.word};
        const std::string index = std::to_string(i);
        spec.in = shape;
        switch (spec.kind) {
            case LayerKind::conv: {
                if (dense_seen) fail("a convolution cannot follow a dense layer");
                if (flattened) fail("a convolution needs an image, and flatten came before it");
                if (!spec.same && (spec.kernel_rows > shape.rows || spec.kernel_cols > shape.cols))
                    fail("the kernel is larger than its input " + shape.describe() + " (use a smaller kernel or :same)");
                const std::size_t rows = spec.same ? (shape.rows + spec.stride - 1) / spec.stride
                                                   : (shape.rows - spec.kernel_rows) / spec.stride + 1;
                const std::size_t cols = spec.same ? (shape.cols + spec.stride - 1) / spec.stride
                                                   : (shape.cols - spec.kernel_cols) / spec.stride + 1;
                spec.out = {spec.filters, rows, cols};
                spec.tensors = {{index + ".weight", {spec.filters, shape.channels, spec.kernel_rows, spec.kernel_cols}},
                                {index + ".bias", {spec.filters}}};
                break;
            }
            case LayerKind::maxpool:
            case LayerKind::avgpool:
                if (dense_seen) fail("pooling cannot follow a dense layer");
                if (flattened) fail("pooling needs an image, and flatten came before it");
                if (spec.window > shape.rows || spec.window > shape.cols)
                    fail("the window is larger than its input " + shape.describe());
                spec.out = {shape.channels, (shape.rows - spec.window) / spec.stride + 1,
                            (shape.cols - spec.window) / spec.stride + 1};
                break;
            case LayerKind::flatten:
                if (dense_seen) fail("flatten cannot follow a dense layer");
                if (flattened) fail("the input is already flat");
                flattened = true;
                spec.out = {shape.size(), 1, 1};
                break;
            case LayerKind::dense:
                if (is_image(shape))
                    fail("a dense layer needs a flat input, and its input is the image " + shape.describe() +
                         ": put flatten before it");
                dense_seen = true;
                stage = after_dense;
                spec.out = {spec.units, 1, 1};
                spec.tensors = {{index + ".weight", {spec.units, shape.size()}}, {index + ".bias", {spec.units}}};
                break;
            case LayerKind::batchnorm:
                if (dense_seen) {
                    if (stage != after_dense) fail("batch normalisation goes right after its dense layer, before the activation");
                    plan.back().tensors.pop_back();  // the dense layer's bias: β does its job
                    stage = after_norm;
                } else if (!plan.empty() && plan.back().kind == LayerKind::conv) {
                    plan.back().tensors.pop_back();  // the convolution's bias, likewise
                }
                spec.out = shape;
                for (const char* name : {"weight", "bias", "running_mean", "running_var"})
                    spec.tensors.push_back({index + "." + name, {shape.channels}, name[0] != 'r'});
                break;
            case LayerKind::activation:
                if (spec.activation == Activation::softmax && i + 1 != words.size())
                    fail("softmax is an output activation: it can only be the last word");
                if (dense_seen) {
                    if (stage != after_dense && stage != after_norm) fail("a dense layer has one activation");
                    stage = after_activation;
                }
                spec.out = shape;
                break;
            case LayerKind::dropout:
                if (dense_seen) {
                    if (stage == after_dropout) fail("dropout follows a dense layer (or its activation) once");
                    stage = after_dropout;
                }
                if (i + 1 == words.size()) fail("dropout on the output: the network must end in a dense layer");
                spec.out = shape;
                break;
        }
        shape = spec.out;
        plan.push_back(std::move(spec));
    }
    if (!dense_seen) throw Error("--net: the network must end in a dense layer giving the outputs, e.g. 'flatten dense10 softmax'");
    return plan;
}

Activation net_output_activation(const std::vector<LayerSpec>& plan) {
    for (auto it = plan.rbegin(); it != plan.rend(); ++it) {
        if (it->kind == LayerKind::activation) return it->activation;
        if (it->kind == LayerKind::dense) return Activation::identity;
    }
    return Activation::identity;
}

std::size_t net_outputs(const std::vector<LayerSpec>& plan) { return plan.empty() ? 0 : plan.back().out.size(); }

std::string net_text(const std::vector<LayerSpec>& plan) {
    std::string s;
    for (const LayerSpec& l : plan) s += (s.empty() ? "" : " ") + l.word;
    return s;
}

}  // namespace digitnet

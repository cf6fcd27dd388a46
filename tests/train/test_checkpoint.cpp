// What may be written is what can be read back (architecture limits), and what a checkpoint
// must contain before a run continues from it: every tensor, field and checksum checked,
// with messages that name the file.
#include <gtest/gtest.h>
#include <zlib.h>

#include <atomic>
#include <cstring>

#include <nlohmann/json.hpp>

#include "digitnet/error.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/safetensors.hpp"
#include "digitnet/train.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::fresh_dir;
using digitnet::testing::read_text;
using digitnet::testing::synthetic_splits;
namespace fs = std::filesystem;

namespace {

TrainConfig small_config() {
    TrainConfig c;
    c.architecture.sizes = {64, 16, 10};
    c.architecture.output = Activation::softmax;
    c.architecture.cost = Cost::log_likelihood;
    c.init = Init::scaled_normal;
    c.epochs = 3;
    c.batch_size = 10;
    c.learning_rate = 0.5f;
    c.seed = 7;
    return c;
}

// The message of the Error that f throws ("" and a failure when it throws none).
template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected a digitnet::Error";
    return "";
}

Architecture with_sizes(std::vector<std::size_t> sizes) {
    Architecture a;
    a.sizes = std::move(sizes);
    return a;
}

}  // namespace

// --- what is written can be read back ---

TEST(ArchitectureLimits, SixtySixSizesAreRefusedAtTheStartByTheWriterAndByTheReader) {
    std::vector<std::size_t> sizes(66, 3);
    sizes.front() = 64;
    sizes.back() = 10;
    TrainConfig c = small_config();
    c.architecture.sizes = sizes;
    const std::string at_start = error_of([&] { validate(c); });
    EXPECT_NE(at_start.find("--layers"), std::string::npos) << at_start;
    EXPECT_NE(at_start.find("2..64"), std::string::npos) << at_start;
    EXPECT_NE(at_start.find("66"), std::string::npos) << at_start;

    // The writer refuses it before anything is written; the reader says the same.
    auto dir = fresh_dir("limits");
    const std::string path = (dir / "m.safetensors").string();
    const Network network(c.architecture);
    const std::string writer = error_of([&] { save_model(path, network); });
    EXPECT_NE(writer.find("2..64"), std::string::npos) << writer;
    EXPECT_FALSE(fs::exists(path));
    const std::string reader = error_of([&] { architecture_from_json(R"({"sizes":[)" + std::string(65 * 2, ' ') + "]}"); });
    EXPECT_FALSE(reader.empty());
    EXPECT_THROW(architecture_to_json(c.architecture), Error);
    EXPECT_NO_THROW(architecture_to_json(with_sizes(std::vector<std::size_t>(64, 4))));
}

TEST(ArchitectureLimits, ANetworkTooLargeForAFileIsRefusedBeforeTraining) {
    // 784 x 1,000,000 weights: over 100000 per layer; 50,000 x 50,000 is 2.5e9 weights, more
    // than one tensor may hold (and 10 GB, more than a file may be read back at).
    TrainConfig c = small_config();
    c.architecture = with_sizes({784, 1000000, 10});
    EXPECT_NE(error_of([&] { validate(c); }).find("--layers"), std::string::npos);
    c.architecture = with_sizes({784, 50000, 50000, 10});
    const std::string big = error_of([&] { validate(c); });
    EXPECT_NE(big.find("--layers"), std::string::npos) << big;
    EXPECT_NE(big.find("read back"), std::string::npos) << big;
    // A model file of 950 MB is fine, but its Adam checkpoint (weights, two moments, the best
    // weights) would pass 2 GiB; refused before any of it is allocated.
    c.architecture = with_sizes({784, 15000, 15000, 10});
    c.optimizer.name = "adam";
    c.early_stop = 3;
    const std::string checkpoint = error_of([&] { validate(c); });
    EXPECT_NE(checkpoint.find("checkpoint"), std::string::npos) << checkpoint;
}

TEST(ModelFile, AnIntegerWeightTensorIsRefused) {
    Architecture a = with_sizes({3, 2});
    const Network network(a);
    SafetensorsFile f;
    append_network_tensors(network, "", f.tensors);
    Tensor& w = f.tensors[0];
    w.is_integer = true;
    w.integers.assign(w.values.size(), 1);
    w.values.clear();
    f.metadata = {{"format", "digitnet-model"}, {"architecture", architecture_to_json(a)}};
    auto dir = fresh_dir("int-weights");
    const std::string path = (dir / "m.safetensors").string();
    save_safetensors(path, f);
    const std::string message = error_of([&] { load_model(path); });
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find("layer.0.weights"), std::string::npos) << message;
}

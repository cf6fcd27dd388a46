// Model files: what load_model checks before it builds a network, the ranges it shares with
// training's configuration checks, and that every message names the file.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "digitnet/error.hpp"
#include "digitnet/file_io.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/train_config.hpp"
#include "special_files.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::fresh_dir;
namespace fs = std::filesystem;
using json = nlohmann::json;
using digitnet::testing::error_of;

namespace {

Architecture small_architecture(std::size_t outputs = 2) {
    Architecture a;
    a.sizes = {4, 3, outputs};
    return a;
}

// A model file of `architecture` with drawn weights, at `path`.
void write_model(const std::string& path, const Architecture& architecture) {
    Network network(architecture);
    Rng rng(3);
    network.initialize(Init::scaled_normal, rng);
    save_model(path, network);
}

// The model file at `path` with its architecture metadata changed by `edit` (the tensors kept).
void edit_architecture(const std::string& path, const std::function<void(json&)>& edit) {
    SafetensorsFile file = load_safetensors(path);
    json architecture = json::parse(file.metadata.at("architecture"));
    edit(architecture);
    file.metadata["architecture"] = architecture.dump();
    save_safetensors(path, file);
}

}  // namespace

// --- nothing is allocated for what the file does not hold ---

TEST(ModelFileLimits, AnArchitectureTheTensorsDoNotHoldIsRefusedBeforeTheNetworkIsBuilt) {
    const fs::path dir = fresh_dir("model-limits");
    // Metadata that asks for huge layers, and no tensors: a file of about a kilobyte. The issue's
    // file (784-20000-20000-20000-10, 6.4 GB and 24 s to build) is more than any model file can
    // hold, so the architecture's own limits refuse it; 784-10000-10000-10 fits a file, and its
    // missing tensors are found before the network (about 1.7 GB with its gradients) is built.
    // The metadata is written by hand: digitnet's writer would refuse the first.
    const std::vector<std::string> huge = {"[784,20000,20000,20000,10]", "[784,10000,10000,10]"};
    const std::vector<std::string> expected = {"more than a file can be read back", "layer.0.weights' is missing"};
    for (std::size_t i = 0; i < huge.size(); ++i) {
        SafetensorsFile file;
        file.metadata = {{"format", "digitnet-model"},
                         {"format_version", "1"},
                         {"architecture", "{\"sizes\":" + huge[i] +
                                              ",\"hidden\":\"relu\",\"output\":\"softmax\",\"cost\":\"log-likelihood\","
                                              "\"use_bias\":true,\"batch_norm\":false,\"encoding\":{\"input_low\":0,"
                                              "\"target_low\":0,\"target_high\":1,\"target_digit\":-1}}"}};
        const std::string path = (dir / "huge.safetensors").string();
        save_safetensors(path, file);
        EXPECT_LT(fs::file_size(path), 2000u);
        const auto start = std::chrono::steady_clock::now();
        const std::string m = error_of([&] { load_model(path); });
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        EXPECT_EQ(m.rfind(path + ": ", 0), 0u) << m;
        EXPECT_CONTAINS(m, expected[i]);
        EXPECT_LT(seconds, 2.0) << "took as long as building the network";
    }

    // The first layer's tensors present and right, the next layer's weights of the wrong shape:
    // the shape is named, and nothing of the 20000-wide layers is built either.
    Architecture a;
    a.sizes = {4, 3, 20000, 20000, 2};
    Network small(small_architecture());
    SafetensorsFile file;
    append_network_tensors(small, "", file.tensors);  // layer.0 (3, 4) and layer.1 (2, 3)
    file.metadata = {{"format", "digitnet-model"}, {"architecture", architecture_to_json(a)}};
    const std::string path = (dir / "partial.safetensors").string();
    save_safetensors(path, file);
    const std::string m = error_of([&] { load_model(path); });
    EXPECT_CONTAINS(m, "layer.1.weights' should have shape (20000, 3), found (2, 3)");
    fs::remove_all(dir);
}

// --- the ranges training refuses are refused in model files ---

TEST(ModelFileRanges, ValuesTrainingRefusesAreRefusedInModelFiles) {
    const fs::path dir = fresh_dir("model-ranges");
    struct Case {
        const char* what;
        std::size_t outputs;
        std::function<void(json&)> edit;
        const char* named;  // the field the message names
    };
    const std::vector<Case> cases = {
        {"input_low 1e30", 2, [](json& a) { a["encoding"]["input_low"] = 1e30; }, "input_low"},
        {"input_low -0.5", 2, [](json& a) { a["encoding"]["input_low"] = -0.5; }, "input_low"},
        {"target_digit 99", 1, [](json& a) { a["encoding"]["target_digit"] = 99; }, "target_digit"},
        {"target_digit -5", 2, [](json& a) { a["encoding"]["target_digit"] = -5; }, "target_digit"},
        {"target_digit 0.5", 1, [](json& a) { a["encoding"]["target_digit"] = 0.5; }, "target_digit"},
        {"target_low above target_high", 2,
         [](json& a) {
             a["encoding"]["target_low"] = 0.9;
             a["encoding"]["target_high"] = 0.1;
         },
         "target_low"},
        {"a layer size of 3.5", 2, [](json& a) { a["sizes"][1] = 3.5; }, "sizes"},
        {"a layer size of 100.5", 2, [](json& a) { a["sizes"][1] = 100.5; }, "sizes"},
        {"a negative layer size", 2, [](json& a) { a["sizes"][1] = -3; }, "sizes"},
        {"a layer size of 0", 2, [](json& a) { a["sizes"][1] = 0; }, "sizes"},
        {"one layer size", 2, [](json& a) { a["sizes"] = json::array({4}); }, "sizes"},
    };
    for (const Case& c : cases) {
        const std::string path = (dir / "edited.safetensors").string();
        write_model(path, small_architecture(c.outputs));
        edit_architecture(path, c.edit);
        const std::string m = error_of([&] { load_model(path); });
        EXPECT_EQ(m.rfind(path + ": ", 0), 0u) << c.what << ": " << m;
        EXPECT_CONTAINS(m, c.named) << c.what;
    }

    // The same values in a training configuration are refused by validate(TrainConfig), through
    // the same check: validate(Architecture).
    auto refused_by_training = [](const std::function<void(Architecture&)>& edit) {
        TrainConfig config;
        config.architecture = small_architecture();
        edit(config.architecture);
        EXPECT_THROW(validate(config), Error);
        EXPECT_THROW(validate(config.architecture), Error);
    };
    refused_by_training([](Architecture& a) { a.encoding.input_low = 1e30f; });
    refused_by_training([](Architecture& a) { a.encoding.target_digit = 99; });
    refused_by_training([](Architecture& a) { a.encoding.target_digit = -5; });
    refused_by_training([](Architecture& a) {
        a.encoding.target_low = 0.9f;
        a.encoding.target_high = 0.1f;
    });
    refused_by_training([](Architecture& a) { a.sizes = {4, 100001, 2}; });
    refused_by_training([](Architecture& a) { a.sizes = {4}; });
    Architecture fine = small_architecture();
    EXPECT_NO_THROW(validate(fine));
    fine.encoding = {0.01f, 0.01f, 0.99f, -1};  // Rashid's encoding
    EXPECT_NO_THROW(validate(fine));
    fs::remove_all(dir);
}

// --- every message from a model file names the file ---

TEST(ModelFileMessages, EveryMessageFromAModelFileNamesTheFile) {
    const fs::path dir = fresh_dir("model-messages");
    const std::string path = (dir / "model.safetensors").string();
    struct Case {
        const char* what;
        std::function<void(json&)> edit;
    };
    const std::vector<Case> cases = {
        {"softmax as the hidden activation", [](json& a) { a["hidden"] = "softmax"; }},
        {"cross-entropy on ReLU outputs",
         [](json& a) {
             a["cost"] = "cross-entropy";
             a["output"] = "relu";
         }},
        {"a yes/no network with 2 outputs", [](json& a) { a["encoding"]["target_digit"] = 3; }},
        {"an unknown activation", [](json& a) { a["output"] = "swish"; }},
        {"sizes not a list", [](json& a) { a["sizes"] = "784,30,10"; }},
        {"no encoding", [](json& a) { a.erase("encoding"); }},
    };
    for (const Case& c : cases) {
        write_model(path, small_architecture());
        edit_architecture(path, c.edit);
        const std::string m = error_of([&] { load_model(path); });
        EXPECT_EQ(m.rfind(path + ": ", 0), 0u) << c.what << ": " << m;
    }
    // load_weights into a network of another architecture names the file and both architectures.
    write_model(path, small_architecture());
    Network other(Architecture{});
    const std::string m = error_of([&] { load_weights(other, path); });
    EXPECT_EQ(m.rfind(path + ": ", 0), 0u) << m;
    fs::remove_all(dir);
}

TEST(ModelFileMessages, AFifoOrAFolderIsNamedAsSuchAndNeverBlocks) {
    const fs::path dir = fresh_dir("model-fifo");
    const fs::path fifo = dir / "model.safetensors";
    digitnet::testing::make_fifo(fifo);
    std::string m = digitnet::testing::error_without_hanging(fifo, [&] { load_model(fifo.string()); });
    EXPECT_CONTAINS(m, fifo.string() + ": is a FIFO, expected a regular file");
    m = digitnet::testing::error_without_hanging(fifo, [&] { read_file(fifo.string(), 100); });
    EXPECT_CONTAINS(m, fifo.string() + ": is a FIFO, expected a regular file");
    m = error_of([&] { load_model(dir.string()); });
    EXPECT_CONTAINS(m, dir.string() + ": is a folder, expected a regular file");
    if (fs::exists("/dev/null")) {
        m = error_of([&] { load_model("/dev/null"); });
        EXPECT_CONTAINS(m, "/dev/null: is a character device, expected a regular file");
    }
    fs::remove_all(dir);
}

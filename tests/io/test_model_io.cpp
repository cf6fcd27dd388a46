// Model files: the ranges they share with training's configuration checks.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "digitnet/error.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/train_config.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::fresh_dir;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

// The message of the digitnet::Error `f` throws, checked to be one line.
std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        return message;
    }
    ADD_FAILURE() << "expected a digitnet::Error";
    return "";
}

#define EXPECT_CONTAINS(haystack, needle) \
    EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << "'" << (haystack) << "' lacks '" << (needle) << "'"

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

// What may be written is what can be read back (architecture limits), and what a checkpoint
// must contain before a run continues from it: every tensor, field and checksum checked,
// with messages that name the file.
#include <chrono>
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
#include "train/checkpoint_forge.hpp"

using namespace digitnet;
using digitnet::testing::fresh_dir;
using digitnet::testing::read_text;
using digitnet::testing::synthetic_splits;
namespace fs = std::filesystem;
using digitnet::testing::error_of;
using digitnet::testing::small_config;
using digitnet::testing::stop_in_second_epoch;

namespace {

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

// --- checkpoints: what one must contain ---

namespace {

using json = nlohmann::json;

using digitnet::testing::reseal;

struct Fixture {
    DataSplits data = synthetic_splits(1000);
    TrainConfig config;
    fs::path dir;
    std::string path;  // a checkpoint in the middle of epoch 2, with Adam's state and best weights
};

Fixture interrupted_checkpoint(const std::string& name) {
    Fixture f;
    f.config = small_config();
    f.config.optimizer.name = "adam";
    f.config.learning_rate = 0.01f;
    f.config.early_stop = 5;
    f.dir = fresh_dir(name);
    f.path = (f.dir / "checkpoint.safetensors").string();
    Trainer t(f.config, f.data);
    EXPECT_EQ(stop_in_second_epoch(t, 37), TrainStatus::interrupted);
    t.save_checkpoint(f.path);
    return f;
}

// Resuming from the file fails, and the message names the file and contains `part`.
void expect_resume_refused(const Fixture& f, const std::string& part, const std::string& what) {
    const std::string message = error_of([&] { (void)Trainer::resume(f.path, f.data); });
    EXPECT_EQ(message.rfind(f.path + ": ", 0), 0u) << what << ": " << message;
    EXPECT_NE(message.find(part), std::string::npos) << what << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << what << ": " << message;
}

// Writes the checkpoint with one change made by `edit`, resealed so that only the change is wrong.
void forge(const Fixture& f, const SafetensorsFile& original, const std::function<void(SafetensorsFile&)>& edit) {
    SafetensorsFile file = original;
    edit(file);
    reseal(file);
    save_safetensors(f.path, file);
}

void set_state(SafetensorsFile& file, const std::string& key, const json& value) {
    json state = json::parse(file.metadata.at("state"));
    state[key] = value;
    file.metadata["state"] = state.dump();
}

void set_config(SafetensorsFile& file, const std::string& key, const json& value) {
    json config = json::parse(file.metadata.at("config"));
    config[key] = value;
    file.metadata["config"] = config.dump();
}

Tensor* tensor(SafetensorsFile& file, const std::string& name) {
    for (Tensor& t : file.tensors)
        if (t.name == name) return &t;
    ADD_FAILURE() << "no tensor " << name;
    static Tensor none;
    return &none;
}

}  // namespace

TEST(Checkpoint, StoppedBeforeTheFirstMiniBatchResumesBitForBit) {
    // Ctrl-C while the data loads: the stop flag is up before training starts. The checkpoint
    // must hold the generator as it was before the epoch's shuffle.
    DataSplits data = synthetic_splits(500);
    TrainConfig c = small_config();
    c.dropout = 0.1f;
    c.epochs = 2;
    Trainer uninterrupted(c, data);
    uninterrupted.run();

    auto dir = fresh_dir("stop-at-once");
    const std::string path = (dir / "checkpoint.safetensors").string();
    std::atomic<bool> stop{true};
    Trainer first(c, data);
    TrainHooks hooks;
    hooks.stop = &stop;
    EXPECT_EQ(first.run(hooks), TrainStatus::interrupted);
    EXPECT_EQ(first.epochs_done(), 0u);
    first.save_checkpoint(path);
    Trainer resumed = Trainer::resume(path, data);
    EXPECT_EQ(resumed.run(), TrainStatus::finished);
    auto model = [&](const Network& n, const std::string& name) {
        save_model((dir / name).string(), n);
        return read_text(dir / name);
    };
    EXPECT_EQ(model(resumed.network(), "resumed"), model(uninterrupted.network(), "uninterrupted"));
}

// Runs `c` uninterrupted, and again stopped in its second epoch, checkpointed to `path` and
// resumed: both must write the same model bytes. Returns how many of the checkpoint's tensors
// are named `prefix`<i>.
static std::size_t expect_resume_bit_for_bit(const TrainConfig& c, const DataSplits& data, const fs::path& dir,
                                             const std::string& path, const std::string& prefix) {
    Trainer uninterrupted(c, data);
    const TrainStatus status = uninterrupted.run();
    Trainer first(c, data);
    EXPECT_EQ(stop_in_second_epoch(first, 7), TrainStatus::interrupted);
    first.save_checkpoint(path);
    std::size_t named = 0;
    for (const Tensor& t : load_safetensors(path).tensors) named += t.name.rfind(prefix, 0) == 0;
    Trainer resumed = Trainer::resume(path, data);
    EXPECT_EQ(resumed.run(), status);
    auto model = [&](const Network& n, const std::string& name) {
        save_model((dir / name).string(), n);
        return read_text(dir / name);
    };
    EXPECT_EQ(model(resumed.network(), "resumed"), model(uninterrupted.network(), "uninterrupted"));
    return named;
}

// The small network with batch normalisation, stopping after 2 epochs without a better one.
static TrainConfig early_stopping_batch_norm(std::size_t epochs) {
    TrainConfig c = small_config();
    c.architecture.batch_norm = true;
    c.early_stop = 2;
    c.epochs = epochs;
    return c;
}

TEST(Checkpoint, EarlyStoppingWithBatchNormResumesBitForBit) {
    // The best epoch's batch normalisation statistics are part of the checkpoint's best.<i>.
    DataSplits data = synthetic_splits(500);
    const TrainConfig c = early_stopping_batch_norm(12);
    auto dir = fresh_dir("early-stop-bn");
    // the hidden layer's W, γ, β, the output's W, b, then μ and σ²
    EXPECT_EQ(expect_resume_bit_for_bit(c, data, dir, (dir / "checkpoint.safetensors").string(), "best."), 7u);
}

TEST(Checkpoint, WeightAverageResumesBitForBit) {
    // The average w̄ of every parameter and statistic is part of the checkpoint: average.<i>.
    DataSplits data = synthetic_splits(500);
    TrainConfig c = early_stopping_batch_norm(6);
    c.weight_average = 0.99f;
    auto dir = fresh_dir("weight-average");
    const std::string path = (dir / "checkpoint.safetensors").string();
    EXPECT_EQ(expect_resume_bit_for_bit(c, data, dir, path, "average."), 7u);  // as best.<i>

    // Without its average.3 the checkpoint is refused, naming the tensor.
    SafetensorsFile file = load_safetensors(path);
    file.tensors.erase(std::find_if(file.tensors.begin(), file.tensors.end(),
                                    [](const Tensor& t) { return t.name == "average.3"; }));
    reseal(file);
    save_safetensors(path, file);
    const std::string missing = error_of([&] { Trainer::resume(path, data); });
    EXPECT_NE(missing.find("'average.3' is missing"), std::string::npos) << missing;
}

TEST(Checkpoint, AnUntouchedCheckpointResumesAndMatchesTheChecksumDefinition) {
    const Fixture f = interrupted_checkpoint("ckpt-good");
    SafetensorsFile file = load_safetensors(f.path);
    const SafetensorsFile before = file;
    reseal(file);
    EXPECT_EQ(file.metadata.at("data_crc32"), before.metadata.at("data_crc32"));
    EXPECT_EQ(file.metadata.at("metadata_crc32"), before.metadata.at("metadata_crc32"));
    EXPECT_EQ(file.metadata.at("format_version"), "3");
    EXPECT_EQ(file.metadata.at("output"), "");  // the trainer was given no model file
    const Tensor* order = file.find("epoch_order");
    ASSERT_NE(order, nullptr);
    EXPECT_TRUE(order->is_integer);
    EXPECT_EQ(order->integers.size(), 1000u);
    Trainer resumed = Trainer::resume(f.path, f.data);
    EXPECT_EQ(resumed.epochs_done(), 1u);
    const CheckpointInfo info = read_checkpoint_info(f.path);
    EXPECT_EQ(info.epochs_done, 1u);
    EXPECT_EQ(info.validation_size, 200u);
    EXPECT_EQ(info.data_name, "synthetic");
    EXPECT_EQ(info.data_fingerprint, data_fingerprint(f.data));
    EXPECT_EQ(info.config, f.config);
}

TEST(Checkpoint, TheModelFileOfTheRunIsKeptAndAFormat2CheckpointHasNone) {
    const Fixture f = interrupted_checkpoint("ckpt-output");
    {
        Trainer t = Trainer::resume(f.path, f.data);
        EXPECT_EQ(t.output(), "");
        t.set_output("/runs/it's here/m.safetensors");
        t.save_checkpoint(f.path);
    }
    EXPECT_EQ(read_checkpoint_info(f.path).output, "/runs/it's here/m.safetensors");
    EXPECT_EQ(Trainer::resume(f.path, f.data).output(), "/runs/it's here/m.safetensors");
    // A checkpoint written in format 2, before the model file was kept, still resumes: it names none.
    SafetensorsFile file = load_safetensors(f.path);
    file.metadata.erase("output");
    file.metadata["format_version"] = "2";
    reseal(file);
    save_safetensors(f.path, file);
    EXPECT_EQ(read_checkpoint_info(f.path).output, "");
    Trainer old = Trainer::resume(f.path, f.data);
    EXPECT_EQ(old.output(), "");
    EXPECT_EQ(old.run(), TrainStatus::finished);
    // The checksum covers the entry, as every other: a changed path without a new checksum is refused.
    file = load_safetensors(f.path);
    file.metadata["format_version"] = "3";
    file.metadata["output"] = "elsewhere.safetensors";
    reseal(file);
    file.metadata["output"] = "/somewhere/else.safetensors";
    save_safetensors(f.path, file);
    expect_resume_refused(f, "the metadata does not match its checksum", "an output changed after sealing");
}

TEST(Checkpoint, EveryTensorIsCheckedAgainstTheArchitectureBeforeAnythingIsUsed) {
    const Fixture f = interrupted_checkpoint("ckpt-tensors");
    const SafetensorsFile original = load_safetensors(f.path);
    ASSERT_NE(original.find("best.0"), nullptr);
    ASSERT_NE(original.find("best.3"), nullptr);
    forge(f, original, [](SafetensorsFile& file) { *tensor(file, "best.0") = {"best.0", {1, 1}, {0.5f}}; });
    expect_resume_refused(f, "best.0", "a 1x1 best.0");
    forge(f, original, [](SafetensorsFile& file) {  // best.1 missing: best.2 and best.3 would shift
        std::erase_if(file.tensors, [](const Tensor& t) { return t.name == "best.1"; });
    });
    expect_resume_refused(f, "best.1", "best.1 missing");
    forge(f, original, [](SafetensorsFile& file) { file.tensors.push_back({"best.4", {1}, {1.0f}}); });
    expect_resume_refused(f, "best.4", "an extra best.4");
    forge(f, original, [](SafetensorsFile& file) { file.tensors.push_back({"layer.0.extra", {1}, {1.0f}}); });
    expect_resume_refused(f, "layer.0.extra", "an unknown tensor");
    forge(f, original, [](SafetensorsFile& file) { file.tensors.push_back({"optimizer.m.9", {1}, {1.0f}}); });
    expect_resume_refused(f, "optimizer.m.9", "an optimiser slot of no parameter");
    forge(f, original, [](SafetensorsFile& file) { *tensor(file, "optimizer.v.0") = {"optimizer.v.0", {2, 2}, {1, 1, 1, 1}}; });
    expect_resume_refused(f, "optimizer.v.0", "a misshapen optimiser slot");
    forge(f, original, [](SafetensorsFile& file) { tensor(file, "optimizer.v.1")->values[0] = -1.0f; });
    expect_resume_refused(f, "optimizer.v.1", "a negative second moment");
    forge(f, original, [](SafetensorsFile& file) { *tensor(file, "layer.1.weights") = {"layer.1.weights", {1, 1}, {0.5f}}; });
    expect_resume_refused(f, "layer.1.weights", "a misshapen layer");
}

TEST(Checkpoint, EveryFieldIsCheckedForItsTypeAndRange) {
    const Fixture f = interrupted_checkpoint("ckpt-fields");
    const SafetensorsFile original = load_safetensors(f.path);
    using Edit = std::function<void(SafetensorsFile&)>;
    const std::vector<std::tuple<std::string, std::string, Edit>> cases = {
        {"negative learning rate", "learning_rate", [](SafetensorsFile& s) { set_state(s, "learning_rate", -0.01); }},
        {"another learning rate", "learning_rate", [](SafetensorsFile& s) { set_state(s, "learning_rate", 0.02); }},
        {"epoch -1", "epoch", [](SafetensorsFile& s) { set_state(s, "epoch", -1); }},
        {"epoch 1000", "epoch", [](SafetensorsFile& s) { set_state(s, "epoch", 1000); }},
        {"epoch 1.7", "epoch", [](SafetensorsFile& s) { set_state(s, "epoch", 1.7); }},
        {"epoch as text", "epoch", [](SafetensorsFile& s) { set_state(s, "epoch", "1"); }},
        {"position 1.5", "position", [](SafetensorsFile& s) { set_state(s, "position", 1.5); }},
        {"position past the end", "position", [](SafetensorsFile& s) { set_state(s, "position", 5000); }},
        {"position inside a batch", "position", [](SafetensorsFile& s) { set_state(s, "position", 365); }},
        {"more correct than seen", "epoch_correct", [](SafetensorsFile& s) { set_state(s, "epoch_correct", 9999); }},
        {"negative seconds", "epoch_seconds", [](SafetensorsFile& s) { set_state(s, "epoch_seconds", -1.0); }},
        {"best validation of 2", "best_validation", [](SafetensorsFile& s) { set_state(s, "best_validation", 2.0); }},
        {"epochs since best > epochs", "epochs_since_best", [](SafetensorsFile& s) { set_state(s, "epochs_since_best", 7); }},
        {"threads 0", "threads", [](SafetensorsFile& s) { set_state(s, "threads", 0); }},
        {"unknown state key", "surprise", [](SafetensorsFile& s) { set_state(s, "surprise", 1); }},
        {"all-zero epoch order", "epoch_order", [](SafetensorsFile& s) {
             for (auto& v : tensor(s, "epoch_order")->integers) v = 0;
         }},
        {"epoch order as fractional floats", "epoch_order", [](SafetensorsFile& s) {
             Tensor* t = tensor(s, "epoch_order");
             t->values.assign(t->integers.begin(), t->integers.end());
             t->values[0] += 0.5f;
             t->integers.clear();
             t->is_integer = false;
         }},
        {"epoch order out of range", "epoch_order", [](SafetensorsFile& s) { tensor(s, "epoch_order")->integers[3] = 1000; }},
        {"1e30 optimiser steps", "steps", [](SafetensorsFile& s) { tensor(s, "optimizer.steps")->values[0] = 1e30f; }},
        {"one step too many", "steps", [](SafetensorsFile& s) { tensor(s, "optimizer.steps")->values[0] += 1.0f; }},
        {"format_version 99", "format_version", [](SafetensorsFile& s) { s.metadata["format_version"] = "99"; }},
        {"format_version 1", "older", [](SafetensorsFile& s) { s.metadata["format_version"] = "1"; }},
        {"format 3 without an output", "'output' is missing", [](SafetensorsFile& s) { s.metadata.erase("output"); }},
        {"format 2 with an output", "unexpected metadata 'output' (format_version 2 has none",
         [](SafetensorsFile& s) { s.metadata["format_version"] = "2"; }},
        {"an output with a newline", "'output' should be a path without control characters",
         [](SafetensorsFile& s) { s.metadata["output"] = "m.safetensors\nforged line"; }},
        {"an output of 5000 bytes", "at most 4096 bytes", [](SafetensorsFile& s) { s.metadata["output"] = std::string(5000, 'm'); }},
        {"junk after the generator state", "generator", [](SafetensorsFile& s) { s.metadata["rng"] += " junk"; }},
        {"an unknown metadata key", "surprise", [](SafetensorsFile& s) { s.metadata["surprise"] = "1"; }},
        {"a missing metadata key", "metrics", [](SafetensorsFile& s) { s.metadata.erase("metrics"); }},
        {"config: negative learning rate", "--lr", [](SafetensorsFile& s) { set_config(s, "learning_rate", -1); }},
        {"config: seed -1", "seed", [](SafetensorsFile& s) { set_config(s, "seed", -1); }},
        {"config: epochs 1.7", "epochs", [](SafetensorsFile& s) { set_config(s, "epochs", 1.7); }},
        {"config: lr_step 0", "--lr-step", [](SafetensorsFile& s) { set_config(s, "lr_step", 0); }},
        {"config: augment_scale 2", "--augment-scale", [](SafetensorsFile& s) { set_config(s, "augment_scale", 2.0); }},
        {"config: unknown key", "surprise", [](SafetensorsFile& s) { set_config(s, "surprise", 0); }},
        {"architecture disagrees with config", "architecture", [](SafetensorsFile& s) {
             json a = json::parse(s.metadata.at("architecture"));
             a["use_bias"] = false;
             s.metadata["architecture"] = a.dump();
         }},
        {"metrics of another epoch count", "metrics", [](SafetensorsFile& s) { s.metadata["metrics"] = "[]"; }},
        {"metrics: accuracy 1.5", "train_accuracy", [](SafetensorsFile& s) {
             json m = json::parse(s.metadata.at("metrics"));
             m[0]["train_accuracy"] = 1.5;
             s.metadata["metrics"] = m.dump();
         }},
    };
    for (const auto& [what, part, edit] : cases) {
        forge(f, original, edit);
        expect_resume_refused(f, part, what);
        EXPECT_THROW(read_checkpoint_info(f.path), Error) << what;
    }
    // And the original, resealed, still resumes.
    forge(f, original, [](SafetensorsFile&) {});
    EXPECT_NO_THROW((void)Trainer::resume(f.path, f.data));
}

TEST(Checkpoint, BitFlipsAnywhereInTheTensorDataAreCaughtByTheChecksum) {
    const Fixture f = interrupted_checkpoint("ckpt-flips");
    const std::string bytes = read_text(f.path);
    std::uint64_t header = 0;
    for (int i = 7; i >= 0; --i) header = (header << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
    const std::size_t begin = 8 + static_cast<std::size_t>(header);
    Rng rng(11);
    std::size_t named_checksum = 0;
    for (int flip = 0; flip < 20; ++flip) {
        std::string corrupt = bytes;
        const std::size_t at = begin + static_cast<std::size_t>(rng.below(bytes.size() - begin));
        corrupt[at] = static_cast<char>(corrupt[at] ^ (1 << rng.below(8)));
        std::ofstream(f.path, std::ios::binary | std::ios::trunc) << corrupt;
        const std::string message = error_of([&] { (void)Trainer::resume(f.path, f.data); });
        EXPECT_EQ(message.rfind(f.path + ": ", 0), 0u) << message;
        named_checksum += message.find("checksum") != std::string::npos;
    }
    EXPECT_GE(named_checksum, 18u);  // a flip may instead make a NaN, which the reader names first
}

TEST(Checkpoint, ADifferentDatasetIsRefusedAndTheSameDataUnderAnotherNameIsNot) {
    const Fixture f = interrupted_checkpoint("ckpt-data");
    DataSplits other = synthetic_splits(1000, 2);
    other.validation = f.data.validation;
    const std::string message = error_of([&] { (void)Trainer::resume(f.path, other); });
    EXPECT_EQ(message.rfind(f.path + ": ", 0), 0u) << message;
    EXPECT_NE(message.find("--data"), std::string::npos) << message;
    EXPECT_NE(message.find("fingerprint"), std::string::npos) << message;
    DataSplits renamed = f.data;
    renamed.name = "the same images, elsewhere";
    EXPECT_NO_THROW((void)Trainer::resume(f.path, renamed));
    DataSplits fewer = f.data;
    fewer.train = fewer.train.slice(0, 900);
    EXPECT_NE(error_of([&] { (void)Trainer::resume(f.path, fewer); }).find("training examples"), std::string::npos);
}

TEST(Checkpoint, TheThreadCountIsRecordedAndChecked) {
    const int before = num_threads();
    set_num_threads(1);
    const Fixture f = interrupted_checkpoint("ckpt-threads");
    EXPECT_EQ(read_checkpoint_info(f.path).threads, 1);
    set_num_threads(2);
    const std::string message = error_of([&] { (void)Trainer::resume(f.path, f.data); });
    EXPECT_NE(message.find("--threads"), std::string::npos) << message;
    set_num_threads(1);
    EXPECT_NO_THROW((void)Trainer::resume(f.path, f.data));
    set_num_threads(before);
}

// A configuration is checked from its numbers alone: a checkpoint of a few kilobytes that names
// 16-20000-20000-10 (3 GB of weights and gradients) costs no allocation to refuse or accept.
TEST(Checkpoint, CheckingAConfigurationBuildsNoNetwork) {
    TrainConfig c;
    c.architecture.sizes = {16, 20000, 20000, 10};
    const auto start = std::chrono::steady_clock::now();
    EXPECT_NO_THROW(validate(c));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 0.2) << "as long as allocating the network";
    c.architecture.hidden = Activation::softmax;
    EXPECT_THROW(validate(c), Error);
}

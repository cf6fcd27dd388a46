// Fuzz target for the readers of whole training files: the input is a safetensors file, given
// to Trainer::resume (on tiny synthetic data), to checkpoint_validation_size and to load_model,
// through a temporary file (these readers take a path). Bad input must end in digitnet::Error,
// never a crash, a hang or a huge allocation; what loads must be consistent: a network whose
// layers chain up and that answers a batch with one row per example.
//
// Seeds: run with DIGITNET_FUZZ_WRITE_SEEDS=DIR, the target writes model files and checkpoints
// made by the current code (short training runs on the same synthetic data) into DIR and exits.
// scripts/fuzz.sh does this before fuzzing, so the seeds follow the file formats as they change.
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/random.hpp"
#include "digitnet/train.hpp"

namespace {

using namespace digitnet;

// 4 x 4 images of 10 classes: 40 training, 10 validation and 10 test examples.
Dataset tiny_dataset(std::size_t n, std::uint64_t seed) {
    Rng rng(seed);
    Dataset d;
    d.image_rows = d.image_cols = 4;
    d.images = Matrix(n, 16);
    d.labels.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        d.labels[i] = static_cast<std::uint8_t>(i % 10);
        for (std::size_t p = 0; p < 16; ++p) d.images(i, p) = static_cast<float>(rng.uniform());
        d.images(i, d.labels[i]) = 1.0f;
    }
    return d;
}

const DataSplits& tiny_splits() {
    static const DataSplits splits = [] {
        DataSplits s;
        s.name = "tiny";
        s.train = tiny_dataset(40, 1);
        s.validation = tiny_dataset(10, 2);
        s.test = tiny_dataset(10, 3);
        return s;
    }();
    return splits;
}

TrainConfig tiny_config() {
    TrainConfig c;
    c.architecture.sizes = {16, 6, 10};
    c.architecture.output = Activation::softmax;
    c.architecture.cost = Cost::log_likelihood;
    c.init = Init::scaled_normal;
    c.epochs = 1;
    c.batch_size = 8;
    c.learning_rate = 0.5f;
    c.evaluate_test = false;
    return c;
}

// The network is usable: each layer takes what the previous one gives, and a batch of inputs
// comes back as one row of outputs per example.
void check_network(Network& network) {
    if (network.layers.empty()) __builtin_trap();
    for (std::size_t l = 0; l + 1 < network.layers.size(); ++l)
        if (network.layers[l].n_out() != network.layers[l + 1].n_in()) __builtin_trap();
    if (network.input_size() > 100000) return;  // the input size is capped by the architecture checks
    Matrix x(2, network.input_size());
    const Matrix& out = network.forward(x);
    if (out.rows() != 2 || out.cols() != network.output_size()) __builtin_trap();
}

void write_seeds(const std::string& dir) {
    std::filesystem::create_directories(dir);
    const DataSplits& data = tiny_splits();
    auto path = [&](const char* name) { return (std::filesystem::path(dir) / name).string(); };

    TrainConfig plain = tiny_config();
    Trainer sgd(plain, data);
    sgd.run();
    sgd.save_checkpoint(path("checkpoint_sgd.safetensors"));
    save_model(path("model_softmax.safetensors"), sgd.network(), {{"data", "tiny"}});

    TrainConfig adam = tiny_config();
    adam.optimizer.name = "adam";
    adam.learning_rate = 0.01f;
    adam.epochs = 2;
    adam.early_stop = 3;  // keeps the best epoch's weights
    adam.lr_decay = "plateau";
    Trainer with_best(adam, data);
    with_best.run();
    with_best.save_checkpoint(path("checkpoint_adam_early_stop.safetensors"));

    // Interrupted after the first mini-batch: the checkpoint holds the epoch's example order.
    TrainConfig momentum = tiny_config();
    momentum.optimizer.name = "momentum";
    momentum.architecture.batch_norm = true;
    momentum.architecture.hidden = Activation::relu;
    momentum.lr_decay = "step";
    momentum.dropout = 0.2f;
    Trainer interrupted(momentum, data);
    std::atomic<bool> stop{false};
    TrainHooks hooks;
    hooks.stop = &stop;
    hooks.on_batch = [&stop](std::size_t, std::size_t) { stop = true; };
    interrupted.run(hooks);
    interrupted.save_checkpoint(path("checkpoint_interrupted.safetensors"));
    save_model(path("model_batch_norm.safetensors"), interrupted.network());

    // A yes/no network ("is this a 3?") without biases, Rashid's encoding.
    TrainConfig yes_no = tiny_config();
    yes_no.architecture.sizes = {16, 4, 1};
    yes_no.architecture.output = Activation::sigmoid;
    yes_no.architecture.cost = Cost::quadratic;
    yes_no.architecture.use_bias = false;
    yes_no.architecture.encoding = {0.01f, 0.01f, 0.99f, 3};
    Trainer digit(yes_no, data);
    digit.run();
    save_model(path("model_yes_no.safetensors"), digit.network());
}

std::string input_path() {
    const char* tmp = std::getenv("TMPDIR");
    return std::string(tmp && *tmp ? tmp : "/tmp") + "/digitnet-fuzz-checkpoint-" + std::to_string(::getpid()) +
           ".safetensors";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    if (const char* dir = std::getenv("DIGITNET_FUZZ_WRITE_SEEDS"); dir && *dir) {
        try {
            write_seeds(dir);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "fuzz_checkpoint: cannot write the seeds: %s\n", e.what());
            std::exit(1);
        }
        std::exit(0);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string path = input_path();
    // A plain write: the atomic writer's fsync would make every input cost a disk flush.
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) __builtin_trap();
    if (size && std::fwrite(data, 1, size, f) != size) __builtin_trap();
    std::fclose(f);

    try {
        Network network = load_model(path);
        check_network(network);
    } catch (const Error&) {
    }
    try {
        checkpoint_validation_size(path);
    } catch (const Error&) {
    }
    try {
        Trainer trainer = Trainer::resume(path, tiny_splits());
        check_network(trainer.network());
        if (trainer.network().input_size() != tiny_splits().train.features()) __builtin_trap();
    } catch (const Error&) {
    }
    std::remove(path.c_str());
    return 0;
}

// Train Nielsen's 784-30-10 network on MNIST and evaluate it: the whole library in a few lines.
// Run from the repository root (the data is looked for in ./data/mnist) after scripts/setup.sh.
#include <cstdio>

#include <digitnet/digitnet.hpp>

int main() try {
    digitnet::DataSplits data = digitnet::load_data(digitnet::DataOptions{});  // MNIST: 50k / 10k / 10k
    digitnet::TrainConfig config = digitnet::find_preset("nielsen").config;
    config.epochs = 5;
    digitnet::Trainer trainer(config, data);
    digitnet::TrainHooks hooks;
    hooks.on_epoch = [](const digitnet::EpochMetrics& m) {
        std::printf("epoch %zu: validation %.2f%%\n", m.epoch, 100 * m.validation_accuracy);
    };
    trainer.run(hooks);
    digitnet::Evaluation test = digitnet::evaluate(trainer.network(), data.test);
    std::printf("test accuracy: %.2f%%\n", 100 * test.accuracy);
    digitnet::save_model("nielsen.safetensors", trainer.network());
} catch (const digitnet::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
}

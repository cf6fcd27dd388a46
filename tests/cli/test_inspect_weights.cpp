// inspect MODEL: the training settings the file stores, and --weights: a count of tiles,
// numbered from 0.
#include <gtest/gtest.h>

#include "digitnet/model_io.hpp"
#include "digitnet/network.hpp"
#include "learner_support.hpp"

using namespace digitnet::testing;

TEST(InspectCommand, WeightTilesTakeACountAndNumberFromZero) {
    const auto dir = fresh_dir("inspect-weights");
    write_bar_digits(dir, 40);
    const std::string model = train_bar_model(dir, "m", "--layers 784,12,10");
    const std::string png = (dir / "w.png").string();
    const CliRun r = run_cli("inspect " + model + " --weights " + png + " --weights-count 4");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("weights of 4 of 12 hidden neurons (0..3)"), std::string::npos) << r.out;
    std::filesystem::remove_all(dir);
}

TEST(InspectCommand, PrintsTheTrainingSettingsTheModelFileStores) {
    const auto dir = fresh_dir("inspect-settings");
    write_bar_digits(dir, 40);
    const std::string model =
        train_bar_model(dir, "m", "--layers 784,12,10 --optimizer rmsprop --rho 0.8 --l2 3 --early-stop 5 --seed 9");
    const CliRun r = run_cli("inspect " + model);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_CONTAINS(r.out, "training settings stored:\n"
                           "  training: 1 epoch, batch 32, lr 0.02, seed 9, init he\n"
                           "  optimizer: rmsprop (ρ 0.8, ε 1e-08)\n"
                           "  regularisation: L2 λ 3\n"
                           "  early stop: after 5 epochs without a better validation accuracy, keeping the best epoch's "
                           "weights\n");
    EXPECT_CONTAINS(r.out, "test accuracy after training: ");  // measured by train, kept in the file
    // A model file without them (written by the library alone, or by an older digitnet) says so.
    digitnet::Architecture a;
    a.sizes = {784, 10};
    const std::string bare = (dir / "bare.safetensors").string();
    digitnet::save_model(bare, digitnet::Network(a));
    const CliRun old = run_cli("inspect " + bare);
    ASSERT_EQ(old.status, 0) << old.err;
    EXPECT_CONTAINS(old.out, "parameters: 7850\nno training settings stored\n");
    EXPECT_EQ(old.out.find("test accuracy after training"), std::string::npos);
    std::filesystem::remove_all(dir);
}

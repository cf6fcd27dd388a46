// The command line's one language: a misspelled subcommand or option is named, with the nearest
// real one; -o/--output names the file a subcommand writes (other files have descriptive names);
// positionals are upper-case; every --help reads alike; every flag a message names exists; and
// every mistake in the command line exits with the same code.
#include <gtest/gtest.h>

#include "learner_support.hpp"

using namespace digitnet::testing;
namespace fs = std::filesystem;

TEST(UsageCommand, AMisspelledSubcommandSuggestsTheNearestOne) {
    const CliRun usage = run_cli("");  // no subcommand at all: the usage exit code
    EXPECT_NE(usage.status, 0);
    const CliRun r = run_cli("trian --epochs 1");
    EXPECT_EQ(r.status, usage.status);
    EXPECT_EQ(r.err, "digitnet: error: unknown subcommand 'trian'; did you mean 'train'?\n");
    EXPECT_EQ(r.err.find("A subcommand is required"), std::string::npos);
    const CliRun nested = run_cli("demo descnt");
    EXPECT_NE(nested.err.find("unknown subcommand 'descnt' of 'digitnet demo'; did you mean 'descent'?"), std::string::npos)
        << nested.err;
    const CliRun far = run_cli("xyzzy");
    EXPECT_NE(far.err.find("unknown subcommand 'xyzzy'"), std::string::npos) << far.err;
    EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
}

TEST(UsageCommand, AMisspelledOptionSuggestsTheNearestOne) {
    const CliRun r = run_cli("train --epoch 3");
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(r.err, "digitnet: error: unknown option '--epoch' for 'digitnet train'; did you mean '--epochs'?\n");
    const CliRun value = run_cli("train --lr 0.1 --layres 784,30,10");
    EXPECT_NE(value.err.find("'--layres' for 'digitnet train'; did you mean '--layers'?"), std::string::npos) << value.err;
    const CliRun plot = run_cli("plot metrics a.jsonl --ouptut x.png");
    EXPECT_NE(plot.err.find("did you mean '--output'?"), std::string::npos) << plot.err;
    const CliRun unknown = run_cli("gates --frobnicate");
    EXPECT_NE(unknown.err.find("unknown option '--frobnicate' for 'digitnet gates' (see digitnet gates --help)"),
              std::string::npos)
        << unknown.err;
    EXPECT_EQ(line_count(unknown.err), 1u);
}

// One exit code for every mistake in the command line, whichever part of the program finds it
// (CLI11 while parsing, or a command checking its options); 1 for a failure of the work itself.
TEST(UsageCommand, EveryUsageErrorExitsWithCode2AndOtherErrorsWith1) {
    const char* usage_errors[] = {
        "",                                          // no subcommand
        "trian",                                     // unknown subcommand
        "train --frobnicate",                        // unknown option
        "train --epochs abc",                        // malformed value
        "train --epochs",                            // missing value
        "train --epochs 0",                          // out of range
        "eval",                                      // missing positional
        "show --split x --index 0",                  // not one of the choices
        "train --targets 1",                         // checked by the command
        "train --activation foo",                    // checked by the library
        "train --preset nope",                       // unknown preset
        "train --layers 784,30,7",                   // a classifier needs 10 outputs
        "train --batch x",                           // --batch's own parse
        "inspect",                                   // neither a model nor --layers
        "inspect --layers 784,10 --noise 10",        // seeing inside needs a model
        "show",                                      // neither an image nor --index
        "gradcheck --layers 100,10",                 // too large to check
        "gradcheck --cost hinge",                    // unknown cost
        "explain --input 1,x",                       // malformed list
        "explain --input 1,2,3",                     // does not fit the network
        "demo descent --batches 1,-2",               // malformed list
        "tune --preset nope",                        // unknown preset
        "tune --validation-size 0",                  // nothing to score on
    };
    for (const char* args : usage_errors) {
        const CliRun r = run_cli(args);
        EXPECT_EQ(r.status, 2) << "digitnet " << args << "\n" << r.err;
        EXPECT_EQ(line_count(r.err), 1u) << "digitnet " << args << "\n" << r.err;
    }
    const char* failures[] = {"eval /nonexistent/model.safetensors", "inspect /nonexistent/model.safetensors",
                              "train --data /nonexistent/data.csv --epochs 1"};
    for (const char* args : failures) {
        const CliRun r = run_cli(args);
        EXPECT_EQ(r.status, 1) << "digitnet " << args << "\n" << r.err;
        EXPECT_EQ(line_count(r.err), 1u) << "digitnet " << args << "\n" << r.err;
    }
}

TEST(LanguageCommand, OutputNamesTheModelFileAndOutputActivationTheOutputLayer) {
    const fs::path dir = fresh_dir("language-output");
    write_bar_digits(dir, 40);
    const std::string train = "train --data " + (dir / "mnist_train.csv").string() +
                              " --validation-size 0 --epochs 1 --layers 784,10 --quiet --cost log-likelihood";
    const std::string model = (dir / "m.safetensors").string();
    const CliRun r = run_cli(train + " --output-activation softmax -o " + model);
    ASSERT_EQ(r.status, 0) << r.err;
    const CliRun inspect = run_cli("inspect " + model);
    EXPECT_CONTAINS(inspect.out, "/softmax log-likelihood");
    // --out, its older name, still writes the model, and is not shown.
    const std::string old = (dir / "old.safetensors").string();
    ASSERT_EQ(run_cli(train + " --output-activation softmax --out " + old).status, 0);
    EXPECT_EQ(read_text(old), read_text(model));
    EXPECT_EQ(run_cli("train --help").out.find("--out "), std::string::npos);
    const CliRun both = run_cli(train + " --output-activation softmax --out " + old + " -o " + model);
    EXPECT_EQ(both.status, 2);
    EXPECT_CONTAINS(both.err, "--out: the older name of -o/--output");
    // A command line from before the rename does not save a model called "softmax".
    const CliRun before = run_cli("train --output softmax --epochs 1");
    EXPECT_EQ(before.status, 2);
    EXPECT_EQ(before.err,
              "digitnet: error: --output: expected a file for the model, found 'softmax', the name of an activation "
              "(the output layer's is --output-activation)\n");
    EXPECT_FALSE(fs::exists("softmax"));
    // The cost's check names the flag that chooses the output layer's activation.
    const CliRun cost = run_cli(train + " --output-activation relu");
    EXPECT_EQ(cost.status, 2);
    EXPECT_CONTAINS(cost.err, "expected --output-activation sigmoid or softmax, found --output-activation relu");
    const CliRun gradcheck = run_cli("gradcheck --output-activation relu --cost cross-entropy");
    EXPECT_EQ(gradcheck.status, 2);
    EXPECT_CONTAINS(gradcheck.err, "--output-activation relu");
    const CliRun layers = run_cli("inspect --layers 784,10 --output-activation softmax");
    EXPECT_CONTAINS(layers.out, "softmax");
    fs::remove_all(dir);
}

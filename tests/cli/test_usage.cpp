// A misspelled subcommand or option is named, with the nearest real one.
#include <gtest/gtest.h>

#include "test_support.hpp"

using namespace digitnet::testing;

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

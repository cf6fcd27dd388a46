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

#pragma once
// The subcommands of `digitnet plot`, one file each: cmd_plot.cpp registers `plot` with
// `activations` and `metrics`, and calls the registrations declared here for the others.
#include <CLI/CLI.hpp>

namespace digitnet::cli {

// `digitnet plot confusion MODEL ...` (tools/cmd_plot_confusion.cpp).
void add_plot_confusion_command(CLI::App* plot);

}  // namespace digitnet::cli

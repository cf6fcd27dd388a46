#pragma once
// The subcommands of `digitnet demo`, one file each: cmd_demo.cpp registers `demo` with
// `slowdown`, and calls the registrations declared here for the others.
#include <CLI/CLI.hpp>

namespace digitnet::cli {

// `digitnet demo descent ...` (tools/cmd_demo_descent.cpp).
void add_demo_descent_command(CLI::App* demo);

}  // namespace digitnet::cli

// digitnet demo: not written yet.
#include "commands.hpp"
#include "digitnet/error.hpp"

namespace digitnet::cli {

void add_demo_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("demo", "(not available yet)");
    cmd->callback([] { throw Error("'demo' is not available yet"); });
}

}  // namespace digitnet::cli

// digitnet gates: not written yet.
#include "commands.hpp"
#include "digitnet/error.hpp"

namespace digitnet::cli {

void add_gates_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("gates", "(not available yet)");
    cmd->callback([] { throw Error("'gates' is not available yet"); });
}

}  // namespace digitnet::cli

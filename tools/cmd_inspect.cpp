// digitnet inspect: not written yet.
#include "commands.hpp"
#include "digitnet/error.hpp"

namespace digitnet::cli {

void add_inspect_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("inspect", "(not available yet)");
    cmd->callback([] { throw Error("'inspect' is not available yet"); });
}

}  // namespace digitnet::cli

// digitnet show: not written yet.
#include "commands.hpp"
#include "digitnet/error.hpp"

namespace digitnet::cli {

void add_show_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("show", "(not available yet)");
    cmd->callback([] { throw Error("'show' is not available yet"); });
}

}  // namespace digitnet::cli

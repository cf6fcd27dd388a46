// digitnet explain: not written yet.
#include "commands.hpp"
#include "digitnet/error.hpp"

namespace digitnet::cli {

void add_explain_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("explain", "(not available yet)");
    cmd->callback([] { throw Error("'explain' is not available yet"); });
}

}  // namespace digitnet::cli

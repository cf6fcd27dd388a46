// digitnet eval: not written yet.
#include "commands.hpp"
#include "digitnet/error.hpp"

namespace digitnet::cli {

void add_eval_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("eval", "(not available yet)");
    cmd->callback([] { throw Error("'eval' is not available yet"); });
}

}  // namespace digitnet::cli

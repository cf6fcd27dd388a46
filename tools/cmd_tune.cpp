// digitnet tune: not written yet.
#include "commands.hpp"
#include "digitnet/error.hpp"

namespace digitnet::cli {

void add_tune_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("tune", "(not available yet)");
    cmd->callback([] { throw Error("'tune' is not available yet"); });
}

}  // namespace digitnet::cli

// digitnet gradcheck: not written yet.
#include "commands.hpp"
#include "digitnet/error.hpp"

namespace digitnet::cli {

void add_gradcheck_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("gradcheck", "(not available yet)");
    cmd->callback([] { throw Error("'gradcheck' is not available yet"); });
}

}  // namespace digitnet::cli

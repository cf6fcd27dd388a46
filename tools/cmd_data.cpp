// digitnet data: not written yet.
#include "commands.hpp"
#include "digitnet/error.hpp"

namespace digitnet::cli {

void add_data_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("data", "(not available yet)");
    cmd->callback([] { throw Error("'data' is not available yet"); });
}

}  // namespace digitnet::cli

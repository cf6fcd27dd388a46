// digitnet plot: not written yet.
#include "commands.hpp"
#include "digitnet/error.hpp"

namespace digitnet::cli {

void add_plot_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("plot", "(not available yet)");
    cmd->callback([] { throw Error("'plot' is not available yet"); });
}

}  // namespace digitnet::cli

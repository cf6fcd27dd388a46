// digitnet plot confusion: not written yet.
#include "digitnet/error.hpp"
#include "plot_commands.hpp"

namespace digitnet::cli {

void add_plot_confusion_command(CLI::App* plot) {
    auto* cmd = plot->add_subcommand("confusion", "(not available yet)");
    cmd->allow_extras();
    cmd->callback([] { throw Error("plot confusion is not available yet"); });
}

}  // namespace digitnet::cli

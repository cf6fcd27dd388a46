// digitnet train: not written yet.
#include "commands.hpp"
#include "digitnet/error.hpp"

namespace digitnet::cli {

void add_train_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("train", "(not available yet)");
    cmd->callback([] { throw Error("'train' is not available yet"); });
}

}  // namespace digitnet::cli

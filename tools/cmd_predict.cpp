// digitnet predict: not written yet.
#include "commands.hpp"
#include "digitnet/error.hpp"

namespace digitnet::cli {

void add_predict_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("predict", "(not available yet)");
    cmd->callback([] { throw Error("'predict' is not available yet"); });
}

}  // namespace digitnet::cli

#pragma once
// Each subcommand registers itself on the app; its callback is a thin layer over the
// library and throws digitnet::Error for bad input (main prints it as one line).
#include <CLI/CLI.hpp>

namespace digitnet::cli {

void add_data_command(CLI::App& app);
void add_show_command(CLI::App& app);
void add_gates_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_gradcheck_command(CLI::App& app);
void add_plot_command(CLI::App& app);
void add_explain_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_tune_command(CLI::App& app);
void add_serve_command(CLI::App& app);

}  // namespace digitnet::cli

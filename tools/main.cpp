// digitnet: the command-line program. Each subcommand lives in its own cmd_*.cpp file.
// Exit codes: 0 done, 2 a mistake in the command line (usage.hpp), 1 any other error, 128 + N
// when train is stopped by signal N.
#include <cstdio>
#include <exception>
#include <new>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "suggest.hpp"
#include "usage.hpp"
#include "digitnet/error.hpp"
#include "digitnet/matrix.hpp"

int main(int argc, char** argv) {
    CLI::App app{"digitnet: neural networks from scratch for handwritten digits", "digitnet"};
    app.require_subcommand(1);
    // Set before the subcommands are added: each copies the help flag's text.
    app.set_help_flag("-h,--help", "print this help and exit");
    app.set_version_flag(
        "--version", [] { return "digitnet 0.1.0 (OpenBLAS kernels: " + digitnet::blas_core() + ")"; },
        "print the version and the OpenBLAS kernels in use, and exit");
    digitnet::cli::add_data_command(app);
    digitnet::cli::add_show_command(app);
    digitnet::cli::add_gates_command(app);
    digitnet::cli::add_inspect_command(app);
    digitnet::cli::add_train_command(app);
    digitnet::cli::add_eval_command(app);
    digitnet::cli::add_predict_command(app);
    digitnet::cli::add_gradcheck_command(app);
    digitnet::cli::add_plot_command(app);
    digitnet::cli::add_explain_command(app);
    digitnet::cli::add_demo_command(app);
    digitnet::cli::add_tune_command(app);
    digitnet::cli::add_serve_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // A misspelled subcommand or option is named, with the nearest known name.
        const std::string unknown = digitnet::cli::explain_unknown_word(app, argc, argv);
        if (!unknown.empty()) std::fprintf(stderr, "digitnet: error: %s\n", unknown.c_str());
        else std::fprintf(stderr, "digitnet: error: %s (see --help)\n", e.what());
        return digitnet::cli::kUsageExit;
    } catch (const digitnet::cli::UsageError& e) {
        std::fprintf(stderr, "digitnet: error: %s\n", e.what());
        return digitnet::cli::kUsageExit;
    } catch (const digitnet::Error& e) {
        std::fprintf(stderr, "digitnet: error: %s\n", e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "digitnet: error: out of memory\n");
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "digitnet: error: %s\n", e.what());
        return 1;
    }
    return 0;
}

#pragma once
// The data flags shared by the subcommands that load a dataset (data, train, eval, show, ...):
//   --data NAME   --data-dir DIR   --validation-size N
// `opts` must outlive the parse (hold it in a shared_ptr captured by the callback).
#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"
#include "number_options.hpp"
#include "usage.hpp"

namespace digitnet::cli {

// --data and --data-dir only: for a subcommand that chooses its own split (demo descent).
inline void add_data_name_options(CLI::App* cmd, DataOptions& opts) {
    cmd->add_option("--data", opts.data,
                    "dataset: mnist, fashion-mnist, a folder of IDX files, or a CSV file (mnist_train.csv layout)")
        ->type_name("NAME")
        ->capture_default_str();
    cmd->add_option("--data-dir", opts.data_dir,
                    "folder looked in first for named datasets (before $DIGITNET_DATA and ./data); must exist")
        ->type_name("DIR")
        ->check([](const std::string& value) {
            std::error_code ec;
            if (value.empty()) return std::string("expected a folder, found nothing (an empty value)");
            if (std::filesystem::is_directory(value, ec)) return std::string();
            return "expected an existing folder, found '" + value + "'" +
                   (std::filesystem::exists(value, ec) ? ", which is not a folder" : ", which does not exist");
        });
}

inline void add_data_options(CLI::App* cmd, DataOptions& opts) {
    add_data_name_options(cmd, opts);
    cmd->add_option("--validation-size", opts.validation_size,
                    "the last N training examples become the validation split (0 = none)")
        ->transform(whole_number())
        ->capture_default_str();
}

// For a subcommand that writes model files or checkpoints (train, serve): they keep --data's
// value as text, which must be UTF-8. Checked before any training.
inline void check_data_is_text(const std::string& data) {
    if (!is_utf8(data))
        throw UsageError("--data: model files and checkpoints keep the data's path as text, which must be UTF-8; "
                         "found " + quote_text(data, 60) + " (rename or link the file)");
}

}  // namespace digitnet::cli

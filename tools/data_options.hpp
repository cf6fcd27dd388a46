#pragma once
// The data flags shared by the subcommands that load a dataset (data, train, eval, show):
//   --data NAME|FOLDER|CSV   --data-dir DIR   --validation-size N
// `opts` must outlive the parse (hold it in a shared_ptr captured by the callback).
#include <string>

#include <CLI/CLI.hpp>

#include "digitnet/dataset.hpp"

namespace digitnet::cli {

inline void add_data_options(CLI::App* cmd, DataOptions& opts) {
    cmd->add_option("--data", opts.data,
                    "dataset: mnist, fashion-mnist, a folder of IDX files, or a CSV file (mnist_train.csv layout)")
        ->capture_default_str();
    cmd->add_option("--data-dir", opts.data_dir,
                    "folder looked in first for named datasets (before $DIGITNET_DATA and ./data)");
    cmd->add_option("--validation-size", opts.validation_size,
                    "the last N training examples become the validation split (0 = none)")
        ->check([](const std::string& value) {
            // An unsigned option would silently wrap -1 to 2^64 - 1.
            return value.find('-') == std::string::npos ? std::string()
                                                        : "expected a count 0 or more, found " + value;
        })
        ->capture_default_str();
}

}  // namespace digitnet::cli

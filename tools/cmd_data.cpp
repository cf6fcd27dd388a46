// digitnet data: which dataset, where its files are, and the size and class counts of each
// split, as an aligned table or (--json) one JSON object.
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "data_options.hpp"
#include "digitnet/dataset.hpp"
#include "json_output.hpp"

namespace digitnet::cli {
namespace {

struct DataArgs {
    DataOptions data;
    bool json = false;
};

void print_table(const DataSplits& s) {
    std::printf("dataset   %s\n", s.name.c_str());
    std::printf("location  %s\n", s.location.c_str());
    std::printf("images    %zu x %zu\n\n", s.train.image_rows, s.train.image_cols);
    std::printf("%-10s %7s", "split", "size");
    for (int c = 0; c < 10; ++c) std::printf(" %6d", c);
    std::printf("\n");
    const std::pair<const char*, const Dataset*> rows[] = {
        {"train", &s.train}, {"validation", &s.validation}, {"test", &s.test}};
    for (const auto& [label, d] : rows) {
        std::printf("%-10s %7zu", label, d->size());
        for (std::size_t count : d->class_counts()) std::printf(" %6zu", count);
        std::printf("\n");
    }
}

void print_json(const DataSplits& s) {
    nlohmann::ordered_json out;
    out["name"] = s.name;
    out["location"] = s.location;
    out["image_rows"] = s.train.image_rows;
    out["image_cols"] = s.train.image_cols;
    const std::pair<const char*, const Dataset*> rows[] = {
        {"train", &s.train}, {"validation", &s.validation}, {"test", &s.test}};
    for (const auto& [label, d] : rows)
        out["splits"][label] = {{"size", d->size()}, {"class_counts", d->class_counts()}};
    std::printf("%s\n", json_line(out).c_str());
}

}  // namespace

void add_data_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("data", "Show a dataset: where it was found, its split sizes and class counts");
    auto args = std::make_shared<DataArgs>();
    add_data_options(cmd, args->data);
    cmd->add_flag("--json", args->json, "print one JSON object instead of a table");
    cmd->callback([args] {
        DataSplits splits = load_data(args->data);
        if (args->json)
            print_json(splits);
        else
            print_table(splits);
    });
}

}  // namespace digitnet::cli

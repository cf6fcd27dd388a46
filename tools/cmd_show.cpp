// digitnet show: draw one dataset image, or an image file the way the network sees it.
//   digitnet show --data NAME --index I [--split train|validation|test] [-o OUT.png] [--scale K]
//   digitnet show IMAGE [--raw] [-o OUT.png] [--scale K]
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "data_options.hpp"
#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"
#include "digitnet/image.hpp"
#include "digitnet/preprocess.hpp"
#include "number_options.hpp"
#include "output_paths.hpp"
#include "usage.hpp"

namespace digitnet::cli {

namespace {

struct ShowOptions {
    DataOptions data;
    std::string file;
    long long index = -1;
    std::string split = "train";
    std::string png;
    int scale = 10;
    bool raw = false;
};

const char* fashion_class_name(int label) {
    static constexpr const char* kNames[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                             "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    return label >= 0 && label < 10 ? kNames[label] : "?";
}

// Pixels as drawn in the books: ink (1) white on a black background (0), scaled up.
void save_png(const std::string& path, const std::vector<float>& pixels, std::size_t rows, std::size_t cols,
              int scale) {
    GrayImage image{cols, rows, pixels};
    write_png(path, upscale(image, scale));
    std::printf("wrote %s (%zux%zu)\n", path.c_str(), cols * static_cast<std::size_t>(scale),
                rows * static_cast<std::size_t>(scale));
}

void show_dataset_image(const ShowOptions& o) {
    const DataSplits splits = load_data(o.data);
    const Dataset* set = o.split == "train" ? &splits.train : o.split == "validation" ? &splits.validation : &splits.test;
    const std::size_t n = set->size();
    if (o.index < 0 || static_cast<std::size_t>(o.index) >= n) {
        const std::string range = n == 0 ? std::string("none: the split is empty") : "0.." + std::to_string(n - 1);
        throw UsageError("--index: expected " + range + " for the " + o.split + " split of " + splits.name + " (" +
                    std::to_string(n) + " examples), found " + std::to_string(o.index));
    }
    const auto i = static_cast<std::size_t>(o.index);
    const std::size_t rows = set->image_rows, cols = set->image_cols;
    std::fputs(render_terminal(set->images.row(i), rows, cols).c_str(), stdout);
    const int label = set->labels[i];
    if (splits.name == "fashion-mnist") {
        std::printf("label: %d (%s)\n", label, fashion_class_name(label));
    } else {
        std::printf("label: %d\n", label);
    }
    if (!o.png.empty()) {
        save_png(o.png, std::vector<float>(set->images.row(i), set->images.row(i) + rows * cols), rows, cols, o.scale);
    }
}

void show_file(const ShowOptions& o) {
    const GrayImage image = load_image(o.file);
    std::vector<float> pixels;
    char summary[512];
    if (o.raw) {
        pixels = resize_to(image, kDigitSide, kDigitSide);
        std::snprintf(summary, sizeof summary, "%zux%zu, resized to 28x28 without preprocessing", image.width,
                      image.height);
    } else {
        PreprocessInfo info;
        pixels = preprocess_digit(image, &info);
        std::snprintf(summary, sizeof summary,
                      "%zux%zu, %s ink on paper at %.2f; ink box %zux%zu at (%zu, %zu) scaled by %.4g to %zux%zu, "
                      "placed at (%d, %d)",
                      image.width, image.height, info.inverted ? "dark" : "light", info.background, info.box_width,
                      info.box_height, info.box_x, info.box_y, info.scale, info.scaled_width, info.scaled_height,
                      info.offset_x, info.offset_y);
    }
    std::fputs(render_terminal(pixels.data(), kDigitSide, kDigitSide).c_str(), stdout);
    std::printf("%s: %s\n", o.file.c_str(), summary);
    if (!o.png.empty()) save_png(o.png, pixels, kDigitSide, kDigitSide, o.scale);
}

}  // namespace

void add_show_command(CLI::App& app) {
    auto opts = std::make_shared<ShowOptions>();
    auto* cmd = app.add_subcommand(
        "show", "Draw a dataset image (--index) or an image file as the network sees it (MNIST-style preprocessing)");
    cmd->add_option("IMAGE", opts->file, "a PNG, JPEG, BMP or PGM image of one handwritten digit")->type_name("");
    add_data_options(cmd, opts->data);
    auto* index = cmd->add_option("--index", opts->index, "which example of the split to draw (from 0)")
        ->transform(whole_number(0, static_cast<std::uint64_t>(std::numeric_limits<long long>::max())));
    cmd->add_option("--split", opts->split, "which split --index counts in: train, validation or test")
        ->check(CLI::IsMember({"train", "validation", "test"}))
        ->capture_default_str();
    cmd->add_option("-o,--output", opts->png, "also write the image, white ink on black, to FILE (PNG)")->type_name("FILE");
    cmd->add_option("--scale", opts->scale, "pixels of the PNG per image pixel")
        ->transform(whole_number(1, 64))
        ->capture_default_str();
    cmd->add_flag("--raw", opts->raw, "with IMAGE: only resize to 28x28, no preprocessing");
    cmd->callback([opts, cmd, index] {
        const bool have_file = !opts->file.empty();
        const bool have_index = index->count() > 0;
        if (have_file == have_index) {
            throw UsageError(have_file ? "show: expected either IMAGE or --index, found both"
                                  : "show: expected an IMAGE or --index I (with --data NAME)");
        }
        if (have_file && (cmd->count("--data") || cmd->count("--split"))) {
            throw UsageError("show: --data and --split go with --index, not with IMAGE");
        }
        if (have_index && opts->raw) throw UsageError("show: --raw goes with IMAGE, not with --index");
        check_outputs({{"--output", opts->png}}, {{"image", opts->file}, {"data", have_index ? opts->data.data : ""}});
        if (have_file) show_file(*opts);
        else show_dataset_image(*opts);
    });
}

}  // namespace digitnet::cli

#pragma once
// Datasets: N examples, one per row, float32 pixels scaled to [0, 1], integer labels 0..9,
// and the image shape. Loaders for IDX (plain or .gz), CSV (mnist_train.csv layout) and the
// named datasets `mnist` and `fashion-mnist`.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "digitnet/matrix.hpp"

namespace digitnet {

struct Dataset {
    Matrix images;                      // (n, image_rows * image_cols), values in [0, 1]
    std::vector<std::uint8_t> labels;   // n labels, each 0..9
    std::size_t image_rows = 28;
    std::size_t image_cols = 28;

    std::size_t size() const { return labels.size(); }
    std::size_t features() const { return image_rows * image_cols; }
    // Examples [begin, begin + count) as a new dataset (a copy).
    Dataset slice(std::size_t begin, std::size_t count) const;
    // How many examples of each class 0..9.
    std::vector<std::size_t> class_counts() const;
};

// The three splits a training run uses. validation is empty when no split was asked for.
struct DataSplits {
    std::string name;      // "mnist", "fashion-mnist", or the path given
    std::string location;  // where the files were found
    Dataset train;
    Dataset validation;
    Dataset test;
};

// Limits on what a dataset file may hold, checked before its data is read or allocated
// (docs/reliability.md, "Input limits"). An IDX file, plain or decompressed, holds at most
// kIdxMaxBytes: 2 GiB, about 2.7 million 28 x 28 images (MNIST's training file is 47 MB).
// A .gz file may promise at most kGzipMaxExpansion times its compressed size: the real MNIST
// and Fashion-MNIST files expand 1.8 to 4.8 times, a zip bomb about 1000 times. A CSV file
// holds at most kCsvMaxFileBytes: 4 GiB, about 2.2 million examples (mnist_train.csv is 110 MB).
inline constexpr std::uint64_t kIdxMaxBytes = std::uint64_t{2} << 30;
inline constexpr std::uint64_t kGzipMaxExpansion = 100;
inline constexpr std::uint64_t kCsvMaxFileBytes = std::uint64_t{4} << 30;

// IDX files (http://yann.lecun.com/exdb/mnist/ layout): images magic 0x00000803, labels
// magic 0x00000801, big-endian sizes. A path ending in .gz is read through zlib.
// Throws digitnet::Error naming the file on a wrong magic number, a truncated file,
// dimensions that disagree with the file size, differing counts or a label outside 0..9.
Dataset load_idx(const std::string& images_path, const std::string& labels_path);

// The same checks and conversion on two IDX files already in memory (whole files, headers
// included). The names only appear in error messages.
Dataset parse_idx(std::span<const std::uint8_t> images, std::span<const std::uint8_t> labels,
                  const std::string& images_name, const std::string& labels_name);

// CSV in the mnist_train.csv layout: one example per line, the label first, then 784
// pixel values 0..255, no header. Errors name the file and the line number.
Dataset load_csv(const std::string& path);

// The same on text already in memory; `name` only appears in error messages.
// Accepts \n or \r\n line ends, a last line without a newline, and skips blank lines.
Dataset parse_csv(std::string_view text, const std::string& name);

struct DataOptions {
    // "mnist", "fashion-mnist", a folder holding IDX files, or a CSV file.
    std::string data = "mnist";
    // Looked in first for named datasets (then $DIGITNET_DATA, ./data, the Debian path).
    std::string data_dir;
    // The last `validation_size` training examples are held out (Nielsen's 50,000/10,000).
    // 0 = no validation split.
    std::size_t validation_size = 10000;
};

// The dataset names load_data knows: "mnist", "fashion-mnist".
std::vector<std::string> known_datasets();

// Resolve `options.data` and load train/validation/test. Errors name what was looked for
// and where.
DataSplits load_data(const DataOptions& options);

// Where a named dataset's files are, following the lookup order above; throws
// digitnet::Error listing every place tried when none has the files.
std::string find_dataset_dir(const std::string& name, const std::string& data_dir);

// Moves the last `validation_size` examples of `train` into a new dataset and returns it
// (empty when validation_size is 0). Throws digitnet::Error naming --validation-size when
// validation_size >= train.size().
Dataset split_validation(Dataset& train, std::size_t validation_size);

}  // namespace digitnet

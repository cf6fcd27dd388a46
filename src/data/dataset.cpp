// Datasets as a whole: slicing and class counts, the named datasets and where their files
// are looked for, and the train / validation / test splits a run uses.
#include "digitnet/dataset.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "digitnet/error.hpp"

namespace digitnet {

namespace fs = std::filesystem;

Dataset Dataset::slice(std::size_t begin, std::size_t count) const {
    if (begin > size() || count > size() - begin)
        throw Error("Dataset::slice: examples [" + std::to_string(begin) + ", " + std::to_string(begin + count) +
                    ") are outside a dataset of " + std::to_string(size()));
    Dataset out;
    out.image_rows = image_rows;
    out.image_cols = image_cols;
    out.labels.assign(labels.begin() + static_cast<std::ptrdiff_t>(begin),
                      labels.begin() + static_cast<std::ptrdiff_t>(begin + count));
    out.images.resize(count, features());
    if (count) std::memcpy(out.images.data(), images.row(begin), count * features() * sizeof(float));
    return out;
}

std::vector<std::size_t> Dataset::class_counts() const {
    std::vector<std::size_t> counts(10, 0);
    for (std::uint8_t label : labels)
        if (label < 10) ++counts[label];
    return counts;
}

Dataset split_validation(Dataset& train, std::size_t validation_size) {
    if (validation_size == 0) return train.slice(0, 0);
    const std::size_t n = train.size();
    if (validation_size >= n)
        throw Error("--validation-size " + std::to_string(validation_size) + " must be smaller than the " +
                    std::to_string(n) + " training examples (0 = no validation split)");
    // Nielsen's split: the last validation_size training examples, in file order.
    Dataset validation = train.slice(n - validation_size, validation_size);
    train = train.slice(0, n - validation_size);
    return validation;
}

namespace {

// The four files of the MNIST distribution, each accepted plain or as .gz.
constexpr const char* kTrainImages = "train-images-idx3-ubyte";
constexpr const char* kTrainLabels = "train-labels-idx1-ubyte";
constexpr const char* kTestImages = "t10k-images-idx3-ubyte";
constexpr const char* kTestLabels = "t10k-labels-idx1-ubyte";
constexpr const char* kIdxFiles[] = {kTrainImages, kTrainLabels, kTestImages, kTestLabels};

// Whether something is there, of any kind (symbolic links followed): a folder, FIFO or device
// in a file's place is then loaded, and the reader says what it is rather than "missing".
bool is_there(const fs::path& p) {
    std::error_code ec;
    return fs::exists(fs::status(p, ec));
}

// dir/base if it exists, else dir/base.gz if that exists, else "".
std::string idx_file(const fs::path& dir, const std::string& base) {
    if (is_there(dir / base)) return (dir / base).string();
    if (is_there(dir / (base + ".gz"))) return (dir / (base + ".gz")).string();
    return {};
}

std::vector<std::string> missing_idx_files(const fs::path& dir) {
    std::vector<std::string> missing;
    for (const char* base : kIdxFiles)
        if (idx_file(dir, base).empty()) missing.push_back(base);
    return missing;
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
    return out;
}

// Both splits from the four IDX files in `dir` (already known to be there).
void load_idx_folder(const fs::path& dir, DataSplits& splits) {
    splits.train = load_idx(idx_file(dir, kTrainImages), idx_file(dir, kTrainLabels));
    std::string test_images = idx_file(dir, kTestImages);
    splits.test = load_idx(test_images, idx_file(dir, kTestLabels));
    if (splits.test.image_rows != splits.train.image_rows || splits.test.image_cols != splits.train.image_cols)
        throw Error(test_images + ": images are " + std::to_string(splits.test.image_rows) + " x " +
                    std::to_string(splits.test.image_cols) + " but the training images are " +
                    std::to_string(splits.train.image_rows) + " x " + std::to_string(splits.train.image_cols));
    splits.location = dir.string();
}

// A CSV file is the training split. The test split comes from the sibling file whose name
// has "train" replaced by "test" (mnist_train.csv -> mnist_test.csv). When the name has no
// "train" or no such sibling exists, the test split is empty.
void load_csv_files(const fs::path& train_path, DataSplits& splits) {
    splits.train = load_csv(train_path.string());
    splits.test = splits.train.slice(0, 0);
    splits.location = train_path.string();
    std::string filename = train_path.filename().string();
    std::size_t at = filename.find("train");
    if (at == std::string::npos) {
        splits.location += " (no test file)";
        return;
    }
    fs::path test_path = train_path.parent_path() / filename.replace(at, 5, "test");
    if (!is_there(test_path)) {
        splits.location += " (no test file " + test_path.string() + ")";
        return;
    }
    splits.test = load_csv(test_path.string());
    splits.location += ", " + test_path.string();
}

}  // namespace

std::vector<std::string> known_datasets() { return {"mnist", "fashion-mnist"}; }

std::string find_dataset_dir(const std::string& name, const std::string& data_dir) {
    auto names = known_datasets();
    if (std::find(names.begin(), names.end(), name) == names.end())
        throw Error("unknown dataset '" + name + "': expected one of " + join(names, ", "));

    // Lookup order: --data-dir, $DIGITNET_DATA (each as <dir>/<name> then <dir> itself),
    // ./data/<name>, and for Fashion-MNIST the Debian package's folder.
    std::vector<fs::path> places;
    if (!data_dir.empty()) {
        places.push_back(fs::path(data_dir) / name);
        places.push_back(fs::path(data_dir));
    }
    if (const char* env = std::getenv("DIGITNET_DATA"); env && *env) {
        places.push_back(fs::path(env) / name);
        places.push_back(fs::path(env));
    }
    places.push_back(fs::path("data") / name);
    if (name == "fashion-mnist") places.push_back("/usr/share/datasets/fashion-mnist");

    std::vector<std::string> tried;
    for (const fs::path& place : places) {
        if (missing_idx_files(place).empty()) return place.string();
        tried.push_back(place.string());
    }
    std::vector<std::string> files(std::begin(kIdxFiles), std::end(kIdxFiles));
    throw Error("dataset '" + name + "' not found: looked for " + join(files, ", ") + " (plain or .gz) in " +
                join(tried, ", ") + "; use --data-dir or $DIGITNET_DATA");
}

DataSplits load_data(const DataOptions& options) {
    DataSplits splits;
    splits.name = options.data;
    auto names = known_datasets();
    if (std::find(names.begin(), names.end(), options.data) != names.end()) {
        load_idx_folder(find_dataset_dir(options.data, options.data_dir), splits);
    } else {
        fs::path path(options.data);
        std::error_code ec;
        auto status = fs::status(path, ec);
        if (fs::is_directory(status)) {
            auto missing = missing_idx_files(path);
            if (!missing.empty())
                throw Error("--data " + options.data + ": the folder lacks " + join(missing, ", ") +
                            " (IDX files, plain or .gz)");
            load_idx_folder(path, splits);
        } else if (fs::exists(status)) {
            load_csv_files(path, splits);
        } else {
            throw Error("--data " + options.data + ": neither a known dataset name (" + join(names, ", ") +
                        ") nor an existing file or folder");
        }
    }
    splits.validation = split_validation(splits.train, options.validation_size);
    return splits;
}

}  // namespace digitnet

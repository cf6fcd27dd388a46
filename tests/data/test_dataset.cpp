#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <unistd.h>
#include <zlib.h>

#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"
#include "special_files.hpp"
#include "test_support.hpp"

using namespace digitnet;
namespace fs = std::filesystem;
using digitnet::testing::error_of;
using digitnet::testing::write_bytes;
using digitnet::testing::put_be32;

namespace {

// A fresh, empty folder per test under the system's temporary folder.
fs::path temp_dir(const std::string& tag) {
    static int counter = 0;
    fs::path dir = fs::temp_directory_path() /
                   ("digitnet_dataset_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::vector<std::uint8_t> idx_images(std::uint32_t n, std::uint32_t rows, std::uint32_t cols,
                                     const std::vector<std::uint8_t>& pixels) {
    std::vector<std::uint8_t> out;
    put_be32(out, 0x00000803);
    put_be32(out, n);
    put_be32(out, rows);
    put_be32(out, cols);
    out.insert(out.end(), pixels.begin(), pixels.end());
    return out;
}

std::vector<std::uint8_t> idx_labels(const std::vector<std::uint8_t>& labels) {
    std::vector<std::uint8_t> out;
    put_be32(out, 0x00000801);
    put_be32(out, static_cast<std::uint32_t>(labels.size()));
    out.insert(out.end(), labels.begin(), labels.end());
    return out;
}

// n images of rows x cols whose pixel j of image i is (7 i + 3 j) mod 256.
std::vector<std::uint8_t> pattern(std::size_t n, std::size_t rows, std::size_t cols) {
    std::vector<std::uint8_t> pixels(n * rows * cols);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < rows * cols; ++j)
            pixels[i * rows * cols + j] = static_cast<std::uint8_t>((7 * i + 3 * j) % 256);
    return pixels;
}

std::vector<std::uint8_t> labels_0_to_9(std::size_t n) {
    std::vector<std::uint8_t> labels(n);
    for (std::size_t i = 0; i < n; ++i) labels[i] = static_cast<std::uint8_t>(i % 10);
    return labels;
}

void write_gz(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
    gzFile f = gzopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    ASSERT_EQ(gzclose(f), Z_OK);
}

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// The four MNIST-named IDX files in `dir`: n_train and n_test images of rows x cols.
void write_idx_folder(const fs::path& dir, std::size_t n_train, std::size_t n_test, bool gz = false,
                      std::uint32_t rows = 3, std::uint32_t cols = 4) {
    fs::create_directories(dir);
    auto put = [&](const std::string& base, const std::vector<std::uint8_t>& bytes) {
        if (gz)
            write_gz(dir / (base + ".gz"), bytes);
        else
            write_bytes(dir / base, bytes);
    };
    auto n1 = static_cast<std::uint32_t>(n_train), n2 = static_cast<std::uint32_t>(n_test);
    put("train-images-idx3-ubyte", idx_images(n1, rows, cols, pattern(n1, rows, cols)));
    put("train-labels-idx1-ubyte", idx_labels(labels_0_to_9(n1)));
    put("t10k-images-idx3-ubyte", idx_images(n2, rows, cols, pattern(n2, rows, cols)));
    put("t10k-labels-idx1-ubyte", idx_labels(labels_0_to_9(n2)));
}

// One CSV line: `label`, then 784 pixels whose j-th is (seed + j) mod 256.
std::string csv_line(int label, int seed) {
    std::string line = std::to_string(label);
    for (int j = 0; j < 784; ++j) line.append(",").append(std::to_string((seed + j) % 256));
    return line;
}

// Sets an environment variable for one scope, then restores it.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::optional<std::string>& value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        if (value)
            ::setenv(name, value->c_str(), 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_)
            ::setenv(name_, old_->c_str(), 1);
        else
            ::unsetenv(name_);
    }

private:
    const char* name_;
    std::optional<std::string> old_;
};

}  // namespace

// ---------------------------------------------------------------- Dataset

TEST(Dataset, SliceCopiesRowsAndLabelsAndClassCountsCount) {
    auto images = idx_images(5, 3, 4, pattern(5, 3, 4));
    auto labels = idx_labels({3, 1, 3, 9, 0});
    Dataset d = parse_idx(images, labels, "images", "labels");
    Dataset s = d.slice(1, 3);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s.image_rows, 3u);
    EXPECT_EQ(s.image_cols, 4u);
    EXPECT_EQ(s.labels, (std::vector<std::uint8_t>{1, 3, 9}));
    for (std::size_t j = 0; j < 12; ++j) EXPECT_EQ(s.images(0, j), d.images(1, j));
    EXPECT_EQ(d.class_counts(), (std::vector<std::size_t>{1, 1, 0, 2, 0, 0, 0, 0, 0, 1}));
    EXPECT_THROW(d.slice(3, 3), Error);
    EXPECT_EQ(d.slice(5, 0).size(), 0u);
}

// ---------------------------------------------------------------- IDX

TEST(Idx, RoundTripScalesPixelsToUnitInterval) {
    fs::path dir = temp_dir("idx");
    std::vector<std::uint8_t> pixels = pattern(5, 3, 4);
    pixels[0] = 0;
    pixels[1] = 255;
    write_bytes(dir / "img", idx_images(5, 3, 4, pixels));
    write_bytes(dir / "lab", idx_labels({7, 0, 9, 2, 5}));
    Dataset d = load_idx((dir / "img").string(), (dir / "lab").string());
    ASSERT_EQ(d.size(), 5u);
    EXPECT_EQ(d.image_rows, 3u);
    EXPECT_EQ(d.image_cols, 4u);
    ASSERT_EQ(d.images.rows(), 5u);
    ASSERT_EQ(d.images.cols(), 12u);
    EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{7, 0, 9, 2, 5}));
    EXPECT_EQ(d.images(0, 0), 0.0f);
    EXPECT_EQ(d.images(0, 1), 1.0f);
    for (std::size_t i = 0; i < 5; ++i)
        for (std::size_t j = 0; j < 12; ++j)
            EXPECT_FLOAT_EQ(d.images(i, j), static_cast<float>(pixels[i * 12 + j]) / 255.0f);
    fs::remove_all(dir);
}

TEST(Idx, GzipFilesGiveTheSameDataset) {
    fs::path dir = temp_dir("idxgz");
    auto images = idx_images(5, 28, 28, pattern(5, 28, 28));
    auto labels = idx_labels({1, 2, 3, 4, 5});
    write_bytes(dir / "img", images);
    write_bytes(dir / "lab", labels);
    write_gz(dir / "img.gz", images);
    write_gz(dir / "lab.gz", labels);
    Dataset plain = load_idx((dir / "img").string(), (dir / "lab").string());
    Dataset gz = load_idx((dir / "img.gz").string(), (dir / "lab.gz").string());
    ASSERT_EQ(gz.size(), 5u);
    EXPECT_EQ(gz.labels, plain.labels);
    ASSERT_EQ(gz.images.size(), plain.images.size());
    for (std::size_t i = 0; i < gz.images.size(); ++i) ASSERT_EQ(gz.images.data()[i], plain.images.data()[i]);
    fs::remove_all(dir);
}

TEST(Idx, GzipThatDecompressesToMoreOrLessThanTheHeaderSaysIsAnError) {
    fs::path dir = temp_dir("idxgzbad");
    auto images = idx_images(2, 3, 4, pattern(2, 3, 4));
    write_bytes(dir / "lab", idx_labels({1, 2}));

    auto longer = images;
    longer.push_back(9);
    write_gz(dir / "long.gz", longer);
    std::string m = error_of([&] { load_idx((dir / "long.gz").string(), (dir / "lab").string()); });
    EXPECT_CONTAINS(m, "long.gz");
    EXPECT_CONTAINS(m, "more than the 40 bytes");

    auto shorter = images;
    shorter.resize(shorter.size() - 5);
    write_gz(dir / "short.gz", shorter);
    m = error_of([&] { load_idx((dir / "short.gz").string(), (dir / "lab").string()); });
    EXPECT_CONTAINS(m, "short.gz");
    EXPECT_CONTAINS(m, "truncated");
    EXPECT_CONTAINS(m, "expected 40 bytes, found 35");

    // A header promising 10^9 images, in a tiny .gz: refused without reading (or allocating) them.
    auto huge = idx_images(1000000000, 28, 28, pattern(1, 28, 28));
    write_gz(dir / "huge.gz", huge);
    m = error_of([&] { load_idx((dir / "huge.gz").string(), (dir / "lab").string()); });
    EXPECT_CONTAINS(m, "huge.gz");
    EXPECT_CONTAINS(m, "784000000016 bytes");
    EXPECT_CONTAINS(m, "limit");

    // Damaged compressed data (the gzip header intact, the deflate stream and CRC not).
    std::vector<std::uint8_t> gz;
    {
        std::ifstream in(dir / "long.gz", std::ios::binary);
        gz.assign(std::istreambuf_iterator<char>(in), {});
    }
    for (std::size_t i = 12; i < gz.size(); ++i) gz[i] ^= 0x5A;
    write_bytes(dir / "bad.gz", gz);
    m = error_of([&] { load_idx((dir / "bad.gz").string(), (dir / "lab").string()); });
    EXPECT_CONTAINS(m, "bad.gz");
    fs::remove_all(dir);
}

TEST(Idx, WrongMagicNumberNamesFileExpectedAndFoundInHex) {
    auto images = idx_images(2, 3, 4, pattern(2, 3, 4));
    auto labels = idx_labels({1, 2});
    std::string m = error_of([&] { parse_idx(labels, labels, "a-images", "a-labels"); });
    EXPECT_CONTAINS(m, "a-images");
    EXPECT_CONTAINS(m, "expected magic number 0x00000803");
    EXPECT_CONTAINS(m, "found 0x00000801");
    m = error_of([&] { parse_idx(images, images, "a-images", "a-labels"); });
    EXPECT_CONTAINS(m, "a-labels");
    EXPECT_CONTAINS(m, "expected magic number 0x00000801");
    EXPECT_CONTAINS(m, "found 0x00000803");
}

TEST(Idx, TruncatedFileSaysExpectedAndFoundBytes) {
    auto images = idx_images(2, 3, 4, pattern(2, 3, 4));  // 16 + 24 = 40 bytes
    auto labels = idx_labels({1, 2});
    images.resize(37);
    std::string m = error_of([&] { parse_idx(images, labels, "t-images", "t-labels"); });
    EXPECT_CONTAINS(m, "t-images");
    EXPECT_CONTAINS(m, "truncated");
    EXPECT_CONTAINS(m, "expected 40 bytes, found 37");
    // Cut inside the header.
    images.resize(9);
    m = error_of([&] { parse_idx(images, labels, "t-images", "t-labels"); });
    EXPECT_CONTAINS(m, "expected 16 bytes, found 9");
    // An empty file.
    m = error_of([&] { parse_idx({}, labels, "t-images", "t-labels"); });
    EXPECT_CONTAINS(m, "t-images");
    EXPECT_CONTAINS(m, "found 0");
}

TEST(Idx, HeaderDimensionsThatOverflowOrDisagreeWithTheFileSizeAreErrors) {
    auto labels = idx_labels({1});
    auto overflow = idx_images(0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, {1, 2, 3});
    std::string m = error_of([&] { parse_idx(overflow, labels, "o-images", "o-labels"); });
    EXPECT_CONTAINS(m, "o-images");
    EXPECT_CONTAINS(m, "overflow");

    auto big = idx_images(60000, 28, 28, {1, 2, 3});  // promises 47 MB, holds 3 bytes
    m = error_of([&] { parse_idx(big, labels, "b-images", "b-labels"); });
    EXPECT_CONTAINS(m, "b-images");
    EXPECT_CONTAINS(m, "expected 47040016 bytes, found 19");

    auto longer = idx_images(1, 2, 2, {1, 2, 3, 4, 5});
    m = error_of([&] { parse_idx(longer, labels, "l-images", "l-labels"); });
    EXPECT_CONTAINS(m, "l-images");
    EXPECT_CONTAINS(m, "expected 20 bytes, found 21");

    auto flat = idx_images(1, 0, 4, {});
    m = error_of([&] { parse_idx(flat, labels, "f-images", "f-labels"); });
    EXPECT_CONTAINS(m, "f-images");
    EXPECT_CONTAINS(m, "0 x 4");
}

TEST(Idx, ImageAndLabelCountsMustAgree) {
    auto images = idx_images(5, 3, 4, pattern(5, 3, 4));
    auto labels = idx_labels({1, 2, 3, 4});
    std::string m = error_of([&] { parse_idx(images, labels, "c-images", "c-labels"); });
    EXPECT_CONTAINS(m, "c-images holds 5 images");
    EXPECT_CONTAINS(m, "c-labels holds 4 labels");
}

TEST(Idx, LabelOutsideZeroToNineNamesItsIndex) {
    auto images = idx_images(5, 3, 4, pattern(5, 3, 4));
    auto labels = idx_labels({1, 2, 3, 10, 4});
    std::string m = error_of([&] { parse_idx(images, labels, "x-images", "x-labels"); });
    EXPECT_CONTAINS(m, "x-labels");
    EXPECT_CONTAINS(m, "index 3");
    EXPECT_CONTAINS(m, "is 10");
}

TEST(Idx, MissingFileNamesThePath) {
    fs::path dir = temp_dir("idxmissing");
    write_bytes(dir / "lab", idx_labels({1}));
    std::string path = (dir / "nothing-here").string();
    std::string m = error_of([&] { load_idx(path, (dir / "lab").string()); });
    EXPECT_CONTAINS(m, path);
    EXPECT_CONTAINS(m, "no such file");
    m = error_of([&] { load_idx(path + ".gz", (dir / "lab").string()); });
    EXPECT_CONTAINS(m, path + ".gz");
    fs::remove_all(dir);
}

// ---------------------------------------------------------------- input limits

TEST(IdxLimits, GzipPromisingMoreThanItsExpansionBoundIsRefusedBeforeDecompressing) {
    // 20,000 blank 28 x 28 images: 15.7 MB of zeros, which gzip squeezes about a thousandfold
    // (real MNIST files expand 2 to 5 times).
    fs::path dir = temp_dir("gzratio");
    const std::uint32_t n = 20000;
    const auto images = idx_images(n, 28, 28, std::vector<std::uint8_t>(std::size_t{n} * 784, 0));
    write_gz(dir / "blank.gz", images);
    write_bytes(dir / "lab", idx_labels(std::vector<std::uint8_t>(n, 0)));
    const std::uint64_t compressed = fs::file_size(dir / "blank.gz");
    ASSERT_GT(images.size(), kGzipMaxExpansion * compressed);
    std::string m = error_of([&] { load_idx((dir / "blank.gz").string(), (dir / "lab").string()); });
    EXPECT_CONTAINS(m, (dir / "blank.gz").string());
    EXPECT_CONTAINS(m, std::to_string(images.size()) + " bytes");  // what the header promises
    EXPECT_CONTAINS(m, std::to_string(compressed) + " bytes");      // what the file holds
    EXPECT_CONTAINS(m, std::to_string(kGzipMaxExpansion) + " times");

    // Within the bound, the same kind of file reads (10 images of a pattern gzip cannot squeeze).
    const auto small = idx_images(10, 28, 28, pattern(10, 28, 28));
    write_gz(dir / "small.gz", small);
    write_bytes(dir / "lab10", idx_labels(labels_0_to_9(10)));
    EXPECT_EQ(load_idx((dir / "small.gz").string(), (dir / "lab10").string()).size(), 10u);
    fs::remove_all(dir);
}

TEST(IdxLimits, GzipPromisingMoreThanTheCapIsRefusedNamingTheCap) {
    fs::path dir = temp_dir("gzcap");
    // 3,000,000 images of 28 x 28: 2.35 GB, over the 2 GiB cap on one IDX file.
    write_gz(dir / "big.gz", idx_images(3000000, 28, 28, pattern(2, 28, 28)));
    write_bytes(dir / "lab", idx_labels({1, 2}));
    std::string m = error_of([&] { load_idx((dir / "big.gz").string(), (dir / "lab").string()); });
    EXPECT_CONTAINS(m, (dir / "big.gz").string());
    EXPECT_CONTAINS(m, "2352000016 bytes");
    EXPECT_CONTAINS(m, "limit of " + std::to_string(kIdxMaxBytes) + " bytes");
    fs::remove_all(dir);
}

TEST(IdxLimits, PlainFilesOverTheCapAreRefusedBeforeReading) {
    fs::path dir = temp_dir("idxcap");
    write_bytes(dir / "lab", idx_labels({1}));
    {
        std::ofstream sparse(dir / "big");  // a sparse file: no disk space used
    }
    fs::resize_file(dir / "big", kIdxMaxBytes + 1);
    std::string m = error_of([&] { load_idx((dir / "big").string(), (dir / "lab").string()); });
    EXPECT_CONTAINS(m, (dir / "big").string());
    EXPECT_CONTAINS(m, "limit of " + std::to_string(kIdxMaxBytes) + " bytes");
    fs::remove_all(dir);
}

TEST(CsvLimits, FilesOverTheCapAreRefusedBeforeReading) {
    fs::path dir = temp_dir("csvcap");
    {
        std::ofstream sparse(dir / "big.csv");
    }
    fs::resize_file(dir / "big.csv", kCsvMaxFileBytes + 1);
    std::string m = error_of([&] { load_csv((dir / "big.csv").string()); });
    EXPECT_CONTAINS(m, (dir / "big.csv").string());
    EXPECT_CONTAINS(m, "limit of " + std::to_string(kCsvMaxFileBytes) + " bytes");
    fs::remove_all(dir);
}

// ---------------------------------------------------------------- folders, FIFOs and devices

TEST(SpecialFiles, IdxPathThatIsAFolderFifoOrDeviceIsNamedAsSuch) {
    using digitnet::testing::error_without_hanging;
    using digitnet::testing::make_fifo;
    fs::path dir = temp_dir("idxspecial");
    write_bytes(dir / "img", idx_images(1, 2, 2, pattern(1, 2, 2)));
    write_bytes(dir / "lab", idx_labels({1}));
    const std::string img = (dir / "img").string(), lab = (dir / "lab").string();
    for (const char* name : {"fifo", "fifo.gz"}) {
        make_fifo(dir / name);
        const std::string fifo = (dir / name).string();
        std::string m = error_without_hanging(fifo, [&] { load_idx(fifo, lab); });
        EXPECT_CONTAINS(m, fifo + ": is a FIFO, expected a regular file");
        m = error_without_hanging(fifo, [&] { load_idx(img, fifo); });
        EXPECT_CONTAINS(m, fifo + ": is a FIFO, expected a regular file");
    }
    fs::create_directory(dir / "folder.gz");
    for (const fs::path& folder : {dir, dir / "folder.gz"}) {
        std::string m = error_of([&] { load_idx(folder.string(), lab); });
        EXPECT_CONTAINS(m, folder.string() + ": is a folder, expected a regular file");
    }
    if (fs::exists("/dev/null")) {
        std::string m = error_of([&] { load_idx("/dev/null", lab); });
        EXPECT_CONTAINS(m, "/dev/null: is a character device, expected a regular file");
    }
    fs::remove_all(dir);
}

TEST(SpecialFiles, DataFolderWhoseIdxFilesAreNotRegularFilesSaysWhatTheyAre) {
    using digitnet::testing::error_without_hanging;
    using digitnet::testing::make_fifo;
    fs::path dir = temp_dir("folderspecial");
    write_idx_folder(dir, 3, 2);
    DataOptions options;
    options.data = dir.string();
    options.validation_size = 0;
    const fs::path images = dir / "train-images-idx3-ubyte";

    fs::remove(images);
    fs::create_directory(images);
    std::string m = error_of([&] { load_data(options); });
    EXPECT_CONTAINS(m, images.string() + ": is a folder, expected a regular file");
    EXPECT_EQ(m.find("lacks"), std::string::npos) << m;

    make_fifo(images);
    m = error_without_hanging(images, [&] { load_data(options); });
    EXPECT_CONTAINS(m, images.string() + ": is a FIFO, expected a regular file");
    EXPECT_EQ(m.find("lacks"), std::string::npos) << m;

    // The same through a named dataset found with --data-dir.
    fs::path root = temp_dir("namedspecial");
    write_idx_folder(root / "mnist", 3, 2);
    const fs::path labels = root / "mnist" / "t10k-labels-idx1-ubyte";
    make_fifo(labels);
    DataOptions named;
    named.data = "mnist";
    named.data_dir = root.string();
    named.validation_size = 0;
    m = error_without_hanging(labels, [&] { load_data(named); });
    EXPECT_CONTAINS(m, labels.string() + ": is a FIFO, expected a regular file");
    fs::remove_all(dir);
    fs::remove_all(root);
}

TEST(SpecialFiles, CsvPathThatIsAFifoOrDeviceIsNamedAsSuch) {
    using digitnet::testing::error_without_hanging;
    using digitnet::testing::make_fifo;
    fs::path dir = temp_dir("csvspecial");
    make_fifo(dir / "train.csv");
    const std::string fifo = (dir / "train.csv").string();
    std::string m = error_without_hanging(fifo, [&] { load_csv(fifo); });
    EXPECT_CONTAINS(m, fifo + ": is a FIFO, expected a regular file");
    DataOptions options;
    options.data = fifo;
    options.validation_size = 0;
    m = error_without_hanging(fifo, [&] { load_data(options); });
    EXPECT_CONTAINS(m, fifo + ": is a FIFO, expected a regular file");
    if (fs::exists("/dev/zero")) {
        m = error_of([&] { load_csv("/dev/zero"); });
        EXPECT_CONTAINS(m, "/dev/zero: is a character device, expected a regular file");
    }
    fs::remove_all(dir);
}

// ---------------------------------------------------------------- CSV

TEST(Csv, ParsesCrLfBlankLinesAndALastLineWithoutNewline) {
    std::string text = csv_line(3, 0) + "\r\n\r\n" + csv_line(0, 100) + "\n\n  \n" + csv_line(9, 255);
    Dataset d = parse_csv(text, "t.csv");
    ASSERT_EQ(d.size(), 3u);
    EXPECT_EQ(d.image_rows, 28u);
    EXPECT_EQ(d.image_cols, 28u);
    ASSERT_EQ(d.images.rows(), 3u);
    ASSERT_EQ(d.images.cols(), 784u);
    EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{3, 0, 9}));
    const int seeds[] = {0, 100, 255};
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 784; ++j)
            ASSERT_FLOAT_EQ(d.images(i, j), static_cast<float>((seeds[i] + static_cast<int>(j)) % 256) / 255.0f);
    EXPECT_EQ(parse_csv("", "empty.csv").size(), 0u);
    EXPECT_EQ(parse_csv("\n\r\n", "blank.csv").size(), 0u);
}

TEST(Csv, LoadsAFileAndTheSameWithATrailingNewline) {
    fs::path dir = temp_dir("csv");
    write_text(dir / "a.csv", csv_line(1, 5) + "\n" + csv_line(2, 6) + "\n");
    Dataset d = load_csv((dir / "a.csv").string());
    EXPECT_EQ(d.labels, (std::vector<std::uint8_t>{1, 2}));
    EXPECT_FLOAT_EQ(d.images(1, 0), 6.0f / 255.0f);
    std::string m = error_of([&] { load_csv((dir / "none.csv").string()); });
    EXPECT_CONTAINS(m, (dir / "none.csv").string());
    EXPECT_CONTAINS(m, "no such file");
    write_text(dir / "empty.csv", "\n");
    m = error_of([&] { load_csv((dir / "empty.csv").string()); });
    EXPECT_CONTAINS(m, "no examples");
    fs::remove_all(dir);
}

TEST(Csv, ErrorsNameFileAndLineNumber) {
    const std::string good = csv_line(1, 0) + "\n\n";  // lines 1 and 2; the bad line is line 3

    std::string m = error_of([&] { parse_csv(good + "1,2,3\n", "f.csv"); });
    EXPECT_CONTAINS(m, "f.csv, line 3");
    EXPECT_CONTAINS(m, "expected 785 fields");
    EXPECT_CONTAINS(m, "found 3");

    m = error_of([&] { parse_csv(good + csv_line(1, 0) + ",7", "f.csv"); });
    EXPECT_CONTAINS(m, "f.csv, line 3");
    EXPECT_CONTAINS(m, "found 786");

    std::string word = csv_line(1, 0);
    word.replace(word.find(",5,"), 3, ",x5,");  // field 7 holds pixel 5 when the seed is 0
    m = error_of([&] { parse_csv(good + word, "f.csv"); });
    EXPECT_CONTAINS(m, "f.csv, line 3, field 7");
    EXPECT_CONTAINS(m, "expected a number, found 'x5'");

    std::string decimal = csv_line(1, 0);
    decimal.replace(decimal.find(",5,"), 3, ",5.5,");
    m = error_of([&] { parse_csv(good + decimal, "f.csv"); });
    EXPECT_CONTAINS(m, "expected a number, found '5.5'");

    std::string empty_field = csv_line(1, 0);
    empty_field.replace(empty_field.find(",5,"), 3, ",,");  // still 785 fields, one empty
    m = error_of([&] { parse_csv(good + empty_field, "f.csv"); });
    EXPECT_CONTAINS(m, "f.csv, line 3, field 7");
    EXPECT_CONTAINS(m, "expected a number, found ''");

    std::string high = csv_line(1, 0);
    high.replace(high.find(",5,"), 3, ",256,");
    m = error_of([&] { parse_csv(good + high, "f.csv"); });
    EXPECT_CONTAINS(m, "f.csv, line 3, field 7");
    EXPECT_CONTAINS(m, "outside 0..255");

    std::string negative = csv_line(1, 0);
    negative.replace(negative.find(",5,"), 3, ",-1,");
    m = error_of([&] { parse_csv(good + negative, "f.csv"); });
    EXPECT_CONTAINS(m, "outside 0..255");

    std::string huge = csv_line(1, 0);
    huge.replace(huge.find(",5,"), 3, ",99999999999999999999,");
    m = error_of([&] { parse_csv(good + huge, "f.csv"); });
    EXPECT_CONTAINS(m, "outside 0..255");

    m = error_of([&] { parse_csv(good + csv_line(10, 0), "f.csv"); });
    EXPECT_CONTAINS(m, "f.csv, line 3");
    EXPECT_CONTAINS(m, "label 10 is outside 0..9");

    m = error_of([&] { parse_csv("label" + csv_line(1, 0).substr(1), "h.csv"); });
    EXPECT_CONTAINS(m, "h.csv, line 1, field 1");
}

// ---------------------------------------------------------------- splits and lookup

TEST(LoadData, FolderOfIdxFilesWithValidationSplitFromTheEnd) {
    fs::path dir = temp_dir("folder");
    write_idx_folder(dir, 10, 4);
    DataOptions options;
    options.data = dir.string();
    options.validation_size = 3;
    DataSplits s = load_data(options);
    EXPECT_EQ(s.name, dir.string());
    EXPECT_EQ(s.location, dir.string());
    EXPECT_EQ(s.train.size(), 7u);
    EXPECT_EQ(s.validation.size(), 3u);
    EXPECT_EQ(s.test.size(), 4u);
    // The last three training examples (labels 7, 8, 9) became the validation split.
    EXPECT_EQ(s.validation.labels, (std::vector<std::uint8_t>{7, 8, 9}));
    EXPECT_EQ(s.train.labels, (std::vector<std::uint8_t>{0, 1, 2, 3, 4, 5, 6}));
    EXPECT_FLOAT_EQ(s.validation.images(0, 0), static_cast<float>(7 * 7) / 255.0f);
    EXPECT_EQ(s.validation.image_rows, 3u);
    EXPECT_EQ(s.validation.images.cols(), 12u);

    options.validation_size = 0;
    s = load_data(options);
    EXPECT_EQ(s.train.size(), 10u);
    EXPECT_EQ(s.validation.size(), 0u);
    EXPECT_EQ(s.validation.images.cols(), 12u);

    options.validation_size = 10;
    std::string m = error_of([&] { load_data(options); });
    EXPECT_CONTAINS(m, "--validation-size 10");
    EXPECT_CONTAINS(m, "10 training examples");
    fs::remove_all(dir);
}

TEST(LoadData, FolderMissingFilesOrUnknownPathIsAnError) {
    fs::path dir = temp_dir("partial");
    write_idx_folder(dir, 3, 2);
    fs::remove(dir / "t10k-labels-idx1-ubyte");
    DataOptions options;
    options.data = dir.string();
    options.validation_size = 0;
    std::string m = error_of([&] { load_data(options); });
    EXPECT_CONTAINS(m, dir.string());
    EXPECT_CONTAINS(m, "t10k-labels-idx1-ubyte");

    options.data = (dir / "no-such-thing").string();
    m = error_of([&] { load_data(options); });
    EXPECT_CONTAINS(m, "no-such-thing");
    EXPECT_CONTAINS(m, "neither a known dataset name (mnist, fashion-mnist) nor an existing file or folder");
    fs::remove_all(dir);
}

TEST(LoadData, CsvTakesItsTestSplitFromTheSiblingFile) {
    fs::path dir = temp_dir("csvsplit");
    write_text(dir / "digits_train.csv", csv_line(1, 0) + "\n" + csv_line(2, 1) + "\n" + csv_line(3, 2) + "\n");
    DataOptions options;
    options.data = (dir / "digits_train.csv").string();
    options.validation_size = 1;
    DataSplits s = load_data(options);
    EXPECT_EQ(s.train.size(), 2u);
    EXPECT_EQ(s.validation.labels, (std::vector<std::uint8_t>{3}));
    EXPECT_EQ(s.test.size(), 0u);  // no digits_test.csv yet
    EXPECT_EQ(s.test.images.cols(), 784u);

    write_text(dir / "digits_test.csv", csv_line(4, 0) + "\n");
    s = load_data(options);
    EXPECT_EQ(s.test.labels, (std::vector<std::uint8_t>{4}));
    EXPECT_CONTAINS(s.location, "digits_test.csv");
    fs::remove_all(dir);
}

TEST(LoadData, NamedDatasetIsFoundThroughDataDirAndEnvironment) {
    fs::path root = temp_dir("named");
    write_idx_folder(root / "in-dir" / "mnist", 6, 2);
    write_idx_folder(root / "flat", 5, 3, /*gz=*/true);
    write_idx_folder(root / "env" / "fashion-mnist", 4, 1, /*gz=*/true);
    ScopedEnv env("DIGITNET_DATA", (root / "env").string());

    // data_dir/<name>/
    DataOptions options;
    options.data = "mnist";
    options.data_dir = (root / "in-dir").string();
    options.validation_size = 2;
    DataSplits s = load_data(options);
    EXPECT_EQ(s.name, "mnist");
    EXPECT_EQ(s.location, (root / "in-dir" / "mnist").string());
    EXPECT_EQ(s.train.size(), 4u);
    EXPECT_EQ(s.validation.size(), 2u);
    EXPECT_EQ(s.test.size(), 2u);

    // data_dir itself, .gz files
    options.data_dir = (root / "flat").string();
    s = load_data(options);
    EXPECT_EQ(s.location, (root / "flat").string());
    EXPECT_EQ(s.train.size() + s.validation.size(), 5u);
    EXPECT_EQ(s.test.size(), 3u);

    // $DIGITNET_DATA/<name>/ when data_dir does not have it
    EXPECT_EQ(find_dataset_dir("fashion-mnist", (root / "in-dir").string()), (root / "env" / "fashion-mnist").string());
    options.data = "fashion-mnist";
    options.data_dir.clear();
    options.validation_size = 1;
    s = load_data(options);
    EXPECT_EQ(s.location, (root / "env" / "fashion-mnist").string());
    EXPECT_EQ(s.train.size(), 3u);
    fs::remove_all(root);
}

TEST(LoadData, NamedDatasetNotFoundListsEveryPlaceTried) {
    if (fs::exists("data/mnist")) GTEST_SKIP() << "./data/mnist exists in the working folder";
    fs::path root = temp_dir("notfound");
    ScopedEnv env("DIGITNET_DATA", (root / "env").string());
    std::string m = error_of([&] { find_dataset_dir("mnist", (root / "dir").string()); });
    EXPECT_CONTAINS(m, "dataset 'mnist' not found");
    EXPECT_CONTAINS(m, "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte");
    EXPECT_CONTAINS(m, (root / "dir" / "mnist").string() + ", " + (root / "dir").string());
    EXPECT_CONTAINS(m, (root / "env" / "mnist").string() + ", " + (root / "env").string());
    EXPECT_CONTAINS(m, "data/mnist");
    fs::remove_all(root);
}

// The real MNIST, when scripts/setup.sh has fetched it into data/mnist.
TEST(MnistData, HasKnownSizesAndClassCounts) {
    DataOptions options;
    options.data = "mnist";
    options.data_dir = DIGITNET_SOURCE_DIR "/data";
    options.validation_size = 0;
    try {
        find_dataset_dir("mnist", options.data_dir);
    } catch (const Error& e) {
        GTEST_SKIP() << e.what();
    }
    DataSplits s = load_data(options);
    ASSERT_EQ(s.train.size(), 60000u);
    ASSERT_EQ(s.test.size(), 10000u);
    EXPECT_EQ(s.train.image_rows, 28u);
    EXPECT_EQ(s.train.image_cols, 28u);
    EXPECT_EQ(s.train.class_counts(),
              (std::vector<std::size_t>{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}));
    EXPECT_EQ(s.test.class_counts(), (std::vector<std::size_t>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}));
    EXPECT_EQ(s.train.labels[0], 5);  // the famous first training digit
    EXPECT_EQ(s.test.labels[0], 7);
    float lo = 1.0f, hi = 0.0f;
    for (float v : s.train.images) lo = std::min(lo, v), hi = std::max(hi, v);
    EXPECT_EQ(lo, 0.0f);
    EXPECT_EQ(hi, 1.0f);
}

// ---------------------------------------------------------------- the CLI

using digitnet::testing::CliRun;
using digitnet::testing::run_cli;

TEST(DataCommand, PrintsSplitsAndClassCounts) {
    if (std::string(DIGITNET_CLI).empty()) GTEST_SKIP() << "the CLI is not built";
    fs::path dir = temp_dir("cli");
    write_idx_folder(dir / "tiny", 12, 5);
    CliRun r = run_cli("data --data \"" + (dir / "tiny").string() + "\" --validation-size 2");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_CONTAINS(r.out, (dir / "tiny").string());
    EXPECT_CONTAINS(r.out, "3 x 4");
    // train: labels 0..9 once each; validation: labels 0 and 1 (examples 10, 11).
    EXPECT_CONTAINS(r.out, "train           10      1      1      1      1      1      1      1      1      1      1");
    EXPECT_CONTAINS(r.out, "validation       2      1      1      0      0      0      0      0      0      0      0");
    EXPECT_CONTAINS(r.out, "test             5      1      1      1      1      1      0      0      0      0      0");

    r = run_cli("data --json --data \"" + (dir / "tiny").string() + "\" --validation-size 0");
    ASSERT_EQ(r.status, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["name"], (dir / "tiny").string());
    EXPECT_EQ(j["image_rows"], 3);
    EXPECT_EQ(j["splits"]["train"]["size"], 12);
    EXPECT_EQ(j["splits"]["validation"]["size"], 0);
    EXPECT_EQ(j["splits"]["test"]["class_counts"], (std::vector<int>{1, 1, 1, 1, 1, 0, 0, 0, 0, 0}));
    fs::remove_all(dir);
}

TEST(DataCommand, BadDataGivesOneLineOnStderrAndNonZeroExit) {
    if (std::string(DIGITNET_CLI).empty()) GTEST_SKIP() << "the CLI is not built";
    fs::path dir = temp_dir("clibad");
    CliRun r = run_cli("data --data \"" + (dir / "nope").string() + "\"");
    EXPECT_NE(r.status, 0);
    EXPECT_TRUE(r.out.empty()) << r.out;
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;  // exactly one line
    EXPECT_CONTAINS(r.err, "nope");
    EXPECT_CONTAINS(r.err, "neither a known dataset name");

    write_idx_folder(dir / "small", 3, 1);
    r = run_cli("data --data \"" + (dir / "small").string() + "\"");  // default --validation-size 10000
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
    EXPECT_CONTAINS(r.err, "--validation-size");
    fs::remove_all(dir);
}

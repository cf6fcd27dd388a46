// load_image_folder: a folder DIR/0 .. DIR/9 of digit images as a dataset, each image read exactly as
// `digitnet predict` reads it, and every way a folder can be wrong named in one line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "digitnet/error.hpp"
#include "digitnet/image.hpp"
#include "digitnet/image_folder.hpp"
#include "digitnet/preprocess.hpp"
#include "special_files.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::error_of;
using digitnet::testing::fresh_dir;
namespace fs = std::filesystem;

namespace {

// Dark ink on light paper: a vertical stroke of `length` pixels at column x of a 60x80 photo.
GrayImage stroke(std::size_t x, std::size_t length) {
    GrayImage g{60, 80, std::vector<float>(60 * 80, 0.9f)};
    for (std::size_t y = 10; y < 10 + length; ++y)
        for (std::size_t dx = 0; dx < 5; ++dx) g.pixels[y * 60 + x + dx] = 0.1f;
    return g;
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// DIR/1/{a,b}.png, DIR/7/c.pgm, plus what a real folder of scans holds beside them.
fs::path scans(const std::string& name) {
    const fs::path dir = fresh_dir(name);
    fs::create_directories(dir / "1");
    fs::create_directories(dir / "7");
    write_png((dir / "1" / "b.png").string(), stroke(30, 50));
    write_png((dir / "1" / "a.png").string(), stroke(10, 60));
    const GrayImage seven = stroke(40, 40);
    std::string pgm = "P5\n60 80\n255\n";
    for (float v : seven.pixels) pgm += static_cast<char>(static_cast<unsigned char>(v * 255.0f + 0.5f));
    write_file(dir / "7" / "c.pgm", pgm);
    write_file(dir / "README.txt", "written by three people\n");  // beside the digit folders: ignored
    write_file(dir / "1" / ".DS_Store", "not an image");         // hidden: skipped
    fs::create_directories(dir / ".thumbnails");                  // hidden: skipped
    return dir;
}

}  // namespace

TEST(ImageFolder, ReadsEachImageAsPredictDoesLabelledByItsFolderInNameOrder) {
    const fs::path dir = scans("image-folder");
    const ImageFolder folder = load_image_folder(dir.string());
    ASSERT_EQ(folder.data.size(), 3u);
    ASSERT_EQ(folder.files.size(), 3u);
    EXPECT_EQ(folder.files[0], (dir / "1" / "a.png").string());
    EXPECT_EQ(folder.files[1], (dir / "1" / "b.png").string());
    EXPECT_EQ(folder.files[2], (dir / "7" / "c.pgm").string());
    EXPECT_EQ(folder.data.labels, (std::vector<std::uint8_t>{1, 1, 7}));
    EXPECT_EQ(folder.data.features(), 784u);
    for (std::size_t i = 0; i < 3; ++i) {
        const std::vector<float> expected = preprocess_digit(load_image(folder.files[i]));
        const std::vector<float> found(folder.data.images.row(i), folder.data.images.row(i) + 784);
        EXPECT_EQ(found, expected) << folder.files[i];
    }
    // raw: only resized to 28x28, as predict --raw.
    const ImageFolder raw = load_image_folder(dir.string(), true);
    ASSERT_EQ(raw.data.size(), 3u);
    const std::vector<float> expected = resize_to(load_image(raw.files[2]), 28, 28);
    EXPECT_EQ(std::vector<float>(raw.data.images.row(2), raw.data.images.row(2) + 784), expected);
}

TEST(ImageFolder, AFolderThatIsNotOneIsNamed) {
    const fs::path dir = fresh_dir("image-folder-missing");
    const std::string missing = (dir / "nope").string();
    std::string m = error_of([&] { load_image_folder(missing); });
    EXPECT_CONTAINS(m, missing + ": expected a folder with subfolders 0 to 9");
    EXPECT_CONTAINS(m, "it does not exist");
    write_file(dir / "file.png", "x");
    m = error_of([&] { load_image_folder((dir / "file.png").string()); });
    EXPECT_CONTAINS(m, "file.png: expected a folder");
    EXPECT_CONTAINS(m, "not a folder");
    // A folder of images with no digit subfolders: the layout is explained.
    write_png((dir / "scan.png").string(), stroke(10, 60));
    m = error_of([&] { load_image_folder(dir.string()); });
    EXPECT_CONTAINS(m, dir.string() + ": expected subfolders named 0 to 9");
    EXPECT_CONTAINS(m, "found none");
    // Digit folders without images.
    fs::create_directories(dir / "3");
    m = error_of([&] { load_image_folder(dir.string()); });
    EXPECT_CONTAINS(m, "expected images in its digit folders, found none");
}

TEST(ImageFolder, WhatDoesNotBelongInADigitFolderIsNamed) {
    {
        const fs::path dir = scans("image-folder-name");
        fs::create_directories(dir / "ten");
        const std::string m = error_of([&] { load_image_folder(dir.string()); });
        EXPECT_CONTAINS(m, (dir / "ten").string() + ": expected subfolders named 0 to 9 (one per digit), found 'ten'");
    }
    {
        const fs::path dir = scans("image-folder-nested");
        fs::create_directories(dir / "7" / "more");
        const std::string m = error_of([&] { load_image_folder(dir.string()); });
        EXPECT_CONTAINS(m, (dir / "7" / "more").string() + ": expected an image file (PNG, JPEG, BMP or PGM), found a folder");
    }
    {
        const fs::path dir = scans("image-folder-text");
        write_file(dir / "7" / "notes.txt", "the 7s were written by Ann\n");
        const std::string m = error_of([&] { load_image_folder(dir.string()); });
        EXPECT_CONTAINS(m, (dir / "7" / "notes.txt").string() + ": ");
    }
    {
        const fs::path dir = scans("image-folder-blank");
        write_png((dir / "1" / "c.png").string(), GrayImage{40, 40, std::vector<float>(40 * 40, 0.9f)});
        const std::string m = error_of([&] { load_image_folder(dir.string()); });
        EXPECT_CONTAINS(m, (dir / "1" / "c.png").string() + ": the image is blank");
        EXPECT_EQ(m.find("IMAGE"), std::string::npos) << m;
    }
    {
        const fs::path dir = scans("image-folder-truncated");
        const std::string png = digitnet::testing::read_text(dir / "1" / "a.png");
        write_file(dir / "1" / "a.png", png.substr(0, png.size() / 2));
        const std::string m = error_of([&] { load_image_folder(dir.string()); });
        EXPECT_CONTAINS(m, (dir / "1" / "a.png").string() + ": ");
    }
}

TEST(ImageFolder, NamesFromTheFolderArePrintedEscapedOnOneLine) {
    // A folder made by someone else may name its entries with control characters: they must not
    // reach the terminal or forge a second line.
    {
        const fs::path dir = scans("image-folder-escape-file");
        write_file(dir / "7" / "a\n\x1b[2J.png", "not an image");
        const std::string m = error_of([&] { load_image_folder(dir.string()); });
        EXPECT_CONTAINS(m, (dir / "7").string() + "/a\\x0A\\x1B[2J.png: ");
        EXPECT_EQ(m.find('\x1b'), std::string::npos) << m;
    }
    {
        const fs::path dir = scans("image-folder-escape-folder");
        fs::create_directories(dir / "\x1b[31m");
        const std::string m = error_of([&] { load_image_folder(dir.string()); });
        EXPECT_CONTAINS(m, "found '\\x1B[31m'");
        EXPECT_EQ(m.find('\x1b'), std::string::npos) << m;
    }
}

TEST(ImageFolder, MoreThanTheCapIsRefusedWhileListing) {
    // 100,001 empty files over two digit folders: refused before any is opened (an empty file would
    // be named as one), and before the second folder's rest is listed.
    const fs::path dir = fresh_dir("image-folder-cap");
    fs::create_directories(dir / "0");
    fs::create_directories(dir / "1");
    for (std::size_t i = 0; i <= kImageFolderMaxImages; ++i)
        std::ofstream(dir / (i % 2 ? "1" : "0") / ("e" + std::to_string(i) + ".png"));
    const std::string m = error_of([&] { load_image_folder(dir.string()); });
    EXPECT_EQ(m, dir.string() + ": expected at most 100000 images, found more");
}

TEST(ImageFolder, AFifoInADigitFolderIsRefusedWithoutHanging) {
    const fs::path dir = scans("image-folder-fifo");
    const fs::path fifo = dir / "7" / "d.png";
    digitnet::testing::make_fifo(fifo);
    const std::string m = digitnet::testing::error_without_hanging(fifo, [&] { load_image_folder(dir.string()); });
    EXPECT_CONTAINS(m, fifo.string() + ": expected an image file (PNG, JPEG, BMP or PGM), found something that is not a regular file");
}

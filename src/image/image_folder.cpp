// A folder of labelled digit images (DIR/0/ .. DIR/9/) as a dataset: each image read and made
// MNIST-like exactly as `digitnet predict` does.
#include "digitnet/image_folder.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "digitnet/error.hpp"
#include "digitnet/image.hpp"
#include "digitnet/preprocess.hpp"

namespace digitnet {

namespace fs = std::filesystem;

namespace {

bool hidden(const fs::path& path) { return path.filename().string().rfind('.', 0) == 0; }

// The entries of `dir` in name order (the order does not depend on the file system); more than
// `limit` of them throws `too_many`, before the rest are listed.
std::vector<fs::path> sorted_entries(const fs::path& dir, std::size_t limit, const std::string& too_many) {
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    if (ec) throw Error(escape_path(dir.string()) + ": expected a readable folder, found one that cannot be listed (" + ec.message() + ")");
    std::vector<fs::path> entries;
    for (; it != fs::directory_iterator(); it.increment(ec)) {
        if (ec) throw Error(escape_path(dir.string()) + ": the folder could not be listed to the end (" + ec.message() + ")");
        if (hidden(it->path())) continue;
        if (entries.size() == limit) throw Error(too_many);
        entries.push_back(it->path());
    }
    std::sort(entries.begin(), entries.end());
    return entries;
}

}  // namespace

ImageFolder load_image_folder(const std::string& dir, bool raw) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw Error(escape_path(dir) + ": expected a folder with subfolders 0 to 9 of digit images, found " +
                    (fs::exists(dir, ec) ? "something that is not a folder" : "nothing (it does not exist)"));

    // 1. The digit folders and their files, all listed before any image is decoded.
    std::vector<std::pair<std::string, std::uint8_t>> files;  // (path, digit)
    std::size_t digit_folders = 0;
    const std::string too_many = escape_path(dir) + ": expected at most " + std::to_string(kImageFolderMaxImages) +
                                 " images, found more";
    const std::string too_many_beside = escape_path(dir) + ": expected the digit folders and at most " +
                                        std::to_string(kImageFolderMaxImages) + " other entries, found more";
    for (const fs::path& entry : sorted_entries(dir, kImageFolderMaxImages, too_many_beside)) {
        const std::string name = entry.filename().string();
        if (!fs::is_directory(entry, ec)) continue;  // a README or a list of writers beside the digits
        if (name.size() != 1 || name[0] < '0' || name[0] > '9')
            throw Error(escape_path(entry.string()) + ": expected subfolders named 0 to 9 (one per digit), found " +
                        quote_text(name));
        ++digit_folders;
        const auto digit = static_cast<std::uint8_t>(name[0] - '0');
        for (const fs::path& file : sorted_entries(entry, kImageFolderMaxImages - files.size(), too_many)) {
            if (!fs::is_regular_file(file, ec))
                throw Error(escape_path(file.string()) + ": expected an image file (PNG, JPEG, BMP or PGM), found " +
                            (fs::is_directory(file, ec) ? "a folder" : "something that is not a regular file"));
            files.emplace_back(file.string(), digit);
        }
    }
    if (digit_folders == 0)
        throw Error(escape_path(dir) + ": expected subfolders named 0 to 9 holding the images of each digit (" +
                    escape_path(dir) + "/3/scan.png is a 3), found none");
    if (files.empty()) throw Error(escape_path(dir) + ": expected images in its digit folders, found none");

    // 2. Each image as predict reads it: MNIST-like, ink = 1 on 0, 28x28.
    ImageFolder folder;
    folder.data.images.resize(files.size(), kDigitSide * kDigitSide);
    folder.data.labels.resize(files.size());
    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto& [path, digit] = files[i];
        try {
            const GrayImage image = load_image(path);
            const std::vector<float> pixels = raw ? resize_to(image, kDigitSide, kDigitSide) : preprocess_digit(image);
            std::copy(pixels.begin(), pixels.end(), folder.data.images.row(i));
        } catch (const Error& e) {
            throw Error(about_image_file(path, e.what()));
        }
        folder.data.labels[i] = digit;
        folder.files.push_back(path);
    }
    return folder;
}

}  // namespace digitnet

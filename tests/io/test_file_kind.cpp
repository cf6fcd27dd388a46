// A file given in the wrong place is named for what it is.
#include <gtest/gtest.h>

#include "digitnet/error.hpp"
#include "digitnet/file_kind.hpp"
#include "digitnet/image.hpp"
#include "digitnet/model_io.hpp"
#include "test_support.hpp"

using namespace digitnet;

namespace {

std::string kind(std::initializer_list<std::uint8_t> bytes) { return file_kind(std::vector<std::uint8_t>(bytes)); }

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(FileKind, KnowsImagesArchivesAndModelsByTheirFirstBytes) {
    EXPECT_EQ(kind({0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13}), "a PNG image");
    EXPECT_EQ(kind({0xff, 0xd8, 0xff, 0xe0, 0, 16}), "a JPEG image");
    EXPECT_EQ(kind({'G', 'I', 'F', '8', '9', 'a'}), "a GIF image");
    EXPECT_EQ(kind({'P', '5', '\n', '2', '8'}), "a PGM/PPM image");
    EXPECT_EQ(kind({0x1f, 0x8b, 8, 0}), "a gzip file");
    EXPECT_EQ(kind({0, 0, 8, 3, 0, 0, 0x27, 0x10}), "an IDX image file");
    EXPECT_EQ(kind({0x10, 0, 0, 0, 0, 0, 0, 0, '{', '"'}), "a safetensors file");
    EXPECT_EQ(kind({'5', ',', '0', ',', '0', '\n'}), "a CSV or text file");
    EXPECT_EQ(kind({' ', '{', '"', 'a', '"'}), "a JSON file");
    EXPECT_EQ(kind({0x00, 0x01, 0x02}), "");
    EXPECT_EQ(kind({}), "");
}

TEST(FileKind, APngGivenAsTheModelIsNamedAsAPng) {
    const auto dir = digitnet::testing::fresh_dir("file-kind");
    const std::string png = (dir / "digit.png").string(), model = (dir / "m.safetensors").string();
    write_png(png, GrayImage{28, 28, std::vector<float>(784, 0.5f)});
    const std::string m = message_of([&] { load_model(png); });
    EXPECT_NE(m.find("digit.png: not a safetensors model file"), std::string::npos) << m;
    EXPECT_NE(m.find("PNG image"), std::string::npos) << m;
    EXPECT_EQ(m.find("header length"), std::string::npos) << m;
    // A real model still loads; a missing file is left for the loader to report.
    Architecture a;
    a.sizes = {4, 3};
    save_model(model, Network(a));
    EXPECT_NO_THROW(require_model_file(model));
    EXPECT_EQ(load_model(model).architecture(), a);
    // A missing file is named as such (open_regular_file's message), not guessed at.
    try {
        require_model_file((dir / "missing").string());
        ADD_FAILURE() << "a missing model file was not refused";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("missing: no such file"), std::string::npos) << e.what();
    }
    std::filesystem::remove_all(dir);
}

#include <gtest/gtest.h>

#include <zlib.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <stb_image_write.h>

#include "digitnet/error.hpp"
#include "digitnet/image.hpp"
#include "special_files.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::CliRun;
using digitnet::testing::fresh_dir;
using digitnet::testing::run_cli;
namespace fs = std::filesystem;
using digitnet::testing::write_bytes;
using digitnet::testing::put_be32;

namespace {

// A PNG holding only a signature and an IHDR chunk (with a correct CRC) that claims
// width x height 8-bit greyscale pixels: tiny, but its header says it is huge.
std::vector<std::uint8_t> png_header_only(std::uint32_t width, std::uint32_t height) {
    std::vector<std::uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    std::vector<std::uint8_t> chunk = {'I', 'H', 'D', 'R'};
    put_be32(chunk, width);
    put_be32(chunk, height);
    chunk.insert(chunk.end(), {8, 0, 0, 0, 0});  // bit depth 8, greyscale, deflate, no filter, no interlace
    put_be32(png, 13);
    png.insert(png.end(), chunk.begin(), chunk.end());
    put_be32(png, static_cast<std::uint32_t>(crc32(0, chunk.data(), static_cast<uInt>(chunk.size()))));
    return png;
}

void collect(void* context, void* data, int size) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(context);
    out->insert(out->end(), static_cast<std::uint8_t*>(data), static_cast<std::uint8_t*>(data) + size);
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream ss(text);
    for (std::string line; std::getline(ss, line);) lines.push_back(line);
    return lines;
}

// A picture row: 56 display columns of ramp characters (two per pixel).
bool is_picture_row(const std::string& line) {
    std::size_t columns = 0;
    for (std::size_t i = 0; i < line.size();) {
        if (line[i] == ' ') {
            ++i;
        } else if (line.compare(i, 3, "░") == 0 || line.compare(i, 3, "▒") == 0 || line.compare(i, 3, "▓") == 0 ||
                   line.compare(i, 3, "█") == 0) {
            i += 3;
        } else {
            return false;
        }
        ++columns;
    }
    return columns == 56;
}

}  // namespace

TEST(Image, PngWriteThenLoadRoundTripsSizeAndValues) {
    const fs::path dir = fresh_dir("image-roundtrip");
    GrayImage image{7, 5, {}};
    for (std::size_t i = 0; i < 35; ++i) image.pixels.push_back(static_cast<float>(i) / 34.0f);
    const std::string path = (dir / "gradient.png").string();
    write_png(path, image);
    const GrayImage back = load_image(path);
    ASSERT_EQ(back.width, 7u);
    ASSERT_EQ(back.height, 5u);
    ASSERT_EQ(back.pixels.size(), 35u);
    for (std::size_t i = 0; i < 35; ++i) EXPECT_NEAR(back.pixels[i], image.pixels[i], 0.5 / 255.0 + 1e-6) << i;
    // No temporary file is left beside it.
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file();
    EXPECT_EQ(files, 1u);
    fs::remove_all(dir);
}

TEST(Image, RgbPngDecodesToLuminance) {
    RgbImage rgb(3, 2, Rgb{255, 255, 255});
    rgb.set(0, 0, {0, 0, 0});
    rgb.set(1, 1, {255, 0, 0});
    const std::vector<std::uint8_t> png = encode_png(rgb);
    const GrayImage back = decode_image(png, "memory.png");
    ASSERT_EQ(back.width, 3u);
    ASSERT_EQ(back.height, 2u);
    EXPECT_FLOAT_EQ(back.at(0, 0), 0.0f);
    EXPECT_FLOAT_EQ(back.at(2, 1), 1.0f);
    EXPECT_GT(back.at(1, 1), 0.1f);  // red is a mid grey
    EXPECT_LT(back.at(1, 1), 0.5f);
}

TEST(Image, TransparencyIsCompositedOverWhite) {
    // Grey + alpha pixels: opaque black, transparent black, half-transparent black.
    const std::uint8_t ga[] = {0, 255, 0, 0, 0, 128};
    std::vector<std::uint8_t> png;
    ASSERT_TRUE(stbi_write_png_to_func(&collect, &png, 3, 1, 2, ga, 6));
    const GrayImage image = decode_image(png, "alpha.png");
    ASSERT_EQ(image.pixels.size(), 3u);
    EXPECT_FLOAT_EQ(image.pixels[0], 0.0f);
    EXPECT_FLOAT_EQ(image.pixels[1], 1.0f);
    EXPECT_NEAR(image.pixels[2], 1.0f - 128.0f / 255.0f, 1e-6);
}

TEST(Image, ReadsBmpAndPgm) {
    const std::uint8_t grey[] = {0, 51, 102, 153, 204, 255};
    std::vector<std::uint8_t> bmp;
    ASSERT_TRUE(stbi_write_bmp_to_func(&collect, &bmp, 3, 2, 1, grey));
    const GrayImage from_bmp = decode_image(bmp, "x.bmp");
    ASSERT_EQ(from_bmp.width, 3u);
    ASSERT_EQ(from_bmp.height, 2u);
    for (std::size_t i = 0; i < 6; ++i) EXPECT_NEAR(from_bmp.pixels[i], grey[i] / 255.0f, 1e-6) << i;

    const std::string header = "P5\n3 2\n255\n";
    std::vector<std::uint8_t> pgm(header.begin(), header.end());
    pgm.insert(pgm.end(), std::begin(grey), std::end(grey));
    const GrayImage from_pgm = decode_image(pgm, "x.pgm");
    ASSERT_EQ(from_pgm.width, 3u);
    for (std::size_t i = 0; i < 6; ++i) EXPECT_NEAR(from_pgm.pixels[i], grey[i] / 255.0f, 1e-6) << i;

    // 16-bit samples (maxval over 255) are refused with a reason rather than misread.
    const std::string header16 = "P5 3 1 65535\n";
    std::vector<std::uint8_t> pgm16(header16.begin(), header16.end());
    pgm16.insert(pgm16.end(), {0xFF, 0xFF, 0x00, 0x00, 0x80, 0x00});
    try {
        decode_image(pgm16, "x16.pgm");
        ADD_FAILURE() << "expected an Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("65535"), std::string::npos) << e.what();
    }
}

namespace {

// The same BMP stored top-down: a negative height in the header, rows from the top.
std::vector<std::uint8_t> top_down(const std::vector<std::uint8_t>& bmp) {
    auto le32 = [&bmp](std::size_t at) {
        return static_cast<std::uint32_t>(bmp[at] | (bmp[at + 1] << 8) | (bmp[at + 2] << 16) | (bmp[at + 3] << 24));
    };
    const std::size_t data_at = le32(10), width = le32(18), height = le32(22), bits = bmp[28] | (bmp[29] << 8);
    const std::size_t stride = (width * bits / 8 + 3) / 4 * 4;
    EXPECT_EQ(bmp.size(), data_at + stride * height);
    std::vector<std::uint8_t> out(bmp.begin(), bmp.begin() + static_cast<std::ptrdiff_t>(data_at));
    const std::uint32_t negative = static_cast<std::uint32_t>(-static_cast<std::int32_t>(height));
    for (int k = 0; k < 4; ++k) out[22 + k] = static_cast<std::uint8_t>(negative >> (8 * k));
    for (std::size_t row = height; row-- > 0;) {
        const auto begin = bmp.begin() + static_cast<std::ptrdiff_t>(data_at + row * stride);
        out.insert(out.end(), begin, begin + static_cast<std::ptrdiff_t>(stride));
    }
    return out;
}

}  // namespace

TEST(Image, ReadsATopDownBmpTheRightWayUp) {
    // 5 x 3 pixels (rows padded to 16 bytes), every pixel different.
    std::vector<std::uint8_t> grey(15);
    for (std::size_t i = 0; i < grey.size(); ++i) grey[i] = static_cast<std::uint8_t>(10 + 16 * i);
    std::vector<std::uint8_t> bottom_up;
    ASSERT_TRUE(stbi_write_bmp_to_func(&collect, &bottom_up, 5, 3, 1, grey.data()));
    const std::vector<std::uint8_t> flipped = top_down(bottom_up);
    ASSERT_NE(flipped, bottom_up);
    const GrayImage expected = decode_image(bottom_up, "bottom-up.bmp");
    const GrayImage image = decode_image(flipped, "top-down.bmp");
    ASSERT_EQ(image.width, 5u);
    ASSERT_EQ(image.height, 3u);
    EXPECT_EQ(image.pixels, expected.pixels);
    for (std::size_t i = 0; i < grey.size(); ++i) EXPECT_NEAR(image.pixels[i], grey[i] / 255.0f, 1e-6) << i;
    // A top-down BMP that claims more rows than it holds is still refused before decoding.
    std::vector<std::uint8_t> tall = flipped;
    const std::uint32_t minus_million = static_cast<std::uint32_t>(-1000000);
    for (int k = 0; k < 4; ++k) tall[22 + k] = static_cast<std::uint8_t>(minus_million >> (8 * k));
    EXPECT_THROW(decode_image(tall, "tall.bmp"), Error);
    // The most negative height has no positive counterpart.
    std::vector<std::uint8_t> minimum = flipped;
    for (int k = 0; k < 4; ++k) minimum[22 + k] = k == 3 ? 0x80 : 0;
    EXPECT_THROW(decode_image(minimum, "minimum.bmp"), Error);
}

TEST(Image, AFifoOrDeviceIsRefusedWithoutHanging) {
    const fs::path dir = fresh_dir("image-fifo");
    const fs::path fifo = dir / "digit.png";
    digitnet::testing::make_fifo(fifo);
    const std::string m = digitnet::testing::error_without_hanging(fifo, [&] { load_image(fifo.string()); });
    EXPECT_NE(m.find(fifo.string() + ": is a FIFO, expected a regular file"), std::string::npos) << m;
    if (fs::exists("/dev/zero")) {
        try {
            load_image("/dev/zero");
            ADD_FAILURE() << "read /dev/zero as an image";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("/dev/zero: is a character device"), std::string::npos) << e.what();
        }
    }
    fs::remove_all(dir);
}

TEST(Image, RefusesAHeaderClaimingOver40Megapixels) {
    const fs::path dir = fresh_dir("image-huge");
    const fs::path path = dir / "huge.png";
    write_bytes(path, png_header_only(10000, 5000));
    try {
        load_image(path.string());
        FAIL() << "expected an Error";
    } catch (const Error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(path.string()), std::string::npos) << message;
        EXPECT_NE(message.find("10000x5000"), std::string::npos) << message;
        EXPECT_NE(message.find("40000000"), std::string::npos) << message;
    }
    // The same from memory.
    EXPECT_THROW(decode_image(png_header_only(10000, 5000), "huge.png"), Error);
    fs::remove_all(dir);
}

TEST(Image, RefusesAHeaderClaimingMorePixelsThanTheFileCanHold) {
    // A 24-bit BMP header claiming 3000x3000 pixels (under the 40-megapixel limit) in a
    // 54-byte file: nothing is allocated for the 27 MB it claims.
    std::vector<std::uint8_t> bmp = {'B', 'M'};
    auto le32 = [&bmp](std::uint32_t v) {
        for (int i = 0; i < 4; ++i) bmp.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    };
    le32(54 + 3000 * 3000 * 3);
    le32(0);
    le32(54);  // pixel data offset
    le32(40);  // BITMAPINFOHEADER
    le32(3000);
    le32(3000);
    bmp.insert(bmp.end(), {1, 0, 24, 0});  // planes, bits per pixel
    for (int i = 0; i < 6; ++i) le32(0);
    ASSERT_EQ(bmp.size(), 54u);
    try {
        decode_image(bmp, "claims.bmp");
        FAIL() << "expected an Error";
    } catch (const Error& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("claims.bmp"), std::string::npos) << message;
        EXPECT_NE(message.find("3000x3000"), std::string::npos) << message;
    }
    // A PNG chunk claiming 2 GB in a file of a few dozen bytes.
    std::vector<std::uint8_t> png = png_header_only(16, 16);
    png.insert(png.end(), {0x7F, 0xFF, 0xFF, 0xF0, 'I', 'D', 'A', 'T', 0x78, 0x9C});
    try {
        decode_image(png, "chunk.png");
        ADD_FAILURE() << "expected an Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("IDAT"), std::string::npos) << e.what();
    }
    const std::string pgm = "P5\n2000 2000\n255\n";
    EXPECT_THROW(decode_image(std::vector<std::uint8_t>(pgm.begin(), pgm.end()), "claims.pgm"), Error);
    // A width too long for an int.
    const std::string huge = "P5 # comment\n00001434746761288520681 2\n255\n";
    EXPECT_THROW(decode_image(std::vector<std::uint8_t>(huge.begin(), huge.end()), "long.pgm"), Error);
}

TEST(Image, CorruptTruncatedOrMissingFilesGiveErrorsNamingTheFile) {
    const fs::path dir = fresh_dir("image-corrupt");
    const fs::path text = dir / "notes.png";
    write_bytes(text, {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'});
    const fs::path truncated = dir / "truncated.png";
    write_bytes(truncated, png_header_only(16, 16));  // a header, no image data
    const fs::path missing = dir / "missing.png";
    for (const fs::path& path : {text, truncated, missing, dir}) {
        try {
            load_image(path.string());
            ADD_FAILURE() << "expected an Error for " << path;
        } catch (const Error& e) {
            const std::string message = e.what();
            EXPECT_NE(message.find(path.string()), std::string::npos) << message;
            EXPECT_EQ(message.find('\n'), std::string::npos) << message;
        }
    }
    EXPECT_THROW(decode_image({}, "empty.png"), Error);
    fs::remove_all(dir);
}

TEST(Image, RefusesAJpegHuffmanTableWithMoreThan256Codes) {
    // SOI, then a DHT segment whose 16 code counts add up to 16 x 32 = 512 symbols.
    std::vector<std::uint8_t> jpeg = {0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x13, 0x00};
    jpeg.insert(jpeg.end(), 16, 32);
    jpeg.insert(jpeg.end(), 600, 0);
    try {
        decode_image(jpeg, "bad.jpg");
        FAIL() << "expected an Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("bad.jpg"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("Huffman"), std::string::npos) << e.what();
    }
    // The same table after the start of scan data is caught too.
    std::vector<std::uint8_t> later = {0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02, 0x12, 0x34, 0xFF, 0xC4, 0x00, 0x13, 0x10};
    later.insert(later.end(), 16, 32);
    later.insert(later.end(), 600, 0);
    EXPECT_THROW(decode_image(later, "later.jpg"), Error);
}

TEST(Image, WritePngRefusesMismatchedSizesAndMissingFolders) {
    const fs::path dir = fresh_dir("image-badwrite");
    RgbImage wrong(4, 4);
    wrong.rgb.pop_back();
    EXPECT_THROW(write_png((dir / "a.png").string(), wrong), Error);
    EXPECT_THROW(write_png((dir / "no-such-folder" / "a.png").string(), RgbImage(2, 2)), Error);
    EXPECT_FALSE(fs::exists(dir / "a.png"));
    fs::remove_all(dir);
}

TEST(Image, UpscaleRepeatsEachPixel) {
    const GrayImage image{2, 2, {0.0f, 0.25f, 0.5f, 1.0f}};
    const GrayImage big = upscale(image, 3);
    ASSERT_EQ(big.width, 6u);
    ASSERT_EQ(big.height, 6u);
    for (std::size_t y = 0; y < 6; ++y) {
        for (std::size_t x = 0; x < 6; ++x) EXPECT_EQ(big.at(x, y), image.at(x / 3, y / 3));
    }
    EXPECT_THROW(upscale(image, 0), Error);
}

TEST(Image, TerminalRenderingHasOneLinePerRowAndTwoCharactersPerPixel) {
    std::vector<float> pixels(28 * 28, 0.0f);
    pixels[0] = 1.0f;     // full ink
    pixels[29] = 0.5f;    // half
    pixels[783] = 7.0f;   // clamped to full ink
    const std::string text = render_terminal(pixels.data(), 28, 28);
    const auto lines = lines_of(text);
    ASSERT_EQ(lines.size(), 28u);
    for (const auto& line : lines) EXPECT_TRUE(is_picture_row(line)) << line;
    EXPECT_EQ(lines[0].substr(0, 6), "██");
    EXPECT_EQ(lines[1].substr(2, 6), "▒▒");
    EXPECT_EQ(lines[5], std::string(56, ' '));
    EXPECT_EQ(lines[27].substr(54), "██");
}

TEST(ShowCommand, ShowsAnImageFileAsTheNetworkSeesIt) {
    const fs::path dir = fresh_dir("image-show_cli");
    // A dark "1" on light grey paper.
    GrayImage image{60, 80, std::vector<float>(60 * 80, 0.85f)};
    for (std::size_t y = 10; y < 70; ++y) {
        for (std::size_t x = 26; x < 34; ++x) image.pixels[y * 60 + x] = 0.1f;
    }
    const fs::path png = dir / "one.png";
    write_png(png.string(), image);
    const fs::path out_png = dir / "seen.png";
    const CliRun r = run_cli("show " + png.string() + " -o " + out_png.string() + " --scale 4");
    ASSERT_EQ(r.status, 0) << r.err;
    const auto lines = lines_of(r.out);
    std::size_t rows = 0;
    for (const auto& line : lines) rows += is_picture_row(line);
    EXPECT_EQ(rows, 28u) << r.out;
    EXPECT_NE(r.out.find("dark ink"), std::string::npos) << r.out;
    // The PNG is the 28x28 field scaled 4x: white ink on black.
    const GrayImage seen = load_image(out_png.string());
    EXPECT_EQ(seen.width, 112u);
    EXPECT_EQ(seen.height, 112u);
    EXPECT_FLOAT_EQ(seen.at(0, 0), 0.0f);
    EXPECT_FLOAT_EQ(seen.at(56, 56), 1.0f);

    const CliRun raw = run_cli("show --raw " + png.string());
    ASSERT_EQ(raw.status, 0) << raw.err;
    EXPECT_NE(raw.out.find("without preprocessing"), std::string::npos) << raw.out;
    fs::remove_all(dir);
}

TEST(ShowCommand, UnreadableOrBlankFileFailsWithOneLine) {
    const fs::path dir = fresh_dir("image-show_bad");
    const fs::path bad = dir / "bad.png";
    write_bytes(bad, {'n', 'o', 'p', 'e'});
    const CliRun r = run_cli("show " + bad.string());
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find(bad.string()), std::string::npos) << r.err;

    const fs::path blank = dir / "blank.png";
    write_png(blank.string(), GrayImage{20, 20, std::vector<float>(400, 0.6f)});
    const CliRun b = run_cli("show " + blank.string());
    EXPECT_NE(b.status, 0);
    EXPECT_EQ(lines_of(b.err).size(), 1u) << b.err;
    EXPECT_NE(b.err.find("blank"), std::string::npos) << b.err;
    fs::remove_all(dir);
}

namespace {

// A tiny IDX dataset folder: `n` 28x28 train images and 2 test images; image i has a
// bright block in row i, and label i % 10.
void write_idx_files(const fs::path& dir, std::uint32_t n) {
    auto write_set = [&dir](const std::string& images, const std::string& labels, std::uint32_t count) {
        std::vector<std::uint8_t> img, lab;
        put_be32(img, 0x803);
        put_be32(img, count);
        put_be32(img, 28);
        put_be32(img, 28);
        put_be32(lab, 0x801);
        put_be32(lab, count);
        for (std::uint32_t i = 0; i < count; ++i) {
            std::vector<std::uint8_t> pixels(784, 0);
            for (std::size_t x = 4; x < 24; ++x) pixels[(i % 28) * 28 + x] = 255;
            img.insert(img.end(), pixels.begin(), pixels.end());
            lab.push_back(static_cast<std::uint8_t>(i % 10));
        }
        write_bytes(dir / images, img);
        write_bytes(dir / labels, lab);
    };
    write_set("train-images-idx3-ubyte", "train-labels-idx1-ubyte", n);
    write_set("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", 2);
}

}  // namespace

TEST(ShowCommand, ShowsADatasetImageWithItsLabel) {
    const fs::path dir = fresh_dir("image-show_data");
    const fs::path data = dir / "idx";
    fs::create_directories(data);
    write_idx_files(data, 5);
    const fs::path png = dir / "three.png";
    const CliRun r = run_cli("show --data " + data.string() + " --validation-size 0 --index 3 -o " + png.string());
    ASSERT_EQ(r.status, 0) << r.err;
    const auto lines = lines_of(r.out);
    ASSERT_GE(lines.size(), 29u) << r.out;
    for (std::size_t i = 0; i < 28; ++i) EXPECT_TRUE(is_picture_row(lines[i])) << lines[i];
    EXPECT_EQ(lines[3].substr(8, 6), "██");  // image 3 has ink in row 3
    EXPECT_EQ(lines[28], "label: 3");
    const GrayImage image = load_image(png.string());
    EXPECT_EQ(image.width, 280u);  // default scale 10
    EXPECT_FLOAT_EQ(image.at(100, 35), 1.0f);  // white ink on black
    EXPECT_FLOAT_EQ(image.at(100, 5), 0.0f);

    const CliRun bad = run_cli("show --data " + data.string() + " --validation-size 0 --split test --index 2");
    EXPECT_NE(bad.status, 0);
    EXPECT_EQ(lines_of(bad.err).size(), 1u) << bad.err;
    EXPECT_NE(bad.err.find("--index"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("0..1"), std::string::npos) << bad.err;
    EXPECT_NE(bad.err.find("test"), std::string::npos) << bad.err;
    fs::remove_all(dir);
}

TEST(ShowCommand, FashionMnistShowsTheClassName) {
    if (!fs::exists("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")) {
        GTEST_SKIP() << "Fashion-MNIST is not installed";
    }
    const CliRun r = run_cli("show --data fashion-mnist --split test --index 0");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.out.find("label: 9 (Ankle boot)"), std::string::npos) << r.out;
}

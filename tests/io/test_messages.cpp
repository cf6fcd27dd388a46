// Messages are safe to print: text taken from a file (tensor names, dtypes, metadata, PNG chunk
// types, CSV fields) goes through escape_text, so a crafted file cannot clear the terminal,
// change its title or forge extra lines.
#include <gtest/gtest.h>

#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "digitnet/dataset.hpp"
#include "digitnet/error.hpp"
#include "digitnet/image.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/safetensors.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::fresh_dir;
namespace fs = std::filesystem;
using json = nlohmann::json;
using digitnet::testing::error_of;
using digitnet::testing::put_be32;

namespace {

// No byte a terminal acts on: no C0 control (so no newline, no escape), no DEL.
void expect_printable(const std::string& message) {
    for (unsigned char c : message) {
        if (c < 0x20 || c == 0x7F) {
            ADD_FAILURE() << "raw control byte " << static_cast<int>(c) << " in: " << escape_text(message, 1000);
            return;
        }
    }
}

// A safetensors file with this header text and no data.
std::vector<std::uint8_t> forge(const std::string& header) {
    std::vector<std::uint8_t> bytes;
    for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<std::uint8_t>(header.size() >> (8 * i)));
    bytes.insert(bytes.end(), header.begin(), header.end());
    return bytes;
}

// A PNG chunk: length, type, data, CRC.
void put_chunk(std::vector<std::uint8_t>& png, const std::string& type, const std::vector<std::uint8_t>& data) {
    std::vector<std::uint8_t> body(type.begin(), type.end());
    body.insert(body.end(), data.begin(), data.end());
    put_be32(png, static_cast<std::uint32_t>(data.size()));
    png.insert(png.end(), body.begin(), body.end());
    put_be32(png, static_cast<std::uint32_t>(crc32(0, body.data(), static_cast<uInt>(body.size()))));
}

// A 1 x 1 greyscale PNG whose second chunk has the given (unknown, critical) type.
std::vector<std::uint8_t> png_with_chunk(const std::string& type) {
    std::vector<std::uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    std::vector<std::uint8_t> ihdr;
    put_be32(ihdr, 1);
    put_be32(ihdr, 1);
    ihdr.insert(ihdr.end(), {8, 0, 0, 0, 0});
    put_chunk(png, "IHDR", ihdr);
    put_chunk(png, type, {1, 2, 3});
    put_chunk(png, "IEND", {});
    return png;
}

}  // namespace

// --- the escaping function ---

TEST(Escape, ControlBytesInvalidUtf8AndBackslashesAreShownAsEscapes) {
    EXPECT_EQ(escape_text("layer.0.weights"), "layer.0.weights");
    EXPECT_EQ(escape_text("\x1b[2J\nforged line\r\t"), "\\x1B[2J\\x0Aforged line\\x0D\\x09");
    EXPECT_EQ(escape_text(std::string("a\0b", 3)), "a\\x00b");
    EXPECT_EQ(escape_text("\x7f"), "\\x7F");
    EXPECT_EQ(escape_text("back\\slash"), "back\\\\slash");
    // Valid UTF-8 stays as it is; C1 controls, line separators and bidi overrides do not.
    EXPECT_EQ(escape_text("λ 1e-3 \xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80"), "λ 1e-3 \xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80");
    EXPECT_EQ(escape_text("\xc2\x9b" "31m"), "\\xC2\\x9B31m");     // U+009B, the one-byte CSI
    EXPECT_EQ(escape_text("a\xe2\x80\xa8z"), "a\\xE2\\x80\\xA8z");  // U+2028 LINE SEPARATOR
    EXPECT_EQ(escape_text("\xe2\x80\xaetxt.exe"), "\\xE2\\x80\\xAEtxt.exe");  // U+202E RIGHT-TO-LEFT OVERRIDE
    // Not UTF-8: a lone continuation byte, a truncated sequence, an overlong '/', a surrogate, past U+10FFFF.
    EXPECT_EQ(escape_text("\x80"), "\\x80");
    EXPECT_EQ(escape_text("\xe2\x9c"), "\\xE2\\x9C");
    EXPECT_EQ(escape_text("\xc0\xaf"), "\\xC0\\xAF");
    EXPECT_EQ(escape_text("\xed\xa0\x80"), "\\xED\\xA0\\x80");
    EXPECT_EQ(escape_text("\xf4\x90\x80\x80"), "\\xF4\\x90\\x80\\x80");
    EXPECT_EQ(escape_text("\xff" "ok"), "\\xFFok");
    EXPECT_EQ(quote_text("it"), "'it'");
}

TEST(Escape, LongTextIsCutAtACharacterBoundary) {
    EXPECT_EQ(escape_text(std::string(100, 'a')), std::string(64, 'a') + "...");
    EXPECT_EQ(escape_text(std::string(64, 'a')), std::string(64, 'a'));
    EXPECT_EQ(escape_text("abc\x1b", 5), "abc...");                // the 4-byte escape does not fit
    EXPECT_EQ(escape_text("ab\xc3\xa9\xc3\xa9", 5), "ab\xc3\xa9...");  // nor half of an é
    EXPECT_EQ(escape_text(std::string(1000, '\n'), 64).size(), 64u + 3u);
    EXPECT_EQ(escape_text("", 0), "");
}

// --- each reader escapes what it quotes from the file ---

TEST(Messages, SafetensorsNamesDtypesAndKeysFromTheFileAreEscaped) {
    std::string m = error_of([] {
        decode_safetensors(forge(R"({"\u001b[2J\nforged line":{"dtype":"Q7","shape":[],"data_offsets":[0,0]}})"),
                           "evil.safetensors");
    });
    expect_printable(m);
    EXPECT_CONTAINS(m, "evil.safetensors: tensor '\\x1B[2J\\x0Aforged line'");

    m = error_of([] {
        decode_safetensors(forge(R"({"w":{"dtype":"\u001b]0;title\u0007","shape":[],"data_offsets":[0,0]}})"),
                           "evil.safetensors");
    });
    expect_printable(m);
    EXPECT_CONTAINS(m, "unknown dtype '\\x1B]0;title\\x07'");

    m = error_of([] { decode_safetensors(forge(R"({"__metadata__":{"\u001bkey":5}})"), "evil.safetensors"); });
    expect_printable(m);
    EXPECT_CONTAINS(m, "metadata value for '\\x1Bkey' must be a string");

    // Bytes that are not UTF-8 in the header: the JSON parser's message quotes them.
    m = error_of([] { decode_safetensors(forge("{\"\xff\x1b[2J\":1}"), "evil.safetensors"); });
    expect_printable(m);
    EXPECT_CONTAINS(m, "evil.safetensors: safetensors header is not valid JSON");
    EXPECT_CONTAINS(m, "\\xFF");
}

TEST(Messages, ModelFileMetadataQuotedInMessagesIsEscaped) {
    const fs::path dir = fresh_dir("messages-model");
    const std::string path = (dir / "evil.safetensors").string();
    Network network(Architecture{});
    save_model(path, network);
    SafetensorsFile file = load_safetensors(path);

    SafetensorsFile wrong_format = file;
    wrong_format.metadata["format"] = "\x1b[31mred\nforged line";
    save_safetensors(path, wrong_format);
    std::string m = error_of([&] { load_model(path); });
    expect_printable(m);
    EXPECT_EQ(m.rfind(path + ": ", 0), 0u) << m;
    EXPECT_CONTAINS(m, "'\\x1B[31mred\\x0Aforged line'");

    SafetensorsFile wrong_activation = file;
    json architecture = json::parse(file.metadata.at("architecture"));
    architecture["hidden"] = "\x1b]0;title\x07relu";
    wrong_activation.metadata["architecture"] = architecture.dump();
    save_safetensors(path, wrong_activation);
    m = error_of([&] { load_model(path); });
    expect_printable(m);
    EXPECT_EQ(m.rfind(path + ": ", 0), 0u) << m;
    EXPECT_CONTAINS(m, "\\x1B]0;title\\x07relu");
    fs::remove_all(dir);
}

TEST(Messages, PngChunkTypesAreEscaped) {
    // An unknown critical chunk: stb_image's reason quotes the four type bytes.
    for (const std::string& type : {std::string("\x1b[2J"), std::string("\nXYZ")}) {
        const std::string m = error_of([&] { decode_image(png_with_chunk(type), "evil.png"); });
        expect_printable(m);
        EXPECT_EQ(m.rfind("evil.png: ", 0), 0u) << m;
        EXPECT_CONTAINS(m, escape_text(type));
    }
    // A chunk claiming more bytes than the file holds: its type is quoted by digitnet's own check.
    std::vector<std::uint8_t> png = png_with_chunk("\x1b[2J");
    png[8 + 25 + 3] = 0xFF;  // the second chunk's length, lowest byte: 255 > what is left
    const std::string m = error_of([&] { decode_image(png, "evil.png"); });
    expect_printable(m);
    EXPECT_CONTAINS(m, "PNG chunk '\\x1B[2J' claims 255 bytes");
}

TEST(Messages, CsvFieldsAreEscaped) {
    std::string line = "1";
    for (int j = 0; j < 784; ++j) line += j == 5 ? ",\x1b[2J" : ",0";
    const std::string m = error_of([&] { parse_csv(line, "evil.csv"); });
    expect_printable(m);
    EXPECT_CONTAINS(m, "evil.csv, line 1, field 7: expected a number, found '\\x1B[2J'");
}

TEST(InspectCommand, MetadataPrintedFromTheFileIsEscaped) {
    if (std::string(DIGITNET_CLI).empty()) GTEST_SKIP() << "the CLI is not built";
    const fs::path dir = fresh_dir("messages-inspect");
    const std::string path = (dir / "model.safetensors").string();
    save_model(path, Network(Architecture{}), {{"data", "mnist\x1b[2J\nforged: line"}});
    const auto r = digitnet::testing::run_cli("inspect \"" + path + "\"");
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
    EXPECT_CONTAINS(r.out, "trained on: mnist\\x1B[2J\\x0Aforged: line\n");
    fs::remove_all(dir);
}

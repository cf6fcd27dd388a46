#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "digitnet/error.hpp"
#include "digitnet/file_io.hpp"
#include "digitnet/safetensors.hpp"
#include "test_support.hpp"

using namespace digitnet;
using digitnet::testing::read_text;
namespace fs = std::filesystem;

namespace {

// A fresh empty folder for one test.
fs::path make_temp_folder() {
    static int counter = 0;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    fs::path dir = fs::temp_directory_path() /
                   ("digitnet-st-" + std::to_string(::getpid()) + "-" + info->name() + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

std::vector<std::string> folder_entries(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::uint8_t> le_bytes(std::uint64_t v, int n) {
    std::vector<std::uint8_t> out;
    for (int i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    return out;
}

std::vector<std::uint8_t> f32_bytes(std::initializer_list<float> values) {
    std::vector<std::uint8_t> out;
    for (float v : values) {
        std::uint32_t bits;
        std::memcpy(&bits, &v, 4);
        auto b = le_bytes(bits, 4);
        out.insert(out.end(), b.begin(), b.end());
    }
    return out;
}

// A file with this exact header text (its length as written) and data section.
std::vector<std::uint8_t> forge(const std::string& header, const std::vector<std::uint8_t>& data) {
    std::vector<std::uint8_t> bytes = le_bytes(header.size(), 8);
    bytes.insert(bytes.end(), header.begin(), header.end());
    bytes.insert(bytes.end(), data.begin(), data.end());
    return bytes;
}

// Decoding must fail with a one-line digitnet::Error naming the source and the problem.
void expect_file_refused(const std::vector<std::uint8_t>& bytes, const std::string& problem) {
    try {
        decode_safetensors(bytes, "forged.safetensors");
        ADD_FAILURE() << "accepted; expected an error containing: " << problem;
    } catch (const Error& e) {
        std::string msg = e.what();
        EXPECT_EQ(msg.rfind("forged.safetensors: ", 0), 0u) << msg;
        EXPECT_NE(msg.find(problem), std::string::npos) << "message: " << msg << "\nexpected: " << problem;
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
}

SafetensorsFile sample_file() {
    SafetensorsFile f;
    f.tensors.push_back({"layer0.weight", {2, 3}, {1.5f, -0.25f, 3e-38f, 1e30f, -0.0f, 7.0f}});
    f.tensors.push_back({"layer0.bias", {3}, {0.1f, 0.2f, 0.3f}});
    f.tensors.push_back({"scalar", {}, {42.0f}});
    f.tensors.push_back({"empty", {0, 4}, {}});
    f.tensors.push_back({"tiny", {1, 1, 1}, {std::numeric_limits<float>::denorm_min()}});
    f.metadata = {{"format", "digitnet"}, {"sizes", "784,30,10"}, {"quote \"and\" unicode \xc3\xa9", "line\nbreak"}};
    return f;
}

constexpr const char* kEntry = R"("dtype":"F32","shape":[2],"data_offsets":[0,8])";

}  // namespace

// --- round trip and the exact bytes ---

TEST(Safetensors, RoundTripIsBitIdentical) {
    SafetensorsFile in = sample_file();
    SafetensorsFile out = decode_safetensors(encode_safetensors(in), "memory");
    ASSERT_EQ(out.tensors.size(), in.tensors.size());
    for (std::size_t i = 0; i < in.tensors.size(); ++i) {
        EXPECT_EQ(out.tensors[i].name, in.tensors[i].name);
        EXPECT_EQ(out.tensors[i].shape, in.tensors[i].shape);
        ASSERT_EQ(out.tensors[i].values.size(), in.tensors[i].values.size());
        for (std::size_t j = 0; j < in.tensors[i].values.size(); ++j)
            EXPECT_EQ(std::memcmp(&out.tensors[i].values[j], &in.tensors[i].values[j], 4), 0);
    }
    EXPECT_EQ(out.metadata, in.metadata);
    ASSERT_NE(out.find("layer0.bias"), nullptr);
    EXPECT_EQ(out.find("layer0.bias")->values[2], 0.3f);
    EXPECT_EQ(out.find("missing"), nullptr);
}

TEST(Safetensors, GoldenBytesOfATinyFile) {
    SafetensorsFile f;
    f.tensors.push_back({"ab", {1, 2}, {1.0f, -2.0f}});
    std::vector<std::uint8_t> bytes = encode_safetensors(f);
    // 57 characters of JSON padded with 7 spaces to 64, so the data starts 8-byte aligned.
    const std::string header = R"({"ab":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}})" + std::string(7, ' ');
    ASSERT_EQ(header.size(), 64u);
    const std::vector<std::uint8_t> data = {0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0};  // 1.0f, -2.0f
    std::vector<std::uint8_t> expected(8 + header.size() + data.size(), 0);
    expected[0] = 64;  // header length, u64 little-endian
    std::copy(header.begin(), header.end(), expected.begin() + 8);
    std::copy(data.begin(), data.end(), expected.begin() + 8 + 64);
    EXPECT_EQ(bytes, expected);
}

TEST(Safetensors, MetadataIsWrittenFirstAndHeaderIsPadded) {
    SafetensorsFile f = sample_file();
    std::vector<std::uint8_t> bytes = encode_safetensors(f);
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | bytes[i];
    EXPECT_EQ(n % 8, 0u);
    std::string header(bytes.begin() + 8, bytes.begin() + 8 + static_cast<long>(n));
    EXPECT_EQ(header.rfind(R"({"__metadata__":{)", 0), 0u) << header;
    EXPECT_EQ(bytes.size(), 8 + n + 4 * (6 + 3 + 1 + 0 + 1));
}

TEST(Safetensors, ReadsF64F16AndBf16AsFloat) {
    std::vector<std::uint8_t> data;
    auto append = [&](std::uint64_t v, int n) {
        auto b = le_bytes(v, n);
        data.insert(data.end(), b.begin(), b.end());
    };
    double half = 0.5;
    std::uint64_t half_bits;
    std::memcpy(&half_bits, &half, 8);
    append(half_bits, 8);  // F64 0.5
    append(0x3c00, 2);     // F16 1.0
    append(0xc000, 2);     // F16 -2.0
    append(0x0001, 2);     // F16 smallest subnormal 2^-24
    append(0x3f80, 2);     // BF16 1.0
    const std::string header =
        R"({"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},)"
        R"("h":{"dtype":"F16","shape":[3],"data_offsets":[8,14]},)"
        R"("b":{"dtype":"BF16","shape":[],"data_offsets":[14,16]}})";
    SafetensorsFile f = decode_safetensors(forge(header, data), "mixed");
    ASSERT_EQ(f.tensors.size(), 3u);
    EXPECT_EQ(f.tensors[0].name, "d");  // data-section order, not header or name order
    EXPECT_EQ(f.find("d")->values, std::vector<float>({0.5f}));
    EXPECT_EQ(f.find("h")->values, std::vector<float>({1.0f, -2.0f, std::ldexp(1.0f, -24)}));
    EXPECT_EQ(f.find("b")->values, std::vector<float>({1.0f}));
}

// Integer tensors (a checkpoint's example order) are written and read as I64, exactly.
TEST(Safetensors, IntegerTensorsRoundTripAsI64) {
    SafetensorsFile f;
    Tensor order;
    order.name = "order";
    order.shape = {2, 2};
    order.is_integer = true;
    order.integers = {3, 0, -2, (std::int64_t{1} << 40) + 1};
    f.tensors.push_back(order);
    f.tensors.push_back({"w", {2}, {1.0f, 2.0f}});
    const std::vector<std::uint8_t> bytes = encode_safetensors(f);
    EXPECT_NE(std::string(bytes.begin(), bytes.end()).find(R"("dtype":"I64")"), std::string::npos);
    const SafetensorsFile back = decode_safetensors(bytes, "ints.safetensors");
    ASSERT_EQ(back.tensors.size(), 2u);
    EXPECT_TRUE(back.tensors[0].is_integer);
    EXPECT_EQ(back.tensors[0].integers, order.integers);
    EXPECT_EQ(back.tensors[0].shape, order.shape);
    EXPECT_TRUE(back.tensors[0].values.empty());
    EXPECT_FALSE(back.tensors[1].is_integer);
    EXPECT_EQ(back.tensors[1].values, (std::vector<float>{1.0f, 2.0f}));
    // The writer refuses an integer tensor whose count disagrees with its shape, or that also has floats.
    Tensor bad = order;
    bad.integers.pop_back();
    EXPECT_THROW(encode_safetensors(SafetensorsFile{{bad}, {}}), Error);
    bad = order;
    bad.values = {1.0f, 2.0f, 3.0f, 4.0f};
    EXPECT_THROW(encode_safetensors(SafetensorsFile{{bad}, {}}), Error);
}

TEST(Safetensors, SaveAndLoadThroughAFile) {
    fs::path dir = make_temp_folder();
    std::string path = (dir / "model.safetensors").string();
    save_safetensors(path, sample_file());
    SafetensorsFile back = load_safetensors(path);
    EXPECT_EQ(back.tensors.size(), sample_file().tensors.size());
    EXPECT_EQ(back.metadata, sample_file().metadata);
    EXPECT_EQ(folder_entries(dir), std::vector<std::string>({"model.safetensors"}));
    fs::remove_all(dir);
}

TEST(Safetensors, LoadNamesAMissingFile) {
    try {
        load_safetensors("/nonexistent-folder/model.safetensors");
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-folder/model.safetensors"), std::string::npos);
    }
}

TEST(Safetensors, EncodeRefusesInconsistentTensors) {
    SafetensorsFile wrong_count;
    wrong_count.tensors.push_back({"w", {2, 2}, {1, 2, 3}});
    EXPECT_THROW(encode_safetensors(wrong_count), Error);
    SafetensorsFile duplicate;
    duplicate.tensors.push_back({"w", {1}, {1}});
    duplicate.tensors.push_back({"w", {1}, {2}});
    EXPECT_THROW(encode_safetensors(duplicate), Error);
    SafetensorsFile reserved;
    reserved.tensors.push_back({"__metadata__", {1}, {1}});
    EXPECT_THROW(encode_safetensors(reserved), Error);
    SafetensorsFile nan;
    nan.tensors.push_back({"w", {1}, {std::nanf("")}});
    EXPECT_THROW(encode_safetensors(nan), Error);
    SafetensorsFile bad_utf8;
    bad_utf8.tensors.push_back({"w\xff", {1}, {1}});
    EXPECT_THROW(encode_safetensors(bad_utf8), Error);
}

// --- forged files: each is refused with a message naming the problem ---

TEST(SafetensorsForged, ShorterThanEightBytes) {
    expect_file_refused({1, 0, 0, 0, 0}, "expected at least the 8-byte header length");
}

TEST(SafetensorsForged, HeaderLengthLargerThanFile) {
    std::vector<std::uint8_t> bytes = le_bytes(1000, 8);
    bytes.resize(28, ' ');
    expect_file_refused(bytes, "header length 1000 is larger than the rest of the file (20 bytes)");
}

TEST(SafetensorsForged, HeaderLengthOverTheLimit) {
    std::vector<std::uint8_t> bytes = le_bytes(std::uint64_t{1} << 62, 8);
    bytes.resize(16, ' ');
    expect_file_refused(bytes, "is over the limit of 100000000 bytes");
}

TEST(SafetensorsForged, HeaderNotJson) {
    expect_file_refused(forge("{\"w\": {", {}), "header is not valid JSON");
    expect_file_refused(forge(std::string("{\"w\xff\":1}"), {}), "header is not valid JSON");
}

TEST(SafetensorsForged, HeaderNotAnObject) {
    expect_file_refused(forge("[1, 2, 3]", {}), "header is not a JSON object");
}

TEST(SafetensorsForged, EntryNotAnObject) {
    expect_file_refused(forge(R"({"w": [1, 2]})", {}), "tensor 'w': expected an object");
}

TEST(SafetensorsForged, EntryMissingFields) {
    expect_file_refused(forge(R"({"w": {"shape": [2], "data_offsets": [0, 8]}})", f32_bytes({1, 2})), "missing \"dtype\"");
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "data_offsets": [0, 8]}})", f32_bytes({1, 2})), "missing \"shape\"");
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": [2]}})", f32_bytes({1, 2})), "missing \"data_offsets\"");
}

TEST(SafetensorsForged, EntryFieldsOfWrongType) {
    auto data = f32_bytes({1, 2});
    expect_file_refused(forge(R"({"w": {"dtype": 32, "shape": [2], "data_offsets": [0, 8]}})", data),
                   "\"dtype\" must be a string");
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}})", data),
                   "\"shape\" must be an array");
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", data),
                   "\"shape\" must hold non-negative integers, found '-2'");
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": [2.0], "data_offsets": [0, 8]}})", data),
                   "\"shape\" must hold non-negative integers");
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [8]}})", data),
                   "\"data_offsets\" must be [begin, end]");
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, "8"]}})", data),
                   "\"data_offsets\" must be [begin, end]");
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [-1, 8]}})", data),
                   "\"data_offsets\" must be [begin, end]");
}

TEST(SafetensorsForged, UnknownAndUnsupportedDtypes) {
    auto data = f32_bytes({1, 2});
    expect_file_refused(forge(R"({"w": {"dtype": "Q7", "shape": [2], "data_offsets": [0, 8]}})", data),
                   "unknown dtype 'Q7'");
    expect_file_refused(forge(R"({"w": {"dtype": "I32", "shape": [2], "data_offsets": [0, 8]}})", data),
                   "unsupported dtype 'I32'");
}

TEST(SafetensorsForged, ShapeProductOverflowsOrExceedsCap) {
    // 2^32 * 2^32 * 16 wraps to 0 in 64 bits: must be caught before multiplying.
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 16], "data_offsets": [0, 0]}})", {}),
                   "elements");
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": [1073741824], "data_offsets": [0, 8]}})", f32_bytes({1, 2})),
                   "has more than 536870912 elements");
    // A dimension larger than 64 bits is parsed as a float by JSON and refused as not an integer.
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": [99999999999999999999999], "data_offsets": [0, 8]}})",
                         f32_bytes({1, 2})),
                   "non-negative integers");
}

TEST(SafetensorsForged, OffsetsOutsideTheDataSection) {
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": [25], "data_offsets": [0, 100]}})", f32_bytes({1, 2})),
                   "data_offsets [0, 100] lie outside the data section of 8 bytes");
}

TEST(SafetensorsForged, OffsetsEndBeforeBegin) {
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": [0], "data_offsets": [8, 4]}})", f32_bytes({1, 2})),
                   "data_offsets end 4 is before begin 8");
}

TEST(SafetensorsForged, ByteLengthDisagreesWithShape) {
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", f32_bytes({1, 2})),
                   "data_offsets span 8 bytes, expected 3 elements x 4 bytes = 12");
}

TEST(SafetensorsForged, OverlappingTensors) {
    expect_file_refused(forge(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},)"
                         R"( "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                         f32_bytes({1, 2, 3})),
                   "tensor 'b' overlaps the previous tensor");
}

TEST(SafetensorsForged, GapBetweenTensors) {
    expect_file_refused(forge(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},)"
                         R"( "b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}})",
                         f32_bytes({1, 2, 3})),
                   "gap in the data section before tensor 'b' (bytes 4 to 8");
}

TEST(SafetensorsForged, TrailingBytesNotCovered) {
    expect_file_refused(forge(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", f32_bytes({1, 2})),
                   "data section has 8 bytes but the tensors cover 4");
}

TEST(SafetensorsForged, DuplicateTensorNames) {
    expect_file_refused(forge(std::string("{\"w\": {") + kEntry + "}, \"w\": {" + kEntry + "}}", f32_bytes({1, 2})),
                   "has the key 'w' twice");
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})",
                         f32_bytes({1, 2})),
                   "has the key 'dtype' twice");
}

TEST(SafetensorsForged, NonFiniteValues) {
    const std::string header = std::string("{\"w\": {") + kEntry + "}}";
    expect_file_refused(forge(header, f32_bytes({1, std::numeric_limits<float>::quiet_NaN()})), "tensor 'w' element 1 is NaN");
    expect_file_refused(forge(header, f32_bytes({-std::numeric_limits<float>::infinity(), 1})),
                   "tensor 'w' element 0 is infinite");
    // A finite double too large for float is refused too.
    double big = 1e300;
    std::uint64_t bits;
    std::memcpy(&bits, &big, 8);
    expect_file_refused(forge(R"({"d": {"dtype": "F64", "shape": [], "data_offsets": [0, 8]}})", le_bytes(bits, 8)),
                   "tensor 'd' element 0 is infinite as float");
}

TEST(SafetensorsForged, MetadataValuesMustBeStrings) {
    const std::string tensor = std::string(", \"w\": {") + kEntry + "}}";
    expect_file_refused(forge(R"({"__metadata__": {"epochs": 30})" + tensor, f32_bytes({1, 2})),
                   "metadata value for 'epochs' must be a string, found number");
    expect_file_refused(forge(R"({"__metadata__": ["a"])" + tensor, f32_bytes({1, 2})),
                   "\"__metadata__\" must be an object");
}

TEST(SafetensorsForged, DeepNesting) {
    expect_file_refused(forge(R"({"w": {"dtype": "F32", "shape": [[[[2]]]], "data_offsets": [0, 8]}})", f32_bytes({1, 2})),
                   "deeper than the format allows");
    expect_file_refused(forge(std::string(100000, '[') + std::string(100000, ']'), {}), "deeper than the format allows");
}

TEST(SafetensorsForged, TrailingSpacesAndEmptyFileAreFine) {
    SafetensorsFile empty = decode_safetensors(forge("{}      ", {}), "forged.safetensors");
    EXPECT_TRUE(empty.tensors.empty());
    EXPECT_TRUE(empty.metadata.empty());
}

// --- file reading and atomic writing ---

TEST(FileIo, ReadFileNamesMissingPathAndEnforcesLimit) {
    fs::path dir = make_temp_folder();
    std::string path = (dir / "ten.bin").string();
    write_file_atomic(path, std::string_view("0123456789"));
    EXPECT_EQ(read_file(path, 10).size(), 10u);
    try {
        read_file(path, 9);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("larger than the limit of 9 bytes"), std::string::npos) << e.what();
    }
    try {
        read_file((dir / "nope.bin").string(), 100);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("nope.bin"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos) << e.what();
    }
    EXPECT_THROW(read_file(dir.string(), 100), Error);  // a folder
    fs::remove_all(dir);
}

TEST(FileIo, AtomicWriteReplacesAndLeavesNoTempFiles) {
    fs::path dir = make_temp_folder();
    std::string path = (dir / "out.txt").string();
    write_file_atomic(path, std::string_view("first"));
    write_file_atomic(path, std::string_view("second, longer"));
    EXPECT_EQ(read_text(path), "second, longer");
    EXPECT_EQ(folder_entries(dir), std::vector<std::string>({"out.txt"}));
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0644u);  // not mkstemp's 0600
    fs::remove_all(dir);
}

TEST(FileIo, AtomicWriteIntoMissingFolderNamesIt) {
    fs::path dir = make_temp_folder();
    std::string path = (dir / "missing" / "out.txt").string();
    try {
        write_file_atomic(path, std::string_view("x"));
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("folder '" + (dir / "missing").string() + "' does not exist"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_TRUE(folder_entries(dir).empty());
    fs::remove_all(dir);
}

TEST(FileIo, FailedRenameRemovesTempFileAndKeepsTarget) {
    // The target is a non-empty folder: refused before any temporary file is made (the rename
    // would fail, and an empty folder would be replaced).
    fs::path dir = make_temp_folder();
    fs::create_directories(dir / "target" / "inside");
    try {
        write_file_atomic((dir / "target").string(), std::string_view("data"));
        FAIL() << "expected an error";
    } catch (const Error& e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find((dir / "target").string()), std::string::npos) << msg;
        EXPECT_NE(msg.find("is a folder, expected a file"), std::string::npos) << msg;
    }
    EXPECT_EQ(folder_entries(dir), std::vector<std::string>({"target"}));
    EXPECT_TRUE(fs::is_directory(dir / "target" / "inside"));
    fs::remove_all(dir);
}

TEST(FileIo, ReadOnlyFolderKeepsExistingFile) {
    fs::path dir = make_temp_folder();
    std::string path = (dir / "model.safetensors").string();
    write_file_atomic(path, std::string_view("original"));
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    if (::access(dir.c_str(), W_OK) == 0) {  // e.g. running as root: permissions are not enforced
        fs::permissions(dir, fs::perms::owner_all);
        fs::remove_all(dir);
        GTEST_SKIP() << "folder permissions are not enforced for this user";
    }
    try {
        save_safetensors(path, sample_file());
        ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
        std::string msg = e.what();
        EXPECT_NE(msg.find(path), std::string::npos) << msg;
        EXPECT_NE(msg.find("Permission denied"), std::string::npos) << msg;
    }
    fs::permissions(dir, fs::perms::owner_all);
    EXPECT_EQ(read_text(path), "original");
    EXPECT_EQ(folder_entries(dir), std::vector<std::string>({"model.safetensors"}));
    fs::remove_all(dir);
}

// --- writing only where a file belongs ---

TEST(FileIo, AtomicWriteRefusesAFifoAndLeavesIt) {
    fs::path dir = make_temp_folder();
    const std::string fifo = (dir / "pipe").string();
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
    try {
        write_file_atomic(fifo, std::string_view("data"));
        ADD_FAILURE() << "a FIFO was replaced by a file";
    } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(fifo), std::string::npos) << msg;
        EXPECT_NE(msg.find("FIFO"), std::string::npos) << msg;
        EXPECT_NE(msg.find("expected a regular file"), std::string::npos) << msg;
    }
    struct stat info {};
    ASSERT_EQ(::lstat(fifo.c_str(), &info), 0);
    EXPECT_TRUE(S_ISFIFO(info.st_mode));
    EXPECT_EQ(folder_entries(dir), std::vector<std::string>({"pipe"}));
    EXPECT_THROW(check_writable_file(fifo), Error);
    fs::remove_all(dir);
}

TEST(FileIo, AtomicWriteRefusesACharacterDevice) {
    fs::path dir = make_temp_folder();
    const std::string device = (dir / "null").string();
    if (::mknod(device.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) != 0) {
        fs::remove_all(dir);
        GTEST_SKIP() << "cannot create a device node here";
    }
    try {
        write_file_atomic(device, std::string_view("data"));
        ADD_FAILURE() << "a character device was replaced by a file";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("character device"), std::string::npos) << e.what();
    }
    struct stat info {};
    ASSERT_EQ(::lstat(device.c_str(), &info), 0);
    EXPECT_TRUE(S_ISCHR(info.st_mode));
    fs::remove_all(dir);
}

TEST(FileIo, AtomicWriteRefusesAFolderGivenAsAFile) {
    fs::path dir = make_temp_folder();
    fs::create_directories(dir / "empty");
    for (const fs::path& target : {dir / "empty", dir / "empty" / ""}) {
        try {
            write_file_atomic(target.string(), std::string_view("data"));
            ADD_FAILURE() << "wrote over a folder";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("is a folder, expected a file"), std::string::npos) << e.what();
        }
        EXPECT_THROW(check_writable_file(target.string()), Error);
    }
    EXPECT_TRUE(fs::is_directory(dir / "empty"));
    EXPECT_EQ(folder_entries(dir), std::vector<std::string>({"empty"}));
    fs::remove_all(dir);
}

// A symbolic link is written through: its target gets the new bytes (atomically, in the
// target's folder) and the link stays a link.
TEST(FileIo, AtomicWriteGoesThroughASymlinkToItsTarget) {
    fs::path dir = make_temp_folder();
    fs::create_directories(dir / "runs");
    const fs::path target = dir / "runs" / "model.bin", link = dir / "latest.bin";
    write_file_atomic(target.string(), std::string_view("old"));
    fs::create_symlink(fs::path("runs") / "model.bin", link);
    check_writable_file(link.string());
    write_file_atomic(link.string(), std::string_view("new"));
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(read_text(target.string()), "new");
    EXPECT_EQ(folder_entries(dir), std::vector<std::string>({"latest.bin", "runs"}));
    EXPECT_EQ(folder_entries(dir / "runs"), std::vector<std::string>({"model.bin"}));
    // A link to a FIFO or a folder is refused like the FIFO or folder itself; a dangling link too.
    ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0644), 0);
    fs::create_symlink("pipe", dir / "to-pipe");
    fs::create_symlink("runs", dir / "to-folder");
    fs::create_symlink("nowhere/x", dir / "dangling");
    for (const char* name : {"to-pipe", "to-folder", "dangling"}) {
        EXPECT_THROW(write_file_atomic((dir / name).string(), std::string_view("x")), Error) << name;
        EXPECT_THROW(check_writable_file((dir / name).string()), Error) << name;
        EXPECT_TRUE(fs::is_symlink(dir / name)) << name;
    }
    fs::remove_all(dir);
}

TEST(FileIo, CheckWritableFileNamesTheProblemAndWritesNothing) {
    fs::path dir = make_temp_folder();
    check_writable_file((dir / "new.txt").string());  // does not exist yet: fine
    write_file_atomic((dir / "old.txt").string(), std::string_view("x"));
    check_writable_file((dir / "old.txt").string());
    try {
        check_writable_file((dir / "missing" / "new.txt").string());
        ADD_FAILURE() << "a missing folder was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
    }
    EXPECT_THROW(check_writable_file(""), Error);
    EXPECT_EQ(folder_entries(dir), std::vector<std::string>({"old.txt"}));
    fs::remove_all(dir);
}

TEST(FileIo, AFolderLockIsExclusiveAndReleasedWithItsHolder) {
    fs::path dir = make_temp_folder();
    {
        FolderLock lock = FolderLock::acquire(dir.string());
        try {
            FolderLock second = FolderLock::acquire(dir.string());
            ADD_FAILURE() << "two holders of one folder lock";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(dir.string()), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("another process"), std::string::npos) << e.what();
        }
    }
    FolderLock again = FolderLock::acquire(dir.string());  // the first one was released
    EXPECT_TRUE(folder_entries(dir).empty());               // no lock file left behind
    fs::remove_all(dir);
}

TEST(FileIo, RemoveTemporaryFilesTakesOnlyAnInterruptedWritesLeftovers) {
    fs::path dir = make_temp_folder();
    for (const char* name : {"checkpoint.safetensors", "checkpoint.safetensors.tmp-a1B2c3",
                             "checkpoint.safetensors.tmp-zzzzzz", "checkpoint.safetensors.tmp-toolong",
                             "other.safetensors.tmp-a1B2c3", "notes.txt"})
        write_file_atomic((dir / name).string(), std::string_view("x"));
    EXPECT_EQ(remove_temporary_files(dir.string(), "checkpoint.safetensors"), 2u);
    EXPECT_EQ(folder_entries(dir), std::vector<std::string>({"checkpoint.safetensors",
                                                             "checkpoint.safetensors.tmp-toolong", "notes.txt",
                                                             "other.safetensors.tmp-a1B2c3"}));
    fs::remove_all(dir);
}

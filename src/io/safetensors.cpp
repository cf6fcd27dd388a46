// safetensors reading and writing. Layout (see safetensors.hpp):
//   [u64 LE header length N][N bytes of JSON, space-padded][data section]
// Every size the header claims is checked against the bytes actually present before
// anything is allocated for it.
#include "digitnet/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

#include "digitnet/error.hpp"
#include "digitnet/file_io.hpp"

namespace digitnet {
namespace {

using json = nlohmann::json;

struct DtypeInfo {
    const char* name;
    std::size_t bytes;
};

// The dtypes this reader converts to float, and I64 (kept as integers).
constexpr DtypeInfo kReadableDtypes[] = {{"F32", 4}, {"F64", 8}, {"F16", 2}, {"BF16", 2}, {"I64", 8}};
// Valid safetensors dtypes that this reader refuses (integers, booleans, 8-bit floats, ...).
constexpr const char* kOtherDtypes[] = {"BOOL",    "U8",      "I8",  "U16", "I16", "U32",
                                        "I32",     "U64",     "F8_E5M2", "F8_E4M3",
                                        "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64"};

std::uint64_t read_u64_le(const std::uint8_t* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

void write_u64_le(std::uint64_t v, std::uint8_t* p) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint64_t read_uint_le(const std::uint8_t* p, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = n; i > 0; --i) v = (v << 8) | p[i - 1];
    return v;
}

// IEEE 754 half precision: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
float half_to_float(std::uint16_t h) {
    const int sign = (h >> 15) & 1;
    const int exponent = (h >> 10) & 0x1f;
    const int mantissa = h & 0x3ff;
    float magnitude;
    if (exponent == 0)
        magnitude = std::ldexp(static_cast<float>(mantissa), -24);  // subnormal: m * 2^-24
    else if (exponent == 31)
        magnitude = mantissa == 0 ? INFINITY : NAN;
    else
        magnitude = std::ldexp(static_cast<float>(mantissa + 1024), exponent - 25);  // (1 + m/1024) 2^(e-15)
    return sign ? -magnitude : magnitude;
}

// One element of `dtype` at p, as float. bfloat16 is the top half of a float32.
float element_to_float(const std::string& dtype, const std::uint8_t* p) {
    if (dtype == "F32") return std::bit_cast<float>(static_cast<std::uint32_t>(read_uint_le(p, 4)));
    if (dtype == "F64") {
        // A double beyond float's range becomes infinite (a plain cast would be undefined).
        double d = std::bit_cast<double>(read_uint_le(p, 8));
        if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) return d > 0 ? INFINITY : -INFINITY;
        return static_cast<float>(d);
    }
    if (dtype == "F16") return half_to_float(static_cast<std::uint16_t>(read_uint_le(p, 2)));
    return std::bit_cast<float>(static_cast<std::uint32_t>(read_uint_le(p, 2) << 16));  // BF16
}

// A name, dtype or JSON value from the file, for a message: escaped, at most 60 bytes.
std::string in_quotes(const std::string& name) { return quote_text(name, 60); }
std::string excerpt(const json& value) { return in_quotes(value.dump()); }

// Parses the header, refusing duplicate keys in any object (nlohmann keeps the last one
// silently) and nesting deeper than the format needs (root > entry > shape array).
json parse_header(std::span<const std::uint8_t> text, const std::string& source) {
    std::vector<std::set<std::string>> open_objects;  // keys seen so far, per open object
    std::string duplicate;
    bool too_deep = false;
    auto callback = [&](int depth, json::parse_event_t event, json& parsed) {
        switch (event) {
            case json::parse_event_t::object_start:
            case json::parse_event_t::array_start:
                if (depth > 2) too_deep = true;
                if (event == json::parse_event_t::object_start) open_objects.emplace_back();
                break;
            case json::parse_event_t::object_end:
                if (!open_objects.empty()) open_objects.pop_back();
                break;
            case json::parse_event_t::key:
                if (!open_objects.empty() && !open_objects.back().insert(parsed.get<std::string>()).second &&
                    duplicate.empty())
                    duplicate = parsed.get<std::string>();
                break;
            default:
                break;
        }
        // Dropping what lies too deep keeps a hostile header from building a deep tree.
        return !too_deep;
    };
    json header;
    try {
        header = json::parse(text.begin(), text.end(), callback);
    } catch (const json::exception& e) {
        std::string what = e.what();
        if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
        // The parser's message quotes the bytes it last read.
        throw Error(source + ": safetensors header is not valid JSON: " + escape_text(what, 200));
    }
    if (too_deep) throw Error(source + ": safetensors header nests objects or arrays deeper than the format allows");
    if (!duplicate.empty()) throw Error(source + ": safetensors header has the key " + in_quotes(duplicate) + " twice");
    if (!header.is_object()) throw Error(source + ": safetensors header is not a JSON object");
    return header;
}

// What the header says about one tensor, validated against the data section size.
struct Entry {
    std::string name;
    std::string dtype;
    std::size_t dtype_bytes = 0;
    std::vector<std::size_t> shape;
    std::uint64_t count = 1;
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
};

Entry parse_entry(const std::string& name, const json& value, std::uint64_t data_bytes, const std::string& source) {
    const std::string where = source + ": tensor " + in_quotes(name);
    if (!value.is_object()) throw Error(where + ": expected an object with dtype, shape and data_offsets");
    for (const char* field : {"dtype", "shape", "data_offsets"})
        if (!value.contains(field)) throw Error(where + ": missing \"" + field + "\"");

    Entry entry;
    entry.name = name;
    const json& dtype = value["dtype"];
    if (!dtype.is_string()) throw Error(where + ": \"dtype\" must be a string, found " + dtype.type_name());
    entry.dtype = dtype.get<std::string>();
    for (const DtypeInfo& info : kReadableDtypes)
        if (entry.dtype == info.name) entry.dtype_bytes = info.bytes;
    if (entry.dtype_bytes == 0) {
        bool known = std::find(std::begin(kOtherDtypes), std::end(kOtherDtypes), entry.dtype) != std::end(kOtherDtypes);
        throw Error(where + ": " + (known ? "unsupported dtype " : "unknown dtype ") + in_quotes(entry.dtype) +
                    " (expected F32, F64, F16, BF16 or I64)");
    }

    // Elements = product of the dimensions, capped before it can overflow.
    const json& shape = value["shape"];
    if (!shape.is_array()) throw Error(where + ": \"shape\" must be an array, found " + shape.type_name());
    for (const json& dim : shape) {
        if (!dim.is_number_unsigned())
            throw Error(where + ": \"shape\" must hold non-negative integers, found " + excerpt(dim));
        std::uint64_t d = dim.get<std::uint64_t>();
        if (d > kSafetensorsMaxElements || (d != 0 && entry.count > kSafetensorsMaxElements / d))
            throw Error(where + ": shape " + excerpt(shape) + " has more than " +
                        std::to_string(kSafetensorsMaxElements) + " elements");
        entry.count *= d;
        entry.shape.push_back(static_cast<std::size_t>(d));
    }

    const json& offsets = value["data_offsets"];
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
        throw Error(where + ": \"data_offsets\" must be [begin, end] with non-negative integers, found " +
                    excerpt(offsets));
    entry.begin = offsets[0].get<std::uint64_t>();
    entry.end = offsets[1].get<std::uint64_t>();
    if (entry.end < entry.begin)
        throw Error(where + ": data_offsets end " + std::to_string(entry.end) + " is before begin " +
                    std::to_string(entry.begin));
    if (entry.end > data_bytes)
        throw Error(where + ": data_offsets [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                    "] lie outside the data section of " + std::to_string(data_bytes) + " bytes");
    if (entry.end - entry.begin != entry.count * entry.dtype_bytes)
        throw Error(where + ": data_offsets span " + std::to_string(entry.end - entry.begin) + " bytes, expected " +
                    std::to_string(entry.count) + " elements x " + std::to_string(entry.dtype_bytes) + " bytes = " +
                    std::to_string(entry.count * entry.dtype_bytes));
    return entry;
}

}  // namespace

const Tensor* SafetensorsFile::find(std::string_view name) const {
    for (const Tensor& t : tensors)
        if (t.name == name) return &t;
    return nullptr;
}

std::vector<std::uint8_t> encode_safetensors(const SafetensorsFile& file) {
    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!file.metadata.empty()) header["__metadata__"] = file.metadata;

    std::set<std::string> names;
    std::uint64_t offset = 0;
    for (const Tensor& t : file.tensors) {
        const std::string where = "cannot encode tensor " + in_quotes(t.name);
        if (t.name == "__metadata__") throw Error(where + ": the name is reserved for metadata");
        if (!names.insert(t.name).second) throw Error(where + ": the name is used twice");
        std::uint64_t count = 1;
        for (std::size_t d : t.shape) {
            if (d != 0 && count > kSafetensorsMaxElements / d)
                throw Error(where + ": shape has more than " + std::to_string(kSafetensorsMaxElements) + " elements");
            count *= d;
        }
        if (t.is_integer && !t.values.empty()) throw Error(where + ": an integer tensor with float values");
        if (!t.is_integer && !t.integers.empty()) throw Error(where + ": a float tensor with integer values");
        const std::size_t found = t.is_integer ? t.integers.size() : t.values.size();
        if (count != found)
            throw Error(where + ": shape holds " + std::to_string(count) + " values, found " + std::to_string(found));
        for (std::size_t i = 0; i < t.values.size(); ++i)
            if (!std::isfinite(t.values[i]))
                throw Error(where + ": value " + std::to_string(i) + " is not finite");
        const std::uint64_t end = offset + (t.is_integer ? 8 : 4) * count;
        header[t.name] = {{"dtype", t.is_integer ? "I64" : "F32"}, {"shape", t.shape}, {"data_offsets", {offset, end}}};
        offset = end;
    }

    std::string text;
    try {
        text = header.dump();
    } catch (const nlohmann::json::exception&) {
        throw Error("cannot encode safetensors: a tensor name or metadata string is not valid UTF-8");
    }
    while (text.size() % 8 != 0) text.push_back(' ');  // pad so the data section is 8-byte aligned

    std::vector<std::uint8_t> bytes(8 + text.size() + offset);
    write_u64_le(text.size(), bytes.data());
    std::memcpy(bytes.data() + 8, text.data(), text.size());
    std::uint8_t* out = bytes.data() + 8 + text.size();
    for (const Tensor& t : file.tensors) {
        for (float v : t.values) {
            std::uint32_t bits = std::bit_cast<std::uint32_t>(v);
            for (int i = 0; i < 4; ++i) *out++ = static_cast<std::uint8_t>(bits >> (8 * i));
        }
        for (std::int64_t v : t.integers) {
            write_u64_le(static_cast<std::uint64_t>(v), out);
            out += 8;
        }
    }
    return bytes;
}

SafetensorsFile decode_safetensors(std::span<const std::uint8_t> bytes, const std::string& source) {
    if (bytes.size() < 8)
        throw Error(source + ": not a safetensors file: " + std::to_string(bytes.size()) +
                    " bytes, expected at least the 8-byte header length");
    const std::uint64_t header_bytes = read_u64_le(bytes.data());
    if (header_bytes > kSafetensorsMaxHeaderBytes)
        throw Error(source + ": safetensors header length " + std::to_string(header_bytes) + " is over the limit of " +
                    std::to_string(kSafetensorsMaxHeaderBytes) + " bytes");
    if (header_bytes > bytes.size() - 8)
        throw Error(source + ": safetensors header length " + std::to_string(header_bytes) +
                    " is larger than the rest of the file (" + std::to_string(bytes.size() - 8) + " bytes)");
    const json header = parse_header(bytes.subspan(8, header_bytes), source);
    const std::span<const std::uint8_t> data = bytes.subspan(8 + header_bytes);

    SafetensorsFile file;
    std::vector<Entry> entries;
    for (const auto& [key, value] : header.items()) {
        if (key == "__metadata__") {
            if (!value.is_object()) throw Error(source + ": \"__metadata__\" must be an object, found " + value.type_name());
            for (const auto& [mkey, mvalue] : value.items()) {
                if (!mvalue.is_string())
                    throw Error(source + ": metadata value for " + in_quotes(mkey) + " must be a string, found " +
                                mvalue.type_name());
                file.metadata[mkey] = mvalue.get<std::string>();
            }
            continue;
        }
        entries.push_back(parse_entry(key, value, data.size(), source));
    }

    // The tensors must tile the data section exactly: sorted by offset, each begins where
    // the previous one ends, the first at 0 and the last at the end (no gaps, no overlaps).
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
    });
    std::uint64_t covered = 0;
    for (const Entry& e : entries) {
        if (e.begin < covered)
            throw Error(source + ": tensor " + in_quotes(e.name) + " overlaps the previous tensor (begins at byte " +
                        std::to_string(e.begin) + ", previous ends at " + std::to_string(covered) + ")");
        if (e.begin > covered)
            throw Error(source + ": gap in the data section before tensor " + in_quotes(e.name) + " (bytes " +
                        std::to_string(covered) + " to " + std::to_string(e.begin) + " belong to no tensor)");
        covered = e.end;
    }
    if (covered != data.size())
        throw Error(source + ": data section has " + std::to_string(data.size()) + " bytes but the tensors cover " +
                    std::to_string(covered));

    // Sizes are now known to fit inside `bytes`, so allocating the values is safe.
    for (const Entry& e : entries) {
        Tensor t;
        t.name = e.name;
        t.shape = e.shape;
        const std::uint8_t* p = data.data() + e.begin;
        if (e.dtype == "I64") {
            t.is_integer = true;
            t.integers.resize(static_cast<std::size_t>(e.count));
            for (std::int64_t& v : t.integers) {
                v = static_cast<std::int64_t>(read_u64_le(p));
                p += 8;
            }
            file.tensors.push_back(std::move(t));
            continue;
        }
        t.values.resize(static_cast<std::size_t>(e.count));
        for (std::size_t i = 0; i < t.values.size(); ++i, p += e.dtype_bytes) {
            float v = element_to_float(e.dtype, p);
            if (!std::isfinite(v))
                throw Error(source + ": tensor " + in_quotes(e.name) + " element " + std::to_string(i) + " is " +
                            (std::isnan(v) ? "NaN" : "infinite") + (e.dtype == "F32" ? "" : " as float") +
                            "; expected finite values");
            t.values[i] = v;
        }
        file.tensors.push_back(std::move(t));
    }
    return file;
}

void save_safetensors(const std::string& path, const SafetensorsFile& file) {
    std::vector<std::uint8_t> bytes;
    try {
        bytes = encode_safetensors(file);
    } catch (const Error& e) {
        throw Error(escape_path(path) + ": " + e.what());  // nothing is written
    }
    write_file_atomic(path, bytes);
}

SafetensorsFile load_safetensors(const std::string& path) {
    return decode_safetensors(read_file(path, kSafetensorsMaxFileBytes), path);
}

}  // namespace digitnet

// Tests for StateDict and its checkpoint files: bit-exact round trips of every kind of value,
// lookups and their messages, atomic saves that leave nothing behind on failure, and a loader
// that rejects flipped bytes, truncations, foreign files and crafted files whose CRC is valid but
// whose lengths lie. Crafted files are built here byte by byte, with zlib computing the CRC.
#include <doctest/doctest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "engine/check.h"
#include "engine/state_dict.h"
#include "engine/tensor.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
namespace bg = budgetgrad;

namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint32_t kVersion = 1;
constexpr std::size_t kMagicBytes = 8;
constexpr std::size_t kVersionEnd = 12;  // magic, then the u32 version
constexpr uint8_t kKindTensor = 0;
constexpr uint8_t kKindInteger = 1;
constexpr uint8_t kKindText = 3;
constexpr uint8_t kFloat32 = 0;

using budgetgrad::testing::TempDir;

Bytes read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

template <typename T>
void append(Bytes& out, T value) {
    const std::size_t at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &value, sizeof(T));
}

void append_text(Bytes& out, const std::string& text) {
    out.insert(out.end(), text.begin(), text.end());
}

// "u32 key length | key | u8 kind", the start of every entry.
Bytes entry_start(const std::string& key, uint8_t kind) {
    Bytes out;
    append<uint32_t>(out, uint32_t(key.size()));
    append_text(out, key);
    append<uint8_t>(out, kind);
    return out;
}

Bytes integer_entry(const std::string& key, int64_t value) {
    Bytes out = entry_start(key, kKindInteger);
    append<int64_t>(out, value);
    return out;
}

// A float32 tensor entry whose dims and data are written as given, true or not.
Bytes tensor_entry(const std::string& key, const std::vector<int64_t>& dims, std::size_t floats,
                   uint8_t dtype = kFloat32) {
    Bytes out = entry_start(key, kKindTensor);
    append<uint8_t>(out, dtype);
    append<uint32_t>(out, uint32_t(dims.size()));
    for (int64_t d : dims)
        append<int64_t>(out, d);
    for (std::size_t i = 0; i < floats; ++i)
        append<float>(out, float(i));
    return out;
}

// A whole file around already-encoded entries, with a correct CRC-32 whatever the entries say.
Bytes crafted_file(uint64_t count, const Bytes& entries, uint32_t version = kVersion) {
    Bytes out;
    append_text(out, "BGCKPT01");
    append<uint32_t>(out, version);
    append<uint64_t>(out, count);
    out.insert(out.end(), entries.begin(), entries.end());
    append<uint32_t>(out, uint32_t(crc32(0, out.data(), uInt(out.size()))));
    return out;
}

Bytes concat(const Bytes& a, const Bytes& b) {
    Bytes out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

bool same_bits(const bg::Tensor& a, const bg::Tensor& b) {
    if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
    return bg::dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        return std::memcmp(a.data<T>(), b.data<T>(), a.numel() * sizeof(T)) == 0;
    });
}

// A small dictionary with one entry of each kind, for the corruption tests.
bg::StateDict small_dict() {
    bg::StateDict dict;
    std::vector<float> w = {0.5f, -1.25f, 3.0f, 7.5f};
    dict.put("model.weight", bg::Tensor::from_vector({2, 2}, w));
    dict.put("step", int64_t{42});
    dict.put("lr", 0.05);
    dict.put("note", std::string("hi"));
    return dict;
}

std::string message_of(const std::string& path) {
    try {
        bg::StateDict::load(path);
    } catch (const bg::Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("state_dict: every kind of value round-trips bit for bit, in order") {
    TempDir dir;
    const std::string path = dir.file("all.ckpt");
    const float f32_nan = std::bit_cast<float>(uint32_t{0x7fc12345});
    const double f64_nan = std::bit_cast<double>(uint64_t{0x7ff80000deadbeef});
    const float inf32 = std::numeric_limits<float>::infinity();
    std::vector<float> f32 = {1.5f,   -0.0f,   inf32,    -inf32,     f32_nan,
                              1e-45f, 3.4e38f, -3.4e38f, 1.0f / 3.0f};
    std::vector<double> f64 = {1.0 / 3.0, -0.0, f64_nan, 4.9e-324, 1.7e308, -2.5};
    const std::string with_nul("a\0b", 3);
    const std::string utf8 = "h\xc3\xa9llo \xe2\x9c\x93";
    std::string every_byte;
    for (int b = 0; b < 256; ++b)
        every_byte.push_back(char(b));

    bg::StateDict dict;
    // Deliberately not in alphabetical order.
    dict.put("z.f32", bg::Tensor::from_vector({3, 3}, f32));
    dict.put("a.f64", bg::Tensor::from_vector({2, 3}, f64));
    dict.put("m.scalar32", bg::Tensor::full({}, 2.5));
    dict.put("m.scalar64", bg::Tensor::full({}, -0.125, bg::DType::float64));
    dict.put("m.empty", bg::Tensor::zeros({0}));
    dict.put("m.empty64", bg::Tensor::zeros({2, 0, 3}, bg::DType::float64));
    dict.put("i.zero", int64_t{0});
    dict.put("i.minus_one", int64_t{-1});
    dict.put("i.min", std::numeric_limits<int64_t>::min());
    dict.put("i.max", std::numeric_limits<int64_t>::max());
    dict.put("r.inf", std::numeric_limits<double>::infinity());
    dict.put("r.minus_inf", -std::numeric_limits<double>::infinity());
    dict.put("r.minus_zero", -0.0);
    dict.put("r.nan", f64_nan);
    dict.put("r.tiny", std::numeric_limits<double>::denorm_min());
    dict.put("t.empty", std::string());
    dict.put("t.nul", with_nul);
    dict.put("t.utf8", utf8);
    dict.put("t.bytes", every_byte);
    dict.save(path);

    const bg::StateDict back = bg::StateDict::load(path);
    CHECK(back.source() == path);
    REQUIRE(back.entries().size() == dict.entries().size());
    for (std::size_t i = 0; i < dict.entries().size(); ++i)
        CHECK(back.entries()[i].first == dict.entries()[i].first);

    for (const char* key : {"z.f32", "a.f64", "m.scalar32", "m.scalar64", "m.empty", "m.empty64"}) {
        CAPTURE(key);
        CHECK(same_bits(back.tensor(key), dict.tensor(key)));
        CHECK(back.tensor(key).impl() != dict.tensor(key).impl());
    }
    CHECK(back.tensor("m.scalar32").shape().empty());
    CHECK(back.tensor("m.scalar32").item() == 2.5);
    CHECK(back.tensor("m.empty64").shape() == bg::Shape{2, 0, 3});
    CHECK(back.tensor("a.f64").dtype() == bg::DType::float64);

    CHECK(back.integer("i.zero") == 0);
    CHECK(back.integer("i.minus_one") == -1);
    CHECK(back.integer("i.min") == std::numeric_limits<int64_t>::min());
    CHECK(back.integer("i.max") == std::numeric_limits<int64_t>::max());
    CHECK(back.real("r.inf") == std::numeric_limits<double>::infinity());
    CHECK(back.real("r.minus_inf") == -std::numeric_limits<double>::infinity());
    CHECK(std::signbit(back.real("r.minus_zero")));
    CHECK(std::bit_cast<uint64_t>(back.real("r.nan")) == uint64_t{0x7ff80000deadbeef});
    CHECK(back.real("r.tiny") == std::numeric_limits<double>::denorm_min());
    CHECK(back.text("t.empty").empty());
    CHECK(back.text("t.nul") == with_nul);
    CHECK(back.text("t.utf8") == utf8);
    CHECK(back.text("t.bytes") == every_byte);

    // Saving what was loaded gives the same bytes.
    const std::string again = dir.file("again.ckpt");
    back.save(again);
    CHECK(read_bytes(again) == read_bytes(path));
}

TEST_CASE("state_dict: tensors are stored by handle, save copies their current contents") {
    TempDir dir;
    bg::StateDict dict;
    bg::Tensor t = bg::Tensor::zeros({2});
    dict.put("t", t);
    t.data<float>()[1] = 5;
    dict.save(dir.file("a.ckpt"));
    CHECK(bg::StateDict::load(dir.file("a.ckpt")).tensor("t").to_vector() ==
          std::vector<double>{0, 5});
}

TEST_CASE("state_dict: put rejects duplicate and empty keys and undefined tensors") {
    bg::StateDict dict;
    dict.put("a", int64_t{1});
    CHECK_THROWS_WITH_AS(dict.put("a", 2.0),
                         "state_dict put: expected a new key, got duplicate 'a'", bg::Error);
    CHECK(dict.integer("a") == 1);
    CHECK(dict.entries().size() == 1);
    CHECK_THROWS_WITH_AS(dict.put("", int64_t{1}),
                         "state_dict put: expected a non-empty key, got \"\"", bg::Error);
    CHECK_THROWS_WITH_AS(dict.put("w", bg::Tensor()),
                         "state_dict put: 'w': expected a defined tensor, got an undefined one",
                         bg::Error);
    CHECK(dict.contains("a"));
    CHECK_FALSE(dict.contains("w"));
}

TEST_CASE("state_dict: lookups name the key, the kinds and the source") {
    bg::StateDict dict = small_dict();
    CHECK(dict.source().empty());
    CHECK_THROWS_WITH_AS(dict.tensor("nope"), "checkpoint (in memory): missing entry 'nope'",
                         bg::Error);
    CHECK_THROWS_WITH_AS(dict.tensor("lr"),
                         "checkpoint (in memory): 'lr' is a real, expected a tensor", bg::Error);
    CHECK_THROWS_WITH_AS(dict.integer("note"),
                         "checkpoint (in memory): 'note' is a text, expected an integer",
                         bg::Error);
    CHECK_THROWS_WITH_AS(dict.real("step"),
                         "checkpoint (in memory): 'step' is an integer, expected a real",
                         bg::Error);
    CHECK_THROWS_WITH_AS(dict.text("model.weight"),
                         "checkpoint (in memory): 'model.weight' is a tensor, expected a text",
                         bg::Error);

    TempDir dir;
    const std::string path = dir.file("x.ckpt");
    dict.save(path);
    const bg::StateDict back = bg::StateDict::load(path);
    CHECK_THROWS_WITH_AS(back.integer("nope"),
                         ("checkpoint " + path + ": missing entry 'nope'").c_str(), bg::Error);
}

TEST_CASE("state_dict: copy_into copies values and names the key and both shapes on mismatch") {
    TempDir dir;
    const std::string path = dir.file("x.ckpt");
    bg::StateDict dict;
    dict.put("model.fc.weight", bg::Tensor::full({10, 64}, 0.25));
    dict.put("model.fc.bias", bg::Tensor::full({10}, 1.0, bg::DType::float64));
    dict.put("step", int64_t{3});
    dict.save(path);
    const bg::StateDict back = bg::StateDict::load(path);

    bg::Tensor weight = bg::Tensor::zeros({10, 64});
    back.copy_into("model.fc.weight", weight);
    CHECK(weight.to_vector() == std::vector<double>(640, 0.25));

    const std::string where = "checkpoint " + path + ": ";
    CHECK_THROWS_WITH_AS(
        back.copy_into("model.fc.weight", bg::Tensor::zeros({10, 128})),
        (where + "'model.fc.weight' has shape (10, 64), expected (10, 128)").c_str(), bg::Error);
    CHECK_THROWS_WITH_AS(back.copy_into("model.fc.bias", bg::Tensor::zeros({10})),
                         (where + "'model.fc.bias' has dtype float64, expected float32").c_str(),
                         bg::Error);
    CHECK_THROWS_WITH_AS(back.copy_into("model.fc.bias", bg::Tensor::zeros({5})),
                         (where + "'model.fc.bias' has shape (10,), expected (5,)").c_str(),
                         bg::Error);
    CHECK_THROWS_WITH_AS(back.copy_into("step", weight),
                         (where + "'step' is an integer, expected a tensor").c_str(), bg::Error);
    CHECK_THROWS_WITH_AS(back.copy_into("model.fc.w", weight),
                         (where + "missing entry 'model.fc.w'").c_str(), bg::Error);
    CHECK_THROWS_WITH_AS(
        back.copy_into("model.fc.weight", bg::Tensor()),
        (where + "'model.fc.weight': expected a defined target tensor, got an undefined one")
            .c_str(),
        bg::Error);
}

TEST_CASE("state_dict: a flipped byte anywhere is rejected") {
    TempDir dir;
    const std::string good = dir.file("good.ckpt");
    small_dict().save(good);
    const Bytes bytes = read_bytes(good);
    const std::string bad = dir.file("bad.ckpt");
    for (std::size_t pos = 0; pos < bytes.size(); ++pos) {
        for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xff}}) {
            CAPTURE(pos);
            CAPTURE(int(mask));
            Bytes flipped = bytes;
            flipped[pos] ^= mask;
            write_bytes(bad, flipped);
            const std::string message = message_of(bad);
            REQUIRE_FALSE(message.empty());
            CHECK(message.find("checkpoint " + bad + ": ") == 0);
            if (pos < kMagicBytes) {
                CHECK(message.find("not a budgetgrad checkpoint") != std::string::npos);
            } else if (pos < kVersionEnd) {
                CHECK(message.find("expected format version 1") != std::string::npos);
            } else {
                CHECK(message.find("damaged or truncated") != std::string::npos);
            }
        }
    }
}

TEST_CASE("state_dict: every truncation and any appended byte is rejected") {
    TempDir dir;
    const std::string good = dir.file("good.ckpt");
    small_dict().save(good);
    const Bytes bytes = read_bytes(good);
    const std::string bad = dir.file("bad.ckpt");
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        CAPTURE(n);
        write_bytes(bad, Bytes(bytes.begin(), bytes.begin() + n));
        CHECK_THROWS_AS(bg::StateDict::load(bad), bg::Error);
    }
    write_bytes(bad, concat(bytes, Bytes{0}));
    CHECK_THROWS_WITH_AS(bg::StateDict::load(bad), doctest::Contains("damaged or truncated"),
                         bg::Error);

    // A bigger file, cut at a stride through the tensor data.
    bg::StateDict big;
    big.put("w", bg::Tensor::full({1000}, 0.5));
    big.put("step", int64_t{7});
    big.save(good);
    const Bytes big_bytes = read_bytes(good);
    constexpr std::size_t kStride = 97;
    for (std::size_t n = 0; n < big_bytes.size(); n += kStride) {
        CAPTURE(n);
        write_bytes(bad, Bytes(big_bytes.begin(), big_bytes.begin() + n));
        CHECK_THROWS_AS(bg::StateDict::load(bad), bg::Error);
    }
}

TEST_CASE("state_dict: foreign, empty, missing files and folders are rejected by name") {
    TempDir dir;
    const std::string path = dir.file("other.bin");
    const std::string where = "checkpoint " + path + ": ";

    // A PNG's signature and the start of its IHDR chunk.
    write_bytes(path,
                Bytes{0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 'I', 'H', 'D',
                      'R',  0,    0,    0,    1,    0,    0,    0,    1, 8, 6, 0,    0,   0});
    CHECK_THROWS_WITH_AS(bg::StateDict::load(path),
                         (where + "not a budgetgrad checkpoint (expected magic \"BGCKPT01\", got "
                                  "bytes 89 50 4e 47 0d 0a 1a 0a)")
                             .c_str(),
                         bg::Error);
    // An MNIST IDX labels file: big-endian magic 0x00000801, count 3, then the labels.
    write_bytes(path, Bytes{0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1});
    CHECK_THROWS_WITH_AS(bg::StateDict::load(path),
                         doctest::Contains((where + "not a budgetgrad checkpoint").c_str()),
                         bg::Error);
    write_bytes(path, Bytes{'h', 'i'});
    CHECK_THROWS_WITH_AS(bg::StateDict::load(path),
                         doctest::Contains("not a budgetgrad checkpoint"), bg::Error);

    write_bytes(path, Bytes{});
    CHECK_THROWS_WITH_AS(
        bg::StateDict::load(path),
        (where + "expected at least 24 bytes (header and CRC), got 0; the file is truncated")
            .c_str(),
        bg::Error);
    write_bytes(path, Bytes{'B', 'G', 'C', 'K', 'P', 'T', '0', '1', 1, 0});
    CHECK_THROWS_WITH_AS(bg::StateDict::load(path),
                         doctest::Contains("got 10; the file is truncated"), bg::Error);

    const std::string missing = dir.file("missing.ckpt");
    CHECK_THROWS_WITH_AS(
        bg::StateDict::load(missing),
        ("checkpoint " + missing + ": expected a readable file, got 'No such file or directory'")
            .c_str(),
        bg::Error);
    fs::create_directory(dir.file("folder"));
    CHECK_THROWS_WITH_AS(
        bg::StateDict::load(dir.file("folder")),
        ("checkpoint " + dir.file("folder") + ": expected a readable file, got 'Is a directory'")
            .c_str(),
        bg::Error);
}

TEST_CASE("state_dict: crafted files with a valid CRC but lying contents are rejected") {
    TempDir dir;
    const std::string path = dir.file("crafted.ckpt");
    const Bytes one = integer_entry("a", 1);

    // Each crafted case holds at least 14 bytes of entries per claimed entry, so that the entry
    // count check in the header lets the parser reach the lie being tested.
    // The crafting helpers agree with the real format: a well-formed crafted file loads, including
    // empty tensors whose other dimensions are huge.
    const Bytes valid =
        concat(concat(one, tensor_entry("e", {int64_t{1} << 62, 0}, 0)), tensor_entry("v", {3}, 3));
    write_bytes(path, crafted_file(3, valid));
    const bg::StateDict ok = bg::StateDict::load(path);
    CHECK(ok.integer("a") == 1);
    CHECK(ok.tensor("e").numel() == 0);
    CHECK(ok.tensor("v").to_vector() == std::vector<double>{0, 1, 2});

    Bytes text_entry = entry_start("t", kKindText);
    append<uint64_t>(text_entry, std::numeric_limits<uint64_t>::max());
    append_text(text_entry, "abc");
    Bytes short_integer = entry_start("i.long", kKindInteger);
    append<uint32_t>(short_integer, 0);
    Bytes long_key;
    append<uint32_t>(long_key, std::numeric_limits<uint32_t>::max());
    append_text(long_key, "key.padded");
    Bytes bad_ndim = entry_start("w", kKindTensor);
    append<uint8_t>(bad_ndim, kFloat32);
    append<uint32_t>(bad_ndim, std::numeric_limits<uint32_t>::max());
    append_text(bad_ndim, "pad");

    struct Case {
        const char* name;
        Bytes file;
        std::string expected;  // the message after "checkpoint <path>: "
    };
    const std::vector<Case> cases = {
        {"unsupported version", crafted_file(1, one, /*version=*/2),
         "expected format version 1 (the only version this build reads), got version 2"},
        {"count larger than the entries", crafted_file(2, integer_entry("model.0.weights", 1)),
         "entry 1 of 2: expected 4 bytes for the key length, got only 0 before the CRC"},
        {"absurd count", crafted_file(uint64_t{1} << 63, one),
         "header: expected an entry count of at most 1 for 14 bytes of entries, got "
         "9223372036854775808"},
        {"huge key length", crafted_file(1, long_key),
         "entry 0 of 1: expected 4294967295 bytes for the key, got only 10 before the CRC"},
        {"empty key", crafted_file(1, concat(integer_entry("", 1), Bytes{0})),
         "entry 0 of 1: expected a non-empty key, got length 0"},
        {"unknown kind", crafted_file(1, concat(entry_start("k", 9), Bytes(8, 0))),
         "entry 0 of 1 ('k'): expected kind 0 to 3 (tensor, integer, real, text), got 9"},
        {"unknown dtype", crafted_file(1, tensor_entry("w", {1}, 1, /*dtype=*/7)),
         "entry 0 of 1 ('w'): expected dtype 0 (float32) or 1 (float64), got 7"},
        {"absurd ndim", crafted_file(1, bad_ndim),
         "entry 0 of 1 ('w'): expected 34359738360 bytes for the dimensions, got only 3 before "
         "the CRC"},
        {"negative dimension", crafted_file(1, tensor_entry("w", {2, -1}, 2)),
         "entry 0 of 1 ('w'): expected non-negative dimensions, got shape (2, -1)"},
        {"overflowing shape",
         crafted_file(1, tensor_entry("w", {int64_t{1} << 40, int64_t{1} << 40, 0}, 0)),
         "entry 0 of 1 ('w'): expected a shape whose element count fits in int64, got "
         "(1099511627776, 1099511627776, 0)"},
        {"huge dimension", crafted_file(1, tensor_entry("w", {int64_t{1} << 62}, 1)),
         "entry 0 of 1 ('w'): expected 4611686018427387904 float32 values for shape "
         "(4611686018427387904,), got only 4 bytes before the CRC"},
        {"short tensor data", crafted_file(1, tensor_entry("w", {3}, 2)),
         "entry 0 of 1 ('w'): expected 3 float32 values for shape (3,), got only 8 bytes before "
         "the CRC"},
        {"huge text length", crafted_file(1, text_entry),
         "entry 0 of 1 ('t'): expected 18446744073709551615 bytes for the text, got only 3 "
         "before the CRC"},
        {"short integer", crafted_file(1, short_integer),
         "entry 0 of 1 ('i.long'): expected 8 bytes for the integer, got only 4 before the CRC"},
        {"duplicate key", crafted_file(2, concat(one, integer_entry("a", 2))),
         "entry 1 of 2 ('a'): expected unique keys, got this key a second time"},
        {"trailing bytes", crafted_file(1, concat(one, Bytes{1, 2, 3})),
         "after the last entry: expected the CRC, got 3 more bytes first"},
    };
    for (const Case& c : cases) {
        const std::string name = c.name;
        CAPTURE(name);
        write_bytes(path, c.file);
        CHECK(message_of(path) == "checkpoint " + path + ": " + c.expected);
    }
}

TEST_CASE("state_dict: saving over a good file replaces it and leaves no temporary file") {
    TempDir dir;
    const std::string path = dir.file("run.ckpt");
    bg::StateDict first;
    first.put("step", int64_t{1});
    first.save(path);
    bg::StateDict second;
    second.put("step", int64_t{2});
    second.put("w", bg::Tensor::full({4}, 1.0));
    second.save(path);
    CHECK(bg::StateDict::load(path).integer("step") == 2);
    CHECK(dir.listing() == std::vector<std::string>{"run.ckpt"});
}

TEST_CASE("state_dict: a failed save throws naming the path and leaves nothing behind") {
    TempDir dir;
    const bg::StateDict dict = small_dict();

    const std::string in_missing = dir.file("missing/a.ckpt");
    CHECK_THROWS_WITH_AS(dict.save(in_missing),
                         ("checkpoint save " + in_missing + ": expected an existing folder '" +
                          dir.file("missing") + "', got none (create it first)")
                             .c_str(),
                         bg::Error);
    CHECK(dir.listing().empty());

    // The target is a folder: the temporary file is written in full, the rename fails, and the
    // temporary file must be gone afterwards.
    const std::string folder = dir.file("taken");
    fs::create_directory(folder);
    write_bytes(dir.file("taken/inside"), Bytes{1});
    CHECK_THROWS_WITH_AS(
        dict.save(folder),
        doctest::Contains(("checkpoint save " + folder + ": expected to rename '" + folder +
                           ".tmp." + std::to_string(getpid()) + "' to '" + folder + "', got '")
                              .c_str()),
        bg::Error);
    CHECK(dir.listing() == std::vector<std::string>{"taken"});
}

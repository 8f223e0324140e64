// Tests for the IDX readers and MnistDataset on tiny files written here, raw and gzipped: the
// values read back, file lookup, normalization, and one error message per malformed case. The
// real MNIST files are not needed (scripts/get_data.sh is tested by tests/scripts/).
#include <doctest/doctest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "datasets/mnist.h"
#include "engine/check.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using budgetgrad::Error;
using budgetgrad::IdxImages;
using budgetgrad::MnistDataset;
using budgetgrad::MnistSplit;

namespace {

using Bytes = std::vector<uint8_t>;

using budgetgrad::testing::TempDir;

void append_u32(Bytes& out, uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(uint8_t(value >> shift));
}

Bytes images_file(uint32_t count, uint32_t rows, uint32_t cols, const Bytes& pixels,
                  uint32_t magic = budgetgrad::kIdxImagesMagic) {
    Bytes out;
    append_u32(out, magic);
    append_u32(out, count);
    append_u32(out, rows);
    append_u32(out, cols);
    out.insert(out.end(), pixels.begin(), pixels.end());
    return out;
}

Bytes labels_file(const Bytes& labels, uint32_t magic = budgetgrad::kIdxLabelsMagic) {
    Bytes out;
    append_u32(out, magic);
    append_u32(out, static_cast<uint32_t>(labels.size()));
    out.insert(out.end(), labels.begin(), labels.end());
    return out;
}

void write_raw(const std::string& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    REQUIRE(out.good());
}

void write_gz(const std::string& path, const Bytes& bytes) {
    gzFile file = gzopen(path.c_str(), "wb");
    REQUIRE(file != nullptr);
    if (!bytes.empty()) {
        REQUIRE(gzwrite(file, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
    }
    REQUIRE(gzclose(file) == Z_OK);
}

// doctest::Contains takes a C string; this takes the paths built with std::string.
doctest::Contains contains(const std::string& text) {
    return doctest::Contains(text.c_str());
}

Bytes read_raw(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// count images of side x side whose pixel j of image i is (i * 7 + j) % 256.
Bytes pattern_pixels(int count, int side) {
    Bytes pixels;
    for (int i = 0; i < count; ++i) {
        for (int j = 0; j < side * side; ++j)
            pixels.push_back(uint8_t((i * 7 + j) % 256));
    }
    return pixels;
}

// A complete split of 28x28 images in `dir`: `labels.size()` images, raw or gzipped.
void write_split(const TempDir& dir, const std::string& prefix, const Bytes& labels, bool gz) {
    const auto count = static_cast<uint32_t>(labels.size());
    const Bytes images = images_file(count, 28, 28, pattern_pixels(int(count), 28));
    const std::string suffix = gz ? ".gz" : "";
    auto write = gz ? write_gz : write_raw;
    write(dir.file(prefix + "-images-idx3-ubyte" + suffix), images);
    write(dir.file(prefix + "-labels-idx1-ubyte" + suffix), labels_file(labels));
}

}  // namespace

TEST_CASE("read_idx_images and read_idx_labels read raw and gzipped files alike") {
    TempDir dir;
    // 3 images of 2 rows x 4 cols: 24 pixel bytes 0, 10, 20, ..., 230.
    Bytes pixels;
    for (int i = 0; i < 24; ++i)
        pixels.push_back(uint8_t(i * 10));
    const Bytes labels = {7, 0, 9};
    for (bool gz : {false, true}) {
        CAPTURE(gz);
        const std::string images_path = dir.file(gz ? "im.gz" : "im");
        const std::string labels_path = dir.file(gz ? "lb.gz" : "lb");
        (gz ? write_gz : write_raw)(images_path, images_file(3, 2, 4, pixels));
        (gz ? write_gz : write_raw)(labels_path, labels_file(labels));

        const IdxImages images = budgetgrad::read_idx_images(images_path);
        CHECK(images.count == 3);
        CHECK(images.rows == 2);
        CHECK(images.cols == 4);
        CHECK(images.pixels == pixels);
        CHECK(budgetgrad::read_idx_labels(labels_path) == labels);
    }
}

TEST_CASE("read_idx_images reads a file larger than one read chunk") {
    TempDir dir;
    // 1400 images of 28x28 = 1097600 bytes, more than the reader's 1 MiB chunk.
    const Bytes pixels = pattern_pixels(1400, 28);
    write_gz(dir.file("big.gz"), images_file(1400, 28, 28, pixels));
    const IdxImages images = budgetgrad::read_idx_images(dir.file("big.gz"));
    CHECK(images.count == 1400);
    CHECK(images.pixels == pixels);
}

TEST_CASE("read_idx_images accepts a header promising zero images") {
    TempDir dir;
    write_raw(dir.file("none"), images_file(0, 28, 28, {}));
    CHECK(budgetgrad::read_idx_images(dir.file("none")).pixels.empty());
}

TEST_CASE("read_idx_* reject a missing path, a directory and an empty file") {
    TempDir dir;
    const std::string missing = dir.file("nope");
    CHECK_THROWS_WITH_AS(
        budgetgrad::read_idx_images(missing),
        ("read_idx_images: " + missing + ": expected an existing file, got no such file").c_str(),
        Error);
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_labels(dir.str()),
                         doctest::Contains("expected a file, got a directory"), Error);

    write_raw(dir.file("empty"), {});
    write_gz(dir.file("empty.gz"), {});
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_images(dir.file("empty")),
                         ("read_idx_images: " + dir.file("empty") +
                          ": expected an idx images file, got an empty file")
                             .c_str(),
                         Error);
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_labels(dir.file("empty.gz")),
                         doctest::Contains("expected an idx labels file, got an empty file"),
                         Error);
}

TEST_CASE("read_idx_* reject a wrong magic number and say what the file looks like") {
    TempDir dir;
    write_raw(dir.file("labels"), labels_file({1, 2}));
    write_raw(dir.file("images"), images_file(1, 2, 2, {0, 0, 0, 0}));
    write_raw(dir.file("swapped"), images_file(1, 2, 2, {0, 0, 0, 0}, /*magic=*/0x03080000));
    write_raw(dir.file("html"), images_file(1, 2, 2, {0, 0, 0, 0}, /*magic=*/0x3c21444f));
    write_raw(dir.file("floats"), images_file(1, 2, 2, {0, 0, 0, 0}, /*magic=*/0x00000d03));

    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_images(dir.file("labels")),
                         ("read_idx_images: " + dir.file("labels") +
                          ": expected magic number 2051 (idx images), got 2049 (an idx labels "
                          "file: are the images and labels paths swapped?)")
                             .c_str(),
                         Error);
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_labels(dir.file("images")),
                         doctest::Contains("expected magic number 2049 (idx labels), got 2051 "
                                           "(an idx images file"),
                         Error);
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_images(dir.file("swapped")),
                         doctest::Contains("byte-swapped"), Error);
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_images(dir.file("html")),
                         doctest::Contains("not an idx file"), Error);
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_images(dir.file("floats")),
                         doctest::Contains("element type 0xd and rank 3"), Error);
}

TEST_CASE("read_idx_images rejects absurd dimensions") {
    TempDir dir;
    write_raw(dir.file("zero_rows"), images_file(1, 0, 28, {}));
    write_raw(dir.file("huge_cols"), images_file(1, 28, 1u << 20, {}));
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_images(dir.file("zero_rows")),
                         doctest::Contains("expected image rows and cols in [1, 16384], got 0x28"),
                         Error);
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_images(dir.file("huge_cols")),
                         doctest::Contains("got 28x1048576"), Error);
}

TEST_CASE("read_idx_* reject truncated files, raw and gzipped") {
    TempDir dir;
    // 3 images of 4x4 promise 48 bytes; only 40 are there.
    Bytes short_images = images_file(3, 4, 4, pattern_pixels(3, 4));
    short_images.resize(short_images.size() - 8);
    write_raw(dir.file("images"), short_images);
    write_gz(dir.file("images.gz"), short_images);
    for (const std::string name : {"images", "images.gz"}) {
        CHECK_THROWS_WITH_AS(budgetgrad::read_idx_images(dir.file(name)),
                             ("read_idx_images: " + dir.file(name) +
                              ": expected 3 images of 4x4 (48 bytes after the 16-byte header), "
                              "got 40 bytes (the file is truncated)")
                                 .c_str(),
                             Error);
    }

    Bytes short_labels = labels_file({1, 2, 3, 4, 5});
    short_labels.resize(short_labels.size() - 2);
    write_raw(dir.file("labels"), short_labels);
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_labels(dir.file("labels")),
                         doctest::Contains("expected 5 labels (5 bytes after the 8-byte header), "
                                           "got 3 bytes (the file is truncated)"),
                         Error);

    // Cut inside the header: the magic is right, the dimensions are missing.
    Bytes short_header = images_file(3, 4, 4, {});
    short_header.resize(10);
    write_raw(dir.file("header"), short_header);
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_images(dir.file("header")),
                         doctest::Contains("expected a 16-byte idx images header, got only 10 "
                                           "bytes (the file is truncated)"),
                         Error);
}

TEST_CASE("read_idx_* reject trailing bytes after the promised data") {
    TempDir dir;
    Bytes images = images_file(2, 2, 2, {1, 2, 3, 4, 5, 6, 7, 8});
    images.push_back(9);
    write_gz(dir.file("images.gz"), images);
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_images(dir.file("images.gz")),
                         ("read_idx_images: " + dir.file("images.gz") +
                          ": expected the file to end after 2 images of 2x2 (8 bytes after the "
                          "16-byte header), got 1 trailing bytes (wrong header count or a "
                          "corrupt file)")
                             .c_str(),
                         Error);

    Bytes labels = labels_file({1, 2});
    labels.insert(labels.end(), {0, 0, 0});
    write_raw(dir.file("labels"), labels);
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_labels(dir.file("labels")),
                         doctest::Contains("expected the file to end after 2 labels (2 bytes after "
                                           "the 8-byte header), got 3 trailing bytes"),
                         Error);
}

TEST_CASE("read_idx_* reject a corrupt or cut gzip stream") {
    TempDir dir;
    const Bytes images = images_file(20, 28, 28, pattern_pixels(20, 28));
    write_gz(dir.file("good.gz"), images);
    const Bytes compressed = read_raw(dir.file("good.gz"));
    REQUIRE(compressed.size() > 40);

    // Half of the compressed stream: zlib sees the stream end early.
    write_raw(dir.file("cut.gz"),
              Bytes(compressed.begin(), compressed.begin() + long(compressed.size() / 2)));
    CHECK_THROWS_WITH_AS(
        budgetgrad::read_idx_images(dir.file("cut.gz")),
        contains(dir.file("cut.gz") + ": expected a valid gzip stream, got zlib error"), Error);

    // A flipped byte in the CRC32 trailer: every data byte is intact but the check fails.
    Bytes bad_crc = compressed;
    bad_crc[bad_crc.size() - 6] ^= 0xff;
    write_raw(dir.file("crc.gz"), bad_crc);
    CHECK_THROWS_WITH_AS(budgetgrad::read_idx_images(dir.file("crc.gz")),
                         doctest::Contains("expected a valid gzip stream, got zlib error"), Error);
}

TEST_CASE("MnistDataset reads a split, normalizes, and prefers the raw file") {
    TempDir dir;
    write_split(dir, "train", {3, 1, 4, 1, 5}, /*gz=*/true);
    write_split(dir, "t10k", {9, 2}, /*gz=*/false);

    const MnistDataset train(dir.str(), MnistSplit::train);
    CHECK(train.size() == 5);
    CHECK(train.example_shape() == budgetgrad::Shape{1, 28, 28});
    CHECK(train.num_classes() == 10);
    CHECK(train.images_path() == dir.file("train-images-idx3-ubyte.gz"));
    std::vector<float> out(28 * 28);
    CHECK(train.get_into(2, out.data()) == 4);
    const Bytes pixels = pattern_pixels(5, 28);
    for (int j = 0; j < 28 * 28; ++j) {
        // Image 2 starts at byte 2 * 784 of the pattern.
        const float expected =
            (float(pixels[2 * 784 + j]) / 255.0f - budgetgrad::kMnistMean) / budgetgrad::kMnistStd;
        CHECK(out[j] == expected);
    }
    // The first pixel of image 2 is 2 * 7 = 14: (14 / 255 - 0.1307) / 0.3081 = -0.24602.
    CHECK(out[0] == doctest::Approx(-0.24602).epsilon(1e-4));
    CHECK_THROWS_WITH_AS(train.get_into(5, out.data()),
                         "MnistDataset::get_into: expected an index in [0, 5), got 5", Error);

    const MnistDataset test(dir.str(), MnistSplit::test);
    CHECK(test.size() == 2);
    CHECK(test.labels() == Bytes{9, 2});

    // With both forms present the raw file wins: give it different labels than the .gz.
    write_split(dir, "train", {0, 0, 0, 0, 0}, /*gz=*/false);
    const MnistDataset raw(dir.str(), MnistSplit::train);
    CHECK(raw.images_path() == dir.file("train-images-idx3-ubyte"));
    CHECK(raw.labels() == Bytes{0, 0, 0, 0, 0});
}

TEST_CASE("MnistDataset names the directory, the files and the fix when files are missing") {
    TempDir dir;
    CHECK_THROWS_WITH_AS(MnistDataset(dir.str(), MnistSplit::test),
                         ("MnistDataset: expected t10k-images-idx3-ubyte or "
                          "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte or "
                          "t10k-labels-idx1-ubyte.gz in " +
                          dir.str() + ", got no such file (run scripts/get_data.sh mnist)")
                             .c_str(),
                         Error);

    write_split(dir, "train", {1, 2}, /*gz=*/true);
    fs::remove(dir.file("train-labels-idx1-ubyte.gz"));
    CHECK_THROWS_WITH_AS(
        MnistDataset(dir.str(), MnistSplit::train, MnistDataset::kFashionMnistMissingHint),
        ("MnistDataset: expected train-labels-idx1-ubyte or "
         "train-labels-idx1-ubyte.gz in " +
         dir.str() + ", got no such file (run apt-get install dataset-fashion-mnist)")
            .c_str(),
        Error);

    const std::string nowhere = dir.file("nowhere");
    CHECK_THROWS_WITH_AS(
        MnistDataset(nowhere, MnistSplit::train),
        contains("got no directory " + nowhere + " (run scripts/get_data.sh mnist)"), Error);
}

TEST_CASE("MnistDataset rejects mismatched counts, bad labels, wrong sizes and empty splits") {
    TempDir dir;
    write_split(dir, "train", {1, 2, 3}, /*gz=*/false);
    write_raw(dir.file("train-labels-idx1-ubyte"), labels_file({1, 2}));
    CHECK_THROWS_WITH_AS(MnistDataset(dir.str(), MnistSplit::train),
                         ("MnistDataset: expected as many labels as images (3 in " +
                          dir.file("train-images-idx3-ubyte") + "), got 2 labels in " +
                          dir.file("train-labels-idx1-ubyte"))
                             .c_str(),
                         Error);

    write_raw(dir.file("train-labels-idx1-ubyte"), labels_file({1, 10, 3}));
    CHECK_THROWS_WITH_AS(MnistDataset(dir.str(), MnistSplit::train),
                         ("MnistDataset: expected labels in [0, 10) in " +
                          dir.file("train-labels-idx1-ubyte") + ", got 10 at index 1")
                             .c_str(),
                         Error);

    write_raw(dir.file("train-labels-idx1-ubyte"), labels_file({1}));
    write_raw(dir.file("train-images-idx3-ubyte"), images_file(1, 32, 32, pattern_pixels(1, 32)));
    CHECK_THROWS_WITH_AS(
        MnistDataset(dir.str(), MnistSplit::train),
        contains("expected 28x28 images in " + dir.file("train-images-idx3-ubyte") + ", got 32x32"),
        Error);

    write_raw(dir.file("train-labels-idx1-ubyte"), labels_file({}));
    write_raw(dir.file("train-images-idx3-ubyte"), images_file(0, 28, 28, {}));
    CHECK_THROWS_WITH_AS(MnistDataset(dir.str(), MnistSplit::train),
                         doctest::Contains("expected at least one image"), Error);

    // A reader error surfaces unchanged through the dataset.
    write_raw(dir.file("train-images-idx3-ubyte"), labels_file({1}));
    CHECK_THROWS_WITH_AS(MnistDataset(dir.str(), MnistSplit::train),
                         doctest::Contains("expected magic number 2051"), Error);
}

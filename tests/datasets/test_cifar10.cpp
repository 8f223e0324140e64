// Tests for the CIFAR-10 binary reader and Cifar10Dataset on tiny .bin files written here: values
// and labels read back, normalization, the order of the five training files, both folder
// layouts, and one error message per malformed case. The real data set is checked separately
// (test_cifar10_real.cpp).
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "datasets/cifar10.h"
#include "datasets/dataloader.h"
#include "engine/check.h"
#include "temp_dir.h"

namespace fs = std::filesystem;
using budgetgrad::Cifar10Dataset;
using budgetgrad::CifarSplit;
using budgetgrad::Error;
using budgetgrad::kCifarImageBytes;
using budgetgrad::kCifarRecordBytes;

namespace {

using Bytes = std::vector<uint8_t>;

using budgetgrad::testing::TempDir;

// Pixel k of the record with tag t: a byte that differs between records and positions.
uint8_t pixel_value(int tag, int64_t k) {
    return static_cast<uint8_t>((k * 7 + tag * 31) % 256);
}

// One 3073-byte record: the label, then pixel_value(tag, 0..3071).
Bytes record(uint8_t label, int tag) {
    Bytes out{label};
    for (int64_t k = 0; k < kCifarImageBytes; ++k)
        out.push_back(pixel_value(tag, k));
    return out;
}

// Records with these labels; record r is tagged first_tag + r.
Bytes batch_file(const Bytes& labels, int first_tag) {
    Bytes out;
    for (std::size_t r = 0; r < labels.size(); ++r) {
        const Bytes one = record(labels[r], first_tag + static_cast<int>(r));
        out.insert(out.end(), one.begin(), one.end());
    }
    return out;
}

void write_file(const std::string& path, const Bytes& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    REQUIRE(out.good());
}

// data_batch_i.bin holds i records (15 in all) with labels (tag % 10), tags 0..14 in file order;
// test_batch.bin holds 2 records tagged 100 and 101 with labels 3 and 8.
void write_split_files(const std::string& folder) {
    fs::create_directories(folder);
    int tag = 0;
    for (int i = 1; i <= budgetgrad::kCifarTrainFiles; ++i) {
        Bytes labels;
        for (int r = 0; r < i; ++r)
            labels.push_back(static_cast<uint8_t>((tag + r) % 10));
        write_file(folder + "/data_batch_" + std::to_string(i) + ".bin", batch_file(labels, tag));
        tag += i;
    }
    write_file(folder + "/test_batch.bin", batch_file({3, 8}, /*first_tag=*/100));
}

float normalized(uint8_t pixel, int channel) {
    return (float(pixel) / 255.0f - budgetgrad::kCifarMean[channel]) /
           budgetgrad::kCifarStd[channel];
}

}  // namespace

TEST_CASE("read_cifar_batch reads labels and pixels record by record") {
    TempDir dir;
    write_file(dir.file("b.bin"), batch_file({0, 9, 4}, /*first_tag=*/5));
    const budgetgrad::CifarRecords records = budgetgrad::read_cifar_batch(dir.file("b.bin"));
    REQUIRE(records.count == 3);
    CHECK(records.labels == Bytes{0, 9, 4});
    REQUIRE(records.pixels.size() == std::size_t(3 * kCifarImageBytes));
    for (int r = 0; r < 3; ++r) {
        for (int64_t k : {int64_t{0}, int64_t{1}, int64_t{1023}, int64_t{1024}, int64_t{3071}}) {
            CHECK(records.pixels[std::size_t(r * kCifarImageBytes + k)] == pixel_value(5 + r, k));
        }
    }
}

TEST_CASE("Cifar10Dataset concatenates data_batch_1..5 in order and normalizes per channel") {
    TempDir dir;
    write_split_files(dir.str());
    const Cifar10Dataset train(dir.str(), CifarSplit::train);
    REQUIRE(train.size() == 15);  // 1 + 2 + 3 + 4 + 5 records
    CHECK(train.example_shape() == budgetgrad::Shape{3, 32, 32});
    CHECK(train.num_classes() == 10);
    CHECK(train.folder() == dir.str());
    REQUIRE(train.paths().size() == 5);
    CHECK(train.paths()[4] == dir.file("data_batch_5.bin"));
    REQUIRE(train.class_names().size() == 10);
    CHECK(train.class_names()[0] == "airplane");
    CHECK(train.class_names()[3] == "cat");
    CHECK(train.class_names()[9] == "truck");

    std::vector<float> out(kCifarImageBytes);
    for (int64_t i = 0; i < train.size(); ++i) {
        CHECK(train.get_into(i, out.data()) == i % 10);
        // (pixel / 255 - mean[c]) / std[c] at the start and end of each colour plane.
        for (int c = 0; c < 3; ++c) {
            for (int64_t k : {c * int64_t{1024}, c * int64_t{1024} + 1023}) {
                CHECK(out[std::size_t(k)] == normalized(pixel_value(int(i), k), c));
            }
        }
    }
    // Hand-computed: pixel 0 of tag 0 is 0 -> (0 - 0.4914) / 0.2470 = -1.98947...
    train.get_into(0, out.data());
    CHECK(out[0] == doctest::Approx(-1.989474).epsilon(1e-6));

    const Cifar10Dataset test(dir.str(), CifarSplit::test);
    REQUIRE(test.size() == 2);
    CHECK(test.labels() == Bytes{3, 8});
    CHECK(test.get_into(1, out.data()) == 8);
    CHECK(out[2048] == normalized(pixel_value(101, 2048), 2));
}

TEST_CASE("Cifar10Dataset finds the files in a cifar-10-batches-bin sub-folder") {
    TempDir dir;
    const std::string nested = dir.file("cifar-10-batches-bin");
    write_split_files(nested);
    const Cifar10Dataset test(dir.str(), CifarSplit::test);
    CHECK(test.folder() == nested);
    CHECK(test.size() == 2);
    // The unpacked folder itself works too.
    CHECK(Cifar10Dataset(nested, CifarSplit::train).size() == 15);
}

TEST_CASE("Cifar10Dataset batches through a DataLoader") {
    TempDir dir;
    write_split_files(dir.str());
    auto train = std::make_shared<const Cifar10Dataset>(dir.str(), CifarSplit::train);
    budgetgrad::DataLoader loader(train, {.batch_size = 4, .shuffle = false});
    const budgetgrad::Batch batch = loader.batch(/*index=*/3);  // examples 12, 13, 14
    CHECK(batch.images.shape() == budgetgrad::Shape{3, 3, 32, 32});
    CHECK(batch.labels == std::vector<int64_t>{2, 3, 4});
    CHECK(batch.images.at(2 * kCifarImageBytes + 5) == normalized(pixel_value(14, 5), 0));
}

TEST_CASE("Cifar10Dataset names the missing files and the fix") {
    TempDir dir;
    write_split_files(dir.str());
    fs::remove(dir.file("data_batch_3.bin"));
    fs::remove(dir.file("data_batch_5.bin"));
    const std::string expected =
        "Cifar10Dataset: expected the train files data_batch_1.bin, data_batch_2.bin, "
        "data_batch_3.bin, data_batch_4.bin, data_batch_5.bin in " +
        dir.str() + " (or in " + dir.file("cifar-10-batches-bin") +
        "), got no data_batch_3.bin, data_batch_5.bin (run scripts/get_data.sh cifar10)";
    CHECK_THROWS_WITH_AS(Cifar10Dataset(dir.str(), CifarSplit::train), expected.c_str(), Error);

    TempDir empty;
    CHECK_THROWS_WITH_AS(Cifar10Dataset(empty.str(), CifarSplit::test),
                         ("Cifar10Dataset: expected the test file test_batch.bin in " +
                          empty.str() + " (or in " + empty.file("cifar-10-batches-bin") +
                          "), got no test_batch.bin (run scripts/get_data.sh cifar10)")
                             .c_str(),
                         Error);
    CHECK_THROWS_WITH_AS(Cifar10Dataset(empty.file("nope"), CifarSplit::test),
                         doctest::Contains(("got no directory " + empty.file("nope") +
                                            " (run scripts/get_data.sh cifar10)")
                                               .c_str()),
                         Error);
}

TEST_CASE("read_cifar_batch rejects a size that is not a whole number of records") {
    TempDir dir;
    Bytes bytes = batch_file({1, 2}, /*first_tag=*/0);
    bytes.resize(bytes.size() + 5);  // 6151 bytes: 2 records and 5 bytes
    write_file(dir.file("over.bin"), bytes);
    CHECK_THROWS_WITH_AS(
        budgetgrad::read_cifar_batch(dir.file("over.bin")),
        ("read_cifar_batch: " + dir.file("over.bin") +
         ": expected a positive multiple of 3073 bytes (records of 1 label byte and 3072 pixel "
         "bytes), got 6151 bytes: 2 whole records and 5 bytes over, or 3068 bytes short of 3 "
         "records (a truncated or foreign file)")
            .c_str(),
        Error);

    bytes.resize(std::size_t(kCifarRecordBytes - 1));  // one byte short of one record
    write_file(dir.file("short.bin"), bytes);
    CHECK_THROWS_WITH_AS(budgetgrad::read_cifar_batch(dir.file("short.bin")),
                         doctest::Contains("got 3072 bytes: 0 whole records and 3072 bytes over, "
                                           "or 1 byte short of 1 record "),
                         Error);
}

TEST_CASE("read_cifar_batch rejects an empty file, a directory and a missing file") {
    TempDir dir;
    write_file(dir.file("empty.bin"), {});
    CHECK_THROWS_WITH_AS(
        budgetgrad::read_cifar_batch(dir.file("empty.bin")),
        ("read_cifar_batch: " + dir.file("empty.bin") +
         ": expected a positive multiple of 3073 bytes (records of 1 label byte and 3072 pixel "
         "bytes), got an empty file (run scripts/get_data.sh cifar10)")
            .c_str(),
        Error);
    CHECK_THROWS_WITH_AS(
        budgetgrad::read_cifar_batch(dir.str()),
        ("read_cifar_batch: " + dir.str() + ": expected a file, got a directory").c_str(), Error);
    CHECK_THROWS_WITH_AS(budgetgrad::read_cifar_batch(dir.file("nope.bin")),
                         ("read_cifar_batch: " + dir.file("nope.bin") +
                          ": expected an existing file, got no such file (run "
                          "scripts/get_data.sh cifar10)")
                             .c_str(),
                         Error);

    // Through the dataset: an empty data_batch_2.bin is named.
    write_split_files(dir.file("split"));
    write_file(dir.file("split/data_batch_2.bin"), {});
    CHECK_THROWS_WITH_AS(Cifar10Dataset(dir.file("split"), CifarSplit::train),
                         doctest::Contains((dir.file("split/data_batch_2.bin") +
                                            ": expected a positive multiple of 3073 bytes")
                                               .c_str()),
                         Error);
}

TEST_CASE("read_cifar_batch rejects a label of 10 and names the record") {
    TempDir dir;
    write_file(dir.file("label.bin"), batch_file({7, 10, 2}, /*first_tag=*/0));
    CHECK_THROWS_WITH_AS(budgetgrad::read_cifar_batch(dir.file("label.bin")),
                         ("read_cifar_batch: " + dir.file("label.bin") +
                          ": expected labels in [0, 10), got 10 in record 1 (byte offset 3073)")
                             .c_str(),
                         Error);
    write_split_files(dir.file("split"));
    write_file(dir.file("split/test_batch.bin"), batch_file({1, 255}, /*first_tag=*/0));
    CHECK_THROWS_WITH_AS(Cifar10Dataset(dir.file("split"), CifarSplit::test),
                         doctest::Contains("test_batch.bin: expected labels in [0, 10), got 255 "
                                           "in record 1"),
                         Error);
}

TEST_CASE("Cifar10Dataset::get_into rejects an index out of range") {
    TempDir dir;
    write_split_files(dir.str());
    const Cifar10Dataset test(dir.str(), CifarSplit::test);
    std::vector<float> out(kCifarImageBytes);
    CHECK_THROWS_WITH_AS(test.get_into(2, out.data()),
                         "Cifar10Dataset::get_into: expected an index in [0, 2), got 2", Error);
    CHECK_THROWS_WITH_AS(test.get_into(-1, out.data()),
                         "Cifar10Dataset::get_into: expected an index in [0, 2), got -1", Error);
}

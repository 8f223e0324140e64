// Checks the real CIFAR-10 files in data_dir()/cifar10 (scripts/get_data.sh cifar10 puts them
// there): split sizes, the label histogram of every training file and of the test file, and the
// first labels, all as published. Without the data the test fails, never passes silently.
// Pixels are not compared: the copy in the shared mirror is JPEG-derived, not the official bytes.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data_dir.h"
#include "datasets/cifar10.h"

using budgetgrad::Cifar10Dataset;
using budgetgrad::CifarSplit;

namespace {

using Histogram = std::array<int64_t, budgetgrad::kCifarClasses>;

// Label counts of records [first, first + count).
Histogram histogram(const std::vector<uint8_t>& labels, int64_t first, int64_t count) {
    Histogram counts{};
    for (int64_t i = first; i < first + count; ++i)
        ++counts[labels[std::size_t(i)]];
    return counts;
}

// The folder with the data, or "" after FAILing with the fix.
std::string cifar_dir() {
    const std::string dir = budgetgrad::testing::data_dir() + "/cifar10";
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
        FAIL("the real CIFAR-10 data is missing: expected the folder "
             << dir << ", got none (run scripts/get_data.sh cifar10, or set BUDGETGRAD_DATA_DIR)");
        return "";
    }
    return dir;
}

}  // namespace

TEST_CASE("real CIFAR-10: training split sizes, per-file label histograms, first labels") {
    const std::string dir = cifar_dir();
    const Cifar10Dataset train(dir, CifarSplit::train);
    REQUIRE(train.size() == budgetgrad::kCifarTrainSize);
    // Per data_batch_i.bin, labels 0..9 (from the published label lists).
    const std::array<Histogram, budgetgrad::kCifarTrainFiles> expected = {{
        {1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981},
        {984, 1007, 1010, 995, 1010, 988, 1008, 1026, 987, 985},
        {994, 1042, 965, 997, 990, 1029, 978, 1015, 961, 1029},
        {1003, 963, 1041, 976, 1004, 1021, 1004, 981, 1024, 983},
        {1014, 1014, 952, 1016, 997, 1025, 980, 977, 1003, 1022},
    }};
    Histogram total{};
    for (int file = 0; file < budgetgrad::kCifarTrainFiles; ++file) {
        CAPTURE(train.paths()[std::size_t(file)]);
        const Histogram counts = histogram(train.labels(), file * budgetgrad::kCifarRecordsPerFile,
                                           budgetgrad::kCifarRecordsPerFile);
        CHECK(counts == expected[std::size_t(file)]);
        for (int c = 0; c < budgetgrad::kCifarClasses; ++c)
            total[std::size_t(c)] += counts[std::size_t(c)];
    }
    for (int64_t count : total)
        CHECK(count == 5000);
    CHECK(std::vector<uint8_t>(train.labels().begin(), train.labels().begin() + 5) ==
          std::vector<uint8_t>{6, 9, 9, 4, 1});
}

TEST_CASE("real CIFAR-10: test split size, label histogram, first labels") {
    const std::string dir = cifar_dir();
    const Cifar10Dataset test(dir, CifarSplit::test);
    REQUIRE(test.size() == budgetgrad::kCifarTestSize);
    for (int64_t count : histogram(test.labels(), 0, test.size()))
        CHECK(count == 1000);
    CHECK(std::vector<uint8_t>(test.labels().begin(), test.labels().begin() + 5) ==
          std::vector<uint8_t>{3, 8, 8, 0, 6});
    // Normalized values stay in the range the constants allow: x in [0, 1] per channel.
    std::vector<float> out(budgetgrad::kCifarImageBytes);
    CHECK(test.get_into(0, out.data()) == 3);
    for (int c = 0; c < 3; ++c) {
        const float low = (0.0f - budgetgrad::kCifarMean[c]) / budgetgrad::kCifarStd[c];
        const float high = (1.0f - budgetgrad::kCifarMean[c]) / budgetgrad::kCifarStd[c];
        for (int64_t i = c * 1024; i < (c + 1) * 1024; ++i) {
            CHECK(out[std::size_t(i)] >= low);
            CHECK(out[std::size_t(i)] <= high);
        }
    }
}

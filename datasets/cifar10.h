// CIFAR-10: a validated reader for the official binary version (cifar-10-binary.tar.gz) and a
// Dataset over it. A .bin file is a run of 3073-byte records: one label byte, then 3072 pixel
// bytes (the red 32x32 plane, then green, then blue, each row-major). Pixels stay uint8 in memory
// (154 MB for the training split) and are normalized per read. Not handled: the Python (pickle)
// and Matlab versions, CIFAR-100's two-label records, and augmentation (see transforms.h).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "datasets/dataset.h"

namespace budgetgrad {

inline constexpr int64_t kCifarSide = 32;
inline constexpr int64_t kCifarChannels = 3;
inline constexpr int64_t kCifarImageBytes = kCifarChannels * kCifarSide * kCifarSide;  // 3072
inline constexpr int64_t kCifarRecordBytes = 1 + kCifarImageBytes;                     // 3073
inline constexpr int64_t kCifarClasses = 10;
inline constexpr int kCifarTrainFiles = 5;  // data_batch_1.bin ... data_batch_5.bin
inline constexpr int64_t kCifarRecordsPerFile = 10000;
inline constexpr int64_t kCifarTrainSize = 50000;
inline constexpr int64_t kCifarTestSize = 10000;
// Per-channel (R, G, B) mean and standard deviation of all training pixels scaled to [0, 1].
// The often-copied std (0.2023, 0.1994, 0.2010) is a different statistic and is not used here.
inline constexpr std::array<float, kCifarChannels> kCifarMean = {0.4914f, 0.4822f, 0.4465f};
inline constexpr std::array<float, kCifarChannels> kCifarStd = {0.2470f, 0.2435f, 0.2616f};
// Label i names class kCifarClassNames[i] (batches.meta.txt).
inline constexpr std::array<std::string_view, kCifarClasses> kCifarClassNames = {
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
// The folder the official archive unpacks to.
inline constexpr const char* kCifarFolder = "cifar-10-batches-bin";
inline constexpr const char* kCifarMissingHint = "run scripts/get_data.sh cifar10";

// The records of one .bin file, in file order.
struct CifarRecords {
    int64_t count = 0;
    std::vector<uint8_t> labels;  // (count,), each < kCifarClasses
    std::vector<uint8_t> pixels;  // (count, 3, 32, 32): R, G, B planes, row-major
};

// Reads one CIFAR-10 .bin file. Throws budgetgrad::Error naming `path` when the file is missing,
// is a directory, cannot be read, is empty, is not a whole number of 3073-byte records (the
// message says how many bytes over or short), or holds a label >= 10 (naming the record).
CifarRecords read_cifar_batch(const std::string& path);

enum class CifarSplit { train, test };

// "train" or "test".
const char* cifar_split_name(CifarSplit split);

// The file names of a split: data_batch_1.bin ... data_batch_5.bin, or test_batch.bin.
std::vector<std::string> cifar_file_names(CifarSplit split);

// One split of CIFAR-10, read from `directory` or, when the files are not there, from its
// cifar-10-batches-bin sub-folder (so both data/cifar10 and the unpacked folder work). The train
// split concatenates data_batch_1..5 in order. Throws budgetgrad::Error when a file is missing
// (listing which, with the hint to run scripts/get_data.sh cifar10) or malformed (see
// read_cifar_batch). The record count per file is not fixed, so small test files are accepted.
// Examples are (3, 32, 32) floats, (pixel / 255 - kCifarMean[c]) / kCifarStd[c].
class Cifar10Dataset : public Dataset {
public:
    Cifar10Dataset(const std::string& directory, CifarSplit split);

    int64_t size() const override { return count_; }
    Shape example_shape() const override { return {kCifarChannels, kCifarSide, kCifarSide}; }
    int64_t num_classes() const override { return kCifarClasses; }
    // Writes the 3 * 32 * 32 normalized pixels of example `index` to `out`; returns its label.
    // Thread-safe (read-only).
    int64_t get_into(int64_t index, float* out) const override;

    CifarSplit split() const { return split_; }
    // airplane, automobile, ..., truck: the name of each label.
    const std::vector<std::string>& class_names() const { return class_names_; }
    const std::vector<uint8_t>& labels() const { return labels_; }  // (N,)
    const std::vector<uint8_t>& pixels() const { return pixels_; }  // (N, 3, 32, 32)
    // The files read, in order, and the folder they were found in.
    const std::vector<std::string>& paths() const { return paths_; }
    const std::string& folder() const { return folder_; }

private:
    CifarSplit split_;
    int64_t count_ = 0;
    std::string folder_;
    std::vector<std::string> paths_;
    std::vector<std::string> class_names_;  // (10,)
    std::vector<uint8_t> labels_;           // (N,)
    std::vector<uint8_t> pixels_;           // (N, 3, 32, 32)
};

}  // namespace budgetgrad

// MNIST and Fashion-MNIST: validated readers for their IDX files and a Dataset over them. The
// files may be raw or gzipped (zlib reads both). Only the unsigned-byte IDX variants these sets
// use are handled: images of rank 3 (magic 2051) and labels of rank 1 (magic 2049); other IDX
// element types and ranks are rejected, not converted. No augmentation, no streaming: a split is
// read whole into memory and kept as uint8 (47 MB for the training images).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace budgetgrad {

// IDX magic numbers, stored big-endian: 0x0000 0x08 (unsigned byte) then the rank.
inline constexpr uint32_t kIdxImagesMagic = 2051;  // 0x00000803: ubyte, 3 dims
inline constexpr uint32_t kIdxLabelsMagic = 2049;  // 0x00000801: ubyte, 1 dim
// Larger sides than this mean a corrupt header, not a real image.
inline constexpr int64_t kIdxMaxSide = 1 << 14;
// Largest payload a reader accepts: far above any IDX data set, and small enough that a corrupt
// or hostile header cannot make the reader allocate more than this.
inline constexpr uint64_t kIdxMaxPayloadBytes = uint64_t{1} << 31;

// Mean and standard deviation of the MNIST training pixels scaled to [0, 1]; Fashion-MNIST is
// normalized with the same values (what MnistDataset does for both).
inline constexpr float kMnistMean = 0.1307f;
inline constexpr float kMnistStd = 0.3081f;
inline constexpr int64_t kMnistTrainSize = 60000;
inline constexpr int64_t kMnistTestSize = 10000;
inline constexpr int64_t kMnistSide = 28;
inline constexpr int64_t kMnistClasses = 10;

// The contents of an IDX images file.
struct IdxImages {
    int64_t count = 0;
    int64_t rows = 0;
    int64_t cols = 0;
    std::vector<uint8_t> pixels;  // (count, rows, cols) row-major, 0 = background
};

// Reads an IDX images file (raw or .gz). Throws budgetgrad::Error naming `path` when the file
// cannot be opened, is empty, has a wrong magic number, absurd dimensions, fewer or more bytes
// than its header promises, or a broken gzip stream. A header promising 0 images is accepted.
IdxImages read_idx_images(const std::string& path);

// Reads an IDX labels file (raw or .gz): one byte per label. Throws like read_idx_images.
// Label values are not range-checked here; the dataset knows its number of classes.
std::vector<uint8_t> read_idx_labels(const std::string& path);

enum class MnistSplit { train, test };

// Class names by label: "0".."9" for MNIST; the ten garment names for Fashion-MNIST.
std::vector<std::string> mnist_class_names();
std::vector<std::string> fashion_mnist_class_names();

// "train" or "test".
const char* mnist_split_name(MnistSplit split);

// One split of MNIST or Fashion-MNIST. Looks in `directory` for
//   train: train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]
//   test:  t10k-images-idx3-ubyte[.gz],  t10k-labels-idx1-ubyte[.gz]
// preferring the raw file when both exist. `missing_hint` ends the error message when a file is
// missing; pass the fix for the data set you load (Fashion-MNIST: kFashionMnistMissingHint).
// Throws budgetgrad::Error when a file is missing or malformed, when image and label counts
// differ, when images are not 28x28, when a split is empty, or when a label is >= 10.
// Examples are (1, 28, 28) floats, (pixel / 255 - kMnistMean) / kMnistStd.
class MnistDataset : public Dataset {
public:
    static constexpr const char* kMnistMissingHint = "run scripts/get_data.sh mnist";
    static constexpr const char* kFashionMnistMissingHint =
        "run apt-get install dataset-fashion-mnist";

    MnistDataset(const std::string& directory, MnistSplit split,
                 const std::string& missing_hint = kMnistMissingHint);

    int64_t size() const override { return images_.count; }
    Shape example_shape() const override { return {1, images_.rows, images_.cols}; }
    int64_t num_classes() const override { return kMnistClasses; }
    // Writes the 28 * 28 normalized pixels of example `index` to `out`; returns its label.
    // Thread-safe (read-only).
    int64_t get_into(int64_t index, float* out) const override;

    MnistSplit split() const { return split_; }
    const IdxImages& images() const { return images_; }
    const std::vector<uint8_t>& labels() const { return labels_; }
    // The files actually read (raw or .gz).
    const std::string& images_path() const { return images_path_; }
    const std::string& labels_path() const { return labels_path_; }

private:
    MnistSplit split_;
    std::string images_path_;
    std::string labels_path_;
    IdxImages images_;
    std::vector<uint8_t> labels_;          // (count,), each < kMnistClasses
    std::array<float, 256> normalized_{};  // pixel byte -> normalized value
};

}  // namespace budgetgrad

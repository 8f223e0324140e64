// Image files as a dataset, laid out like torchvision's ImageFolder: root/<class>/<image>, one
// sub-folder per class, classes numbered in sorted name order. PNG, JPEG and BMP are decoded
// with stb_image, converted to 1 or 3 channels, resized to a square side and kept in memory as
// uint8. Also load_image() for one file (a predict tool). Not handled: other formats, nested
// folders inside a class, aspect-preserving resize or crops, 16-bit precision (read as 8-bit).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace budgetgrad {

// Sides above this are refused as a mistake (a 4096 x 4096 RGB dataset image is 48 MB).
inline constexpr int64_t kMaxImageSide = 4096;
// ITU-R BT.601 luma weights in 1/65536 units (0.299, 0.587, 0.114; they sum to 65536, so a grey
// pixel keeps its value): the conversion PIL's convert("L") makes.
inline constexpr uint32_t kLumaRed = 19595;
inline constexpr uint32_t kLumaGreen = 38470;
inline constexpr uint32_t kLumaBlue = 7471;

// Decodes the image at `path` and returns its pixels as (channels, image_size, image_size)
// uint8, CHW. channels = 1: grey, from colour by the luma weights above; channels = 3: RGB, a
// grey image replicated. An alpha channel is dropped (not blended). Any other size is resized
// to image_size x image_size with a triangle (bilinear) filter, averaging over the source
// footprint when shrinking, as PIL's bilinear resize does; the aspect ratio is not kept.
// Throws budgetgrad::Error naming `path` when the file is missing or cannot be decoded (with
// stb_image's reason), or when channels is not 1 or 3 or image_size is not in
// [1, kMaxImageSide].
std::vector<uint8_t> read_image(const std::string& path, int64_t channels, int64_t image_size);

// read_image() normalized like the datasets: (pixel / 255 - mean[c]) / std[c]. Returns a
// (channels, image_size, image_size) float32 tensor. Throws like read_image, and unless mean and
// std hold `channels` values with std > 0.
Tensor load_image(const std::string& path, int64_t channels, int64_t image_size,
                  std::span<const float> mean, std::span<const float> std);

// All images under root/<class>/, read eagerly (decoding runs on several threads with OpenMP).
// Class i is the i-th sub-folder of root in byte-wise sorted name order; within a class the
// files are taken in sorted name order too, so indices are reproducible. Files directly in root
// are ignored; inside a class folder every entry must be an image file. Throws budgetgrad::Error
// when root is not a directory or has no sub-folder, when a class folder is empty or holds a
// sub-folder, when any file cannot be decoded (naming it), or for the arguments load_image
// refuses. Examples are (channels, image_size, image_size) floats.
class ImageFolderDataset : public Dataset {
public:
    ImageFolderDataset(const std::string& root, int64_t channels, int64_t image_size,
                       std::span<const float> mean, std::span<const float> std);

    int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
    Shape example_shape() const override { return {channels_, image_size_, image_size_}; }
    int64_t num_classes() const override { return static_cast<int64_t>(class_names_.size()); }
    // Writes the normalized pixels of example `index` to `out`; returns its class index.
    // Thread-safe (read-only).
    int64_t get_into(int64_t index, float* out) const override;

    // The class folder names; label i is class_names()[i].
    const std::vector<std::string>& class_names() const { return class_names_; }
    const std::vector<std::string>& paths() const { return paths_; }  // (N,) file of each example
    const std::vector<int64_t>& labels() const { return labels_; }    // (N,)
    const std::vector<uint8_t>& pixels() const { return pixels_; }    // (N, C, S, S)
    const std::string& root() const { return root_; }

private:
    std::string root_;
    int64_t channels_ = 0;
    int64_t image_size_ = 0;
    std::vector<float> mean_;  // (C,)
    std::vector<float> std_;   // (C,)
    std::vector<std::string> class_names_;
    std::vector<std::string> paths_;
    std::vector<int64_t> labels_;
    std::vector<uint8_t> pixels_;  // (N, C, S, S)
};

}  // namespace budgetgrad

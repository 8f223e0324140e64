// Pixel normalization and the standard CIFAR training augmentation (random crop from a padded
// image, random horizontal flip) as a Dataset decorator. Every random choice is a pure function
// of (seed, epoch, example index), so a batch is the same whatever the thread count, the order
// examples are read in, or a resume. Not provided: scaling, rotation, colour jitter, cutout,
// mixup, or transforms on anything but (C, H, W) float examples.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "datasets/dataset.h"

namespace budgetgrad {

// Pixel bytes are scaled to [0, 1] by this before normalization.
inline constexpr float kPixelMax = 255.0f;
// torchvision's RandomCrop(32, padding=4) and RandomHorizontalFlip() defaults, used for CIFAR.
inline constexpr int64_t kCropPadding = 4;
inline constexpr double kFlipProbability = 0.5;
// A bound on the padding, far above any use, so that shifts cannot overflow.
inline constexpr int64_t kMaxCropPadding = 1 << 16;

// Writes out[c * plane + i] = (pixels[c * plane + i] / 255 - mean[c]) / std[c] for `channels`
// planes of `plane` uint8 pixels each (CHW order). Throws budgetgrad::Error unless mean and std
// hold one value per channel.
void normalize(const uint8_t* pixels, int64_t channels, int64_t plane, std::span<const float> mean,
               std::span<const float> std, float* out);

// What a pixel byte of 0 becomes after normalize(): (0 - mean[c]) / std[c], one per channel.
// This is the padding value that matches torchvision, whose RandomCrop pads the [0, 1] image
// with 0 before Normalize runs. Throws unless mean and std have the same, non-zero size.
std::vector<float> normalized_zero(std::span<const float> mean, std::span<const float> std);

// The random choices for one example.
struct AugmentDraw {
    int64_t shift_y = 0;  // in [-padding, padding]: output row y shows input row y + shift_y
    int64_t shift_x = 0;  // in [-padding, padding]: likewise for columns, before the flip
    bool flip = false;    // mirror left-right after the crop
};

// The crop, then the flip, of one (C, H, W) example: with x' = (flip ? W - 1 - x : x),
//   out(c, y, x) = in(c, y + shift_y, x' + shift_x)  when that lies inside the image,
//                  fill[c]                           when it falls in the padding.
// This equals torchvision's crop of the padded (C, H + 2P, W + 2P) image at top P + shift_y and
// left P + shift_x. `shape` is (C, H, W) and fill holds C values (checked); in and out must not
// overlap.
void crop_and_flip(const float* in, const Shape& shape, const AugmentDraw& draw,
                   std::span<const float> fill, float* out);

struct AugmentOptions {
    uint64_t seed = 0;                           // with the epoch and index, fixes every draw
    int64_t padding = kCropPadding;              // P in [0, kMaxCropPadding]; 0: no crop
    double flip_probability = kFlipProbability;  // in [0, 1]; 0: never flip
};

// A dataset whose examples are those of `inner`, randomly cropped and flipped. `fill` is the
// per-channel padding value in the normalized space the inner dataset returns; to match
// torchvision pass normalized_zero(mean, std) with the inner dataset's normalization
// (for CIFAR-10: normalized_zero(kCifarMean, kCifarStd)).
//
//   auto train = std::make_shared<AugmentedDataset>(
//       cifar, normalized_zero(kCifarMean, kCifarStd), AugmentOptions{.seed = 1});
//   DataLoader loader(train, {.batch_size = 128});  // its set_epoch() reaches train
//
// The draw of example i in epoch e comes from Generator(mix64(mix64(mix64(seed) ^ e) ^ i)): a
// counter-based stream, independent of threads and call order. The wrapper holds the epoch
// set_epoch() last gave it, so two loaders should not share one wrapper. Throws
// budgetgrad::Error for a null inner dataset, an example_shape that is not (C, H, W), a fill of
// the wrong size, or options out of range.
class AugmentedDataset : public Dataset {
public:
    AugmentedDataset(std::shared_ptr<const Dataset> inner, std::vector<float> fill,
                     AugmentOptions options = {});

    int64_t size() const override { return inner_->size(); }
    Shape example_shape() const override { return shape_; }
    int64_t num_classes() const override { return inner_->num_classes(); }
    // The inner example `index`, cropped and flipped with draw(epoch(), index). Thread-safe.
    int64_t get_into(int64_t index, float* out) const override;
    // Selects the epoch of later draws and forwards it to the inner dataset.
    void set_epoch(int64_t epoch) const override;

    int64_t epoch() const { return epoch_.load(); }
    // The choices for example `index` in `epoch`: the same for the same (seed, epoch, index).
    AugmentDraw draw(int64_t epoch, int64_t index) const;

    const Dataset& inner() const { return *inner_; }
    const std::vector<float>& fill() const { return fill_; }
    const AugmentOptions& options() const { return options_; }

private:
    std::shared_ptr<const Dataset> inner_;
    std::vector<float> fill_;  // (C,)
    AugmentOptions options_;
    Shape shape_;  // (C, H, W)
    mutable std::atomic<int64_t> epoch_{0};
};

}  // namespace budgetgrad

// Normalization and AugmentedDataset. The crop follows torchvision's RandomCrop(padding=P):
// pad by P on every side, pick the top-left corner uniformly in [0, 2P]^2, cut out H x W; the
// flip follows RandomHorizontalFlip(p). Nothing is padded in memory: a pixel that would come
// from the padding is written as the fill value directly.
#include "datasets/transforms.h"

#include <cmath>
#include <utility>

#include "engine/check.h"
#include "engine/random.h"

namespace budgetgrad {

void normalize(const uint8_t* pixels, int64_t channels, int64_t plane, std::span<const float> mean,
               std::span<const float> std, float* out) {
    BG_CHECK(static_cast<int64_t>(mean.size()) == channels &&
                 static_cast<int64_t>(std.size()) == channels,
             "normalize: expected one mean and one std per channel (", channels, "), got ",
             mean.size(), " means and ", std.size(), " stds");
    for (int64_t c = 0; c < channels; ++c) {
        const float m = mean[static_cast<std::size_t>(c)];
        const float s = std[static_cast<std::size_t>(c)];
        const uint8_t* source = pixels + c * plane;
        float* target = out + c * plane;
        // Divisions rather than a multiply by 1/255 and 1/s: the values are then exactly
        // (x / 255 - mean) / std as written, like MnistDataset's table.
        for (int64_t i = 0; i < plane; ++i)
            target[i] = (static_cast<float>(source[i]) / kPixelMax - m) / s;
    }
}

std::vector<float> normalized_zero(std::span<const float> mean, std::span<const float> std) {
    BG_CHECK(!mean.empty() && mean.size() == std.size(),
             "normalized_zero: expected as many means as stds, at least one, got ", mean.size(),
             " means and ", std.size(), " stds");
    std::vector<float> zero(mean.size());
    for (std::size_t c = 0; c < mean.size(); ++c) {
        BG_CHECK(std[c] > 0.0f && std::isfinite(std[c]) && std::isfinite(mean[c]),
                 "normalized_zero: expected finite means and positive finite stds, got mean ",
                 mean[c], " and std ", std[c], " for channel ", c);
        zero[c] = (0.0f - mean[c]) / std[c];
    }
    return zero;
}

void crop_and_flip(const float* in, const Shape& shape, const AugmentDraw& draw,
                   std::span<const float> fill, float* out) {
    BG_CHECK(shape.size() == 3, "crop_and_flip: expected a shape (C, H, W), got ",
             shape_str(shape));
    const int64_t channels = shape[0];
    const int64_t height = shape[1];
    const int64_t width = shape[2];
    BG_CHECK(static_cast<int64_t>(fill.size()) == channels,
             "crop_and_flip: expected one fill value per channel (", channels, "), got ",
             fill.size());
    for (int64_t c = 0; c < channels; ++c) {
        const float pad = fill[static_cast<std::size_t>(c)];
        const float* plane = in + c * height * width;
        for (int64_t y = 0; y < height; ++y) {
            float* row = out + (c * height + y) * width;
            const int64_t sy = y + draw.shift_y;
            if (sy < 0 || sy >= height) {
                for (int64_t x = 0; x < width; ++x)
                    row[x] = pad;
                continue;
            }
            const float* source = plane + sy * width;
            for (int64_t x = 0; x < width; ++x) {
                const int64_t sx = (draw.flip ? width - 1 - x : x) + draw.shift_x;
                row[x] = (sx >= 0 && sx < width) ? source[sx] : pad;
            }
        }
    }
}

AugmentedDataset::AugmentedDataset(std::shared_ptr<const Dataset> inner, std::vector<float> fill,
                                   AugmentOptions options)
    : inner_(std::move(inner)), fill_(std::move(fill)), options_(options) {
    const std::string where = "AugmentedDataset";
    BG_CHECK(inner_ != nullptr, where, ": expected a dataset to wrap, got a null pointer");
    shape_ = inner_->example_shape();
    BG_CHECK(shape_.size() == 3 && shape_numel(shape_) > 0, where,
             ": expected an inner example_shape (C, H, W) with no zero size, got ",
             shape_str(shape_));
    BG_CHECK(static_cast<int64_t>(fill_.size()) == shape_[0], where,
             ": expected one fill value per channel (", shape_[0], " for examples ",
             shape_str(shape_), "), got ", fill_.size(),
             " (pass normalized_zero(mean, std) of the inner dataset)");
    BG_CHECK(options_.padding >= 0 && options_.padding <= kMaxCropPadding, where,
             ": expected padding in [0, ", kMaxCropPadding, "], got ", options_.padding);
    BG_CHECK(options_.flip_probability >= 0.0 && options_.flip_probability <= 1.0, where,
             ": expected flip_probability in [0, 1], got ", options_.flip_probability);
}

int64_t AugmentedDataset::get_into(int64_t index, float* out) const {
    // The inner example goes to a scratch buffer: the crop reads pixels that it overwrites.
    std::vector<float> source(static_cast<std::size_t>(shape_numel(shape_)));
    const int64_t label = inner_->get_into(index, source.data());
    crop_and_flip(source.data(), shape_, draw(epoch_.load(), index), fill_, out);
    return label;
}

void AugmentedDataset::set_epoch(int64_t epoch) const {
    epoch_.store(epoch);
    inner_->set_epoch(epoch);
}

AugmentDraw AugmentedDataset::draw(int64_t epoch, int64_t index) const {
    // Hashing in sequence, not XOR-ing mix64(epoch) with mix64(index), which would give epoch 1
    // index 2 the same stream as epoch 2 index 1.
    const uint64_t key = mix64(mix64(mix64(options_.seed) ^ static_cast<uint64_t>(epoch)) ^
                               static_cast<uint64_t>(index));
    Generator generator(key);
    // Always three draws in this order, so that turning one transform off leaves the others'
    // choices unchanged.
    const auto positions = static_cast<uint64_t>(2 * options_.padding + 1);
    AugmentDraw result;
    result.shift_y = static_cast<int64_t>(generator.below(positions)) - options_.padding;
    result.shift_x = static_cast<int64_t>(generator.below(positions)) - options_.padding;
    result.flip = generator.uniform() < options_.flip_probability;
    return result;
}

}  // namespace budgetgrad

// Tests for normalize and AugmentedDataset: hand-computed crops and flips, crops that never leave
// the padded frame, flip twice = identity, draws fixed by (seed, epoch, index) alone (not by call
// order or threads), different epochs giving different draws, and the argument checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "datasets/dataloader.h"
#include "datasets/transforms.h"
#include "engine/check.h"

using budgetgrad::AugmentDraw;
using budgetgrad::AugmentedDataset;
using budgetgrad::AugmentOptions;
using budgetgrad::Error;
using budgetgrad::Shape;

namespace {

// n examples of shape (C, H, W). constant: every value is `value`; otherwise element j of
// example i is i * 10000 + j, so any misplaced pixel shows. Label i % 10. Records the last
// epoch it was given.
class PatternDataset : public budgetgrad::Dataset {
public:
    PatternDataset(int64_t n, Shape shape, bool constant, float value = 0.0f)
        : n_(n), shape_(std::move(shape)), constant_(constant), value_(value) {}

    int64_t size() const override { return n_; }
    Shape example_shape() const override { return shape_; }
    int64_t num_classes() const override { return 10; }
    int64_t get_into(int64_t index, float* out) const override {
        BG_CHECK(index >= 0 && index < n_, "PatternDataset: expected an index in range, got ",
                 index);
        for (int64_t j = 0; j < budgetgrad::shape_numel(shape_); ++j)
            out[j] = constant_ ? value_ : float(index * 10000 + j);
        return index % 10;
    }
    void set_epoch(int64_t epoch) const override { last_epoch = epoch; }

    mutable int64_t last_epoch = -1;

private:
    int64_t n_;
    Shape shape_;
    bool constant_;
    float value_;
};

std::vector<float> example(const budgetgrad::Dataset& dataset, int64_t index) {
    std::vector<float> out(std::size_t(budgetgrad::shape_numel(dataset.example_shape())));
    dataset.get_into(index, out.data());
    return out;
}

// The half-open range [first, last) of positions along one axis whose flag is set; REQUIREs
// that the set positions are contiguous and that at least one is set.
std::pair<int64_t, int64_t> contiguous_range(const std::vector<bool>& set) {
    const auto first = std::find(set.begin(), set.end(), true) - set.begin();
    const auto last = set.rend() - std::find(set.rbegin(), set.rend(), true);
    REQUIRE(first < last);
    for (auto k = first; k < last; ++k)
        REQUIRE(set[std::size_t(k)]);
    return {first, last};
}

}  // namespace

TEST_CASE("normalize and normalized_zero compute (x / 255 - mean) / std per channel") {
    const std::vector<uint8_t> pixels = {0, 255, 51, 102};  // 2 channels of 2 pixels
    const std::vector<float> mean = {0.5f, 0.2f};
    const std::vector<float> std = {0.25f, 0.5f};
    std::vector<float> out(4);
    budgetgrad::normalize(pixels.data(), /*channels=*/2, /*plane=*/2, mean, std, out.data());
    CHECK(out[0] == doctest::Approx(-2.0));  // (0 - 0.5) / 0.25
    CHECK(out[1] == doctest::Approx(2.0));   // (1 - 0.5) / 0.25
    CHECK(out[2] == doctest::Approx(0.0));   // (0.2 - 0.2) / 0.5
    CHECK(out[3] == doctest::Approx(0.4));   // (0.4 - 0.2) / 0.5
    CHECK(budgetgrad::normalized_zero(mean, std) == std::vector<float>{-2.0f, -0.4f});

    CHECK_THROWS_WITH_AS(
        budgetgrad::normalize(pixels.data(), 3, 1, mean, std, out.data()),
        "normalize: expected one mean and one std per channel (3), got 2 means and 2 stds", Error);
    CHECK_THROWS_WITH_AS(budgetgrad::normalized_zero(mean, std::vector<float>{1.0f, 0.0f}),
                         doctest::Contains("positive finite stds, got mean 0.2 and std 0"), Error);
}

TEST_CASE("crop_and_flip on a hand-computed 1 x 2 x 3 image") {
    // in = [[1 2 3]      padding value p = -9
    //       [4 5 6]]
    const std::vector<float> in = {1, 2, 3, 4, 5, 6};
    const Shape shape = {1, 2, 3};
    const std::vector<float> fill = {-9.0f};
    auto run = [&](int64_t shift_y, int64_t shift_x, bool flip) {
        std::vector<float> out(6);
        budgetgrad::crop_and_flip(in.data(), shape, AugmentDraw{shift_y, shift_x, flip}, fill,
                                  out.data());
        return out;
    };
    CHECK(run(0, 0, false) == in);
    CHECK(run(0, 0, true) == std::vector<float>{3, 2, 1, 6, 5, 4});
    // Window moved right by one: column 3 of the padded-by-P image is padding.
    CHECK(run(0, 1, false) == std::vector<float>{2, 3, -9, 5, 6, -9});
    // Window moved up by one: the first output row comes from the padding above.
    CHECK(run(-1, 0, false) == std::vector<float>{-9, -9, -9, 1, 2, 3});
    // Crop first ([2 3 p] / [5 6 p]), then flip it.
    CHECK(run(0, 1, true) == std::vector<float>{-9, 3, 2, -9, 6, 5});
    // Shifted past the image: all padding.
    CHECK(run(2, 0, false) == std::vector<float>(6, -9.0f));
}

TEST_CASE("flipping twice is the identity") {
    const PatternDataset data(1, {3, 5, 7}, /*constant=*/false);
    const std::vector<float> image = example(data, 0);
    const std::vector<float> fill = {0, 0, 0};
    std::vector<float> once(image.size());
    std::vector<float> twice(image.size());
    const AugmentDraw flip{0, 0, true};
    budgetgrad::crop_and_flip(image.data(), {3, 5, 7}, flip, fill, once.data());
    budgetgrad::crop_and_flip(once.data(), {3, 5, 7}, flip, fill, twice.data());
    CHECK(once != image);
    CHECK(twice == image);
}

TEST_CASE("the crop never leaves the padded frame") {
    // A constant image (value 7) with padding values that differ from it and per channel: each
    // output pixel must be 7 or that channel's padding, and the 7s must be one window of
    // (32 - |dy|) x (32 - |dx|) against the edges, |dy|, |dx| <= 4, equal to the draw.
    constexpr int64_t kSide = 32;
    auto data = std::make_shared<const PatternDataset>(400, Shape{3, kSide, kSide},
                                                       /*constant=*/true, /*value=*/7.0f);
    const std::vector<float> fill = {-1.0f, -2.0f, -3.0f};
    const AugmentedDataset augmented(data, fill, AugmentOptions{.seed = 11});
    std::set<std::pair<int64_t, int64_t>> shifts_seen;
    int64_t flips = 0;
    for (int64_t epoch = 0; epoch < 2; ++epoch) {
        augmented.set_epoch(epoch);
        for (int64_t index = 0; index < data->size(); ++index) {
            const std::vector<float> out = example(augmented, index);
            const AugmentDraw draw = augmented.draw(epoch, index);
            std::vector<bool> rows(kSide, false);
            std::vector<bool> cols(kSide, false);
            int64_t image_pixels = 0;
            int64_t foreign_pixels = 0;  // neither the image value nor the channel's padding
            for (int64_t c = 0; c < 3; ++c) {
                for (int64_t y = 0; y < kSide; ++y) {
                    for (int64_t x = 0; x < kSide; ++x) {
                        const float v = out[std::size_t((c * kSide + y) * kSide + x)];
                        if (v == 7.0f) {
                            rows[std::size_t(y)] = cols[std::size_t(x)] = true;
                            ++image_pixels;
                        } else if (v != fill[std::size_t(c)]) {
                            ++foreign_pixels;
                        }
                    }
                }
            }
            REQUIRE(foreign_pixels == 0);
            const auto [top, bottom] = contiguous_range(rows);
            const auto [left, right] = contiguous_range(cols);
            // Every channel is a full rectangle, not just its bounding box.
            REQUIRE(image_pixels == 3 * (bottom - top) * (right - left));
            const int64_t dy = top > 0 ? -top : kSide - bottom;
            const int64_t dx = left > 0 ? -left : kSide - right;
            REQUIRE((top == 0 || bottom == kSide));
            REQUIRE((left == 0 || right == kSide));
            REQUIRE(std::abs(dy) <= budgetgrad::kCropPadding);
            REQUIRE(std::abs(dx) <= budgetgrad::kCropPadding);
            CHECK(dy == draw.shift_y);
            // A flip mirrors the window, so the column shift shows up negated.
            CHECK(dx == (draw.flip ? -draw.shift_x : draw.shift_x));
            shifts_seen.insert({draw.shift_y, draw.shift_x});
            flips += draw.flip ? 1 : 0;
        }
    }
    // 800 draws: all 81 shifts in [-4, 4]^2 occur, and about half are flipped.
    CHECK(shifts_seen.size() == 81);
    CHECK(flips > 340);
    CHECK(flips < 460);
}

TEST_CASE("draws depend on (seed, epoch, index) only") {
    auto data = std::make_shared<const PatternDataset>(64, Shape{2, 8, 8}, /*constant=*/false);
    const std::vector<float> fill = {0.5f, -0.5f};
    const AugmentedDataset first(data, fill, AugmentOptions{.seed = 5});
    const AugmentedDataset second(data, fill, AugmentOptions{.seed = 5});
    const AugmentedDataset other_seed(data, fill, AugmentOptions{.seed = 6});

    SUBCASE("same (seed, epoch, index), same output") {
        first.set_epoch(3);
        second.set_epoch(3);
        for (int64_t i = 0; i < data->size(); ++i)
            CHECK(example(first, i) == example(second, i));
    }
    SUBCASE("different epochs and seeds give different outputs") {
        first.set_epoch(0);
        second.set_epoch(1);
        other_seed.set_epoch(0);
        int64_t epoch_differs = 0;
        int64_t seed_differs = 0;
        for (int64_t i = 0; i < data->size(); ++i) {
            const std::vector<float> base = example(first, i);
            epoch_differs += base != example(second, i) ? 1 : 0;
            seed_differs += base != example(other_seed, i) ? 1 : 0;
        }
        // Two draws coincide with probability 1/162; 64 examples are nearly all different.
        CHECK(epoch_differs >= 60);
        CHECK(seed_differs >= 60);
        // Epoch 1 index 2 and epoch 2 index 1 are unrelated draws (no symmetric mixing).
        int64_t swapped_equal = 0;
        for (int64_t e = 0; e < 40; ++e) {
            for (int64_t i = e + 1; i < 40; ++i) {
                const AugmentDraw a = first.draw(e, i);
                const AugmentDraw b = first.draw(i, e);
                swapped_equal +=
                    (a.shift_y == b.shift_y && a.shift_x == b.shift_x && a.flip == b.flip) ? 1 : 0;
            }
        }
        CHECK(swapped_equal < 30);  // 780 pairs, about 5 expected by chance
    }
    SUBCASE("the output does not depend on call order or threads") {
        first.set_epoch(2);
        std::vector<std::vector<float>> forward;
        for (int64_t i = 0; i < data->size(); ++i)
            forward.push_back(example(first, i));
        for (int64_t i = data->size() - 1; i >= 0; --i)
            CHECK(example(first, i) == forward[std::size_t(i)]);
        // A shuffled DataLoader collates examples on several threads in another order.
        auto shared =
            std::make_shared<const AugmentedDataset>(data, fill, AugmentOptions{.seed = 5});
        shared->set_epoch(2);
        budgetgrad::DataLoader loader(shared, {.batch_size = 16, .seed = 9});
        loader.set_epoch(7);  // the loader's order; the augmentation epoch stays 2
        shared->set_epoch(2);
        for (int64_t b = 0; b < loader.num_batches(); ++b) {
            const budgetgrad::Batch batch = loader.batch(b);
            const float* images = batch.images.data<float>();
            for (int64_t k = 0; k < 16; ++k) {
                const int64_t index = loader.order()[std::size_t(b * 16 + k)];
                const std::vector<float> got(images + k * 128, images + (k + 1) * 128);
                CHECK(got == forward[std::size_t(index)]);
            }
        }
    }
}

TEST_CASE("AugmentedDataset forwards set_epoch and the inner dataset's properties") {
    auto data = std::make_shared<const PatternDataset>(5, Shape{1, 4, 6}, /*constant=*/false);
    auto inner = std::make_shared<const AugmentedDataset>(data, std::vector<float>{0.0f});
    const AugmentedDataset outer(inner, {0.0f}, AugmentOptions{.padding = 1});
    outer.set_epoch(4);
    CHECK(outer.epoch() == 4);
    CHECK(inner->epoch() == 4);
    CHECK(data->last_epoch == 4);
    CHECK(outer.size() == 5);
    CHECK(outer.num_classes() == 10);
    CHECK(outer.example_shape() == Shape{1, 4, 6});
    std::vector<float> out(24);
    CHECK(outer.get_into(3, out.data()) == 3);

    // No padding and no flip: the examples pass through unchanged.
    const AugmentedDataset plain(data, {0.0f}, {.padding = 0, .flip_probability = 0.0});
    for (int64_t i = 0; i < 5; ++i)
        CHECK(example(plain, i) == example(*data, i));
}

TEST_CASE("AugmentedDataset rejects bad arguments") {
    auto data = std::make_shared<const PatternDataset>(5, Shape{3, 4, 4}, /*constant=*/false);
    const std::vector<float> fill = {0, 0, 0};
    CHECK_THROWS_WITH_AS(AugmentedDataset(nullptr, fill),
                         "AugmentedDataset: expected a dataset to wrap, got a null pointer", Error);
    CHECK_THROWS_WITH_AS(AugmentedDataset(data, {0.0f}),
                         "AugmentedDataset: expected one fill value per channel (3 for examples "
                         "(3, 4, 4)), got 1 (pass normalized_zero(mean, std) of the inner "
                         "dataset)",
                         Error);
    CHECK_THROWS_WITH_AS(AugmentedDataset(data, fill, {.padding = -1}),
                         "AugmentedDataset: expected padding in [0, 65536], got -1", Error);
    CHECK_THROWS_WITH_AS(AugmentedDataset(data, fill, {.flip_probability = 1.5}),
                         "AugmentedDataset: expected flip_probability in [0, 1], got 1.5", Error);
    auto flat = std::make_shared<const PatternDataset>(5, Shape{16}, /*constant=*/false);
    CHECK_THROWS_WITH_AS(AugmentedDataset(flat, fill),
                         "AugmentedDataset: expected an inner example_shape (C, H, W) with no "
                         "zero size, got (16,)",
                         Error);
    const AugmentedDataset augmented(data, fill);
    std::vector<float> out(48);
    CHECK_THROWS_WITH_AS(augmented.get_into(5, out.data()),
                         "PatternDataset: expected an index in range, got 5", Error);
}

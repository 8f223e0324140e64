// Hand-computable forward cases and bad-input messages for each op.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "engine/ops.h"

namespace bg = budgetgrad;

namespace {

bg::Tensor floats(const bg::Shape& shape, std::vector<float> values) {
    return bg::Tensor::from_vector(shape, values);
}

}  // namespace

TEST_CASE("linear: forward by hand") {
    // x = [1 2], W = [[1 0], [2 -1], [0 3]], b = [0.5 0 -1]
    // y = x·Wᵀ + b = [1+0.5, 2-2+0, 6-1] = [1.5, 0, 5]
    auto y = bg::linear(floats({1, 2}, {1, 2}), floats({3, 2}, {1, 0, 2, -1, 0, 3}),
                        floats({3}, {0.5f, 0, -1}));
    CHECK(y.shape() == bg::Shape{1, 3});
    CHECK(y.to_vector() == std::vector<double>{1.5, 0, 5});
}

TEST_CASE("linear: rejects mismatched features") {
    CHECK_THROWS_WITH_AS(bg::linear(bg::Tensor::zeros({2, 3}), bg::Tensor::zeros({4, 5}), {}),
                         "linear: expected input with 5 features (the weight's in_features), "
                         "got shape (2, 3)",
                         bg::Error);
}

TEST_CASE("conv2d: forward by hand with padding and stride") {
    // One 3x3 image 1..9, one 2x2 kernel of ones, padding 1, stride 2: windows start at
    // (-1,-1), (-1,1), (1,-1), (1,1) of the image, so
    //   top-left  = 1               top-right    = 2 + 3
    //   bot-left  = 4 + 7           bottom-right = 5 + 6 + 8 + 9
    auto x = floats({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    auto w = floats({1, 1, 2, 2}, {1, 1, 1, 1});
    auto y = bg::conv2d(x, w, floats({1}, {10}), /*stride=*/2, /*padding=*/1);
    CHECK(y.shape() == bg::Shape{1, 1, 2, 2});
    CHECK(y.to_vector() == std::vector<double>{11, 15, 21, 38});
}

TEST_CASE("conv2d: rejects wrong channels and oversized kernels") {
    CHECK_THROWS_WITH_AS(
        bg::conv2d(bg::Tensor::zeros({1, 2, 5, 5}), bg::Tensor::zeros({4, 3, 3, 3}), {}),
        "conv2d: expected input with 3 channels (the weight's), got shape (1, 2, 5, 5)", bg::Error);
    CHECK_THROWS_WITH_AS(
        bg::conv2d(bg::Tensor::zeros({1, 1, 2, 2}), bg::Tensor::zeros({1, 1, 3, 3}), {}),
        "conv2d: kernel 3x3 is larger than the padded input (1, 1, 2, 2) with padding 0",
        bg::Error);
    CHECK_THROWS_WITH_AS(
        bg::conv2d(bg::Tensor::zeros({1, 5, 5}), bg::Tensor::zeros({1, 1, 3, 3}), {}),
        "conv2d: expected input of shape (N, C, H, W), got (1, 5, 5)", bg::Error);
}

TEST_CASE("relu and max_pool2d: forward by hand") {
    CHECK(bg::relu(floats({4}, {-1, 0, 2, -3})).to_vector() == std::vector<double>{0, 0, 2, 0});
    // 4x4 -> 2x2, max of each 2x2 block.
    auto x = floats({1, 1, 4, 4}, {1, 2, 5, 6, 3, 4, 7, 8, -1, -2, 0, 0, -3, -4, 0, 9});
    CHECK(bg::max_pool2d(x, 2).to_vector() == std::vector<double>{4, 8, -1, 9});
}

TEST_CASE("max_pool2d: a tie sends the gradient to the first maximum only") {
    auto x = floats({1, 1, 2, 2}, {5, 5, 5, 5}).set_requires_grad(true);
    bg::sum(bg::max_pool2d(x, 2)).backward();
    CHECK(x.grad().to_vector() == std::vector<double>{1, 0, 0, 0});
}

TEST_CASE("dropout: statistics, scaling and determinism") {
    auto x = bg::Tensor::full({100000}, 1.0);
    auto y = bg::dropout(x, 0.25, true, 7);
    int64_t kept = 0;
    for (double v : y.to_vector()) {
        CHECK((v == 0.0 || std::abs(v - 1.0 / 0.75) < 1e-6));
        kept += v != 0.0;
    }
    // 75% kept, within 5 standard deviations (σ ≈ 137).
    CHECK(std::abs(static_cast<double>(kept) - 75000.0) < 700.0);
    CHECK(bg::dropout(x, 0.25, true, 7).to_vector() == y.to_vector());
    CHECK(bg::dropout(x, 0.25, true, 8).to_vector() != y.to_vector());
    CHECK(bg::dropout(x, 0.25, /*training=*/false, 7).to_vector() == x.to_vector());
    CHECK_THROWS_AS(bg::dropout(x, 1.0, true, 7), bg::Error);
}

TEST_CASE("log_softmax and cross_entropy: values by hand") {
    // logits [0, ln 3]: softmax = [1/4, 3/4], so log_softmax = [ln 1/4, ln 3/4].
    auto logits = floats({1, 2}, {0.0f, std::log(3.0f)});
    auto lp = bg::log_softmax(logits).to_vector();
    CHECK(lp[0] == doctest::Approx(std::log(0.25)));
    CHECK(lp[1] == doctest::Approx(std::log(0.75)));
    // target 1: loss = −ln 3/4. With ε = 0.2 over 2 classes, q = [0.1, 0.9]:
    // loss = −(0.1 ln 1/4 + 0.9 ln 3/4).
    const std::vector<int64_t> target = {1};
    CHECK(bg::cross_entropy(logits, target).item() == doctest::Approx(-std::log(0.75)));
    CHECK(bg::cross_entropy(logits, target, 0.2).item() ==
          doctest::Approx(-(0.1 * std::log(0.25) + 0.9 * std::log(0.75))));
    // Large logits must not overflow.
    CHECK(std::isfinite(bg::cross_entropy(floats({1, 2}, {1000, -1000}), target).item()));
}

TEST_CASE("cross_entropy: rejects bad targets") {
    const std::vector<int64_t> bad = {0, 3};
    CHECK_THROWS_WITH_AS(bg::cross_entropy(bg::Tensor::zeros({2, 3}), bad),
                         "cross_entropy: target 1 is 3, expected a class in [0, 3)", bg::Error);
    const std::vector<int64_t> short_targets = {0};
    CHECK_THROWS_WITH_AS(bg::cross_entropy(bg::Tensor::zeros({2, 3}), short_targets),
                         "cross_entropy: expected 2 targets (one per row of logits), got 1",
                         bg::Error);
}

TEST_CASE("reshape: infers -1 and rejects impossible shapes") {
    auto x = bg::Tensor::zeros({2, 3, 4});
    CHECK(bg::reshape(x, {-1, 4}).shape() == bg::Shape{6, 4});
    CHECK(bg::flatten(x).shape() == bg::Shape{2, 12});
    CHECK_THROWS_WITH_AS(bg::reshape(x, {5, -1}),
                         "reshape: cannot infer -1 in (5, -1) for 24 "
                         "elements",
                         bg::Error);
    CHECK_THROWS_WITH_AS(bg::reshape(x, {5, 5}),
                         "reshape: expected a shape of 24 elements for "
                         "input (2, 3, 4), got (5, 5)",
                         bg::Error);
}

TEST_CASE("ops refuse mixed precisions") {
    CHECK_THROWS_WITH_AS(
        bg::linear(bg::Tensor::zeros({1, 2}), bg::Tensor::zeros({2, 2}, bg::DType::float64), {}),
        "linear: expected all tensors to be float32, got one of float64", bg::Error);
}

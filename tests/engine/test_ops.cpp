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

TEST_CASE("add and mul: broadcasting by hand") {
    // [[1 2 3], [4 5 6]] + [10 20 30] adds the row to each row; · [[2], [3]] scales each row.
    auto a = floats({2, 3}, {1, 2, 3, 4, 5, 6});
    CHECK((a + floats({3}, {10, 20, 30})).to_vector() ==
          std::vector<double>{11, 22, 33, 14, 25, 36});
    CHECK((a * floats({2, 1}, {2, 3})).to_vector() == std::vector<double>{2, 4, 6, 12, 15, 18});
    CHECK((a - floats({}, {1})).to_vector() == std::vector<double>{0, 1, 2, 3, 4, 5});
    CHECK((a * 2.0 + 1.0).to_vector() == std::vector<double>{3, 5, 7, 9, 11, 13});
    CHECK_THROWS_WITH_AS(a + floats({2}, {1, 2}), "add: shapes (2, 3) and (2,) do not broadcast",
                         bg::Error);
}

TEST_CASE("batch_norm2d: statistics and running averages by hand") {
    // One channel holding 1, 2, 3, 4 (N = 2, H = 1, W = 2): mean 2.5, biased variance 1.25,
    // unbiased 5/3. y = (x − 2.5) / √(1.25 + eps).
    auto x = floats({2, 1, 1, 2}, {1, 2, 3, 4});
    auto mean = floats({1}, {0}), var = floats({1}, {1});
    auto y = bg::batch_norm2d(x, {}, {}, mean, var, /*training=*/true, 0.1, 1e-5);
    const double s = 1.0 / std::sqrt(1.25 + 1e-5);
    const std::vector<double> expected = {-1.5 * s, -0.5 * s, 0.5 * s, 1.5 * s};
    for (int i = 0; i < 4; ++i)
        CHECK(y.at(i) == doctest::Approx(expected[i]));
    // running = 0.9 · running + 0.1 · batch
    CHECK(mean.item() == doctest::Approx(0.25));
    CHECK(var.item() == doctest::Approx(0.9 + 0.1 * 5.0 / 3.0));
    // Evaluation uses the running statistics and leaves them alone.
    auto z = bg::batch_norm2d(x, floats({1}, {2}), floats({1}, {1}), mean, var, false);
    CHECK(z.at(0) == doctest::Approx((1 - 0.25) / std::sqrt(var.item() + 1e-5) * 2 + 1));
    CHECK(mean.item() == doctest::Approx(0.25));
}

TEST_CASE("avg_pool2d, global_avg_pool and subsample_pad_channels by hand") {
    auto x = floats({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
    CHECK(bg::avg_pool2d(x, 2).to_vector() == std::vector<double>{3.5, 5.5});
    CHECK(bg::global_avg_pool(x).to_vector() == std::vector<double>{4.5});
    // Keep rows 0 and columns 0, 2; append one zero channel.
    auto y = bg::subsample_pad_channels(x, 2, 2);
    CHECK(y.shape() == bg::Shape{1, 2, 1, 2});
    CHECK(y.to_vector() == std::vector<double>{1, 3, 0, 0});
}

TEST_CASE("conv2d: groups keep channels apart") {
    // Two groups of one channel each, 1x1 kernels 2 and 3: each output sees only its channel.
    auto x = floats({1, 2, 1, 2}, {1, 2, 10, 20});
    auto y = bg::conv2d(x, floats({2, 1, 1, 1}, {2, 3}), {}, 1, 0, /*groups=*/2);
    CHECK(y.to_vector() == std::vector<double>{2, 4, 30, 60});
    CHECK_THROWS_WITH_AS(bg::conv2d(x, bg::Tensor::zeros({3, 1, 1, 1}), {}, 1, 0, 2),
                         "conv2d: expected input and output channels divisible by groups = 2, "
                         "got 2 and 3",
                         bg::Error);
}

TEST_CASE("softmax: rows sum to one") {
    auto p = bg::softmax(floats({2, 3}, {1, 2, 3, -1, 0, 1000}));
    CHECK(p.at(0) + p.at(1) + p.at(2) == doctest::Approx(1.0));
    CHECK(p.at(5) == doctest::Approx(1.0));
}

// The generic finite-difference check, applied to every differentiable op.
#include <doctest/doctest.h>

#include <vector>

#include "engine/ops.h"
#include "gradcheck.h"

namespace bg = budgetgrad;
using bg::testing::gradcheck;
using bg::testing::random_away_from_zero;
using bg::testing::random_tensor;

namespace {

bg::Tensor param(bg::Tensor t) {
    return t.set_requires_grad(true);
}

}  // namespace

TEST_CASE("gradcheck: linear with and without bias") {
    auto x = param(random_tensor({3, 5}, 1));
    auto w = param(random_tensor({4, 5}, 2));
    auto b = param(random_tensor({4}, 3));
    gradcheck([](const auto& in) { return bg::linear(in[0], in[1], in[2]); }, {x, w, b});
    gradcheck([](const auto& in) { return bg::linear(in[0], in[1], bg::Tensor()); }, {x, w});
}

TEST_CASE("gradcheck: conv2d over strides, paddings and bias") {
    struct Case {
        int stride, padding;
        bool bias;
    };
    for (Case c : {Case{1, 0, true}, Case{1, 1, false}, Case{2, 1, true}, Case{2, 0, false}}) {
        CAPTURE(c.stride);
        CAPTURE(c.padding);
        auto x = param(random_tensor({2, 3, 6, 5}, 4));
        auto w = param(random_tensor({4, 3, 3, 3}, 5));
        auto b = c.bias ? param(random_tensor({4}, 6)) : bg::Tensor();
        gradcheck(
            [c](const auto& in) { return bg::conv2d(in[0], in[1], in[2], c.stride, c.padding); },
            {x, w, b});
    }
}

TEST_CASE("gradcheck: conv2d with groups, depthwise included") {
    auto x = param(random_tensor({2, 4, 5, 5}, 20));
    auto w = param(random_tensor({6, 2, 3, 3}, 21));  // 2 groups: 4 -> 6 channels
    auto b = param(random_tensor({6}, 22));
    gradcheck([](const auto& in) { return bg::conv2d(in[0], in[1], in[2], 1, 1, 2); }, {x, w, b});
    auto dw = param(random_tensor({4, 1, 3, 3}, 23));  // depthwise: one filter per channel
    gradcheck([](const auto& in) { return bg::conv2d(in[0], in[1], in[2], 2, 1, 4); },
              {x, dw, bg::Tensor()});
}

TEST_CASE("gradcheck: add, sub and mul with broadcasting") {
    auto a = param(random_tensor({2, 3, 4}, 24));
    auto same = param(random_tensor({2, 3, 4}, 25));
    auto row = param(random_tensor({4}, 26));
    auto column = param(random_tensor({3, 1}, 27));
    auto scalar = param(random_tensor({}, 28));
    for (const bg::Tensor& b : {same, row, column, scalar}) {
        CAPTURE(bg::shape_str(b.shape()));
        gradcheck([](const auto& in) { return bg::add(in[0], in[1]); }, {a, b});
        gradcheck([](const auto& in) { return bg::sub(in[0], in[1]); }, {a, b});
        gradcheck([](const auto& in) { return bg::mul(in[0], in[1]); }, {a, b});
        gradcheck([](const auto& in) { return bg::mul(in[1], in[0]); }, {a, b});
    }
    // Both operands broadcast: (3, 1) with (4,) -> (3, 4).
    gradcheck([](const auto& in) { return bg::mul(in[0], in[1]); }, {column, row});
    gradcheck([](const auto& in) { return bg::affine(in[0], -2.5, 0.75); }, {a});
}

TEST_CASE("gradcheck: avg_pool2d and global_avg_pool") {
    auto x = param(random_tensor({2, 3, 6, 6}, 29));
    gradcheck([](const auto& in) { return bg::avg_pool2d(in[0], 2); }, {x});
    gradcheck([](const auto& in) { return bg::avg_pool2d(in[0], 3, 2); }, {x});
    gradcheck([](const auto& in) { return bg::global_avg_pool(in[0]); }, {x});
}

TEST_CASE("gradcheck: batch_norm2d in training and evaluation mode") {
    auto x = param(random_tensor({3, 2, 4, 3}, 30, -2.0, 2.0));
    auto w = param(random_tensor({2}, 31, 0.5, 1.5));
    auto b = param(random_tensor({2}, 32));
    // Fresh running statistics per evaluation, so every finite-difference probe sees the same.
    auto stats = [] {
        return std::pair{bg::Tensor::zeros({2}, bg::DType::float64),
                         bg::Tensor::full({2}, 1.0, bg::DType::float64)};
    };
    gradcheck(
        [&](const auto& in) {
            auto [mean, var] = stats();
            return bg::batch_norm2d(in[0], in[1], in[2], mean, var, /*training=*/true);
        },
        {x, w, b});
    gradcheck(
        [&](const auto& in) {
            auto mean = random_tensor({2}, 33);
            auto var = random_tensor({2}, 34, 0.5, 2.0);
            return bg::batch_norm2d(in[0], in[1], in[2], mean, var, /*training=*/false);
        },
        {x, w, b});
    gradcheck(
        [&](const auto& in) { return bg::batch_norm2d(in[0], {}, {}, {}, {}, /*training=*/true); },
        {x});
}

TEST_CASE("gradcheck: subsample_pad_channels and softmax") {
    auto x = param(random_tensor({2, 3, 5, 4}, 35));
    gradcheck([](const auto& in) { return bg::subsample_pad_channels(in[0], 2, 5); }, {x});
    auto logits = param(random_tensor({3, 5}, 36, -2.0, 2.0));
    gradcheck([](const auto& in) { return bg::softmax(in[0]); }, {logits});
}

TEST_CASE("gradcheck: relu away from its kink") {
    auto x = param(random_away_from_zero({4, 7}, 7));
    gradcheck([](const auto& in) { return bg::relu(in[0]); }, {x});
}

TEST_CASE("gradcheck: max_pool2d, non-overlapping and overlapping windows") {
    // Random values are distinct, so no window has a tie that a perturbation could flip.
    auto x = param(random_tensor({2, 2, 6, 6}, 8));
    gradcheck([](const auto& in) { return bg::max_pool2d(in[0], 2); }, {x});
    gradcheck([](const auto& in) { return bg::max_pool2d(in[0], 3, 2); }, {x});
}

TEST_CASE("gradcheck: dropout with a fixed seed") {
    auto x = param(random_tensor({5, 8}, 9));
    gradcheck([](const auto& in) { return bg::dropout(in[0], 0.3, true, 42); }, {x});
}

TEST_CASE("gradcheck: reshape and flatten") {
    auto x = param(random_tensor({2, 3, 4}, 10));
    gradcheck([](const auto& in) { return bg::reshape(in[0], {4, -1}); }, {x});
    gradcheck([](const auto& in) { return bg::flatten(in[0], 1); }, {x});
}

TEST_CASE("gradcheck: sum and mean") {
    auto x = param(random_tensor({3, 4}, 11));
    gradcheck([](const auto& in) { return bg::sum(in[0]); }, {x});
    gradcheck([](const auto& in) { return bg::mean(in[0]); }, {x});
}

TEST_CASE("gradcheck: log_softmax") {
    auto x = param(random_tensor({4, 6}, 12, -3.0, 3.0));
    gradcheck([](const auto& in) { return bg::log_softmax(in[0]); }, {x});
}

TEST_CASE("gradcheck: cross_entropy with and without label smoothing") {
    auto x = param(random_tensor({5, 4}, 13, -3.0, 3.0));
    const std::vector<int64_t> targets = {0, 3, 1, 1, 2};
    gradcheck([&](const auto& in) { return bg::cross_entropy(in[0], targets); }, {x});
    gradcheck([&](const auto& in) { return bg::cross_entropy(in[0], targets, 0.1); }, {x});
}

TEST_CASE("gradcheck: a residual block with batch norm") {
    // relu(bn(conv(x)) + shortcut(x)) with the zero-padding shortcut, as in the CIFAR ResNets.
    auto x = param(random_tensor({2, 2, 4, 4}, 37));
    auto w = param(random_tensor({4, 2, 3, 3}, 38));
    auto gamma = param(random_tensor({4}, 39, 0.5, 1.5));
    auto beta = param(random_tensor({4}, 40));
    gradcheck(
        [&](const auto& in) {
            auto h = bg::conv2d(in[0], in[1], {}, 2, 1);
            h = bg::batch_norm2d(h, in[2], in[3], {}, {}, true);
            return bg::relu(h + bg::subsample_pad_channels(in[0], 2, 4));
        },
        {x, w, gamma, beta});
}

TEST_CASE("gradcheck: a small network end to end") {
    // conv -> relu -> pool -> flatten -> linear -> cross_entropy, all parameters at once.
    auto x = random_tensor({2, 1, 6, 6}, 14);
    auto w1 = param(random_tensor({3, 1, 3, 3}, 15));
    auto b1 = param(random_tensor({3}, 16));
    auto w2 = param(random_tensor({4, 12}, 17));
    auto b2 = param(random_tensor({4}, 18));
    const std::vector<int64_t> targets = {2, 0};
    gradcheck(
        [&](const auto& in) {
            auto h = bg::relu(bg::conv2d(in[0], in[1], in[2], 1, 0));  // (2, 3, 4, 4)
            h = bg::flatten(bg::max_pool2d(h, 2));                     // (2, 12)
            return bg::cross_entropy(bg::linear(h, in[3], in[4]), targets);
        },
        {x, w1, b1, w2, b2});
}

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

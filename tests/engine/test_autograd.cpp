#include <doctest/doctest.h>

#include <vector>

#include "engine/autograd.h"
#include "engine/ops.h"

namespace bg = budgetgrad;

TEST_CASE("autograd: gradients accumulate across backward calls and reach shared inputs") {
    auto x = bg::Tensor::full({3}, 2.0).set_requires_grad(true);
    // y = Σx + mean(x) uses x twice: dy/dx = 1 + 1/3.
    bg::Tensor y = bg::sum(bg::reshape(x, {3, 1}));
    bg::sum(bg::Tensor::full({}, 0.0));
    y.backward();
    CHECK(x.grad().to_vector() == std::vector<double>{1, 1, 1});
    bg::mean(x).backward();
    for (double g : x.grad().to_vector())
        CHECK(g == doctest::Approx(1.0 + 1.0 / 3.0));
    x.zero_grad();
    CHECK(x.grad().to_vector() == std::vector<double>{0, 0, 0});
}

TEST_CASE("autograd: the graph is freed by backward") {
    auto x = bg::Tensor::full({2}, 1.0).set_requires_grad(true);
    bg::Tensor loss = bg::sum(bg::relu(x));
    loss.backward();
    CHECK_THROWS_WITH_AS(loss.backward(),
                         "backward: this graph was already freed by an earlier backward()",
                         bg::Error);
}

TEST_CASE("autograd: NoGradGuard records nothing") {
    auto x = bg::Tensor::full({2}, 1.0).set_requires_grad(true);
    {
        bg::NoGradGuard guard;
        CHECK_FALSE(bg::grad_enabled());
        bg::Tensor y = bg::relu(x);
        CHECK(y.is_leaf());
        CHECK_FALSE(y.requires_grad());
    }
    CHECK(bg::grad_enabled());
    CHECK_FALSE(bg::relu(x).is_leaf());
}

TEST_CASE("autograd: a deep chain does not recurse") {
    // 100,000 nodes would overflow the stack of a recursive backward.
    auto x = bg::Tensor::full({1}, 1.0).set_requires_grad(true);
    bg::Tensor h = x;
    for (int i = 0; i < 100000; ++i)
        h = bg::reshape(h, {1});
    bg::sum(h).backward();
    CHECK(x.grad().item() == 1.0);
}

TEST_CASE("autograd: backward needs a scalar or an explicit gradient") {
    auto x = bg::Tensor::full({2}, 1.0).set_requires_grad(true);
    CHECK_THROWS_AS(bg::relu(x).backward(), bg::Error);
    bg::relu(x).backward(bg::Tensor::full({2}, 3.0));
    CHECK(x.grad().to_vector() == std::vector<double>{3, 3});
    CHECK_THROWS_AS(bg::Tensor::full({}, 1.0).backward(), bg::Error);
}

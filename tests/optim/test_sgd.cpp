// SGD against updates worked out by hand from torch.optim.SGD's rule (see optim/optimizer.h).
// Every case: one parameter p = 1, gradient of the loss 0.5 at every step, lr 0.1,
// weight decay 0.1, so the decayed gradient is d = 0.5 + 0.1·p.
#include <doctest/doctest.h>

#include <vector>

#include "optim/optimizer.h"

namespace bg = budgetgrad;

namespace {

// p after each of two steps.
std::vector<double> two_steps(bg::SGDOptions options) {
    auto p = bg::Tensor::full({1}, 1.0, bg::DType::float64).set_requires_grad(true);
    bg::SGD sgd({p}, options);
    std::vector<double> trace;
    for (int i = 0; i < 2; ++i) {
        p.set_grad(bg::Tensor::full({1}, 0.5, bg::DType::float64));
        sgd.step();
        trace.push_back(p.item());
    }
    return trace;
}

void check_trace(const std::vector<double>& got, const std::vector<double>& expected) {
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        CAPTURE(i);
        CHECK(got[i] == doctest::Approx(expected[i]).epsilon(1e-12));
    }
}

}  // namespace

TEST_CASE("SGD: plain, with weight decay") {
    // d1 = 0.6, p1 = 1 − 0.06 = 0.94; d2 = 0.594, p2 = 0.94 − 0.0594 = 0.8806
    check_trace(two_steps({.lr = 0.1, .weight_decay = 0.1}), {0.94, 0.8806});
}

TEST_CASE("SGD: momentum, the first buffer is the gradient itself") {
    // b1 = d1 = 0.6, p1 = 0.94; d2 = 0.594, b2 = 0.9·0.6 + 0.594 = 1.134, p2 = 0.94 − 0.1134
    check_trace(two_steps({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1}), {0.94, 0.8266});
}

TEST_CASE("SGD: momentum with dampening") {
    // b1 = 0.6 (no dampening on the first step), p1 = 0.94;
    // b2 = 0.9·0.6 + 0.5·0.594 = 0.837, p2 = 0.94 − 0.0837 = 0.8563
    check_trace(two_steps({.lr = 0.1, .momentum = 0.9, .dampening = 0.5, .weight_decay = 0.1}),
                {0.94, 0.8563});
}

TEST_CASE("SGD: nesterov") {
    // b1 = 0.6, step 0.6 + 0.9·0.6 = 1.14, p1 = 0.886;
    // d2 = 0.5886, b2 = 0.54 + 0.5886 = 1.1286, step 0.5886 + 0.9·1.1286 = 1.60434,
    // p2 = 0.886 − 0.160434 = 0.725566
    check_trace(two_steps({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1, .nesterov = true}),
                {0.886, 0.725566});
}

TEST_CASE("SGD: parameter groups keep their own lr and weight decay") {
    auto a = bg::Tensor::full({1}, 1.0, bg::DType::float64).set_requires_grad(true);
    auto b = bg::Tensor::full({1}, 1.0, bg::DType::float64).set_requires_grad(true);
    bg::SGD sgd({bg::ParamGroup{{a}, {}, {}}, bg::ParamGroup{{b}, 0.2, 0.0}},
                {.lr = 0.1, .weight_decay = 0.1});
    a.set_grad(bg::Tensor::full({1}, 0.5, bg::DType::float64));
    b.set_grad(bg::Tensor::full({1}, 0.5, bg::DType::float64));
    sgd.step();
    CHECK(a.item() == doctest::Approx(0.94));  // 1 − 0.1·(0.5 + 0.1)
    CHECK(b.item() == doctest::Approx(0.9));   // 1 − 0.2·0.5
}

TEST_CASE("SGD: parameters without a gradient are left alone, bad options are errors") {
    auto p = bg::Tensor::full({1}, 1.0).set_requires_grad(true);
    bg::SGD sgd({p}, {.lr = 0.1, .momentum = 0.9});
    sgd.step();
    CHECK(p.item() == 1.0);
    CHECK_THROWS_WITH_AS(bg::SGD({p}, {.lr = 0.1, .nesterov = true}),
                         "SGD: nesterov needs momentum > 0 and dampening = 0, got momentum = 0, "
                         "dampening = 0",
                         bg::Error);
    CHECK_THROWS_AS(bg::SGD({p}, {.lr = -1}), bg::Error);
}

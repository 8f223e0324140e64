#include <doctest/doctest.h>

#include <vector>

#include "optim/budget.h"
#include "optim/schedule.h"

namespace bg = budgetgrad;

namespace {

bg::SGD make_sgd(double lr) {
    return bg::SGD({bg::Tensor::zeros({1}).set_requires_grad(true)}, {.lr = lr});
}

}  // namespace

TEST_CASE("LinearLR: the table for T = 10, lr_0 = 0.1") {
    bg::SGD sgd = make_sgd(0.1);
    bg::LinearLR schedule(sgd, 10);
    const std::vector<double> expected = {0.1,  0.09, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03,
                                          0.02, 0.01, 0,    0,    0,    0,    0,    0};
    for (int64_t t = 0; t < 16; ++t) {
        CAPTURE(t);
        CHECK(schedule.lr_at(t) == doctest::Approx(expected[t]).epsilon(1e-12));
        // The optimizer's lr for step t is what the schedule wrote.
        CHECK(*sgd.param_groups()[0].lr == doctest::Approx(expected[t]).epsilon(1e-12));
        CHECK(schedule.step_count() == t);
        schedule.step();
    }
}

TEST_CASE("LinearLR: reading the lr never changes it") {
    bg::SGD sgd = make_sgd(0.1);
    bg::LinearLR schedule(sgd, 10);
    schedule.step();
    schedule.step();
    for (int i = 0; i < 1000; ++i) {
        CHECK(schedule.current_lr() == doctest::Approx(0.08));
        (void)schedule.lr_at(i % 20);
    }
    CHECK(schedule.step_count() == 2);
    CHECK(*sgd.param_groups()[0].lr == doctest::Approx(0.08));
}

TEST_CASE("LinearLR: T <= 0 is rejected") {
    bg::SGD sgd = make_sgd(0.1);
    CHECK_THROWS_WITH_AS(bg::LinearLR(sgd, 0), "LinearLR: expected total_steps T > 0, got 0",
                         bg::Error);
    CHECK_THROWS_AS(bg::LinearLR(sgd, -5), bg::Error);
}

TEST_CASE("LinearLR: set_step resumes exactly") {
    bg::SGD a = make_sgd(0.3), b = make_sgd(0.3);
    bg::LinearLR sa(a, 7), sb(b, 7);
    for (int i = 0; i < 4; ++i)
        sa.step();
    sb.set_step(4);
    CHECK(*a.param_groups()[0].lr == *b.param_groups()[0].lr);
}

TEST_CASE("Budget: epochs, steps and fractions in steps") {
    CHECK(bg::Budget::epochs(1).total_steps(938) == 938);
    CHECK(bg::Budget::epochs(0.5).total_steps(938) == 469);
    CHECK(bg::Budget::steps(200).total_steps(938) == 200);
    CHECK(bg::Budget::fraction(0.25, 4).total_steps(100) == 100);
    CHECK(bg::Budget::epochs(1e-9).total_steps(10) == 1);
    CHECK_THROWS_WITH_AS(bg::Budget::epochs(0),
                         "budget: expected a positive number of epochs, "
                         "got 0",
                         bg::Error);
    CHECK_THROWS_AS(bg::Budget::steps(-3), bg::Error);
    CHECK_THROWS_AS(bg::Budget::fraction(1.5, 10), bg::Error);
}

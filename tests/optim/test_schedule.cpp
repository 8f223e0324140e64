#include <doctest/doctest.h>

#include <cmath>
#include <string>
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

namespace {

// factor(t) for t = 0 .. count − 1.
std::vector<double> factors(const bg::Schedule& schedule, int count) {
    std::vector<double> out;
    for (int t = 0; t < count; ++t)
        out.push_back(schedule.factor(t));
    return out;
}

void check_table(const std::vector<double>& got, const std::vector<double>& expected) {
    REQUIRE(got.size() == expected.size());
    for (std::size_t t = 0; t < got.size(); ++t) {
        CAPTURE(t);
        CHECK(got[t] == doctest::Approx(expected[t]).epsilon(1e-12));
    }
}

}  // namespace

TEST_CASE("schedules: tables by hand for T = 4, then held past T") {
    // step at 50% and 75% of T = 4: milestones at steps 2 and 3.
    check_table(factors(bg::StepSchedule(4), 7), {1, 1, 0.1, 0.01, 0.01, 0.01, 0.01});
    // cosine: (1 + cos(π t / 4)) / 2, held at 0 from t = 4.
    const double c = (1 + std::cos(M_PI / 4)) / 2;
    check_table(factors(bg::CosineSchedule(4), 6), {1, c, 0.5, 1 - c, 0, 0});
    // exp to 0.01 at T: 0.01^(t/4).
    check_table(factors(bg::ExponentialSchedule(4, 0.01), 6),
                {1, std::pow(0.01, 0.25), 0.1, std::pow(0.01, 0.75), 0.01, 0.01});
    // poly, power 2: (1 − t/4)².
    check_table(factors(bg::PolynomialSchedule(4, 2.0), 6), {1, 0.5625, 0.25, 0.0625, 0, 0});
    check_table(factors(bg::MultiStepSchedule({1, 3}, 0.5), 5), {1, 0.5, 0.5, 0.25, 0.25});
    check_table(factors(bg::ConstantSchedule(), 3), {1, 1, 1});
    // rex: (1 − p) / (½ + ½(1 − p)) with p = t/4: 1, 0.75/0.875, 0.5/0.75, 0.25/0.625, 0.
    check_table(factors(bg::RexSchedule(4), 6), {1, 0.75 / 0.875, 0.5 / 0.75, 0.25 / 0.625, 0, 0});
}

TEST_CASE("schedules: one-cycle rises to the peak then falls to its final value at T") {
    // T = 10, peak at step 3, from 0.1 up to 1, then down to 0 at step 10.
    bg::OneCycleSchedule schedule(10, 0.3, 0.1, 0.0);
    check_table(factors(schedule, 12),
                {0.1, 0.4, 0.7, 1.0, 6.0 / 7, 5.0 / 7, 4.0 / 7, 3.0 / 7, 2.0 / 7, 1.0 / 7, 0, 0});
}

TEST_CASE("schedules: warm-up starts above 0, never passes the peak, hands off smoothly") {
    // W = 3 before linear decay over the remaining 5 of T = 8 steps.
    auto schedule = bg::make_schedule("linear", 8, 3);
    check_table(factors(*schedule, 10), {0.25, 0.5, 0.75, 1.0, 0.8, 0.6, 0.4, 0.2, 0, 0});
    for (const std::string& name : bg::schedule_names()) {
        CAPTURE(name);
        auto warmed = bg::make_schedule(name, 50, 10);
        CHECK(warmed->factor(0) > 0.0);
        for (int t = 0; t < 60; ++t)
            CHECK(warmed->factor(t) <= 1.0 + 1e-12);
    }
}

TEST_CASE("schedules: bad arguments name what is wrong") {
    CHECK_THROWS_WITH_AS(bg::make_schedule("linear", 10, 10),
                         "schedule: expected warm-up steps W in [0, T) = [0, 10), got 10",
                         bg::Error);
    CHECK_THROWS_WITH_AS(bg::make_schedule("sawtooth", 10),
                         "schedule: expected one of const, linear, step, exp, cosine, poly, "
                         "onecycle, rex, got 'sawtooth'",
                         bg::Error);
    CHECK_THROWS_WITH_AS(bg::CosineSchedule(0), "cosine: expected total_steps T > 0, got 0",
                         bg::Error);
    CHECK_THROWS_WITH_AS(bg::StepSchedule(10, {0.5}, -0.1), "step: expected gamma >= 0, got -0.1",
                         bg::Error);
    CHECK_THROWS_WITH_AS(bg::ExponentialSchedule(10, 0.0), "exp: expected final_factor > 0, got 0",
                         bg::Error);
    CHECK_THROWS_AS(bg::StepSchedule(10, {1.5}), bg::Error);
    CHECK_THROWS_AS(bg::PolynomialSchedule(10, -1.0), bg::Error);
}

TEST_CASE("LRScheduler: each group decays from its own base lr") {
    auto a = bg::Tensor::zeros({1}).set_requires_grad(true);
    auto b = bg::Tensor::zeros({1}).set_requires_grad(true);
    bg::SGD sgd({bg::ParamGroup{{a}, 0.1, {}}, bg::ParamGroup{{b}, 0.4, {}}}, {});
    bg::LinearLR schedule(sgd, 4);
    schedule.step();
    CHECK(*sgd.param_groups()[0].lr == doctest::Approx(0.075));
    CHECK(*sgd.param_groups()[1].lr == doctest::Approx(0.3));
}

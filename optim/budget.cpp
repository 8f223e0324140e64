#include "optim/budget.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/check.h"

namespace budgetgrad {

Budget Budget::steps(int64_t steps) {
    BG_CHECK(steps > 0, "budget: expected a positive number of steps, got ", steps);
    return Budget(steps, 0.0);
}

Budget Budget::epochs(double epochs) {
    BG_CHECK(std::isfinite(epochs) && epochs > 0.0,
             "budget: expected a positive number of epochs, got ", epochs);
    return Budget(0, epochs);
}

Budget Budget::fraction(double fraction, double full_epochs) {
    BG_CHECK(std::isfinite(fraction) && fraction > 0.0 && fraction <= 1.0,
             "budget: expected a fraction in (0, 1], got ", fraction);
    return epochs(fraction * full_epochs);
}

int64_t Budget::total_steps(int64_t steps_per_epoch) const {
    BG_CHECK(steps_per_epoch > 0, "budget: expected steps_per_epoch > 0, got ", steps_per_epoch);
    if (steps_ > 0) return steps_;
    const double steps = epochs_ * static_cast<double>(steps_per_epoch);
    // 2^62 steps: more than any run will take, and safely inside int64_t.
    constexpr double kMaxSteps = 4.611686018427387904e18;
    BG_CHECK(steps < kMaxSteps, "budget: ", epochs_, " epochs of ", steps_per_epoch,
             " steps is more steps than can be counted");
    return std::max<int64_t>(1, std::llround(steps));
}

std::string Budget::describe(int64_t steps_per_epoch) const {
    const int64_t total = total_steps(steps_per_epoch);
    const double as_epochs = static_cast<double>(total) / static_cast<double>(steps_per_epoch);
    return fmt::format("{} steps ({:.2f} epochs of {} steps)", total, as_epochs, steps_per_epoch);
}

}  // namespace budgetgrad

// A training budget, given as optimizer steps, as epochs, or as a fraction of a full run of
// epochs, and converted to T (steps) once the number of steps per epoch is known.
// Wall-clock budgets are not handled here.
#pragma once

#include <cstdint>
#include <string>

namespace budgetgrad {

class Budget {
public:
    static Budget steps(int64_t steps);
    // Fractional epochs are allowed (0.5 = half an epoch).
    static Budget epochs(double epochs);
    // `fraction` of a run of `full_epochs` epochs: the Budgeted Training paper's budgets.
    static Budget fraction(double fraction, double full_epochs);

    // T, at least 1: epochs are rounded to the nearest step.
    int64_t total_steps(int64_t steps_per_epoch) const;
    // "1.00 epochs (938 steps)" style description.
    std::string describe(int64_t steps_per_epoch) const;

private:
    Budget(int64_t steps, double epochs) : steps_(steps), epochs_(epochs) {}
    int64_t steps_;  // > 0 for a step budget, else 0
    double epochs_;  // > 0 for an epoch budget, else 0
};

}  // namespace budgetgrad

// Learning-rate schedules. A schedule is a pure function of the integer step t (optimizer steps
// taken so far, counted from 0): lr_at(t) = base_lr · factor_at(t), computed in double. step()
// only advances t and writes the new lr into every parameter group (each group scaled from its
// own base lr), so reading the lr never changes it and resuming at step t is exact.
// Call step() once after each optimizer.step().
#pragma once

#include <cstdint>
#include <vector>

#include "optim/optimizer.h"

namespace budgetgrad {

class LRScheduler {
public:
    virtual ~LRScheduler() = default;

    // Multiplier of the base lr at step t >= 0.
    virtual double factor_at(int64_t step) const = 0;
    // The lr of parameter group `group` at step t.
    double lr_at(int64_t step, std::size_t group = 0) const;
    // The lr the optimizer uses for its next step.
    double current_lr(std::size_t group = 0) const { return lr_at(step_, group); }
    int64_t step_count() const { return step_; }

    // Advances one step and writes the new lr into the optimizer.
    void step();
    // Jumps to step t (for resuming) and writes its lr into the optimizer.
    void set_step(int64_t step);

protected:
    // Records each group's current lr as its base; a subclass constructor that has validated
    // its arguments must call apply() to write the lr of step 0.
    explicit LRScheduler(Optimizer& optimizer);
    void apply();

private:
    Optimizer& optimizer_;
    std::vector<double> base_lrs_;
    int64_t step_ = 0;
};

// Budget-aware linear decay (Li, Yumer & Ramanan, "Budgeted Training", ICLR 2020):
//   lr_t = lr_0 · (1 − t / T) for t < T, and 0 from t = T on.
// The first optimizer step uses lr_0 and the last one (t = T − 1) lr_0 / T. Unlike the Python
// `linearlr` package, which goes negative past T, the lr is clamped at 0.
class LinearLR : public LRScheduler {
public:
    // total_steps = T, the budget in optimizer steps; T <= 0 throws.
    LinearLR(Optimizer& optimizer, int64_t total_steps);
    double factor_at(int64_t step) const override;

private:
    int64_t total_steps_;
};

}  // namespace budgetgrad

// Learning-rate schedules. A Schedule is a pure function of the integer step t (optimizer steps
// taken so far, counted from 0) giving a multiplier of the base lr, computed in double. The
// LRScheduler drives an optimizer with one: step() only advances t and writes
// base_lr · factor(t) into every parameter group (each group from its own base lr), so reading
// the lr never changes it and resuming at step t is exact. Call step() after each
// optimizer.step().
//
// Budget-aware schedules take the budget T in steps and reach their end exactly at T; from T on
// they hold their final value (they never rise again).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "optim/optimizer.h"

namespace budgetgrad {

class Schedule {
public:
    virtual ~Schedule() = default;
    // Multiplier of the base lr for step t >= 0.
    virtual double factor(int64_t step) const = 0;
    // e.g. "linear(T=938)".
    virtual std::string describe() const = 0;
};

// 1 at every step.
class ConstantSchedule : public Schedule {
public:
    double factor(int64_t step) const override;
    std::string describe() const override { return "constant"; }
};

// Budget-aware linear decay (Li, Yumer & Ramanan, "Budgeted Training", ICLR 2020):
//   factor(t) = 1 − t / T for t < T, 0 from t = T on.
// The first step uses the full lr, the last (t = T − 1) lr / T. Unlike the Python `linearlr`
// package, which goes negative past T, the factor is clamped at 0.
class LinearSchedule : public Schedule {
public:
    explicit LinearSchedule(int64_t total_steps);
    double factor(int64_t step) const override;
    std::string describe() const override;

private:
    int64_t total_steps_;
};

// REX (Chen, Wolfe & Kyrillidis, "REX: Revisiting Budgeted Training with an Improved Schedule",
// MLSys 2022): with p = min(t, T) / T, factor(t) = (1 − p) / (½ + ½·(1 − p)). It stays above
// linear decay for most of the budget and reaches 0 at T.
class RexSchedule : public Schedule {
public:
    explicit RexSchedule(int64_t total_steps);
    double factor(int64_t step) const override;
    std::string describe() const override;

private:
    int64_t total_steps_;
};

// Polynomial decay, torch.optim.lr_scheduler.PolynomialLR: factor(t) = (1 − min(t, T) / T)^p.
// power = 1 is LinearSchedule.
class PolynomialSchedule : public Schedule {
public:
    PolynomialSchedule(int64_t total_steps, double power);
    double factor(int64_t step) const override;
    std::string describe() const override;

private:
    int64_t total_steps_;
    double power_;
};

// The usual step schedule made budget-aware: multiplies by gamma at each fraction of T
// (defaults: ×0.1 at 50% and 75%). Milestone f falls at step round(f·T).
class StepSchedule : public Schedule {
public:
    StepSchedule(int64_t total_steps, std::vector<double> fractions = {0.5, 0.75},
                 double gamma = 0.1);
    double factor(int64_t step) const override;
    std::string describe() const override;

private:
    std::vector<int64_t> milestones_;
    double gamma_;
    int64_t total_steps_;
};

// torch.optim.lr_scheduler.MultiStepLR: multiplies by gamma at each given step.
class MultiStepSchedule : public Schedule {
public:
    MultiStepSchedule(std::vector<int64_t> milestones, double gamma = 0.1);
    double factor(int64_t step) const override;
    std::string describe() const override;

private:
    std::vector<int64_t> milestones_;
    double gamma_;
};

// Exponential decay reaching final_factor at T: factor(t) = final_factor^(min(t, T) / T).
class ExponentialSchedule : public Schedule {
public:
    ExponentialSchedule(int64_t total_steps, double final_factor = 0.01);
    double factor(int64_t step) const override;
    std::string describe() const override;

private:
    int64_t total_steps_;
    double final_factor_;
};

// Cosine annealing to min_factor at T (torch.optim.lr_scheduler.CosineAnnealingLR within T),
// held there from T on instead of rising again:
//   factor(t) = m + (1 − m) · (1 + cos(π · min(t, T) / T)) / 2,  m = min_factor.
class CosineSchedule : public Schedule {
public:
    CosineSchedule(int64_t total_steps, double min_factor = 0.0);
    double factor(int64_t step) const override;
    std::string describe() const override;

private:
    int64_t total_steps_;
    double min_factor_;
};

// One-cycle / triangular: a linear rise from start_factor at t = 0 to 1 at t = round(peak · T),
// then a linear fall to final_factor at T, held from T on.
class OneCycleSchedule : public Schedule {
public:
    OneCycleSchedule(int64_t total_steps, double peak_fraction = 0.3, double start_factor = 0.04,
                     double final_factor = 0.0);
    double factor(int64_t step) const override;
    std::string describe() const override;

private:
    int64_t total_steps_;
    int64_t peak_step_;
    double start_factor_, final_factor_;
};

// A linear warm-up of W steps before another schedule, which then runs on steps W, W+1, ... as
// its own steps 0, 1, ... (build it with a budget of T − W):
//   factor(t) = (t + 1) / (W + 1) · main(0) for t < W, main(t − W) after.
// The first step is not at 0, the ramp ends where the main schedule starts, and it never
// exceeds main(0).
class WarmupSchedule : public Schedule {
public:
    WarmupSchedule(std::shared_ptr<const Schedule> main, int64_t warmup_steps);
    double factor(int64_t step) const override;
    std::string describe() const override;

private:
    std::shared_ptr<const Schedule> main_;
    int64_t warmup_steps_;
};

// Builds a schedule by name for a budget of T steps, with W warm-up steps (0 for none):
// const, linear, step, exp, cosine, poly (power 2), onecycle, rex. Throws budgetgrad::Error naming
// the known schedules for an unknown name, and for W >= T.
std::shared_ptr<const Schedule> make_schedule(const std::string& name, int64_t total_steps,
                                              int64_t warmup_steps = 0);
std::vector<std::string> schedule_names();

// Drives an optimizer's lr with a schedule.
class LRScheduler {
public:
    // Records each group's current lr as its base and writes the lr of step 0.
    LRScheduler(Optimizer& optimizer, std::shared_ptr<const Schedule> schedule);
    virtual ~LRScheduler() = default;

    // The lr of parameter group `group` at step t.
    double lr_at(int64_t step, std::size_t group = 0) const;
    // The lr the optimizer uses for its next step.
    double current_lr(std::size_t group = 0) const { return lr_at(step_, group); }
    int64_t step_count() const { return step_; }
    const Schedule& schedule() const { return *schedule_; }
    const std::vector<double>& base_lrs() const { return base_lrs_; }

    // Advances one step and writes the new lr into the optimizer.
    void step();
    // Jumps to step t (for resuming) and writes its lr into the optimizer.
    void set_step(int64_t step);

private:
    void apply();

    Optimizer& optimizer_;
    std::shared_ptr<const Schedule> schedule_;
    std::vector<double> base_lrs_;
    int64_t step_ = 0;
};

// LinearLR(optimizer, T): the budgeted-training schedule, lr_t = lr_0 · (1 − t / T), 0 from T on.
class LinearLR : public LRScheduler {
public:
    LinearLR(Optimizer& optimizer, int64_t total_steps);
};

}  // namespace budgetgrad

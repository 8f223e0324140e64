#include "optim/schedule.h"

namespace budgetgrad {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(optimizer) {
    for (const ParamGroup& group : optimizer.param_groups())
        base_lrs_.push_back(*group.lr);
}

double LRScheduler::lr_at(int64_t step, std::size_t group) const {
    BG_CHECK(step >= 0, "schedule: expected step >= 0, got ", step);
    BG_CHECK(group < base_lrs_.size(), "schedule: group ", group,
             " out of range, the optimizer has ", base_lrs_.size());
    return base_lrs_[group] * factor_at(step);
}

void LRScheduler::apply() {
    std::vector<ParamGroup>& groups = optimizer_.param_groups();
    for (std::size_t g = 0; g < groups.size(); ++g)
        groups[g].lr = lr_at(step_, g);
}

void LRScheduler::step() {
    ++step_;
    apply();
}

void LRScheduler::set_step(int64_t step) {
    BG_CHECK(step >= 0, "schedule: expected step >= 0, got ", step);
    step_ = step;
    apply();
}

LinearLR::LinearLR(Optimizer& optimizer, int64_t total_steps)
    : LRScheduler(optimizer), total_steps_(total_steps) {
    BG_CHECK(total_steps > 0, "LinearLR: expected total_steps T > 0, got ", total_steps);
    apply();
}

double LinearLR::factor_at(int64_t step) const {
    if (step >= total_steps_) return 0.0;
    return 1.0 - static_cast<double>(step) / static_cast<double>(total_steps_);
}

}  // namespace budgetgrad

#include "optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace budgetgrad {

namespace {

void check_budget(const char* schedule, int64_t total_steps) {
    BG_CHECK(total_steps > 0, schedule, ": expected total_steps T > 0, got ", total_steps);
}

void check_factor(const char* schedule, const char* name, double value) {
    BG_CHECK(std::isfinite(value) && value >= 0.0, schedule, ": expected ", name, " >= 0, got ",
             value);
}

// min(t, T) / T in double.
double progress(int64_t step, int64_t total_steps) {
    return static_cast<double>(std::min(step, total_steps)) / static_cast<double>(total_steps);
}

}  // namespace

double ConstantSchedule::factor(int64_t) const {
    return 1.0;
}

LinearSchedule::LinearSchedule(int64_t total_steps) : total_steps_(total_steps) {
    BG_CHECK(total_steps > 0, "LinearLR: expected total_steps T > 0, got ", total_steps);
}

double LinearSchedule::factor(int64_t step) const {
    return 1.0 - progress(step, total_steps_);
}

std::string LinearSchedule::describe() const {
    return fmt::format("linear(T={})", total_steps_);
}

RexSchedule::RexSchedule(int64_t total_steps) : total_steps_(total_steps) {
    check_budget("rex", total_steps);
}

double RexSchedule::factor(int64_t step) const {
    const double remaining = 1.0 - progress(step, total_steps_);
    return remaining / (0.5 + 0.5 * remaining);
}

std::string RexSchedule::describe() const {
    return fmt::format("rex(T={})", total_steps_);
}

PolynomialSchedule::PolynomialSchedule(int64_t total_steps, double power)
    : total_steps_(total_steps), power_(power) {
    check_budget("poly", total_steps);
    BG_CHECK(std::isfinite(power) && power > 0.0, "poly: expected power > 0, got ", power);
}

double PolynomialSchedule::factor(int64_t step) const {
    return std::pow(1.0 - progress(step, total_steps_), power_);
}

std::string PolynomialSchedule::describe() const {
    return fmt::format("poly(T={}, power={})", total_steps_, power_);
}

StepSchedule::StepSchedule(int64_t total_steps, std::vector<double> fractions, double gamma)
    : gamma_(gamma), total_steps_(total_steps) {
    check_budget("step", total_steps);
    check_factor("step", "gamma", gamma);
    for (double f : fractions) {
        BG_CHECK(f > 0.0 && f < 1.0, "step: expected milestone fractions in (0, 1), got ", f);
        milestones_.push_back(std::llround(f * static_cast<double>(total_steps)));
    }
    std::sort(milestones_.begin(), milestones_.end());
}

double StepSchedule::factor(int64_t step) const {
    const auto passed =
        std::upper_bound(milestones_.begin(), milestones_.end(), step) - milestones_.begin();
    return std::pow(gamma_, static_cast<double>(passed));
}

std::string StepSchedule::describe() const {
    return fmt::format("step(T={}, gamma={}, at steps {})", total_steps_, gamma_,
                       fmt::join(milestones_, ", "));
}

MultiStepSchedule::MultiStepSchedule(std::vector<int64_t> milestones, double gamma)
    : milestones_(std::move(milestones)), gamma_(gamma) {
    check_factor("multistep", "gamma", gamma);
    for (int64_t m : milestones_) {
        BG_CHECK(m > 0, "multistep: expected milestones > 0, got ", m);
    }
    std::sort(milestones_.begin(), milestones_.end());
}

double MultiStepSchedule::factor(int64_t step) const {
    const auto passed =
        std::upper_bound(milestones_.begin(), milestones_.end(), step) - milestones_.begin();
    return std::pow(gamma_, static_cast<double>(passed));
}

std::string MultiStepSchedule::describe() const {
    return fmt::format("multistep(gamma={}, at steps {})", gamma_, fmt::join(milestones_, ", "));
}

ExponentialSchedule::ExponentialSchedule(int64_t total_steps, double final_factor)
    : total_steps_(total_steps), final_factor_(final_factor) {
    check_budget("exp", total_steps);
    BG_CHECK(std::isfinite(final_factor) && final_factor > 0.0,
             "exp: expected final_factor > 0, got ", final_factor);
}

double ExponentialSchedule::factor(int64_t step) const {
    return std::pow(final_factor_, progress(step, total_steps_));
}

std::string ExponentialSchedule::describe() const {
    return fmt::format("exp(T={}, final factor={})", total_steps_, final_factor_);
}

CosineSchedule::CosineSchedule(int64_t total_steps, double min_factor)
    : total_steps_(total_steps), min_factor_(min_factor) {
    check_budget("cosine", total_steps);
    check_factor("cosine", "min_factor", min_factor);
}

double CosineSchedule::factor(int64_t step) const {
    const double cosine = std::cos(std::numbers::pi * progress(step, total_steps_));
    return min_factor_ + (1.0 - min_factor_) * (1.0 + cosine) / 2.0;
}

std::string CosineSchedule::describe() const {
    return fmt::format("cosine(T={}, min factor={})", total_steps_, min_factor_);
}

OneCycleSchedule::OneCycleSchedule(int64_t total_steps, double peak_fraction, double start_factor,
                                   double final_factor)
    : total_steps_(total_steps), start_factor_(start_factor), final_factor_(final_factor) {
    check_budget("onecycle", total_steps);
    BG_CHECK(peak_fraction >= 0.0 && peak_fraction < 1.0,
             "onecycle: expected peak_fraction in [0, 1), got ", peak_fraction);
    check_factor("onecycle", "start_factor", start_factor);
    check_factor("onecycle", "final_factor", final_factor);
    BG_CHECK(start_factor <= 1.0 && final_factor <= 1.0,
             "onecycle: expected start and final factors <= 1 (the peak), got ", start_factor,
             " and ", final_factor);
    // The fall needs at least one step.
    peak_step_ = std::min<int64_t>(std::llround(peak_fraction * static_cast<double>(total_steps)),
                                   total_steps - 1);
}

double OneCycleSchedule::factor(int64_t step) const {
    if (step < peak_step_) {
        const double rise = static_cast<double>(step) / static_cast<double>(peak_step_);
        return start_factor_ + (1.0 - start_factor_) * rise;
    }
    const double fall = static_cast<double>(std::min(step, total_steps_) - peak_step_) /
                        static_cast<double>(total_steps_ - peak_step_);
    return 1.0 + (final_factor_ - 1.0) * fall;
}

std::string OneCycleSchedule::describe() const {
    return fmt::format("onecycle(T={}, peak at step {}, start {}, final {})", total_steps_,
                       peak_step_, start_factor_, final_factor_);
}

WarmupSchedule::WarmupSchedule(std::shared_ptr<const Schedule> main, int64_t warmup_steps)
    : main_(std::move(main)), warmup_steps_(warmup_steps) {
    BG_CHECK(main_ != nullptr, "warmup: expected a schedule to warm up into, got none");
    BG_CHECK(warmup_steps >= 0, "warmup: expected warmup_steps W >= 0, got ", warmup_steps);
}

double WarmupSchedule::factor(int64_t step) const {
    if (step >= warmup_steps_) return main_->factor(step - warmup_steps_);
    return static_cast<double>(step + 1) / static_cast<double>(warmup_steps_ + 1) *
           main_->factor(0);
}

std::string WarmupSchedule::describe() const {
    return fmt::format("warmup(W={}) then {}", warmup_steps_, main_->describe());
}

std::vector<std::string> schedule_names() {
    return {"const", "linear", "step", "exp", "cosine", "poly", "onecycle", "rex"};
}

std::shared_ptr<const Schedule> make_schedule(const std::string& name, int64_t total_steps,
                                              int64_t warmup_steps) {
    check_budget("schedule", total_steps);
    BG_CHECK(warmup_steps >= 0 && warmup_steps < total_steps,
             "schedule: expected warm-up steps W in [0, T) = [0, ", total_steps, "), got ",
             warmup_steps);
    const int64_t main_steps = total_steps - warmup_steps;
    std::shared_ptr<const Schedule> main;
    if (name == "const") {
        main = std::make_shared<ConstantSchedule>();
    } else if (name == "linear") {
        main = std::make_shared<LinearSchedule>(main_steps);
    } else if (name == "step") {
        main = std::make_shared<StepSchedule>(main_steps);
    } else if (name == "exp") {
        main = std::make_shared<ExponentialSchedule>(main_steps);
    } else if (name == "cosine") {
        main = std::make_shared<CosineSchedule>(main_steps);
    } else if (name == "poly") {
        main = std::make_shared<PolynomialSchedule>(main_steps, /*power=*/2.0);
    } else if (name == "onecycle") {
        main = std::make_shared<OneCycleSchedule>(main_steps);
    } else if (name == "rex") {
        main = std::make_shared<RexSchedule>(main_steps);
    } else {
        throw Error(fmt::format("schedule: expected one of {}, got '{}'",
                                fmt::join(schedule_names(), ", "), name));
    }
    if (warmup_steps == 0) return main;
    return std::make_shared<WarmupSchedule>(main, warmup_steps);
}

LRScheduler::LRScheduler(Optimizer& optimizer, std::shared_ptr<const Schedule> schedule)
    : optimizer_(optimizer), schedule_(std::move(schedule)) {
    BG_CHECK(schedule_ != nullptr, "LRScheduler: expected a schedule, got none");
    for (const ParamGroup& group : optimizer.param_groups())
        base_lrs_.push_back(*group.lr);
    apply();
}

double LRScheduler::lr_at(int64_t step, std::size_t group) const {
    BG_CHECK(step >= 0, "schedule: expected step >= 0, got ", step);
    BG_CHECK(group < base_lrs_.size(), "schedule: group ", group,
             " out of range, the optimizer has ", base_lrs_.size());
    return base_lrs_[group] * schedule_->factor(step);
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
    : LRScheduler(optimizer, std::make_shared<LinearSchedule>(total_steps)) {}

}  // namespace budgetgrad

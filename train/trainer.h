// The training loop every example shares, and evaluation. fit() runs exactly T optimizer steps
// (the budget), epoch after epoch, logging a progress line every log_every steps; evaluate()
// measures loss and accuracy in eval mode without recording a graph.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "datasets/dataloader.h"
#include "layers/module.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "train/process_group.h"
#include "train/progress.h"

namespace budgetgrad {

struct EvalResult {
    double loss = 0.0;      // mean cross-entropy
    double accuracy = 0.0;  // fraction of correct top-1 predictions
    int64_t count = 0;      // examples evaluated
};

// Number of rows of logits (N, C) whose largest entry is at the label's index.
int64_t count_correct(const Tensor& logits, const std::vector<int64_t>& labels);

// Name of the first parameter holding a NaN or an infinity, or "" when all are finite.
std::string first_non_finite_parameter(const Module& model);

// Evaluates every batch of the loader's current epoch; leaves the model in the mode it found.
// With a group, every process evaluates its part of each batch (the loader's rank) with the
// group's mean buffers (average_buffers), and all get the totals.
EvalResult evaluate(Module& model, DataLoader& loader, ProcessGroup* group = nullptr);

struct FitOptions {
    // T, the budget in optimizer steps. With a time budget, the schedule's resolution instead:
    // the schedule is built for T steps and moved to step ⌊p · T⌋ before every optimizer step,
    // p being the fraction of the time budget spent so far.
    int64_t total_steps = 0;
    // > 0: a wall-clock budget. Training stops at the first step boundary (after a step, or at
    // the end of an epoch) with this many seconds of training time spent (evaluation and
    // checkpoint writing are not counted).
    double time_budget_seconds = 0.0;
    int64_t log_every = 100;  // steps between progress lines; 0 for none
    double label_smoothing = 0.0;
    std::FILE* log = stdout;  // where progress lines go
    // Called after each progress line.
    std::function<void(const StepStats&)> on_log;
    // Called after every complete epoch (1-based) and after the last step; its time is not
    // counted as training time. For evaluation.
    std::function<void(int64_t epoch, int64_t step)> on_epoch_end;
    // Called after every optimizer step with the steps done and the training seconds spent,
    // resumed ones included; returning false stops training there (after an interruption).
    // For periodic checkpoints; its time is not counted as training time.
    std::function<bool(int64_t step, double training_seconds)> after_step;
    // Steps already taken, when resuming: training continues with batch start_step % (batches
    // per epoch) of epoch start_step / (batches per epoch). With a step budget, the schedule
    // must be at this step.
    int64_t start_step = 0;
    // Training seconds already spent, when resuming a run with a time budget.
    double start_seconds = 0.0;
    // Data-parallel training: the loader reads this process's part of every batch, gradients
    // are averaged over the group before each optimizer step, losses and accuracies in the
    // progress lines are the whole batch's, and every decision to stop (a time budget's end,
    // after_step returning false on any process) is taken by all processes together. Rank 0's
    // clock times a time budget.
    ProcessGroup* group = nullptr;
};

struct FitResult {
    int64_t steps = 0;     // steps done in all, resumed ones included
    bool stopped = false;  // after_step asked to stop before the budget was spent
    double seconds = 0.0;  // training time in this call, evaluation excluded
    double images_per_second = 0.0;
    double last_loss = 0.0;              // mean loss over the last logging interval
    double communication_seconds = 0.0;  // in gradient all-reduces, with a group
};

// Trains `model` for options.total_steps steps, or until options.time_budget_seconds are spent:
// forward, cross-entropy, zero_grad, backward, optimizer step, schedule step. Throws
// budgetgrad::Error naming the step (and the first non-finite parameter) when the loss is not
// finite, or when the last update left a parameter non-finite.
FitResult fit(Module& model, Optimizer& optimizer, LRScheduler& schedule, DataLoader& loader,
              const FitOptions& options);

}  // namespace budgetgrad

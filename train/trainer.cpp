#include "train/trainer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <span>
#include <string>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "train/progress.h"

namespace budgetgrad {

int64_t count_correct(const Tensor& logits, const std::vector<int64_t>& labels) {
    BG_CHECK(logits.ndim() == 2 && logits.size(0) == static_cast<int64_t>(labels.size()),
             "count_correct: expected logits (N, C) with N = ", labels.size(), ", got ",
             shape_str(logits.shape()));
    const int64_t rows = logits.size(0), classes = logits.size(1);
    int64_t correct = 0;
    dispatch(logits.dtype(), [&](auto zero) {
        using T = decltype(zero);
        for (int64_t r = 0; r < rows; ++r) {
            const T* row = logits.data<T>() + r * classes;
            int64_t best = 0;
            for (int64_t c = 1; c < classes; ++c) {
                if (row[c] > row[best]) best = c;
            }
            correct += best == labels[r];
        }
    });
    return correct;
}

std::string first_non_finite_parameter(const Module& model) {
    for (const NamedTensor& p : model.named_parameters()) {
        bool finite = true;
        dispatch(p.tensor.dtype(), [&](auto zero) {
            using T = decltype(zero);
            const T* v = p.tensor.data<T>();
            for (int64_t i = 0; i < p.tensor.numel() && finite; ++i)
                finite = std::isfinite(v[i]);
        });
        if (!finite) return p.name;
    }
    return "";
}

EvalResult evaluate(Module& model, DataLoader& loader, ProcessGroup* group) {
    if (group != nullptr) average_buffers(*group, model);
    const bool was_training = model.is_training();
    model.eval();
    NoGradGuard no_grad;
    EvalResult result;
    double loss_sum = 0.0;
    int64_t correct = 0;
    for (const Batch& batch : loader) {
        Tensor logits = model(batch.images);
        const auto n = static_cast<int64_t>(batch.labels.size());
        const double loss = cross_entropy(logits, batch.labels).item();
        BG_CHECK(std::isfinite(loss), "evaluate: the loss is ", loss, " on examples ", result.count,
                 " to ", result.count + n - 1,
                 ": the model's outputs overflow (was the learning rate too large?)");
        loss_sum += loss * static_cast<double>(n);
        correct += count_correct(logits, batch.labels);
        result.count += n;
    }
    model.train(was_training);
    if (group != nullptr) {
        std::array<double, 3> totals{loss_sum, static_cast<double>(correct),
                                     static_cast<double>(result.count)};
        group->all_reduce_sum(totals);
        loss_sum = totals[0];
        correct = static_cast<int64_t>(totals[1]);
        result.count = static_cast<int64_t>(totals[2]);
    }
    if (result.count > 0) {
        result.loss = loss_sum / static_cast<double>(result.count);
        result.accuracy = static_cast<double>(correct) / static_cast<double>(result.count);
    }
    return result;
}

FitResult fit(Module& model, Optimizer& optimizer, LRScheduler& schedule, DataLoader& loader,
              const FitOptions& options) {
    const bool timed = options.time_budget_seconds > 0.0;
    BG_CHECK(options.total_steps > 0, "fit: expected total_steps > 0, got ", options.total_steps);
    BG_CHECK(options.start_step >= 0 && (timed || options.start_step <= options.total_steps),
             "fit: expected start_step in [0, ", options.total_steps, "], got ",
             options.start_step);
    BG_CHECK(timed || schedule.step_count() == options.start_step, "fit: the schedule is at step ",
             schedule.step_count(), ", expected start_step ", options.start_step);
    BG_CHECK(options.start_seconds >= 0.0, "fit: expected start_seconds >= 0, got ",
             options.start_seconds);
    model.train();
    FitResult result;
    result.steps = options.start_step;
    const int64_t per_epoch = loader.num_batches();
    Stopwatch total, interval;
    double paused = 0.0;           // seconds spent in the hooks, not training
    double interval_paused = 0.0;  // the part of it inside the current logging interval
    double interval_loss = 0.0;
    int64_t interval_correct = 0, interval_images = 0, interval_steps = 0, images = 0;
    // Training seconds spent in this call, and in the whole run.
    auto seconds_here = [&] { return total.seconds() - paused; };
    auto seconds_spent = [&] { return options.start_seconds + seconds_here(); };
    ProcessGroup* group = options.group;
    // Training seconds as every process of the group sees them: rank 0's.
    auto agreed_seconds_spent = [&] {
        double seconds = seconds_spent();
        if (group != nullptr) group->broadcast(std::span<double>(&seconds, 1));
        return seconds;
    };
    auto budget_spent = [&] {
        return timed ? agreed_seconds_spent() >= options.time_budget_seconds
                     : result.steps >= options.total_steps;
    };
    std::optional<GradientReducer> reducer;
    if (group != nullptr) reducer.emplace(*group);
    const std::vector<Tensor> params = model.parameters();
    // Runs a hook with the clocks stopped.
    auto paused_call = [&](auto&& hook) {
        Stopwatch watch;
        hook();
        paused += watch.seconds();
        interval_paused += watch.seconds();
    };
    for (int64_t epoch = result.steps / per_epoch; !budget_spent(); ++epoch) {
        loader.set_epoch(epoch);
        for (auto it = loader.iterate_from(result.steps - epoch * per_epoch); it != loader.end();
             ++it) {
            const Batch& batch = *it;
            const int64_t index = result.steps - epoch * per_epoch;
            if (timed) {
                const double spent =
                    std::min(1.0, agreed_seconds_spent() / options.time_budget_seconds);
                schedule.set_step(static_cast<int64_t>(spent * options.total_steps));
            }
            const double lr = schedule.current_lr();

            Tensor logits = model(batch.images);
            Tensor loss = cross_entropy(logits, batch.labels, options.label_smoothing);
            optimizer.zero_grad();
            loss.backward();
            const auto local = static_cast<int64_t>(batch.labels.size());
            if (reducer) {
                reducer->reduce(params, static_cast<double>(local) /
                                            static_cast<double>(loader.batch_examples(index)));
            }
            optimizer.step();
            if (!timed) schedule.step();
            ++result.steps;

            // The batch's mean loss, images and correct predictions, over the whole group.
            std::array<double, 3> step_totals{
                loss.item() * static_cast<double>(local), static_cast<double>(local),
                static_cast<double>(count_correct(logits, batch.labels))};
            if (group != nullptr) group->all_reduce_sum(step_totals);
            const double loss_value = step_totals[0] / step_totals[1];
            if (!std::isfinite(loss_value)) {
                const std::string bad = first_non_finite_parameter(model);
                throw Error(fmt::format(
                    "training: the loss became {} at step {} (lr {:.3g}){}; try a smaller "
                    "learning rate or weight decay, or check the input data",
                    loss_value, result.steps, lr,
                    bad.empty() ? "" : ", first non-finite parameter: " + bad));
            }
            const auto n = static_cast<int64_t>(step_totals[1]);
            interval_loss += loss_value;
            interval_correct += static_cast<int64_t>(step_totals[2]);
            interval_images += n;
            images += n;
            ++interval_steps;

            const bool last = budget_spent();
            if (options.log_every > 0 && (result.steps % options.log_every == 0 || last)) {
                const double seconds = interval.seconds() - interval_paused;
                const double steps_here = static_cast<double>(result.steps - options.start_step);
                const double eta =
                    timed ? options.time_budget_seconds - seconds_spent()
                          : seconds_here() / steps_here *
                                static_cast<double>(options.total_steps - result.steps);
                StepStats stats{
                    result.steps,
                    timed ? 0 : options.total_steps,
                    epoch + 1,
                    interval_loss / static_cast<double>(interval_steps),
                    static_cast<double>(interval_correct) / static_cast<double>(interval_images),
                    lr,
                    1000.0 * seconds / static_cast<double>(interval_steps),
                    static_cast<double>(interval_images) / seconds,
                    std::max(0.0, eta),
                    seconds_spent()};
                fmt::print(options.log, "{}\n", format_step_line(stats));
                std::fflush(options.log);
                if (options.on_log) options.on_log(stats);
                result.last_loss = stats.loss;
                interval_loss = 0.0;
                interval_correct = interval_images = interval_steps = 0;
                interval.reset();
                interval_paused = 0.0;
            }
            if (options.after_step) {
                bool go_on = true;
                paused_call([&] {
                    go_on = options.after_step(result.steps, agreed_seconds_spent());
                    if (group != nullptr) {
                        double stops = go_on ? 0.0 : 1.0;
                        group->all_reduce_sum(std::span<double>(&stops, 1));
                        go_on = stops == 0.0;
                    }
                });
                if (!go_on) {
                    result.stopped = true;
                    break;
                }
            }
            if (last) break;
        }
        if (result.stopped) break;
        // The epoch is complete, or the budget ended it.
        if (options.on_epoch_end) {
            paused_call([&] { options.on_epoch_end(epoch + 1, result.steps); });
            model.train();
        }
    }
    // A time budget ends its schedule where a step budget would: at step T.
    if (timed && !result.stopped) schedule.set_step(options.total_steps);
    // The loss above is computed before each update; the last update is checked here.
    const std::string bad = first_non_finite_parameter(model);
    BG_CHECK(bad.empty(), "training: parameter ", bad, " became non-finite at the last step (",
             result.steps, "); try a smaller learning rate");
    result.seconds = seconds_here();
    result.images_per_second = static_cast<double>(images) / result.seconds;
    if (reducer) result.communication_seconds = reducer->communication_seconds();
    return result;
}

}  // namespace budgetgrad

// The training loop on a tiny synthetic problem: a step budget runs exactly T steps with the
// schedule's lr at each, and a time budget stops at its deadline with the lr decayed to zero
// over the time spent.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <vector>

#include "datasets/dataloader.h"
#include "engine/random.h"
#include "layers/basic.h"
#include "layers/linear.h"
#include "layers/sequential.h"
#include "optim/schedule.h"
#include "train/trainer.h"

namespace bg = budgetgrad;

namespace {

// 40 examples of shape (1, 4, 4): label i % 2, every pixel +1 for label 1 and −1 for label 0,
// so a linear model separates them.
class SignDataset : public bg::Dataset {
public:
    int64_t size() const override { return 40; }
    bg::Shape example_shape() const override { return {1, 4, 4}; }
    int64_t num_classes() const override { return 2; }
    int64_t get_into(int64_t index, float* out) const override {
        const int64_t label = index % 2;
        for (int i = 0; i < 16; ++i)
            out[i] = label == 1 ? 1.0f : -1.0f;
        return label;
    }
};

std::shared_ptr<bg::Module> tiny_model() {
    bg::manual_seed(0);
    return std::make_shared<bg::Sequential>(bg::Sequential{
        std::make_shared<bg::Flatten>(), std::make_shared<bg::Linear>(16, 2)});  // (N, 2)
}

}  // namespace

TEST_CASE("fit: a step budget runs T steps, evaluates each epoch and ends the schedule at T") {
    auto model = tiny_model();
    bg::DataLoader loader(std::make_shared<SignDataset>(), {.batch_size = 8, .seed = 0});
    bg::SGD sgd(model->parameters(), {.lr = 0.1});
    bg::LinearLR schedule(sgd, 12);  // 5 batches per epoch: epochs 1, 2 and 2 steps of 3
    std::vector<double> lrs;
    std::vector<int64_t> epoch_ends;
    bg::FitOptions options{.total_steps = 12, .log_every = 1, .log = std::tmpfile()};
    options.on_log = [&](const bg::StepStats& s) { lrs.push_back(s.lr); };
    options.on_epoch_end = [&](int64_t epoch, int64_t step) {
        epoch_ends.push_back(epoch * 100 + step);
    };
    const bg::FitResult result = bg::fit(*model, sgd, schedule, loader, options);
    std::fclose(options.log);
    CHECK(result.steps == 12);
    CHECK_FALSE(result.stopped);
    CHECK(schedule.step_count() == 12);
    REQUIRE(lrs.size() == 12);
    for (int t = 0; t < 12; ++t)
        CHECK(lrs[t] == doctest::Approx(0.1 * (1.0 - t / 12.0)).epsilon(1e-12));
    // Epochs 1 and 2 end after steps 5 and 10; the budget ends epoch 3 after step 12.
    CHECK(epoch_ends == std::vector<int64_t>{105, 210, 312});
}

TEST_CASE("fit: a time budget stops at its deadline with the lr decayed to zero") {
    auto model = tiny_model();
    bg::DataLoader loader(std::make_shared<SignDataset>(), {.batch_size = 8, .seed = 0});
    bg::SGD sgd(model->parameters(), {.lr = 0.1});
    constexpr int64_t kResolution = 1'000'000;
    bg::LinearLR schedule(sgd, kResolution);
    constexpr double kBudget = 0.3;  // seconds
    std::vector<bg::StepStats> lines;
    std::vector<double> checkpoint_seconds;
    bg::FitOptions options{.total_steps = kResolution,
                           .time_budget_seconds = kBudget,
                           .log_every = 1,
                           .log = std::tmpfile()};
    options.on_log = [&](const bg::StepStats& s) { lines.push_back(s); };
    options.after_step = [&](int64_t, double seconds) {
        checkpoint_seconds.push_back(seconds);
        return true;
    };
    const bg::FitResult result = bg::fit(*model, sgd, schedule, loader, options);
    std::fclose(options.log);

    // Training stops at the first step boundary past the deadline (after a step, or at the end
    // of an epoch), and not before: every step but the last began before it.
    REQUIRE(lines.size() >= 3);
    CHECK(result.steps == static_cast<int64_t>(lines.size()));
    CHECK(result.seconds >= kBudget);
    CHECK(lines[lines.size() - 2].elapsed_seconds < kBudget);
    CHECK(checkpoint_seconds.size() == lines.size());
    // Each step's lr is lr_0 · (1 − p) for the fraction p of the budget spent when it started:
    // after the previous step ended, before its own end.
    double previous_end = 0.0;
    for (const bg::StepStats& line : lines) {
        CHECK(line.lr >= 0.1 * (1.0 - std::min(1.0, line.elapsed_seconds / kBudget)));
        CHECK(line.lr <= 0.1 * (1.0 - previous_end / kBudget) + 0.1 / kResolution);
        previous_end = line.elapsed_seconds;
    }
    CHECK(lines.back().total_steps == 0);  // printed without a step count
    CHECK(schedule.step_count() == kResolution);
    CHECK(schedule.current_lr() == 0.0);
}

TEST_CASE("fit: a resumed time budget counts the seconds already spent") {
    auto model = tiny_model();
    bg::DataLoader loader(std::make_shared<SignDataset>(), {.batch_size = 8, .seed = 0});
    bg::SGD sgd(model->parameters(), {.lr = 0.1});
    bg::LinearLR schedule(sgd, 1000);
    std::vector<double> lrs;
    bg::FitOptions options{.total_steps = 1000,
                           .time_budget_seconds = 10.0,
                           .log_every = 1,
                           .log = std::tmpfile(),
                           .start_step = 7,
                           .start_seconds = 9.0};
    options.on_log = [&](const bg::StepStats& s) { lrs.push_back(s.lr); };
    const bg::FitResult result = bg::fit(*model, sgd, schedule, loader, options);
    std::fclose(options.log);
    REQUIRE(!lrs.empty());
    CHECK(result.steps > 7);
    // 9 of the 10 seconds were spent before: the first step runs at no more than a tenth of lr_0.
    CHECK(lrs.front() <= 0.1 * 0.1 + 1e-12);
    CHECK(lrs.front() > 0.0);
}

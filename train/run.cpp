#include "train/run.h"

#include <unistd.h>
#include <array>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "datasets/dataloader.h"
#include "engine/parallel.h"
#include "engine/random.h"
#include "layers/summary.h"
#include "layers/zoo.h"
#include "optim/budget.h"
#include "optim/schedule.h"
#include "train/checkpoint.h"
#include "train/flags.h"
#include "train/mpi_group.h"
#include "train/progress.h"
#include "train/trainer.h"

namespace budgetgrad {

namespace {

constexpr int64_t kEvalBatchSize = 500;
constexpr int kMaxThreads = 256;
// Under a time budget the schedule is built for this many steps and follows the fraction of
// the time spent: a resolution of one millionth of the budget.
constexpr int64_t kTimeScheduleSteps = 1'000'000;

// Appends one row per progress line, and one per evaluation. An evaluation right after a
// progress line's step fills that row's test accuracy (so rows are written one line late);
// one at another step gets a row of its own with the training fields left empty.
class CsvLog {
public:
    // A resumed run appends to the log its first part wrote, when there is one.
    CsvLog(const std::string& path, bool resuming) {
        if (path.empty()) return;
        std::error_code error;
        const bool append = resuming && std::filesystem::file_size(path, error) > 0 && !error;
        file_ = std::fopen(path.c_str(), append ? "a" : "w");
        if (file_ == nullptr) {
            throw flags::FlagError("--log-csv", fmt::format("expected a writable file, got '{}' "
                                                            "({})",
                                                            path, std::strerror(errno)));
        }
        if (!append) {
            fmt::print(file_, "step,epoch,loss,lr,train_accuracy,test_accuracy,elapsed_seconds\n");
        }
    }
    ~CsvLog() {
        if (file_ == nullptr) return;
        flush_pending();
        std::fclose(file_);
    }
    CsvLog(const CsvLog&) = delete;
    CsvLog& operator=(const CsvLog&) = delete;

    void step(const StepStats& s) {
        if (file_ == nullptr) return;
        flush_pending();
        pending_ =
            Row{s.step, s.epoch, fmt::format("{:.6f},{:.6e},{:.6f}", s.loss, s.lr, s.accuracy),
                std::nullopt, s.elapsed_seconds};
    }

    // elapsed: training seconds so far, for a row of its own.
    void test_accuracy(int64_t step, int64_t epoch, double accuracy, double elapsed) {
        if (file_ == nullptr) return;
        if (!pending_ || pending_->step != step) {
            flush_pending();
            pending_ = Row{step, epoch, ",,", std::nullopt, elapsed};
        }
        pending_->test_accuracy = accuracy;
    }

    // Writes the row held back for a test accuracy, so that the log holds every step up to a
    // checkpoint being written.
    void flush() {
        if (file_ != nullptr) flush_pending();
    }

private:
    struct Row {
        int64_t step, epoch;
        std::string training;  // loss, lr, train accuracy
        std::optional<double> test_accuracy;
        double elapsed;
    };

    void flush_pending() {
        if (!pending_) return;
        const Row& r = *pending_;
        const std::string test = r.test_accuracy ? fmt::format("{:.6f}", *r.test_accuracy) : "";
        fmt::print(file_, "{},{},{},{},{:.3f}\n", r.step, r.epoch, r.training, test, r.elapsed);
        std::fflush(file_);
        pending_.reset();
    }

    std::FILE* file_ = nullptr;
    std::optional<Row> pending_;
};

// Fails now, not after the budget is spent, when `path` cannot be written.
void check_writable(const std::string& flag, const std::string& path) {
    if (path.empty()) return;
    const std::filesystem::path target(path);
    if (std::filesystem::is_directory(target)) {
        throw flags::FlagError(flag, fmt::format("expected a file's path, got '{}', which is a "
                                                 "folder",
                                                 path));
    }
    const std::filesystem::path folder =
        target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
    const std::string probe =
        (folder / (".budgetgrad_probe_" + target.filename().string())).string();
    std::FILE* file = std::fopen(probe.c_str(), "w");
    if (file == nullptr) {
        throw flags::FlagError(flag, fmt::format("expected a path in a writable folder, got '{}' "
                                                 "({})",
                                                 path, std::strerror(errno)));
    }
    std::fclose(file);
    std::remove(probe.c_str());
}

// The first SIGINT or SIGTERM is noted here and handled between steps; a second SIGINT ends the
// process at once (async-signal-safe: nothing but a flag and _exit), leaving the last
// checkpoint as it was.
volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_signal(int number) {
    if (g_signal != 0 && number == SIGINT) {
        constexpr char kMessage[] = "interrupted again: exiting now; the last checkpoint is kept\n";
        [[maybe_unused]] const ssize_t written =
            write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
        _exit(128 + SIGINT);
    }
    g_signal = number;
}

// True when the two paths name the same file, existing or not.
bool same_file(const std::string& a, const std::string& b) {
    std::error_code error;
    const auto canonical_a = std::filesystem::weakly_canonical(a, error);
    const auto canonical_b = std::filesystem::weakly_canonical(b, error);
    return !error && canonical_a == canonical_b;
}

// Where an interrupted run without --save writes its checkpoint: PROGRAM-interrupted.ckpt in
// the current folder, or PROGRAM-interrupted-2.ckpt and so on when that exists already, so that
// an earlier run's checkpoint is never overwritten.
std::string interrupted_path(const std::string& program) {
    std::string path = program + "-interrupted.ckpt";
    for (int n = 2; std::filesystem::exists(path); ++n)
        path = fmt::format("{}-interrupted-{}.ckpt", program, n);
    return path;
}

void catch_signals() {
    g_signal = 0;
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

// The settings a resumed run must share with the run that wrote the checkpoint, by flag.
std::map<std::string, std::string> run_identity(const RunConfig& c, const RunData& data,
                                                int64_t total_steps) {
    const std::string budget = c.budget_time ? fmt::format("{} s of training time", *c.budget_time)
                                             : fmt::format("{} steps", total_steps);
    return {{"--model", c.model},
            {"data set", data.name},
            {"--batch-size", std::to_string(c.batch_size)},
            {"budget", budget},
            {"--schedule", c.schedule},
            {"--warmup-steps", std::to_string(c.warmup_steps)},
            {"--lr", fmt::format("{}", c.lr)},
            {"--momentum", fmt::format("{}", c.momentum)},
            {"--nesterov", c.nesterov ? "on" : "off"},
            {"--weight-decay", fmt::format("{}", c.weight_decay)},
            {"--label-smoothing", fmt::format("{}", c.label_smoothing)},
            {"--seed", std::to_string(c.seed)}};
}

// Throws a FlagError naming the first setting that differs from the checkpoint's.
void check_resumable(const std::string& path, const CheckpointInfo& saved,
                     const std::map<std::string, std::string>& now) {
    for (const auto& [flag, value] : now) {
        auto it = saved.run.find(flag);
        if (it == saved.run.end()) {
            throw flags::FlagError("--resume", fmt::format("expected a checkpoint written by a "
                                                           "training run, got '{}' (no {})",
                                                           path, flag));
        }
        if (it->second != value) {
            throw flags::FlagError(flag, fmt::format("the checkpoint {} was written with {}, got "
                                                     "{}; a resumed run keeps its settings",
                                                     path, it->second, value));
        }
    }
}

// The command that continues a run from `checkpoint`: this one, with --resume replaced.
std::string resume_command(const std::vector<std::string>& argv, const std::string& checkpoint) {
    std::string command;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        if (argv[i] == "--resume") {
            ++i;
            continue;
        }
        if (argv[i].rfind("--resume=", 0) == 0) continue;
        command += (command.empty() ? "" : " ") + argv[i];
    }
    return command + " --resume " + checkpoint;
}

std::string millions(int64_t count) {
    return fmt::format("{:.2f}M", static_cast<double>(count) / 1e6);
}

}  // namespace

void add_run_flags(CLI::App& app, RunConfig& c) {
    app.add_option("--model", c.model, "Model from the zoo")->check(CLI::IsMember([] {
        std::vector<std::string> names;
        for (const ModelInfo& info : model_infos())
            names.push_back(info.name);
        return names;
    }()));
    app.add_option("--data-dir", c.data_dir, "Folder holding the data set");
    auto* epochs = app.add_option("--budget-epochs", c.budget_epochs,
                                  "Budget in epochs, fractions allowed (default 1)")
                       ->check(flags::positive_real());
    auto* steps = app.add_option("--budget-steps", c.budget_steps, "Budget in optimizer steps")
                      ->check(flags::positive_integer());
    auto* time = app.add_option("--budget-time", c.budget_time,
                                "Budget in training time: 90s, 10m, 1h30m (evaluation excluded)")
                     ->transform(flags::duration());
    epochs->excludes(steps);
    time->excludes(epochs)->excludes(steps);
    app.add_option("--schedule", c.schedule, "Learning-rate schedule over the budget")
        ->check(CLI::IsMember(schedule_names()));
    app.add_option("--warmup-steps", c.warmup_steps, "Linear warm-up steps before the schedule")
        ->check(flags::non_negative_integer());
    app.add_option("--lr", c.lr, "Peak learning rate lr_0")->check(flags::positive_real());
    app.add_option("--batch-size", c.batch_size, "Examples per step")
        ->check(flags::positive_integer());
    app.add_option("--momentum", c.momentum, "SGD momentum")->check(flags::real_in(0.0, 1.0));
    app.add_flag("--nesterov,!--no-nesterov", c.nesterov, "Nesterov momentum");
    app.add_option("--weight-decay", c.weight_decay,
                   "L2 penalty on weights (not on BatchNorm and bias parameters)")
        ->check(flags::non_negative_real());
    app.add_option("--label-smoothing", c.label_smoothing, "Cross-entropy label smoothing")
        ->check(flags::real_in(0.0, 1.0));
    app.add_option("--seed", c.seed, "Seed for initialization, shuffling, augmentation, dropout")
        ->check(flags::unsigned_integer());
    app.add_option("--threads", c.threads, "Threads for the kernels")
        ->check(flags::integer_in(1, kMaxThreads));
    app.add_option("--eval-every", c.eval_every,
                   "Epochs between test evaluations (0: only at the end)")
        ->check(flags::non_negative_integer());
    app.add_option("--log-every", c.log_every, "Steps between progress lines (0: none)")
        ->check(flags::non_negative_integer());
    app.add_option("--log-csv", c.log_csv, "Write one CSV row per progress line to this file");
    app.add_option("--save", c.save, "Write the final checkpoint to this file");
    app.add_option("--checkpoint-every", c.checkpoint_every,
                   "Steps between checkpoints written to --save (0: only at the end)")
        ->check(flags::non_negative_integer());
    app.add_option("--resume", c.resume,
                   "Continue the run saved in this checkpoint, exactly where it stopped")
        ->check(CLI::ExistingFile);
}

void check_data_folder(const std::string& dir, const std::string& dataset,
                       const std::string& remedy) {
    if (std::filesystem::is_directory(dir)) return;
    const bool exists = std::filesystem::exists(dir);
    std::string where;
    if (std::filesystem::path(dir).is_relative())
        where = " in " + std::filesystem::current_path().string();
    throw flags::FlagError(
        "--data-dir", fmt::format("expected a folder holding {}, got '{}', which {}{}; {}", dataset,
                                  dir, exists ? "is a file, not a folder" : "does not exist",
                                  exists ? "" : where, remedy));
}

std::vector<ParamGroup> decay_groups(const Module& model, double weight_decay) {
    ParamGroup decayed{{}, {}, weight_decay}, exempt{{}, {}, 0.0};
    for (const NamedTensor& p : model.named_parameters()) {
        (p.tensor.ndim() > 1 ? decayed : exempt).params.push_back(p.tensor);
    }
    std::vector<ParamGroup> groups;
    if (!decayed.params.empty()) groups.push_back(std::move(decayed));
    if (!exempt.params.empty()) groups.push_back(std::move(exempt));
    return groups;
}

RunResult run_training(const std::string& program, const RunConfig& config, const RunData& data) {
    // Under mpirun, this process is one replica of the model; rank 0 logs and writes files.
    ProcessGroup* group = world();
    const int rank = group != nullptr ? group->rank() : 0;
    const int ranks = group != nullptr ? group->size() : 1;
    set_num_threads(config.threads);
    manual_seed(config.seed);
    if (rank == 0) check_writable("--save", config.save);
    if (config.checkpoint_every > 0 && config.save.empty()) {
        throw flags::FlagError("--checkpoint-every",
                               "expected --save FILE to write the "
                               "checkpoints to, got none");
    }
    for (const auto& [flag, path] :
         {std::pair{"--save", config.save}, {"--resume", config.resume}}) {
        if (!config.log_csv.empty() && !path.empty() && same_file(config.log_csv, path)) {
            throw flags::FlagError("--log-csv", fmt::format("expected a file other than the "
                                                            "checkpoint's, got '{}' as {} too",
                                                            config.log_csv, flag));
        }
    }
    CsvLog csv(rank == 0 ? config.log_csv : "", /*resuming=*/!config.resume.empty());

    if (config.batch_size > data.train->size()) {
        throw flags::FlagError("--batch-size", fmt::format("expected at most {} (the training "
                                                           "set's size), got {}",
                                                           data.train->size(), config.batch_size));
    }
    const ModelInfo& info = model_info(config.model);
    if (info.input_shape != data.train->example_shape()) {
        throw flags::FlagError(
            "--model", fmt::format("{} takes examples of shape {}, but {} has {}", config.model,
                                   shape_str(info.input_shape), data.name,
                                   shape_str(data.train->example_shape())));
    }
    // Each process reads its part of every batch; --batch-size is the whole batch.
    DataLoader train_loader = [&] {
        try {
            return DataLoader(data.train, {.batch_size = config.batch_size,
                                           .seed = config.seed,
                                           .rank = rank,
                                           .ranks = ranks});
        } catch (const Error& e) {
            throw flags::FlagError("--batch-size", e.what());
        }
    }();
    // Evaluation sums over examples, so its batch size changes nothing but float rounding; it
    // is chosen so that every process has examples in every batch, the last one included.
    const int64_t test_size = data.test->size();
    if (test_size < ranks) {
        throw Error(fmt::format("{}'s test set has {} examples, fewer than the {} processes",
                                data.name, test_size, ranks));
    }
    int64_t eval_batch = std::min(kEvalBatchSize, test_size);
    while (eval_batch > ranks && test_size % eval_batch != 0 && test_size % eval_batch < ranks)
        --eval_batch;
    DataLoader test_loader(
        data.test, {.batch_size = eval_batch, .shuffle = false, .rank = rank, .ranks = ranks});
    const int64_t per_epoch = train_loader.num_batches();
    const Budget budget = config.budget_steps ? Budget::steps(*config.budget_steps)
                                              : Budget::epochs(config.budget_epochs.value_or(1));
    const bool timed = config.budget_time.has_value();
    int64_t total_steps = kTimeScheduleSteps;
    if (!timed) {
        try {
            total_steps = budget.total_steps(per_epoch);
        } catch (const Error& e) {
            throw flags::FlagError("--budget-epochs", e.what());
        }
    }
    if (timed && config.warmup_steps > 0) {
        throw flags::FlagError("--warmup-steps",
                               "expected none with --budget-time: a warm-up counts steps, "
                               "which a time budget does not know in advance");
    }
    if (config.warmup_steps >= total_steps) {
        throw flags::FlagError("--warmup-steps",
                               fmt::format("expected fewer than the budget's {} steps, got {}",
                                           total_steps, config.warmup_steps));
    }

    std::shared_ptr<Module> model = make_model(config.model);
    const ModelSummary summary = summarize(*model, info.input_shape);
    SGD optimizer(decay_groups(*model, config.weight_decay),
                  {.lr = config.lr, .momentum = config.momentum, .nesterov = config.nesterov});
    LRScheduler schedule(optimizer,
                         make_schedule(config.schedule, total_steps, config.warmup_steps));
    const auto identity = run_identity(config, data, total_steps);
    int64_t start_step = 0;
    double start_seconds = 0.0;
    if (!config.resume.empty()) {
        check_resumable(config.resume, read_checkpoint_info(config.resume), identity);
        const CheckpointInfo saved = load_checkpoint(config.resume, *model, &optimizer, &schedule);
        start_step = saved.step;
        start_seconds = saved.training_seconds;
    }
    if (group != nullptr) {
        // The replicas start equal, and each draws its own dropout masks: rank 0 from the
        // stream a single process would use (the checkpoint records that one), the others from
        // streams fixed by (seed, rank, step), set again after every step.
        broadcast_model(*group, *model);
        if (rank > 0) {
            manual_seed(mix64(mix64(config.seed) ^ static_cast<uint64_t>(rank)) ^
                        static_cast<uint64_t>(start_step));
        }
    }
    // "120/938" under a step budget; under a time budget the number of steps is not known.
    auto step_of = [&](int64_t step) {
        return timed ? std::to_string(step) : fmt::format("{}/{}", step, total_steps);
    };

    fmt::print("budgetgrad {} | {} | model {} ({} parameters, {} MACs per example)\n", program,
               data.name, config.model, summary.parameters, millions(summary.macs));
    fmt::print(
        "budget {} | batch {} | SGD lr {} momentum {}{} | weight decay {} (not on "
        "BatchNorm and biases) | label smoothing {}\n",
        timed ? format_duration(*config.budget_time) + " of training time"
              : budget.describe(per_epoch),
        config.batch_size, config.lr, config.momentum, config.nesterov ? " nesterov" : "",
        config.weight_decay, config.label_smoothing);
    fmt::print("schedule {} | seed {} | {}threads {} | train {} examples, test {}\n",
               timed ? config.schedule + ", following the fraction of the time spent"
                     : schedule.schedule().describe(),
               config.seed, ranks > 1 ? fmt::format("processes {} × ", ranks) : "", config.threads,
               data.train->size(), data.test->size());
    fmt::print("{}", summary.table());
    if (start_step > 0) {
        fmt::print("resuming from {} at step {}{}\n", config.resume, step_of(start_step),
                   timed
                       ? fmt::format(", {} of training time spent", format_duration(start_seconds))
                       : "");
    }
    std::fflush(stdout);

    Stopwatch clock;
    double eval_seconds = 0.0;
    EvalResult last_eval;
    int64_t last_eval_step = -1;
    auto run_eval = [&](int64_t epoch, int64_t step) {
        Stopwatch watch;
        last_eval = evaluate(*model, test_loader, group);
        last_eval_step = step;
        const double seconds = watch.seconds();
        eval_seconds += seconds;
        csv.test_accuracy(step, epoch, last_eval.accuracy, clock.seconds() - eval_seconds);
        fmt::print("eval epoch {} | step {} | test loss {:.4f} | test acc {:6.2f}% | {:.1f} s\n",
                   epoch, step_of(step), last_eval.loss, 100.0 * last_eval.accuracy, seconds);
        std::fflush(stdout);
    };
    FitOptions options{.total_steps = total_steps,
                       .time_budget_seconds = config.budget_time.value_or(0.0),
                       .log_every = config.log_every,
                       .label_smoothing = config.label_smoothing};
    options.on_log = [&](const StepStats& stats) { csv.step(stats); };
    // The final evaluation, when no periodic one falls on the last step, follows fit().
    options.on_epoch_end = [&](int64_t epoch, int64_t step) {
        if (config.eval_every > 0 && epoch % config.eval_every == 0) run_eval(epoch, step);
    };
    auto save = [&](const std::string& path, int64_t steps, double training_seconds) {
        const CheckpointInfo checkpoint{config.model,
                                        info.input_shape,
                                        data.class_names,
                                        data.mean,
                                        data.std,
                                        steps,
                                        (steps + per_epoch - 1) / per_epoch,
                                        identity,
                                        timed ? training_seconds : 0.0};
        // The replicas' weights and optimizer states are equal; their BatchNorm running
        // statistics are not, and their mean is what is saved.
        if (group != nullptr) average_buffers(*group, *model);
        if (rank != 0) return;
        csv.flush();
        save_checkpoint(path, checkpoint, *model, &optimizer, &schedule);
    };
    options.start_step = start_step;
    options.start_seconds = start_seconds;
    options.group = group;
    // The signal that stops the run: every process must stop, and save, at the same step,
    // whichever of them received it (mpirun turns Ctrl-C into SIGTERM to each, not at once).
    int stop_signal = 0;
    options.after_step = [&](int64_t step, double training_seconds) {
        std::array<double, 2> signals{g_signal == SIGINT ? 1.0 : 0.0,
                                      g_signal != 0 && g_signal != SIGINT ? 1.0 : 0.0};
        if (group != nullptr) group->all_reduce_sum(signals);
        if (signals[0] > 0.0 || signals[1] > 0.0) {
            stop_signal = signals[0] > 0.0 ? SIGINT : SIGTERM;
            return false;
        }
        // Dropout masks of the processes after rank 0 follow (seed, rank, step), so that a
        // resumed run draws what the run left alone would have drawn.
        if (rank > 0) {
            manual_seed(mix64(mix64(config.seed) ^ static_cast<uint64_t>(rank)) ^
                        static_cast<uint64_t>(step));
        }
        // The last step's checkpoint is the final one, written below.
        const bool last = timed ? training_seconds >= *config.budget_time : step >= total_steps;
        if (config.checkpoint_every > 0 && step % config.checkpoint_every == 0 && !last) {
            save(config.save, step, training_seconds);
        }
        return true;
    };
    catch_signals();
    const FitResult fitted = fit(*model, optimizer, schedule, train_loader, options);
    if (fitted.stopped) {
        const int number = stop_signal;
        const std::string path =
            config.save.empty() ? (rank == 0 ? interrupted_path(program) : "") : config.save;
        save(path, fitted.steps, start_seconds + fitted.seconds);
        throw flags::Interrupted(
            fmt::format("{} after step {}; checkpoint written to {}; continue with:\n  {}",
                        number == SIGINT ? "interrupted" : "terminated", step_of(fitted.steps),
                        path, resume_command(config.command, path)),
            128 + number);
    }
    if (last_eval_step != fitted.steps)
        run_eval((fitted.steps + per_epoch - 1) / per_epoch, fitted.steps);

    if (!config.save.empty()) {
        save(config.save, fitted.steps, start_seconds + fitted.seconds);
        fmt::print("saved checkpoint {}\n", config.save);
    }
    if (fitted.steps == start_step) {
        fmt::print(
            "trained no steps: the checkpoint's budget was spent already; evaluation took "
            "{:.1f} s\n",
            eval_seconds);
    } else {
        const std::string steps = start_step > 0
                                      ? fmt::format("steps {} to {}", start_step + 1, fitted.steps)
                                      : fmt::format("{} steps", fitted.steps);
        fmt::print("trained {} in {:.1f} s ({:.0f} img/s); evaluation took {:.1f} s\n", steps,
                   fitted.seconds, fitted.images_per_second, eval_seconds);
    }
    if (group != nullptr && fitted.seconds > 0.0) {
        fmt::print(
            "gradient all-reduce: {:.1f} s of the training time on rank 0 ({:.1f}%, "
            "{:.2f} ms per step) over {} processes\n",
            fitted.communication_seconds, 100.0 * fitted.communication_seconds / fitted.seconds,
            1000.0 * fitted.communication_seconds /
                static_cast<double>(std::max<int64_t>(1, fitted.steps - start_step)),
            ranks);
    }
    fmt::print("test loss: {:.4f}\n", last_eval.loss);
    fmt::print("test accuracy: {:.2f}%\n", 100.0 * last_eval.accuracy);
    fmt::print("total time: {:.1f} s\n", clock.seconds());
    return {last_eval.accuracy, last_eval.loss, fitted.steps, fitted.seconds};
}

}  // namespace budgetgrad

// Reproduces the Budgeted Training experiment on your machine: trains every combination of
// schedule, budget fraction and seed (and model, with --models) as an independent run whose
// schedule is scaled to its own budget, then prints the test accuracy as a table with a row per
// schedule and a column per budget, as in the paper. With several models it also ranks them at
// the smallest and at the full budget and gives Kendall's τ between the two rankings.
//
//   ./examples/budget_sweep --dataset mnist --full-epochs 2 --seeds 2
//   ./examples/budget_sweep --dataset cifar10 --full-epochs 5 --schedules step,linear,rex
//   ./examples/budget_sweep --dataset cifar10 --models cifar_cnn,resnet20,resnet32 \
//       --schedules linear --fractions 0.1,1 --full-epochs 5
//
// Every finished run is appended to OUT/results.csv and its progress lines (loss, lr) go to
// OUT/curves/; the same command started again skips the runs already done. OUT/summary.csv holds
// the table's numbers for scripts/plot_sweep.sh.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "engine/parallel.h"
#include "layers/zoo.h"
#include "optim/schedule.h"
#include "train/data_sets.h"
#include "train/flags.h"
#include "train/mpi_group.h"
#include "train/progress.h"
#include "train/run.h"
#include "train/sweep.h"

namespace bg = budgetgrad;

namespace {

struct SweepConfig {
    std::string dataset = "mnist";
    std::string data_dir;
    std::vector<std::string> models;
    std::optional<double> full_epochs;
    std::optional<double> full_time;  // seconds
    std::vector<double> fractions = {0.1, 0.25, 0.5, 1.0};
    std::vector<std::string> schedules = {"const", "step", "exp", "cosine", "linear", "rex"};
    int64_t seeds = 1;
    std::optional<double> lr, weight_decay;
    std::optional<int64_t> batch_size;
    std::optional<bool> nesterov;
    double momentum = 0.9;
    int threads = 1;
    int64_t log_every = 100;
    std::string out;
};

// The recipe of examples/mnist or examples/cifar for what the flags leave open.
void fill_defaults(SweepConfig& c) {
    const bool cifar = c.dataset == "cifar10";
    if (c.models.empty()) c.models = {cifar ? "resnet20" : "mnist_cnn"};
    if (c.data_dir.empty()) c.data_dir = bg::default_data_dir(c.dataset);
    if (c.out.empty()) c.out = "sweep-" + c.dataset;
    c.lr = c.lr.value_or(cifar ? 0.1 : 0.05);
    c.weight_decay = c.weight_decay.value_or(cifar ? 5e-4 : 0.0);
    c.batch_size = c.batch_size.value_or(cifar ? 128 : 64);
    c.nesterov = c.nesterov.value_or(cifar);
    if (!c.full_epochs && !c.full_time) c.full_epochs = 1.0;
    std::sort(c.fractions.begin(), c.fractions.end());
    c.fractions.erase(std::unique(c.fractions.begin(), c.fractions.end()), c.fractions.end());
}

// What every run of the sweep shares; a restarted sweep must match it.
std::map<std::string, std::string> shared_settings(const SweepConfig& c) {
    return {{"--dataset", c.dataset},
            {"full budget", c.full_time ? fmt::format("{} s", *c.full_time)
                                        : fmt::format("{} epochs", *c.full_epochs)},
            {"--lr", fmt::format("{}", *c.lr)},
            {"--batch-size", std::to_string(*c.batch_size)},
            {"--momentum", fmt::format("{}", c.momentum)},
            {"--nesterov", *c.nesterov ? "on" : "off"},
            {"--weight-decay", fmt::format("{}", *c.weight_decay)}};
}

std::string curve_path(const SweepConfig& c, const bg::SweepPoint& p) {
    return fmt::format("{}/curves/{}-{}-{}-seed{}.csv", c.out, p.model, p.schedule, p.fraction,
                       p.seed);
}

// Writes OUT/summary.csv: one row per model, schedule and fraction with the mean and std of the
// test accuracy in percent, for plotting.
void write_summary(const SweepConfig& c, const std::vector<bg::SweepResult>& results,
                   double full_budget) {
    const std::string path = c.out + "/summary.csv";
    std::FILE* file = std::fopen(path.c_str(), "w");
    if (file == nullptr) throw bg::Error("sweep: expected to write " + path);
    fmt::print(file, "model,schedule,fraction,budget,mean_accuracy,std_accuracy,runs\n");
    for (const std::string& model : c.models) {
        for (const std::string& schedule : c.schedules) {
            for (double fraction : c.fractions) {
                const bg::SweepCell cell = bg::sweep_cell(results, model, schedule, fraction);
                if (cell.runs == 0) continue;
                fmt::print(file, "{},{},{},{},{:.4f},{:.4f},{}\n", model, schedule, fraction,
                           fraction * full_budget, 100.0 * cell.mean, 100.0 * cell.std, cell.runs);
            }
        }
    }
    std::fclose(file);
}

int run_sweep(SweepConfig& c, const std::vector<std::string>& command) {
    fill_defaults(c);
    std::filesystem::create_directories(c.out + "/curves");
    bg::check_sweep_settings(c.out + "/settings.txt", shared_settings(c));
    const std::string results_path = c.out + "/results.csv";
    std::vector<bg::SweepResult> results = bg::read_sweep_results(results_path);
    const double full_budget = c.full_time ? *c.full_time : *c.full_epochs;
    const std::string unit = c.full_time ? "s" : "epochs";

    std::vector<bg::SweepPoint> points;
    for (const std::string& model : c.models)
        for (double fraction : c.fractions)
            for (const std::string& schedule : c.schedules)
                for (int64_t seed = 0; seed < c.seeds; ++seed)
                    points.push_back({model, schedule, fraction, static_cast<uint64_t>(seed)});
    const auto done = [&](const bg::SweepPoint& p) {
        return std::any_of(results.begin(), results.end(),
                           [&](const bg::SweepResult& r) { return r.point == p; });
    };
    const auto left = std::count_if(points.begin(), points.end(),
                                    [&](const bg::SweepPoint& p) { return !done(p); });
    fmt::print("budget_sweep | {} | {} runs, {} done already, results in {}\n", c.dataset,
               points.size(), points.size() - static_cast<std::size_t>(left), results_path);
    std::fflush(stdout);

    // Data sets are loaded once per seed (CIFAR-10's augmentation draws from it).
    std::map<uint64_t, bg::RunData> data;
    int64_t number = 0;
    for (const bg::SweepPoint& p : points) {
        if (done(p)) continue;
        ++number;
        bg::RunConfig run;
        run.command = command;
        run.model = p.model;
        run.data_dir = c.data_dir;
        if (c.full_time) {
            run.budget_time = p.fraction * *c.full_time;
        } else {
            run.budget_epochs = p.fraction * *c.full_epochs;
        }
        run.schedule = p.schedule;
        run.lr = *c.lr;
        run.batch_size = *c.batch_size;
        run.momentum = c.momentum;
        run.nesterov = *c.nesterov;
        run.weight_decay = *c.weight_decay;
        run.seed = p.seed;
        run.threads = c.threads;
        run.log_every = c.log_every;
        run.log_csv = curve_path(c, p);
        fmt::print("\n=== run {} of {}: {}, schedule {}, fraction {} ({:.3g} {}), seed {}\n",
                   number, left, p.model, p.schedule, p.fraction, p.fraction * full_budget, unit,
                   p.seed);
        std::fflush(stdout);
        if (!data.contains(p.seed)) data[p.seed] = bg::load_data_set(c.dataset, c.data_dir, p.seed);
        bg::RunResult outcome;
        try {
            outcome = bg::run_training("budget_sweep", run, data[p.seed]);
        } catch (const bg::flags::Interrupted&) {
            throw bg::flags::Interrupted(
                fmt::format(
                    "interrupted; the {} finished runs are kept in {}, and the same command "
                    "continues with the others (the interrupted one starts again)",
                    results.size(), results_path),
                130);
        }
        const bg::SweepResult r{p,
                                p.fraction * full_budget,
                                outcome.steps,
                                outcome.test_accuracy,
                                outcome.test_loss,
                                outcome.training_seconds};
        bg::append_sweep_result(results_path, r);
        results.push_back(r);
    }

    write_summary(c, results, full_budget);
    fmt::print("\n");
    for (const std::string& model : c.models) {
        fmt::print("{}\n", bg::format_sweep_table(results, model, c.schedules, c.fractions,
                                                  full_budget, unit));
    }
    if (c.models.size() > 1 && c.fractions.size() > 1) {
        fmt::print("{}", bg::format_model_ranking(results, c.models, c.schedules.front(),
                                                  c.fractions.front(), c.fractions.back()));
    }
    fmt::print("results: {}; table numbers: {}/summary.csv; plots: scripts/plot_sweep.sh {}\n",
               results_path, c.out, c.out);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    SweepConfig c;
    c.threads = bg::max_threads();
    CLI::App app{
        "Train every combination of schedule, budget fraction and seed (and model) as its own "
        "budgeted run, and print the test accuracies as a schedule-by-budget table."};
    app.option_defaults()->always_capture_default();
    bg::add_data_set_flags(app, c.dataset, c.data_dir);
    std::vector<std::string> model_names;
    for (const bg::ModelInfo& info : bg::model_infos())
        model_names.push_back(info.name);
    auto* model = app.add_option("--model", c.models,
                                 "Model from the zoo (default: mnist_cnn or "
                                 "resnet20)")
                      ->check(CLI::IsMember(model_names))
                      ->expected(1);
    auto* models = app.add_option("--models", c.models, "Several models, comma-separated, to rank")
                       ->delimiter(',')
                       ->check(CLI::IsMember(model_names));
    model->excludes(models);
    auto* epochs = app.add_option("--full-epochs", c.full_epochs,
                                  "The full budget in epochs; each run gets a fraction of it "
                                  "(default 1)")
                       ->check(bg::flags::positive_real());
    auto* time = app.add_option("--full-time", c.full_time,
                                "The full budget in training time (90s, 10m, 1h30m)")
                     ->transform(bg::flags::duration());
    epochs->excludes(time);
    app.add_option("--fractions", c.fractions, "Budget fractions, comma-separated, in (0, 1]")
        ->delimiter(',')
        ->check(bg::flags::real_in(0.0, 1.0, /*open_low=*/true));
    app.add_option("--schedules", c.schedules, "Schedules, comma-separated")
        ->delimiter(',')
        ->check(CLI::IsMember(bg::schedule_names()));
    app.add_option("--seeds", c.seeds, "Seeds per combination: 0, 1, ... K-1")
        ->check(bg::flags::integer_in(1, 1000));
    app.add_option("--lr", c.lr, "Peak learning rate (default 0.05 on MNIST, 0.1 on CIFAR-10)")
        ->check(bg::flags::positive_real());
    app.add_option("--batch-size", c.batch_size, "Examples per step (default 64 or 128)")
        ->check(bg::flags::positive_integer());
    app.add_option("--momentum", c.momentum, "SGD momentum")->check(bg::flags::real_in(0.0, 1.0));
    app.add_flag("--nesterov,!--no-nesterov", c.nesterov,
                 "Nesterov momentum (default: on for CIFAR-10)");
    app.add_option("--weight-decay", c.weight_decay,
                   "L2 penalty on weights (default 0 on MNIST, 5e-4 on CIFAR-10)")
        ->check(bg::flags::non_negative_real());
    app.add_option("--threads", c.threads, "Threads for the kernels")
        ->check(bg::flags::integer_in(1, 256));
    app.add_option("--log-every", c.log_every, "Steps between progress lines (0: none)")
        ->check(bg::flags::non_negative_integer());
    app.add_option("--out", c.out, "Folder for the results (default: sweep-DATASET)");
    const std::vector<std::string> command(argv, argv + argc);
    return bg::flags::run_app("budget_sweep", app, argc, argv, [&] {
        // Its runs are independent: start several sweeps instead.
        if (bg::world_size() > 1) {
            throw bg::Error(
                "budget_sweep runs as one process; start it without "
                "mpirun (examples/mnist and examples/cifar train "
                "over several)");
        }
        return run_sweep(c, command);
    });
}

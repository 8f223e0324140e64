// Schedule × budget sweeps, as in the Budgeted Training paper: every combination of model,
// schedule, budget fraction and seed is an independent run whose schedule is scaled to its own
// budget. This file holds what examples/budget_sweep needs besides training: the results file
// a sweep appends to (so that a restarted sweep skips what is done), the paper-shaped table of
// mean ± std test accuracy, and the ranking of models with Kendall's τ.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace budgetgrad {

// One run of a sweep.
struct SweepPoint {
    std::string model;
    std::string schedule;
    double fraction = 1.0;  // of the full budget
    uint64_t seed = 0;
    bool operator==(const SweepPoint&) const = default;
};

struct SweepResult {
    SweepPoint point;
    double budget = 0.0;  // fraction × the full budget, in the sweep's unit (epochs or seconds)
    int64_t steps = 0;
    double test_accuracy = 0.0;  // in [0, 1]
    double test_loss = 0.0;
    double training_seconds = 0.0;
};

// The results file is a CSV file with the header
//   model,schedule,fraction,seed,budget,steps,test_accuracy,test_loss,training_seconds
// and one row per finished run. Reading a missing file gives no results; a malformed one throws
// budgetgrad::Error naming the file and line.
std::vector<SweepResult> read_sweep_results(const std::string& path);
// Appends one row (and the header first, when the file is new) and flushes it to disk.
void append_sweep_result(const std::string& path, const SweepResult& result);

// The settings every run of a sweep shares ("--lr" -> "0.1", ...). The first call writes them
// to `path`; later calls with other settings throw flags::FlagError naming the first flag that
// differs, so that a restarted sweep never mixes runs of two different sweeps.
void check_sweep_settings(const std::string& path,
                          const std::map<std::string, std::string>& settings);

// Mean and sample standard deviation of the test accuracy of the runs of one model and schedule
// at one fraction, over seeds.
struct SweepCell {
    double mean = 0.0;
    double std = 0.0;  // 0 for a single run
    int64_t runs = 0;
};
SweepCell sweep_cell(const std::vector<SweepResult>& results, const std::string& model,
                     const std::string& schedule, double fraction);

// The table for one model: a row per schedule, a column per fraction (headed with the budget,
// `full_budget` × fraction, followed by `unit`), each cell the mean ± std test accuracy in
// percent; '*' marks the best mean in each column, '-' a cell without runs.
std::string format_sweep_table(const std::vector<SweepResult>& results, const std::string& model,
                               const std::vector<std::string>& schedules,
                               const std::vector<double>& fractions, double full_budget,
                               const std::string& unit);

// Kendall's τ-b between two scorings of the same items: 1 when they order every pair alike, −1
// when they order every pair oppositely; ties count as neither. NaN when either scoring ties
// every pair.
double kendall_tau(const std::vector<double>& a, const std::vector<double>& b);

// The models ranked by mean test accuracy under `schedule` at the smallest and at the largest
// fraction, and Kendall's τ between the two rankings.
std::string format_model_ranking(const std::vector<SweepResult>& results,
                                 const std::vector<std::string>& models,
                                 const std::string& schedule, double small_fraction,
                                 double full_fraction);

}  // namespace budgetgrad

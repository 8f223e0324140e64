// The sweep's bookkeeping: its results file, the settings a restarted sweep must share, the
// schedule-by-budget table and Kendall's τ.
#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "engine/check.h"
#include "temp_dir.h"
#include "train/flags.h"
#include "train/sweep.h"

namespace bg = budgetgrad;
using bg::testing::TempDir;

namespace {

bg::SweepResult result(const std::string& schedule, double fraction, uint64_t seed,
                       double accuracy) {
    return {{"lenet5", schedule, fraction, seed}, 2.0 * fraction, 100, accuracy, 0.5, 1.25};
}

}  // namespace

TEST_CASE("sweep: Kendall's tau counts concordant and discordant pairs") {
    CHECK(bg::kendall_tau({1, 2, 3, 4}, {10, 20, 30, 40}) == 1.0);
    CHECK(bg::kendall_tau({1, 2, 3, 4}, {4, 3, 2, 1}) == -1.0);
    // One of the three pairs swapped: (2 − 1) / 3.
    CHECK(bg::kendall_tau({1, 2, 3}, {1, 3, 2}) == doctest::Approx(1.0 / 3.0));
    // τ-b with a tie in the second scoring: (2 − 0) / sqrt(3 · 2).
    CHECK(bg::kendall_tau({1, 2, 3}, {1, 2, 2}) == doctest::Approx(2.0 / std::sqrt(6.0)));
    CHECK(std::isnan(bg::kendall_tau({1, 2, 3}, {5, 5, 5})));
    CHECK_THROWS_AS(bg::kendall_tau({1, 2}, {1, 2, 3}), bg::Error);
}

TEST_CASE("sweep: results are appended and read back; a malformed file names its line") {
    TempDir dir;
    const std::string path = dir.file("results.csv");
    CHECK(bg::read_sweep_results(path).empty());
    bg::append_sweep_result(path, result("linear", 0.25, 0, 0.9125));
    bg::append_sweep_result(path, result("step", 1.0, 3, 0.5));
    const std::vector<bg::SweepResult> back = bg::read_sweep_results(path);
    REQUIRE(back.size() == 2);
    CHECK(back[0].point == bg::SweepPoint{"lenet5", "linear", 0.25, 0});
    CHECK(back[0].budget == 0.5);
    CHECK(back[0].steps == 100);
    CHECK(back[0].test_accuracy == 0.9125);
    CHECK(back[0].training_seconds == 1.25);
    CHECK(back[1].point == bg::SweepPoint{"lenet5", "step", 1.0, 3});

    std::ofstream(path, std::ios::app) << "lenet5,linear,0.5,0,1,100,abc,0.5,1\n";
    CHECK_THROWS_WITH_AS(bg::read_sweep_results(path),
                         doctest::Contains("results.csv, line 4: expected a finite number as "
                                           "test_accuracy, got 'abc'"),
                         bg::Error);
    std::ofstream(path) << "model,schedule\n";
    CHECK_THROWS_WITH_AS(bg::read_sweep_results(path),
                         doctest::Contains("line 1: expected the header"), bg::Error);
}

TEST_CASE("sweep: a restarted sweep must keep its settings") {
    TempDir dir;
    const std::string path = dir.file("settings.txt");
    bg::check_sweep_settings(path, {{"--lr", "0.1"}, {"--batch-size", "128"}});
    bg::check_sweep_settings(path, {{"--lr", "0.1"}, {"--batch-size", "128"}});
    CHECK_THROWS_WITH_AS(bg::check_sweep_settings(path, {{"--lr", "0.2"}, {"--batch-size", "128"}}),
                         doctest::Contains("was started with 0.1, got 0.2"), bg::flags::FlagError);
}

TEST_CASE("sweep: the table has a row per schedule, mean ± std per budget, the best marked") {
    const std::vector<bg::SweepResult> results = {
        result("step", 0.5, 0, 0.80),   result("step", 0.5, 1, 0.90),
        result("linear", 0.5, 0, 0.86), result("linear", 0.5, 1, 0.88),
        result("step", 1.0, 0, 0.95),   result("linear", 1.0, 0, 0.94)};
    const bg::SweepCell cell = bg::sweep_cell(results, "lenet5", "step", 0.5);
    CHECK(cell.runs == 2);
    CHECK(cell.mean == doctest::Approx(0.85));
    CHECK(cell.std == doctest::Approx(0.0707106781));
    const std::string table = bg::format_sweep_table(results, "lenet5", {"step", "linear", "rex"},
                                                     {0.5, 1.0}, 2.0, "epochs");
    INFO(table);
    CHECK(table.find("\nschedule  0.5 (1 epochs)    1 (2 epochs)\n") != std::string::npos);
    CHECK(table.find("\nstep      85.00 ± 7.07           95.00 *\n") != std::string::npos);
    CHECK(table.find("\nlinear    87.00 ± 1.41 *         94.00  \n") != std::string::npos);
    CHECK(table.find("\nrex                  -               -  \n") != std::string::npos);
}

TEST_CASE("sweep: models are ranked at a small and at the full budget") {
    std::vector<bg::SweepResult> results;
    const std::vector<std::string> models = {"a", "b", "c"};
    // Pairs (a, b) and (b, c) keep their order, (a, c) swaps: τ = (2 − 1) / 3.
    const std::vector<double> small = {0.5, 0.6, 0.4}, full = {0.8, 0.9, 0.85};
    for (std::size_t m = 0; m < models.size(); ++m) {
        results.push_back({{models[m], "linear", 0.1, 0}, 0.5, 10, small[m], 1.0, 1.0});
        results.push_back({{models[m], "linear", 1.0, 0}, 5.0, 100, full[m], 1.0, 1.0});
    }
    const std::string text = bg::format_model_ranking(results, models, "linear", 0.1, 1.0);
    INFO(text);
    CHECK(text.find("at fraction 0.1: 1. b (60.00%), 2. a (50.00%), 3. c (40.00%)") !=
          std::string::npos);
    CHECK(text.find("at fraction 1: 1. b (90.00%), 2. c (85.00%), 3. a (80.00%)") !=
          std::string::npos);
    CHECK(text.find("Kendall's tau between the two rankings: 0.333") != std::string::npos);
}

#include "train/sweep.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>

#include <fmt/format.h>

#include "engine/check.h"
#include "train/flags.h"

namespace budgetgrad {

namespace {

constexpr const char* kHeader =
    "model,schedule,fraction,seed,budget,steps,test_accuracy,test_loss,training_seconds";

std::vector<std::string> split(const std::string& line, char separator) {
    std::vector<std::string> fields;
    std::stringstream stream(line);
    std::string field;
    while (std::getline(stream, field, separator))
        fields.push_back(field);
    if (!line.empty() && line.back() == separator) fields.emplace_back();
    return fields;
}

// The whole of `text` as a finite number, or an Error naming where it came from.
double number(const std::string& text, const std::string& where, const char* column) {
    char* end = nullptr;
    errno = 0;
    const double value = std::strtod(text.c_str(), &end);
    BG_CHECK(
        !text.empty() && end == text.c_str() + text.size() && errno == 0 && std::isfinite(value),
        where, ": expected a finite number as ", column, ", got '", text, "'");
    return value;
}

// A fraction as it is written: the shortest text that reads back as the same double ("0.1",
// "0.25", "1"), so that fractions read from the results file compare equal to the flags'.
std::string fraction_text(double fraction) {
    return fmt::format("{}", fraction);
}

}  // namespace

std::vector<SweepResult> read_sweep_results(const std::string& path) {
    std::vector<SweepResult> results;
    std::ifstream in(path);
    if (!in) {
        BG_CHECK(!std::filesystem::exists(path), "sweep results ", path,
                 ": expected a readable file, got ", std::strerror(errno));
        return results;
    }
    std::string line;
    int64_t number_of_line = 0;
    while (std::getline(in, line)) {
        ++number_of_line;
        const std::string where = fmt::format("sweep results {}, line {}", path, number_of_line);
        if (number_of_line == 1) {
            BG_CHECK(line == kHeader, where, ": expected the header '", kHeader, "', got '", line,
                     "'");
            continue;
        }
        const std::vector<std::string> f = split(line, ',');
        BG_CHECK(f.size() == 9, where, ": expected 9 comma-separated fields, got ", f.size());
        SweepResult r;
        r.point.model = f[0];
        r.point.schedule = f[1];
        r.point.fraction = number(f[2], where, "fraction");
        const double seed = number(f[3], where, "seed");
        BG_CHECK(seed >= 0 && seed == std::floor(seed), where,
                 ": expected a whole number >= 0 as seed, got '", f[3], "'");
        r.point.seed = std::strtoull(f[3].c_str(), nullptr, 10);
        r.budget = number(f[4], where, "budget");
        r.steps = static_cast<int64_t>(number(f[5], where, "steps"));
        r.test_accuracy = number(f[6], where, "test_accuracy");
        r.test_loss = number(f[7], where, "test_loss");
        r.training_seconds = number(f[8], where, "training_seconds");
        results.push_back(std::move(r));
    }
    return results;
}

void append_sweep_result(const std::string& path, const SweepResult& r) {
    const bool is_new = !std::filesystem::exists(path) || std::filesystem::file_size(path) == 0;
    std::FILE* file = std::fopen(path.c_str(), "a");
    BG_CHECK(file != nullptr, "sweep results ", path, ": expected a writable file, got ",
             std::strerror(errno));
    if (is_new) fmt::print(file, "{}\n", kHeader);
    fmt::print(file, "{},{},{},{},{},{},{:.6f},{:.6f},{:.3f}\n", r.point.model, r.point.schedule,
               fraction_text(r.point.fraction), r.point.seed, r.budget, r.steps, r.test_accuracy,
               r.test_loss, r.training_seconds);
    const bool written = std::fflush(file) == 0;
    std::fclose(file);
    BG_CHECK(written, "sweep results ", path, ": expected to write a row, got ",
             std::strerror(errno));
}

void check_sweep_settings(const std::string& path,
                          const std::map<std::string, std::string>& settings) {
    std::ifstream in(path);
    if (!in) {
        std::ofstream out(path);
        for (const auto& [key, value] : settings)
            out << key << '=' << value << '\n';
        BG_CHECK(out.good(), "sweep settings ", path, ": expected a writable file");
        return;
    }
    std::map<std::string, std::string> saved;
    std::string line;
    while (std::getline(in, line)) {
        const std::size_t equals = line.find('=');
        if (equals != std::string::npos) saved[line.substr(0, equals)] = line.substr(equals + 1);
    }
    for (const auto& [key, value] : settings) {
        const auto it = saved.find(key);
        const std::string before = it == saved.end() ? "nothing" : it->second;
        if (before != value) {
            throw flags::FlagError(
                key,
                fmt::format("the sweep in this folder ({}) was started with {}, got {}; "
                            "give another --out for another sweep",
                            std::filesystem::path(path).parent_path().string(), before, value));
        }
    }
}

SweepCell sweep_cell(const std::vector<SweepResult>& results, const std::string& model,
                     const std::string& schedule, double fraction) {
    std::vector<double> accuracies;
    for (const SweepResult& r : results) {
        if (r.point.model == model && r.point.schedule == schedule &&
            r.point.fraction == fraction) {
            accuracies.push_back(r.test_accuracy);
        }
    }
    SweepCell cell;
    cell.runs = static_cast<int64_t>(accuracies.size());
    if (accuracies.empty()) return cell;
    const double n = static_cast<double>(accuracies.size());
    cell.mean = std::accumulate(accuracies.begin(), accuracies.end(), 0.0) / n;
    if (accuracies.size() > 1) {
        double squares = 0.0;
        for (double a : accuracies)
            squares += (a - cell.mean) * (a - cell.mean);
        cell.std = std::sqrt(squares / (n - 1.0));
    }
    return cell;
}

std::string format_sweep_table(const std::vector<SweepResult>& results, const std::string& model,
                               const std::vector<std::string>& schedules,
                               const std::vector<double>& fractions, double full_budget,
                               const std::string& unit) {
    // Cells first, to find each column's best mean.
    std::vector<std::vector<SweepCell>> cells(schedules.size());
    std::vector<double> best(fractions.size(), -1.0);
    for (std::size_t s = 0; s < schedules.size(); ++s) {
        for (std::size_t f = 0; f < fractions.size(); ++f) {
            cells[s].push_back(sweep_cell(results, model, schedules[s], fractions[f]));
            if (cells[s][f].runs > 0) best[f] = std::max(best[f], cells[s][f].mean);
        }
    }
    std::size_t name_width = std::string("schedule").size();
    for (const std::string& s : schedules)
        name_width = std::max(name_width, s.size());
    std::vector<std::string> headers;
    std::size_t width = 0;
    for (double fraction : fractions) {
        headers.push_back(
            fmt::format("{} ({:.3g} {})", fraction_text(fraction), fraction * full_budget, unit));
        width = std::max(width, headers.back().size());
    }
    std::vector<std::vector<std::string>> texts(schedules.size());
    for (std::size_t s = 0; s < schedules.size(); ++s) {
        for (std::size_t f = 0; f < fractions.size(); ++f) {
            const SweepCell& c = cells[s][f];
            std::string text = "-  ";
            if (c.runs > 0) {
                text = c.runs > 1 ? fmt::format("{:.2f} ± {:.2f}", 100.0 * c.mean, 100.0 * c.std)
                                  : fmt::format("{:.2f}", 100.0 * c.mean);
                text += c.mean == best[f] ? " *" : "  ";
            }
            texts[s].push_back(text);
            // fmt pads by characters, and "±" is one character in two bytes.
            width = std::max(width, text.size() - (c.runs > 1 ? 1 : 0));
        }
    }
    std::string table = fmt::format(
        "{}: test accuracy (%) by schedule and budget fraction, mean ± std over seeds; "
        "* marks the best in each column\n",
        model);
    table += fmt::format("{:<{}}", "schedule", name_width);
    for (const std::string& h : headers)
        table += fmt::format("  {:>{}}", h, width);
    table += '\n';
    for (std::size_t s = 0; s < schedules.size(); ++s) {
        table += fmt::format("{:<{}}", schedules[s], name_width);
        for (std::size_t f = 0; f < fractions.size(); ++f) {
            const std::string& text = texts[s][f];
            table += fmt::format("  {:>{}}", text, width);
        }
        table += '\n';
    }
    return table;
}

double kendall_tau(const std::vector<double>& a, const std::vector<double>& b) {
    BG_CHECK(a.size() == b.size(), "kendall_tau: expected two scorings of the same items, got ",
             a.size(), " and ", b.size(), " scores");
    int64_t concordant = 0, discordant = 0, ties_a = 0, ties_b = 0, pairs = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        for (std::size_t j = i + 1; j < a.size(); ++j) {
            ++pairs;
            const double da = a[i] - a[j], db = b[i] - b[j];
            if (da == 0.0) ++ties_a;
            if (db == 0.0) ++ties_b;
            if (da != 0.0 && db != 0.0) (da * db > 0.0 ? concordant : discordant) += 1;
        }
    }
    const double denominator =
        std::sqrt(static_cast<double>(pairs - ties_a) * static_cast<double>(pairs - ties_b));
    if (denominator == 0.0) return std::numeric_limits<double>::quiet_NaN();
    return static_cast<double>(concordant - discordant) / denominator;
}

std::string format_model_ranking(const std::vector<SweepResult>& results,
                                 const std::vector<std::string>& models,
                                 const std::string& schedule, double small_fraction,
                                 double full_fraction) {
    std::vector<double> small, full;
    for (const std::string& m : models) {
        small.push_back(sweep_cell(results, m, schedule, small_fraction).mean);
        full.push_back(sweep_cell(results, m, schedule, full_fraction).mean);
    }
    auto ranking = [&](const std::vector<double>& scores) {
        std::vector<std::size_t> order(models.size());
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t x, std::size_t y) { return scores[x] > scores[y]; });
        std::string text;
        for (std::size_t rank = 0; rank < order.size(); ++rank) {
            text += fmt::format("{}{}. {} ({:.2f}%)", rank == 0 ? "" : ", ", rank + 1,
                                models[order[rank]], 100.0 * scores[order[rank]]);
        }
        return text;
    };
    const double tau = kendall_tau(small, full);
    return fmt::format(
        "model ranking under {}:\n  at fraction {}: {}\n  at fraction {}: {}\n"
        "Kendall's tau between the two rankings: {}\n",
        schedule, fraction_text(small_fraction), ranking(small), fraction_text(full_fraction),
        ranking(full),
        std::isnan(tau) ? std::string("undefined (all tied)") : fmt::format("{:.3f}", tau));
}

}  // namespace budgetgrad

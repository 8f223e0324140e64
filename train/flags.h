// Command-line helpers shared by the example programs, on top of CLI11: strict validators (whole
// decimal numbers only, finite reals, ranges) whose messages say what was expected and what was
// given, and run_app(), which maps every failure to one line on stderr and an exit status:
// 2 for a bad flag, 1 for a failure while running (a bad data file, a diverged run, no memory).
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace budgetgrad::flags {

constexpr int kUsageError = 2;
constexpr int kRunError = 1;

// A whole decimal number (no sign other than +, no leading zeros, no hex) in [low, high].
CLI::Validator integer_in(int64_t low, int64_t high);
// A finite real number in [low, high]; open_low excludes low itself (for "> 0").
CLI::Validator real_in(double low, double high, bool open_low = false);
CLI::Validator positive_integer();
CLI::Validator non_negative_integer();
CLI::Validator positive_real();
CLI::Validator non_negative_real();
// A whole decimal number in [0, 2^64 − 1].
CLI::Validator unsigned_integer();

// Seconds in a duration written as hours, minutes and seconds in that order, each part a
// decimal number with its unit: "90s", "10m", "1h30m", "2.5m", "1h0m30s". Throws
// std::invalid_argument saying what was expected for anything else, and for a zero duration.
double parse_duration(const std::string& text);
// Rewrites a duration (as parse_duration reads it) into its number of seconds.
CLI::Validator duration();

// Parses argv with `app` and calls `run`. Returns the process exit status: 0, or 2 after
// printing "<program>: <what is wrong with which flag> (see --help)", or 1 after printing
// "<program>: <message>" for an error thrown by `run`.
int run_app(const std::string& program, CLI::App& app, int argc, char** argv,
            const std::function<int()>& run);

// Training stopped by SIGINT or SIGTERM after writing a checkpoint: run_app returns `status`
// (128 + the signal's number, as shells report it).
class Interrupted : public std::runtime_error {
public:
    Interrupted(const std::string& message, int status)
        : std::runtime_error(message), status(status) {}
    int status;
};

// An error in a flag found after parsing (e.g. --batch-size larger than the data set): run_app
// reports it like a parse error, with status 2.
class FlagError : public std::runtime_error {
public:
    FlagError(const std::string& flag, const std::string& message)
        : std::runtime_error(flag + ": " + message) {}
};

}  // namespace budgetgrad::flags

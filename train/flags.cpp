#include "train/flags.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "engine/check.h"
#include "train/mpi_group.h"

namespace budgetgrad::flags {

namespace {

// True when `text` is a plain decimal integer: an optional '+', digits, no leading zero.
bool is_decimal(const std::string& text) {
    std::size_t start = !text.empty() && text[0] == '+' ? 1 : 0;
    if (start == text.size()) return false;
    for (std::size_t i = start; i < text.size(); ++i) {
        if (text[i] < '0' || text[i] > '9') return false;
    }
    return text[start] != '0' || text.size() == start + 1;
}

// True when `text` is a plain decimal number: an optional '+', a whole part without leading
// zeros (or none, as in ".5"), an optional fraction and an optional exponent. No spaces, no hex,
// no "inf" or "nan", which strtod alone would take.
bool is_decimal_real(const std::string& text) {
    std::size_t i = !text.empty() && text[0] == '+' ? 1 : 0;
    const auto digits = [&] {
        const std::size_t from = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9')
            ++i;
        return i - from;
    };
    const std::size_t whole_start = i;
    const std::size_t whole = digits();
    if (whole > 1 && text[whole_start] == '0') return false;
    std::size_t fraction = 0;
    if (i < text.size() && text[i] == '.') {
        ++i;
        fraction = digits();
    }
    if (whole + fraction == 0) return false;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
        if (digits() == 0) return false;
    }
    return i == text.size();
}

}  // namespace

CLI::Validator integer_in(int64_t low, int64_t high) {
    return CLI::Validator(
        [=](std::string& text) -> std::string {
            const std::string expected =
                high == std::numeric_limits<int64_t>::max()
                    ? fmt::format("expected a whole number >= {}", low)
                    : fmt::format("expected a whole number in [{}, {}]", low, high);
            // A minus sign is only allowed when negative values are.
            const bool negative = low < 0 && !text.empty() && text[0] == '-';
            if (!is_decimal(negative ? text.substr(1) : text)) {
                return fmt::format("{}, got '{}'", expected, text);
            }
            errno = 0;
            const long long value = std::strtoll(text.c_str(), nullptr, 10);
            if (errno == ERANGE || value < low || value > high) {
                return fmt::format("{}, got {}", expected, text);
            }
            return "";
        },
        high == std::numeric_limits<int64_t>::max() ? fmt::format("INT >= {}", low)
                                                    : fmt::format("INT in [{}, {}]", low, high));
}

CLI::Validator real_in(double low, double high, bool open_low) {
    return CLI::Validator(
        [=](std::string& text) -> std::string {
            const std::string expected =
                high == std::numeric_limits<double>::max()
                    ? fmt::format("expected a finite number {} {}", open_low ? ">" : ">=", low)
                    : fmt::format("expected a number in {}{}, {}]", open_low ? "(" : "[", low,
                                  high);
            if (!is_decimal_real(text)) return fmt::format("{}, got '{}'", expected, text);
            errno = 0;
            const double value = std::strtod(text.c_str(), nullptr);
            if (errno == ERANGE || !std::isfinite(value)) {
                return fmt::format("{}, got {}, out of a double's range", expected, text);
            }
            if (value < low || (open_low && value == low) || value > high) {
                return fmt::format("{}, got {}", expected, text);
            }
            return "";
        },
        high == std::numeric_limits<double>::max()
            ? fmt::format("NUMBER {} {}", open_low ? ">" : ">=", low)
            : fmt::format("NUMBER in {}{}, {}]", open_low ? "(" : "[", low, high));
}

CLI::Validator positive_integer() {
    return integer_in(1, std::numeric_limits<int64_t>::max());
}

CLI::Validator non_negative_integer() {
    return integer_in(0, std::numeric_limits<int64_t>::max());
}

CLI::Validator positive_real() {
    return real_in(0.0, std::numeric_limits<double>::max(), /*open_low=*/true);
}

CLI::Validator non_negative_real() {
    return real_in(0.0, std::numeric_limits<double>::max());
}

CLI::Validator unsigned_integer() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            errno = 0;
            std::strtoull(text.c_str(), nullptr, 10);
            if (!is_decimal(text) || errno == ERANGE) {
                return fmt::format("expected a whole number in [0, {}], got '{}'",
                                   std::numeric_limits<uint64_t>::max(), text);
            }
            return "";
        },
        "UINT");
}

double parse_duration(const std::string& text) {
    const auto fail = [&] {
        return std::invalid_argument(
            fmt::format("expected a duration such as 90s, 10m or 1h30m, got '{}'", text));
    };
    constexpr std::string_view kUnits = "hms";
    constexpr double kSecondsPerUnit[] = {3600.0, 60.0, 1.0};
    double seconds = 0.0;
    std::size_t next_unit = 0;  // units must come in the order h, m, s, each at most once
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t start = pos;
        while (pos < text.size() &&
               (std::isdigit(static_cast<unsigned char>(text[pos])) != 0 || text[pos] == '.')) {
            ++pos;
        }
        if (pos == start || pos == text.size()) throw fail();
        const std::size_t unit = kUnits.find(text[pos], next_unit);
        if (unit == std::string_view::npos) throw fail();
        const std::string number = text.substr(start, pos - start);
        char* end = nullptr;
        const double value = std::strtod(number.c_str(), &end);
        if (end != number.c_str() + number.size()) throw fail();
        seconds += value * kSecondsPerUnit[unit];
        next_unit = unit + 1;
        ++pos;
    }
    if (!(seconds > 0.0) || !std::isfinite(seconds)) throw fail();
    return seconds;
}

CLI::Validator duration() {
    return CLI::Validator(
        [](std::string& text) -> std::string {
            try {
                text = fmt::format("{}", parse_duration(text));
            } catch (const std::invalid_argument& e) {
                return e.what();
            }
            return "";
        },
        "DURATION");
}

int run_app(const std::string& program, CLI::App& app, int argc, char** argv,
            const std::function<int()>& run) {
    // Under mpirun every process parses the same flags; rank 0 alone answers.
    const bool speaks = world_rank() == 0;
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return speaks ? app.exit(e) : 0;
    } catch (const CLI::ParseError& e) {
        if (speaks) fmt::print(stderr, "{}: {} (see --help)\n", program, e.what());
        return kUsageError;
    }
    // In a group of processes, an error ends them all: the others would wait for this one.
    const std::string who = program + rank_label();
    auto fail = [&](int status, const std::string& message) {
        fmt::print(stderr, "{}: {}\n", who, message);
        abort_group(status);
        return status;
    };
    try {
        return run();
    } catch (const Interrupted& e) {
        // Every process stops at the same step; rank 0 wrote the checkpoint and tells.
        if (speaks) fmt::print(stderr, "{}: {}\n", program, e.what());
        return e.status;
    } catch (const FlagError& e) {
        return fail(kUsageError, std::string(e.what()) + " (see --help)");
    } catch (const Error& e) {
        return fail(kRunError, e.what());
    } catch (const std::bad_alloc&) {
        return fail(kRunError, "out of memory (a smaller --batch-size needs less)");
    } catch (const std::exception& e) {
        return fail(kRunError, e.what());
    }
}

}  // namespace budgetgrad::flags

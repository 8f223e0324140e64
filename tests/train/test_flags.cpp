// The strict flag validators: decimal whole numbers only, plain decimal reals, ranges.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "train/flags.h"

namespace flags = budgetgrad::flags;

namespace {

// The validator's complaint about `text`, "" when it accepts it.
std::string check(const CLI::Validator& validator, std::string text) {
    return validator(text);
}

}  // namespace

TEST_CASE("flags: whole numbers are decimal, in range, without octal or hex surprises") {
    auto v = flags::positive_integer();
    CHECK(check(v, "64") == "");
    CHECK(check(v, "+8") == "");
    CHECK(check(v, "010") == "expected a whole number >= 1, got '010'");
    CHECK(check(v, "0x10") == "expected a whole number >= 1, got '0x10'");
    CHECK(check(v, "1.5") == "expected a whole number >= 1, got '1.5'");
    CHECK(check(v, "0") == "expected a whole number >= 1, got 0");
    CHECK(check(v, "-3") == "expected a whole number >= 1, got '-3'");
    CHECK(check(v, "") == "expected a whole number >= 1, got ''");
    CHECK(check(v, "9223372036854775808") ==
          "expected a whole number >= 1, got 9223372036854775808");
    CHECK(check(flags::integer_in(1, 256), "300") ==
          "expected a whole number in [1, 256], got 300");
    CHECK(check(flags::integer_in(-5, 5), "-5") == "");
}

TEST_CASE("flags: reals are finite and in range") {
    auto v = flags::positive_real();
    CHECK(check(v, "0.05") == "");
    CHECK(check(v, "1e-3") == "");
    CHECK(check(v, "0") == "expected a finite number > 0, got 0");
    CHECK(check(v, "nan") == "expected a finite number > 0, got 'nan'");
    CHECK(check(v, "inf") == "expected a finite number > 0, got 'inf'");
    CHECK(check(v, "1e400") == "expected a finite number > 0, got 1e400, out of a double's range");
    CHECK(check(v, "1e-320") ==
          "expected a finite number > 0, got 1e-320, out of a double's range");
    CHECK(check(v, "abc") == "expected a finite number > 0, got 'abc'");
    CHECK(check(flags::non_negative_real(), "0") == "");
    for (const char* plain : {"0.5", ".5", "5.", "+2", "3E+2", "10"})
        CHECK(check(v, plain) == "");
    for (const char* odd : {"010", "00.5", "0x1p-4", " 0.1", "0.1 ", "1,5", "1e", ".", "+", "-0"})
        CHECK(check(v, odd) == std::string("expected a finite number > 0, got '") + odd + "'");
    CHECK(check(flags::real_in(0, 1), "1.5") == "expected a number in [0, 1], got 1.5");
}

TEST_CASE("flags: seeds span 64 bits and nothing more") {
    auto v = flags::unsigned_integer();
    CHECK(check(v, "18446744073709551615") == "");
    CHECK(check(v, "18446744073709551616") ==
          "expected a whole number in [0, 18446744073709551615], got '18446744073709551616'");
    CHECK(check(v, "-1") == "expected a whole number in [0, 18446744073709551615], got '-1'");
}

TEST_CASE("flags: durations are hours, minutes and seconds in that order") {
    CHECK(flags::parse_duration("90s") == 90.0);
    CHECK(flags::parse_duration("10m") == 600.0);
    CHECK(flags::parse_duration("1h30m") == 5400.0);
    CHECK(flags::parse_duration("2.5m") == 150.0);
    CHECK(flags::parse_duration("1h0m30s") == 3630.0);
    for (const char* bad : {"", "10", "m", "1m1h", "1h1h", "-5m", "10x", "1.5.5m", "0s", "0h0m",
                            ".s", "5 m", "1h30"}) {
        CHECK_THROWS_WITH_AS(
            flags::parse_duration(bad),
            (std::string("expected a duration such as 90s, 10m or 1h30m, got '") + bad + "'")
                .c_str(),
            std::invalid_argument);
    }
    std::string text = "1h30m";
    CHECK(flags::duration()(text) == "");
    CHECK(text == "5400");
}

// The engine's two error tiers. BG_CHECK guards what a user can get wrong (shapes, arguments,
// files) and throws budgetgrad::Error with a readable message; BG_ASSERT guards internal
// invariants and stays on in release builds because it is cheap. Engine code never exits.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace budgetgrad {

// The one exception type the engine throws for bad input.
class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

namespace detail {

// Streams every argument into one string: concat("got ", 3, " items").
template <typename... Args>
std::string concat(const Args&... args) {
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}

[[noreturn]] void assertion_failed(const char* condition, const char* file, int line);

}  // namespace detail

}  // namespace budgetgrad

// BG_CHECK(cond, "where: expected ", x, ", got ", y) throws budgetgrad::Error when cond is false.
#define BG_CHECK(condition, ...)                                                  \
    do {                                                                          \
        if (!(condition)) {                                                       \
            throw ::budgetgrad::Error(::budgetgrad::detail::concat(__VA_ARGS__)); \
        }                                                                         \
    } while (false)

// BG_ASSERT(cond) aborts with the file and line: a bug in budgetgrad, not in the caller.
#define BG_ASSERT(condition)                                                        \
    do {                                                                            \
        if (!(condition)) {                                                         \
            ::budgetgrad::detail::assertion_failed(#condition, __FILE__, __LINE__); \
        }                                                                           \
    } while (false)

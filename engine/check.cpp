#include "engine/check.h"

#include <cstdio>
#include <cstdlib>

namespace budgetgrad::detail {

void assertion_failed(const char* condition, const char* file, int line) {
    std::fprintf(stderr, "budgetgrad internal error: %s failed at %s:%d\n", condition, file, line);
    std::abort();
}

}  // namespace budgetgrad::detail

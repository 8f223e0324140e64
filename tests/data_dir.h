// Where tests find real datasets: $BUDGETGRAD_DATA_DIR, else the repository's data/ folder,
// which scripts/get_data.sh fills.
#pragma once

#include <cstdlib>
#include <string>

namespace budgetgrad::testing {

inline std::string data_dir() {
    const char* from_env = std::getenv("BUDGETGRAD_DATA_DIR");
    return from_env != nullptr ? from_env : BUDGETGRAD_DEFAULT_DATA_DIR;
}

}  // namespace budgetgrad::testing

#include "engine/parallel.h"

#include "engine/check.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace budgetgrad {

#ifdef _OPENMP
int max_threads() {
    return omp_get_max_threads();
}
int thread_index() {
    return omp_get_thread_num();
}
void set_num_threads(int n) {
    BG_CHECK(n >= 1, "set_num_threads: expected at least 1 thread, got ", n);
    omp_set_num_threads(n);
}
#else
int max_threads() {
    return 1;
}
int thread_index() {
    return 0;
}
void set_num_threads(int n) {
    BG_CHECK(n >= 1, "set_num_threads: expected at least 1 thread, got ", n);
}
#endif

}  // namespace budgetgrad

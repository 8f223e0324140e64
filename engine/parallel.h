// Thread-count control that works with and without OpenMP. Kernels use `#pragma omp` directly;
// these helpers are for the code around them (setting the count, sizing per-thread buffers).
#pragma once

namespace budgetgrad {

// Threads a parallel region will use (1 without OpenMP).
int max_threads();
// Sets the thread count for later parallel regions; n >= 1.
void set_num_threads(int n);
// Index of the calling thread inside a parallel region, 0 outside one.
int thread_index();

}  // namespace budgetgrad

// General matrix multiply on raw row-major buffers, through Eigen. Outside a parallel region the
// rows of C are split across the OpenMP threads (each thread writes its own rows, so no races);
// inside one it runs on the calling thread.
#pragma once

#include <cstdint>

namespace budgetgrad {

// C (M, N) = op(A) · op(B), or C += op(A) · op(B) when accumulate is true.
// op(A) is (M, K): A is stored (M, K), or (K, M) when transpose_a. op(B) is (K, N): B is stored
// (K, N), or (N, K) when transpose_b.
template <typename T>
void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, const T* a,
          const T* b, T* c, bool accumulate);

}  // namespace budgetgrad

#include "engine/gemm.h"

#include <algorithm>

#include "engine/eigen.h"
#include "engine/parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace budgetgrad {

namespace {

// Rows [row_begin, row_end) of C.
template <typename T>
void gemm_rows(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, const T* a,
               const T* b, T* c, bool accumulate, int64_t row_begin, int64_t row_end) {
    const int64_t rows = row_end - row_begin;
    MatrixMap<T> c_rows(c + row_begin * n, rows, n);
    auto multiply = [&](const auto& a_rows, const auto& b_op) {
        if (accumulate) {
            c_rows.noalias() += a_rows * b_op;
        } else {
            c_rows.noalias() = a_rows * b_op;
        }
    };
    auto with_b = [&](const auto& a_rows) {
        if (transpose_b) {
            multiply(a_rows, ConstMatrixMap<T>(b, n, k).transpose());
        } else {
            multiply(a_rows, ConstMatrixMap<T>(b, k, n));
        }
    };
    if (transpose_a) {
        with_b(ConstMatrixMap<T>(a, k, m).middleCols(row_begin, rows).transpose());
    } else {
        with_b(ConstMatrixMap<T>(a + row_begin * k, rows, k));
    }
}

bool in_parallel_region() {
#ifdef _OPENMP
    return omp_in_parallel() != 0;
#else
    return true;
#endif
}

}  // namespace

template <typename T>
void gemm(bool transpose_a, bool transpose_b, int64_t m, int64_t n, int64_t k, const T* a,
          const T* b, T* c, bool accumulate) {
    // Below this many multiply-adds a thread team costs more than it saves.
    constexpr int64_t kMinParallelWork = int64_t{1} << 18;
    const int64_t threads = std::min<int64_t>(max_threads(), m);
    if (threads < 2 || m * n * k < kMinParallelWork || in_parallel_region()) {
        gemm_rows(transpose_a, transpose_b, m, n, k, a, b, c, accumulate, 0, m);
        return;
    }
    // Each thread owns a contiguous block of C's rows: disjoint writes, no reduction needed.
#pragma omp parallel for schedule(static) num_threads(static_cast <int>(threads))
    for (int64_t part = 0; part < threads; ++part) {
        const int64_t begin = m * part / threads;
        const int64_t end = m * (part + 1) / threads;
        gemm_rows(transpose_a, transpose_b, m, n, k, a, b, c, accumulate, begin, end);
    }
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, const float*, const float*, float*,
                          bool);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, const double*, const double*,
                           double*, bool);

}  // namespace budgetgrad

// The one way budgetgrad looks at raw buffers as matrices: row-major Eigen maps, no copies.
#pragma once

#include <Eigen/Core>

namespace budgetgrad {

template <typename T>
using RowMajorMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// A rows x cols row-major view of `data`.
template <typename T>
using MatrixMap = Eigen::Map<RowMajorMatrix<T>>;
template <typename T>
using ConstMatrixMap = Eigen::Map<const RowMajorMatrix<T>>;

}  // namespace budgetgrad

// Argument checks shared by the op implementations. Internal to engine/.
#pragma once

#include "engine/tensor.h"

namespace budgetgrad {

// Throws unless t is defined and has `ndim` dimensions; `what` names the argument in messages,
// `layout` spells the expected dimensions, e.g. "(N, C, H, W)".
void check_ndim(const char* op, const char* what, const Tensor& t, int ndim, const char* layout);

// Throws unless b is undefined or has a's dtype.
void check_same_dtype(const char* op, const Tensor& a, const Tensor& b);

}  // namespace budgetgrad

#include "engine/op_checks.h"

namespace budgetgrad {

void check_ndim(const char* op, const char* what, const Tensor& t, int ndim, const char* layout) {
    BG_CHECK(t.defined(), op, ": expected ", what, " tensor, got an undefined tensor");
    BG_CHECK(t.ndim() == ndim, op, ": expected ", what, " of shape ", layout, ", got ",
             shape_str(t.shape()));
}

void check_same_dtype(const char* op, const Tensor& a, const Tensor& b) {
    BG_CHECK(!b.defined() || a.dtype() == b.dtype(), op, ": expected all tensors to be ",
             dtype_name(a.dtype()), ", got one of ", dtype_name(b.dtype()));
}

}  // namespace budgetgrad

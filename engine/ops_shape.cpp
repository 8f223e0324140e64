// reshape and flatten: new shapes over the same storage.
#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/tensor_impl.h"

namespace budgetgrad {

namespace {

// A tensor over x's storage with another shape and no history.
Tensor view_with_shape(const Tensor& x, const Shape& shape) {
    Tensor view = x.detach();
    TensorAccess::impl(view)->shape = shape;
    return view;
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
    BG_CHECK(x.defined(), "reshape: expected a tensor, got an undefined one");
    Shape resolved = shape;
    int64_t known = 1;
    int inferred = -1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == -1) {
            BG_CHECK(inferred < 0, "reshape: expected at most one -1 in ", shape_str(shape));
            inferred = static_cast<int>(i);
        } else {
            BG_CHECK(shape[i] >= 0, "reshape: expected sizes >= 0 or -1, got ", shape_str(shape));
            known *= shape[i];
        }
    }
    if (inferred >= 0) {
        BG_CHECK(known > 0 && x.numel() % known == 0, "reshape: cannot infer -1 in ",
                 shape_str(shape), " for ", x.numel(), " elements");
        resolved[inferred] = x.numel() / known;
    }
    BG_CHECK(shape_numel(resolved) == x.numel(), "reshape: expected a shape of ", x.numel(),
             " elements for input ", shape_str(x.shape()), ", got ", shape_str(shape));
    const Shape original = x.shape();
    return record("reshape", view_with_shape(x, resolved), {x}, [=](const Tensor& dy) {
        return std::vector<Tensor>{view_with_shape(dy, original)};
    });
}

Tensor flatten(const Tensor& x, int start_dim) {
    BG_CHECK(x.defined(), "flatten: expected a tensor, got an undefined one");
    BG_CHECK(start_dim >= 0 && start_dim < x.ndim(), "flatten: start_dim ", start_dim,
             " out of range for shape ", shape_str(x.shape()));
    Shape shape(x.shape().begin(), x.shape().begin() + start_dim);
    shape.push_back(-1);
    return reshape(x, shape);
}

}  // namespace budgetgrad

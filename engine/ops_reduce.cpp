// Full reductions to a scalar. Sums accumulate in double whatever the dtype, so that the result
// of a large float32 sum does not depend on its length's rounding drift.
#include "engine/autograd.h"
#include "engine/ops.h"

namespace budgetgrad {

namespace {

// Σ x, or Σ x / numel when `average`; shape ().
Tensor reduce_all(const char* name, const Tensor& x, bool average) {
    BG_CHECK(x.defined(), name, ": expected a tensor, got an undefined one");
    BG_CHECK(!average || x.numel() > 0, name, ": expected a non-empty tensor, got shape ",
             shape_str(x.shape()));
    const double scale = average ? 1.0 / static_cast<double>(x.numel()) : 1.0;
    double total = 0.0;
    dispatch(x.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* p = x.data<T>();
        for (int64_t i = 0; i < x.numel(); ++i)
            total += static_cast<double>(p[i]);
    });
    Tensor y = Tensor::full({}, total * scale, x.dtype());
    const Shape shape = x.shape();
    return record(name, y, {x}, [=](const Tensor& dy) {
        return std::vector<Tensor>{Tensor::full(shape, dy.item() * scale, dy.dtype())};
    });
}

}  // namespace

Tensor sum(const Tensor& x) {
    return reduce_all("sum", x, false);
}

Tensor mean(const Tensor& x) {
    return reduce_all("mean", x, true);
}

}  // namespace budgetgrad

// linear: y = x · Wᵀ + b, with its backward
//   dx = dy · W        (N, in)
//   dW = dyᵀ · x       (out, in)
//   db = Σ_n dy        (out,)
#include "engine/autograd.h"
#include "engine/gemm.h"
#include "engine/mac_counter.h"
#include "engine/op_checks.h"
#include "engine/ops.h"

namespace budgetgrad {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
    check_ndim("linear", "input", x, 2, "(N, in_features)");
    check_ndim("linear", "weight", weight, 2, "(out_features, in_features)");
    check_same_dtype("linear", x, weight);
    check_same_dtype("linear", x, bias);
    const int64_t batch = x.size(0), in = x.size(1), out_features = weight.size(0);
    BG_CHECK(weight.size(1) == in, "linear: expected input with ", weight.size(1),
             " features (the weight's in_features), got shape ", shape_str(x.shape()));
    if (bias.defined()) {
        BG_CHECK(bias.shape() == Shape{out_features}, "linear: expected bias of shape (",
                 out_features, ",), got ", shape_str(bias.shape()));
    }

    count_macs(batch * out_features * in);
    Tensor y = Tensor::empty({batch, out_features}, x.dtype());  // (N, out)
    dispatch(x.dtype(), [&](auto zero) {
        using T = decltype(zero);
        T* y_data = y.data<T>();
        if (bias.defined()) {
            const T* b = bias.data<T>();
            for (int64_t i = 0; i < batch; ++i) {
                for (int64_t j = 0; j < out_features; ++j)
                    y_data[i * out_features + j] = b[j];
            }
        }
        gemm<T>(false, true, batch, out_features, in, x.data<T>(), weight.data<T>(), y_data,
                /*accumulate=*/bias.defined());
    });

    Tensor x_saved = x.detach(), w_saved = weight.detach();
    const bool need_x = x.requires_grad(), need_w = weight.requires_grad();
    const bool need_b = bias.defined() && bias.requires_grad();
    return record("linear", y, {x, weight, bias}, [=](const Tensor& dy) {
        Tensor dx, dw, db;
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            const T* g = dy.data<T>();  // (N, out)
            if (need_x) {
                dx = Tensor::empty({batch, in}, dy.dtype());
                gemm<T>(false, false, batch, in, out_features, g, w_saved.data<T>(), dx.data<T>(),
                        false);
            }
            if (need_w) {
                dw = Tensor::empty({out_features, in}, dy.dtype());
                gemm<T>(true, false, out_features, in, batch, g, x_saved.data<T>(), dw.data<T>(),
                        false);
            }
            if (need_b) {
                db = Tensor::zeros({out_features}, dy.dtype());
                T* b = db.data<T>();
                for (int64_t i = 0; i < batch; ++i) {
                    for (int64_t j = 0; j < out_features; ++j)
                        b[j] += g[i * out_features + j];
                }
            }
        });
        return std::vector<Tensor>{dx, dw, db};
    });
}

}  // namespace budgetgrad

// Shape ops: reshape and flatten give new shapes over the same storage;
// subsample_pad_channels builds the option-A ResNet shortcut.
#include "engine/autograd.h"
#include "engine/op_checks.h"
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

Tensor subsample_pad_channels(const Tensor& x, int stride, int64_t out_channels) {
    check_ndim("subsample_pad_channels", "input", x, 4, "(N, C, H, W)");
    BG_CHECK(stride >= 1, "subsample_pad_channels: expected stride >= 1, got ", stride);
    const int64_t batch = x.size(0), channels = x.size(1), height = x.size(2), width = x.size(3);
    BG_CHECK(out_channels >= channels,
             "subsample_pad_channels: expected out_channels >= ", channels, ", got ", out_channels);
    const int64_t out_h = (height + stride - 1) / stride, out_w = (width + stride - 1) / stride;
    Tensor y = Tensor::zeros({batch, out_channels, out_h, out_w}, x.dtype());
    // Calls copy(input offset, output offset) for every kept pixel.
    auto for_each_kept = [=](auto&& copy) {
        for (int64_t n = 0; n < batch; ++n) {
            for (int64_t c = 0; c < channels; ++c) {
                for (int64_t h = 0; h < out_h; ++h) {
                    for (int64_t w = 0; w < out_w; ++w) {
                        copy(((n * channels + c) * height + h * stride) * width + w * stride,
                             ((n * out_channels + c) * out_h + h) * out_w + w);
                    }
                }
            }
        }
    };
    dispatch(x.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* in = x.data<T>();
        T* out = y.data<T>();
        for_each_kept([&](int64_t i, int64_t o) { out[o] = in[i]; });
    });
    const Shape in_shape = x.shape();
    return record("subsample_pad_channels", y, {x}, [=](const Tensor& dy) {
        Tensor dx = Tensor::zeros(in_shape, dy.dtype());
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            const T* g = dy.data<T>();
            T* d = dx.data<T>();
            for_each_kept([&](int64_t i, int64_t o) { d[i] = g[o]; });
        });
        return std::vector<Tensor>{dx};
    });
}

}  // namespace budgetgrad

// Element-wise activations and dropout.
#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/random.h"

namespace budgetgrad {

Tensor relu(const Tensor& x) {
    BG_CHECK(x.defined(), "relu: expected a tensor, got an undefined one");
    Tensor y = Tensor::empty(x.shape(), x.dtype());
    const int64_t count = x.numel();
    dispatch(x.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* in = x.data<T>();
        T* out = y.data<T>();
#pragma omp parallel for schedule(static) if (count > (1 << 16))
        for (int64_t i = 0; i < count; ++i)
            out[i] = in[i] > T(0) ? in[i] : T(0);
    });
    // y > 0 exactly where x > 0, so the output serves as the mask (the gradient at 0 is 0).
    Tensor y_saved = y.detach();
    return record("relu", y, {x}, [=](const Tensor& dy) {
        Tensor dx = Tensor::empty(dy.shape(), dy.dtype());
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            const T* g = dy.data<T>();
            const T* mask = y_saved.data<T>();
            T* out = dx.data<T>();
#pragma omp parallel for schedule(static) if (count > (1 << 16))
            for (int64_t i = 0; i < count; ++i)
                out[i] = mask[i] > T(0) ? g[i] : T(0);
        });
        return std::vector<Tensor>{dx};
    });
}

namespace {

// The dropout scale of element i: 0 with probability p, else 1 / (1 − p).
inline double dropout_scale(uint64_t seed, int64_t i, double p, double keep_scale) {
    return unit_double(mix64(seed + static_cast<uint64_t>(i))) < p ? 0.0 : keep_scale;
}

template <typename T>
void apply_dropout(const T* in, T* out, int64_t count, uint64_t seed, double p) {
    const double keep_scale = 1.0 / (1.0 - p);
#pragma omp parallel for schedule(static) if (count > (1 << 16))
    for (int64_t i = 0; i < count; ++i) {
        out[i] = static_cast<T>(in[i] * dropout_scale(seed, i, p, keep_scale));
    }
}

}  // namespace

Tensor dropout(const Tensor& x, double p, bool training, uint64_t seed) {
    BG_CHECK(x.defined(), "dropout: expected a tensor, got an undefined one");
    BG_CHECK(p >= 0.0 && p < 1.0, "dropout: expected probability p in [0, 1), got ", p);
    if (!training || p == 0.0) return x;
    Tensor y = Tensor::empty(x.shape(), x.dtype());
    const int64_t count = x.numel();
    dispatch(x.dtype(), [&](auto zero) {
        using T = decltype(zero);
        apply_dropout(x.data<T>(), y.data<T>(), count, seed, p);
    });
    // The mask is recomputed from the seed rather than stored.
    return record("dropout", y, {x}, [=](const Tensor& dy) {
        Tensor dx = Tensor::empty(dy.shape(), dy.dtype());
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            apply_dropout(dy.data<T>(), dx.data<T>(), count, seed, p);
        });
        return std::vector<Tensor>{dx};
    });
}

}  // namespace budgetgrad

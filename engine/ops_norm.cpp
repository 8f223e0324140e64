// batch_norm2d, as torch.nn.functional.batch_norm on (N, C, H, W). Channels are independent, so
// they are split across threads. Statistics accumulate in double. In training mode the backward
// pass is the closed form of Ioffe & Szegedy (2015), with x̂ = (x − μ)·s, s = 1/√(σ² + eps),
// n = N·H·W and g = dy·weight:
//   dx = s · (g − mean(g) − x̂ · mean(g · x̂))
//   dweight = Σ dy · x̂,   dbias = Σ dy
// In evaluation mode μ and s are constants: dx = dy · weight · s.
#include <cmath>
#include <vector>

#include "engine/autograd.h"
#include "engine/op_checks.h"
#include "engine/ops.h"

namespace budgetgrad {

namespace {

// Sums in double over kLanes interleaved partial sums, so that the compiler can vectorize the
// loop without reordering any one sum; the lanes are then added in a fixed order.
constexpr int64_t kLanes = 8;

// Σ f(p[k]) for k < n.
template <typename T, typename F>
double lane_sum(const T* p, int64_t n, F f) {
    double lanes[kLanes] = {};
    int64_t k = 0;
    for (; k + kLanes <= n; k += kLanes) {
        for (int64_t j = 0; j < kLanes; ++j)
            lanes[j] += f(static_cast<double>(p[k + j]));
    }
    double total = 0.0;
    for (int64_t j = 0; j < kLanes; ++j)
        total += lanes[j];
    for (; k < n; ++k)
        total += f(static_cast<double>(p[k]));
    return total;
}

// Σ g[k] · (x[k] − mu) for k < n.
template <typename T>
double lane_dot(const T* g, const T* x, int64_t n, double mu) {
    double lanes[kLanes] = {};
    int64_t k = 0;
    for (; k + kLanes <= n; k += kLanes) {
        for (int64_t j = 0; j < kLanes; ++j) {
            lanes[j] += static_cast<double>(g[k + j]) * (static_cast<double>(x[k + j]) - mu);
        }
    }
    double total = 0.0;
    for (int64_t j = 0; j < kLanes; ++j)
        total += lanes[j];
    for (; k < n; ++k)
        total += static_cast<double>(g[k]) * (static_cast<double>(x[k]) - mu);
    return total;
}

}  // namespace

Tensor batch_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                    const Tensor& running_mean, const Tensor& running_var, bool training,
                    double momentum, double eps) {
    check_ndim("batch_norm2d", "input", x, 4, "(N, C, H, W)");
    const int64_t batch = x.size(0), channels = x.size(1), plane = x.size(2) * x.size(3);
    const int64_t n = batch * plane;  // values per channel
    const Shape channel_shape{channels};
    for (const Tensor* t : {&weight, &bias, &running_mean, &running_var}) {
        if (!t->defined()) continue;
        check_same_dtype("batch_norm2d", x, *t);
        BG_CHECK(t->shape() == channel_shape,
                 "batch_norm2d: expected per-channel tensors of "
                 "shape (",
                 channels, ",) for input ", shape_str(x.shape()), ", got ", shape_str(t->shape()));
    }
    BG_CHECK(running_mean.defined() == running_var.defined(),
             "batch_norm2d: expected both running statistics or neither");
    BG_CHECK(training || running_mean.defined(),
             "batch_norm2d: evaluation mode needs running statistics");
    BG_CHECK(!training || n > 1,
             "batch_norm2d: expected more than one value per channel in "
             "training, got input ",
             shape_str(x.shape()));
    BG_CHECK(eps > 0.0 && momentum >= 0.0 && momentum <= 1.0,
             "batch_norm2d: expected eps > 0 "
             "and momentum in [0, 1], got eps = ",
             eps, ", momentum = ", momentum);

    // Per-channel mean and 1/√(var + eps) used by this call.
    auto mean = std::make_shared<std::vector<double>>(channels);
    auto inv_std = std::make_shared<std::vector<double>>(channels);
    Tensor y = Tensor::empty(x.shape(), x.dtype());
    dispatch(x.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* in = x.data<T>();
        T* out = y.data<T>();
        const T* w = weight.defined() ? weight.data<T>() : nullptr;
        const T* b = bias.defined() ? bias.data<T>() : nullptr;
#pragma omp parallel for schedule(static)
        for (int64_t c = 0; c < channels; ++c) {
            double mu, var;
            if (training) {
                double total = 0.0;
                for (int64_t i = 0; i < batch; ++i) {
                    total += lane_sum(in + (i * channels + c) * plane, plane,
                                      [](double v) { return v; });
                }
                mu = total / static_cast<double>(n);
                double squares = 0.0;
                for (int64_t i = 0; i < batch; ++i) {
                    squares += lane_sum(in + (i * channels + c) * plane, plane,
                                        [mu](double v) { return (v - mu) * (v - mu); });
                }
                var = squares / static_cast<double>(n);
                if (running_mean.defined()) {
                    T& rm = running_mean.data<T>()[c];
                    T& rv = running_var.data<T>()[c];
                    const double unbiased =
                        var * static_cast<double>(n) / static_cast<double>(n - 1);
                    rm = static_cast<T>((1.0 - momentum) * rm + momentum * mu);
                    rv = static_cast<T>((1.0 - momentum) * rv + momentum * unbiased);
                }
            } else {
                mu = running_mean.data<T>()[c];
                var = running_var.data<T>()[c];
            }
            const double s = 1.0 / std::sqrt(var + eps);
            (*mean)[c] = mu;
            (*inv_std)[c] = s;
            // y = x · scale + shift, folding the affine transform in.
            const double scale = s * (w != nullptr ? w[c] : 1.0);
            const double shift = (b != nullptr ? b[c] : 0.0) - mu * scale;
            for (int64_t i = 0; i < batch; ++i) {
                const T* p = in + (i * channels + c) * plane;
                T* q = out + (i * channels + c) * plane;
                for (int64_t k = 0; k < plane; ++k)
                    q[k] = static_cast<T>(p[k] * scale + shift);
            }
        }
    });

    const bool need_x = x.requires_grad();
    const bool need_w = weight.defined() && weight.requires_grad();
    const bool need_b = bias.defined() && bias.requires_grad();
    Tensor x_saved = x.detach();
    Tensor w_saved = weight.defined() ? weight.detach() : Tensor();
    return record("batch_norm2d", y, {x, weight, bias}, [=](const Tensor& dy) {
        Tensor dx = need_x ? Tensor::empty(x_saved.shape(), dy.dtype()) : Tensor();
        Tensor dw = need_w ? Tensor::empty(channel_shape, dy.dtype()) : Tensor();
        Tensor db = need_b ? Tensor::empty(channel_shape, dy.dtype()) : Tensor();
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            const T* g = dy.data<T>();
            const T* in = x_saved.data<T>();
            const T* w = w_saved.defined() ? w_saved.data<T>() : nullptr;
#pragma omp parallel for schedule(static)
            for (int64_t c = 0; c < channels; ++c) {
                const double mu = (*mean)[c], s = (*inv_std)[c];
                double sum_g = 0.0, sum_gx = 0.0;  // Σ dy and Σ dy · x̂
                for (int64_t i = 0; i < batch; ++i) {
                    const T* gp = g + (i * channels + c) * plane;
                    const T* xp = in + (i * channels + c) * plane;
                    sum_g += lane_sum(gp, plane, [](double v) { return v; });
                    sum_gx += s * lane_dot(gp, xp, plane, mu);
                }
                if (need_w) dw.data<T>()[c] = static_cast<T>(sum_gx);
                if (need_b) db.data<T>()[c] = static_cast<T>(sum_g);
                if (!need_x) continue;
                const double ws = (w != nullptr ? w[c] : 1.0) * s;
                const double mean_g = training ? sum_g / static_cast<double>(n) : 0.0;
                const double mean_gx = training ? sum_gx / static_cast<double>(n) : 0.0;
                T* dxp = dx.data<T>();
                for (int64_t i = 0; i < batch; ++i) {
                    const T* gp = g + (i * channels + c) * plane;
                    const T* xp = in + (i * channels + c) * plane;
                    T* dp = dxp + (i * channels + c) * plane;
                    for (int64_t k = 0; k < plane; ++k) {
                        const double xhat = (xp[k] - mu) * s;
                        dp[k] = static_cast<T>(ws * (gp[k] - mean_g - xhat * mean_gx));
                    }
                }
            }
        });
        return std::vector<Tensor>{dx, dw, db};
    });
}

}  // namespace budgetgrad

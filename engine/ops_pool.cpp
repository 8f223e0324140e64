// Max pooling. The forward pass records, for every output, the flat index of its maximum inside
// its input plane; backward routes each output gradient to that one input.
#include <memory>
#include <vector>

#include "engine/autograd.h"
#include "engine/op_checks.h"
#include "engine/ops.h"

namespace budgetgrad {

Tensor max_pool2d(const Tensor& x, int kernel, int stride) {
    check_ndim("max_pool2d", "input", x, 4, "(N, C, H, W)");
    if (stride == 0) stride = kernel;
    BG_CHECK(kernel >= 1, "max_pool2d: expected kernel >= 1, got ", kernel);
    BG_CHECK(stride >= 1, "max_pool2d: expected stride >= 1, got ", stride);
    const int64_t planes = x.size(0) * x.size(1), height = x.size(2), width = x.size(3);
    BG_CHECK(height >= kernel && width >= kernel, "max_pool2d: kernel ", kernel,
             " is larger than the input ", shape_str(x.shape()));
    const int64_t out_h = (height - kernel) / stride + 1;
    const int64_t out_w = (width - kernel) / stride + 1;
    const int64_t in_plane = height * width, out_plane = out_h * out_w;

    Tensor y = Tensor::empty({x.size(0), x.size(1), out_h, out_w}, x.dtype());
    // Index of each output's maximum within its input plane.
    auto argmax = std::make_shared<std::vector<int32_t>>(planes * out_plane);
    dispatch(x.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* in = x.data<T>();
        T* out = y.data<T>();
        int32_t* arg = argmax->data();
#pragma omp parallel for schedule(static)
        for (int64_t p = 0; p < planes; ++p) {
            const T* plane = in + p * in_plane;
            for (int64_t oh = 0; oh < out_h; ++oh) {
                for (int64_t ow = 0; ow < out_w; ++ow) {
                    int64_t best = oh * stride * width + ow * stride;
                    for (int64_t ki = 0; ki < kernel; ++ki) {
                        for (int64_t kj = 0; kj < kernel; ++kj) {
                            const int64_t at = (oh * stride + ki) * width + ow * stride + kj;
                            if (plane[at] > plane[best]) best = at;
                        }
                    }
                    const int64_t o = p * out_plane + oh * out_w + ow;
                    out[o] = plane[best];
                    arg[o] = static_cast<int32_t>(best);
                }
            }
        }
    });

    const Shape in_shape = x.shape();
    return record("max_pool2d", y, {x}, [=](const Tensor& dy) {
        Tensor dx = Tensor::zeros(in_shape, dy.dtype());
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            const T* g = dy.data<T>();
            T* d = dx.data<T>();
            const int32_t* arg = argmax->data();
            // Windows may overlap when stride < kernel, but each plane belongs to one thread.
#pragma omp parallel for schedule(static)
            for (int64_t p = 0; p < planes; ++p) {
                for (int64_t o = p * out_plane; o < (p + 1) * out_plane; ++o) {
                    d[p * in_plane + arg[o]] += g[o];
                }
            }
        });
        return std::vector<Tensor>{dx};
    });
}

}  // namespace budgetgrad

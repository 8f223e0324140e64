// Pooling. Max pooling records, for every output, the flat index of its maximum inside its input
// plane, and backward routes each output gradient to that one input. Average pooling spreads
// each output gradient evenly over its window. Planes (N·C of them) are split across threads.
#include <memory>
#include <vector>

#include "engine/autograd.h"
#include "engine/op_checks.h"
#include "engine/ops.h"

namespace budgetgrad {

namespace {

struct PoolGeometry {
    int64_t planes, height, width;  // N·C planes of H x W
    int64_t out_h, out_w;
    int stride;
};

// Checks the arguments of a kernel x kernel pooling of x (N, C, H, W); stride 0 means kernel.
PoolGeometry pool_geometry(const char* op, const Tensor& x, int kernel, int stride) {
    check_ndim(op, "input", x, 4, "(N, C, H, W)");
    if (stride == 0) stride = kernel;
    BG_CHECK(kernel >= 1, op, ": expected kernel >= 1, got ", kernel);
    BG_CHECK(stride >= 1, op, ": expected stride >= 1, got ", stride);
    const int64_t height = x.size(2), width = x.size(3);
    BG_CHECK(height >= kernel && width >= kernel, op, ": kernel ", kernel,
             " is larger than the input ", shape_str(x.shape()));
    return {x.size(0) * x.size(1), height, width, (height - kernel) / stride + 1,
            (width - kernel) / stride + 1, stride};
}

}  // namespace

Tensor max_pool2d(const Tensor& x, int kernel, int stride) {
    const PoolGeometry geometry = pool_geometry("max_pool2d", x, kernel, stride);
    const int64_t planes = geometry.planes, height = geometry.height, width = geometry.width;
    const int64_t out_h = geometry.out_h, out_w = geometry.out_w;
    stride = geometry.stride;
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

Tensor avg_pool2d(const Tensor& x, int kernel, int stride) {
    const PoolGeometry geometry = pool_geometry("avg_pool2d", x, kernel, stride);
    const int64_t planes = geometry.planes, height = geometry.height, width = geometry.width;
    const int64_t out_h = geometry.out_h, out_w = geometry.out_w;
    stride = geometry.stride;
    const int64_t in_plane = height * width, out_plane = out_h * out_w;
    const double inv_area = 1.0 / static_cast<double>(kernel * kernel);

    Tensor y = Tensor::empty({x.size(0), x.size(1), out_h, out_w}, x.dtype());
    dispatch(x.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* in = x.data<T>();
        T* out = y.data<T>();
#pragma omp parallel for schedule(static)
        for (int64_t p = 0; p < planes; ++p) {
            const T* plane = in + p * in_plane;
            for (int64_t oh = 0; oh < out_h; ++oh) {
                for (int64_t ow = 0; ow < out_w; ++ow) {
                    double total = 0.0;
                    for (int64_t ki = 0; ki < kernel; ++ki) {
                        const T* row = plane + (oh * stride + ki) * width + ow * stride;
                        for (int64_t kj = 0; kj < kernel; ++kj)
                            total += row[kj];
                    }
                    out[p * out_plane + oh * out_w + ow] = static_cast<T>(total * inv_area);
                }
            }
        }
    });

    const Shape in_shape = x.shape();
    return record("avg_pool2d", y, {x}, [=](const Tensor& dy) {
        Tensor dx = Tensor::zeros(in_shape, dy.dtype());
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            const T* g = dy.data<T>();
            T* d = dx.data<T>();
#pragma omp parallel for schedule(static)
            for (int64_t p = 0; p < planes; ++p) {
                T* plane = d + p * in_plane;
                for (int64_t oh = 0; oh < out_h; ++oh) {
                    for (int64_t ow = 0; ow < out_w; ++ow) {
                        const T share =
                            static_cast<T>(g[p * out_plane + oh * out_w + ow] * inv_area);
                        for (int64_t ki = 0; ki < kernel; ++ki) {
                            T* row = plane + (oh * stride + ki) * width + ow * stride;
                            for (int64_t kj = 0; kj < kernel; ++kj)
                                row[kj] += share;
                        }
                    }
                }
            }
        });
        return std::vector<Tensor>{dx};
    });
}

Tensor global_avg_pool(const Tensor& x) {
    check_ndim("global_avg_pool", "input", x, 4, "(N, C, H, W)");
    const int64_t planes = x.size(0) * x.size(1), plane = x.size(2) * x.size(3);
    BG_CHECK(plane > 0, "global_avg_pool: expected a non-empty plane, got ", shape_str(x.shape()));
    const double inv_plane = 1.0 / static_cast<double>(plane);
    Tensor y = Tensor::empty({x.size(0), x.size(1)}, x.dtype());
    dispatch(x.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* in = x.data<T>();
        T* out = y.data<T>();
        for (int64_t p = 0; p < planes; ++p) {
            double total = 0.0;
            for (int64_t k = 0; k < plane; ++k)
                total += in[p * plane + k];
            out[p] = static_cast<T>(total * inv_plane);
        }
    });
    const Shape in_shape = x.shape();
    return record("global_avg_pool", y, {x}, [=](const Tensor& dy) {
        Tensor dx = Tensor::empty(in_shape, dy.dtype());
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            const T* g = dy.data<T>();
            T* d = dx.data<T>();
            for (int64_t p = 0; p < planes; ++p) {
                const T share = static_cast<T>(g[p] * inv_plane);
                for (int64_t k = 0; k < plane; ++k)
                    d[p * plane + k] = share;
            }
        });
        return std::vector<Tensor>{dx};
    });
}

}  // namespace budgetgrad

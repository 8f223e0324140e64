// Element-wise binary ops with NumPy/PyTorch broadcasting, and the scalar affine map.
// Same-shape operands (the residual-add case) take a flat loop; other shapes walk the output
// with per-operand strides that are 0 along broadcast dimensions. Backward sums each
// operand's gradient back over the dimensions it was broadcast along.
#include <algorithm>
#include <vector>

#include "engine/autograd.h"
#include "engine/op_checks.h"
#include "engine/ops.h"

namespace budgetgrad {

namespace {

enum class BinaryOp { add, sub, mul };

const char* op_name(BinaryOp op) {
    switch (op) {
        case BinaryOp::add:
            return "add";
        case BinaryOp::sub:
            return "sub";
        case BinaryOp::mul:
            return "mul";
    }
    return "?";
}

Shape broadcast_shape(const char* op, const Shape& a, const Shape& b) {
    const std::size_t rank = std::max(a.size(), b.size());
    Shape out(rank);
    for (std::size_t i = 0; i < rank; ++i) {
        // Dimension i counted from the right; a missing dimension acts as size 1.
        const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
        const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
        BG_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", shape_str(a), " and ",
                 shape_str(b), " do not broadcast");
        out[rank - 1 - i] = da == 1 ? db : da;
    }
    return out;
}

// Row-major strides of `shape` seen from an output of rank `rank`: 0 where it broadcasts.
std::vector<int64_t> broadcast_strides(const Shape& shape, const Shape& out) {
    std::vector<int64_t> strides(out.size(), 0);
    int64_t stride = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const std::size_t dim = shape.size() - 1 - i;
        const std::size_t out_dim = out.size() - 1 - i;
        strides[out_dim] = shape[dim] == 1 ? 0 : stride;
        stride *= shape[dim];
    }
    return strides;
}

// Calls visit(out_index, a_index, b_index) for every output element in row-major order.
template <typename Visit>
void for_each_broadcast(const Shape& out, const std::vector<int64_t>& a_strides,
                        const std::vector<int64_t>& b_strides, Visit&& visit) {
    const int rank = static_cast<int>(out.size());
    const int64_t count = shape_numel(out);
    std::vector<int64_t> index(rank, 0);
    int64_t ia = 0, ib = 0;
    for (int64_t o = 0; o < count; ++o) {
        visit(o, ia, ib);
        for (int d = rank - 1; d >= 0; --d) {
            ia += a_strides[d];
            ib += b_strides[d];
            if (++index[d] < out[d]) break;
            ia -= a_strides[d] * out[d];
            ib -= b_strides[d] * out[d];
            index[d] = 0;
        }
    }
}

template <typename T>
T apply(BinaryOp op, T a, T b) {
    switch (op) {
        case BinaryOp::add:
            return a + b;
        case BinaryOp::sub:
            return a - b;
        case BinaryOp::mul:
            return a * b;
    }
    return T(0);
}

// Gradients of a ∘ b for operands of the output's shape: flat loops, and for addition the
// incoming gradient itself. The two results never share storage, because the autograd engine
// may later add into either of them in place.
std::vector<Tensor> same_shape_backward(BinaryOp op, const Tensor& dy, bool need_a, bool need_b,
                                        const Tensor& a, const Tensor& b) {
    Tensor da, db;
    if (op != BinaryOp::mul) {
        if (need_a) da = dy;
        if (need_b) db = op == BinaryOp::add ? (need_a ? dy.clone() : dy) : affine(dy, -1.0, 0.0);
        return {da, db};
    }
    // d(a·b) = dy·b for a and dy·a for b.
    const int64_t count = dy.numel();
    dispatch(dy.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* g = dy.data<T>();
        if (need_a) {
            da = Tensor::empty(dy.shape(), dy.dtype());
            const T* vb = b.data<T>();
            T* out = da.data<T>();
            for (int64_t i = 0; i < count; ++i)
                out[i] = g[i] * vb[i];
        }
        if (need_b) {
            db = Tensor::empty(dy.shape(), dy.dtype());
            const T* va = a.data<T>();
            T* out = db.data<T>();
            for (int64_t i = 0; i < count; ++i)
                out[i] = g[i] * va[i];
        }
    });
    return {da, db};
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
    const char* name = op_name(op);
    BG_CHECK(a.defined() && b.defined(), name, ": expected two tensors, got an undefined one");
    check_same_dtype(name, a, b);
    const Shape out_shape = broadcast_shape(name, a.shape(), b.shape());
    const bool same_shape = a.shape() == b.shape();
    const auto a_strides = broadcast_strides(a.shape(), out_shape);
    const auto b_strides = broadcast_strides(b.shape(), out_shape);
    Tensor y = Tensor::empty(out_shape, a.dtype());
    const int64_t count = y.numel();
    dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* pa = a.data<T>();
        const T* pb = b.data<T>();
        T* out = y.data<T>();
        if (same_shape) {
#pragma omp parallel for schedule(static) if (count > (1 << 16))
            for (int64_t i = 0; i < count; ++i)
                out[i] = apply(op, pa[i], pb[i]);
        } else {
            for_each_broadcast(
                out_shape, a_strides, b_strides,
                [&](int64_t o, int64_t i, int64_t j) { out[o] = apply(op, pa[i], pb[j]); });
        }
    });

    const bool need_a = a.requires_grad(), need_b = b.requires_grad();
    // Multiplication needs the other operand; addition and subtraction need nothing.
    Tensor a_saved = op == BinaryOp::mul && need_b ? a.detach() : Tensor();
    Tensor b_saved = op == BinaryOp::mul && need_a ? b.detach() : Tensor();
    const Shape a_shape = a.shape(), b_shape = b.shape();
    return record(name, y, {a, b}, [=](const Tensor& dy) {
        if (same_shape) return same_shape_backward(op, dy, need_a, need_b, a_saved, b_saved);
        Tensor da = need_a ? Tensor::zeros(a_shape, dy.dtype()) : Tensor();
        Tensor db = need_b ? Tensor::zeros(b_shape, dy.dtype()) : Tensor();
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            const T* g = dy.data<T>();
            T* ga = need_a ? da.data<T>() : nullptr;
            T* gb = need_b ? db.data<T>() : nullptr;
            const T* va = a_saved.defined() ? a_saved.data<T>() : nullptr;
            const T* vb = b_saved.defined() ? b_saved.data<T>() : nullptr;
            // Accumulating through the strides sums over broadcast dimensions.
            for_each_broadcast(
                out_shape, a_strides, b_strides, [&](int64_t o, int64_t i, int64_t j) {
                    if (ga != nullptr) ga[i] += op == BinaryOp::mul ? g[o] * vb[j] : g[o];
                    if (gb != nullptr) {
                        gb[j] += op == BinaryOp::mul ? g[o] * va[i]
                                                     : (op == BinaryOp::sub ? -g[o] : g[o]);
                    }
                });
        });
        return std::vector<Tensor>{da, db};
    });
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
    return binary(BinaryOp::add, a, b);
}
Tensor sub(const Tensor& a, const Tensor& b) {
    return binary(BinaryOp::sub, a, b);
}
Tensor mul(const Tensor& a, const Tensor& b) {
    return binary(BinaryOp::mul, a, b);
}

Tensor affine(const Tensor& a, double scale, double shift) {
    BG_CHECK(a.defined(), "affine: expected a tensor, got an undefined one");
    Tensor y = Tensor::empty(a.shape(), a.dtype());
    dispatch(a.dtype(), [&](auto zero) {
        using T = decltype(zero);
        const T* in = a.data<T>();
        T* out = y.data<T>();
        for (int64_t i = 0; i < a.numel(); ++i) {
            out[i] = static_cast<T>(in[i] * scale + shift);
        }
    });
    return record("affine", y, {a}, [=](const Tensor& dy) {
        Tensor dx = Tensor::empty(dy.shape(), dy.dtype());
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            const T* g = dy.data<T>();
            T* d = dx.data<T>();
            for (int64_t i = 0; i < dy.numel(); ++i)
                d[i] = static_cast<T>(g[i] * scale);
        });
        return std::vector<Tensor>{dx};
    });
}

Tensor operator+(const Tensor& a, const Tensor& b) {
    return add(a, b);
}
Tensor operator-(const Tensor& a, const Tensor& b) {
    return sub(a, b);
}
Tensor operator*(const Tensor& a, const Tensor& b) {
    return mul(a, b);
}
Tensor operator*(const Tensor& a, double scale) {
    return affine(a, scale, 0.0);
}
Tensor operator+(const Tensor& a, double shift) {
    return affine(a, 1.0, shift);
}

}  // namespace budgetgrad

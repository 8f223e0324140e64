// log_softmax and cross_entropy over the last dimension of (N, C) logits.
// cross_entropy is fused: its gradient is (softmax − q) / N, with q the smoothed target
// distribution, which is both cheaper and more accurate than chaining log_softmax and a gather.
#include <algorithm>
#include <cmath>
#include <vector>

#include "engine/autograd.h"
#include "engine/op_checks.h"
#include "engine/ops.h"

namespace budgetgrad {

namespace {

// out[c] = x[c] − max − log Σ exp(x − max), for one row of length C.
template <typename T>
void log_softmax_row(const T* x, T* out, int64_t classes) {
    const T peak = *std::max_element(x, x + classes);
    double total = 0.0;
    for (int64_t c = 0; c < classes; ++c)
        total += std::exp(static_cast<double>(x[c] - peak));
    const double log_total = std::log(total);
    for (int64_t c = 0; c < classes; ++c) {
        out[c] = static_cast<T>(static_cast<double>(x[c] - peak) - log_total);
    }
}

}  // namespace

Tensor log_softmax(const Tensor& x) {
    check_ndim("log_softmax", "input", x, 2, "(N, C)");
    const int64_t rows = x.size(0), classes = x.size(1);
    Tensor y = Tensor::empty(x.shape(), x.dtype());
    dispatch(x.dtype(), [&](auto zero) {
        using T = decltype(zero);
        for (int64_t r = 0; r < rows; ++r) {
            log_softmax_row(x.data<T>() + r * classes, y.data<T>() + r * classes, classes);
        }
    });
    // dx = dy − softmax · Σ_c dy, row by row; softmax = exp(y).
    Tensor y_saved = y.detach();
    return record("log_softmax", y, {x}, [=](const Tensor& dy) {
        Tensor dx = Tensor::empty(dy.shape(), dy.dtype());
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            for (int64_t r = 0; r < rows; ++r) {
                const T* g = dy.data<T>() + r * classes;
                const T* logp = y_saved.data<T>() + r * classes;
                T* d = dx.data<T>() + r * classes;
                double total = 0.0;
                for (int64_t c = 0; c < classes; ++c)
                    total += g[c];
                for (int64_t c = 0; c < classes; ++c) {
                    d[c] = static_cast<T>(g[c] - std::exp(static_cast<double>(logp[c])) * total);
                }
            }
        });
        return std::vector<Tensor>{dx};
    });
}

Tensor softmax(const Tensor& x) {
    check_ndim("softmax", "input", x, 2, "(N, C)");
    const int64_t rows = x.size(0), classes = x.size(1);
    Tensor y = Tensor::empty(x.shape(), x.dtype());
    dispatch(x.dtype(), [&](auto zero) {
        using T = decltype(zero);
        for (int64_t r = 0; r < rows; ++r) {
            T* out = y.data<T>() + r * classes;
            log_softmax_row(x.data<T>() + r * classes, out, classes);
            for (int64_t c = 0; c < classes; ++c)
                out[c] = std::exp(out[c]);
        }
    });
    // dx = y · (dy − Σ_c dy · y), row by row.
    Tensor y_saved = y.detach();
    return record("softmax", y, {x}, [=](const Tensor& dy) {
        Tensor dx = Tensor::empty(dy.shape(), dy.dtype());
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            for (int64_t r = 0; r < rows; ++r) {
                const T* g = dy.data<T>() + r * classes;
                const T* p = y_saved.data<T>() + r * classes;
                T* d = dx.data<T>() + r * classes;
                double dot = 0.0;
                for (int64_t c = 0; c < classes; ++c)
                    dot += g[c] * p[c];
                for (int64_t c = 0; c < classes; ++c)
                    d[c] = static_cast<T>(p[c] * (g[c] - dot));
            }
        });
        return std::vector<Tensor>{dx};
    });
}

Tensor cross_entropy(const Tensor& logits, std::span<const int64_t> targets,
                     double label_smoothing) {
    check_ndim("cross_entropy", "logits", logits, 2, "(N, C)");
    const int64_t rows = logits.size(0), classes = logits.size(1);
    BG_CHECK(rows > 0, "cross_entropy: expected at least one row of logits, got none");
    BG_CHECK(static_cast<int64_t>(targets.size()) == rows, "cross_entropy: expected ", rows,
             " targets (one per row of logits), got ", targets.size());
    BG_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0,
             "cross_entropy: expected label_smoothing in [0, 1], got ", label_smoothing);
    for (std::size_t i = 0; i < targets.size(); ++i) {
        BG_CHECK(targets[i] >= 0 && targets[i] < classes, "cross_entropy: target ", i, " is ",
                 targets[i], ", expected a class in [0, ", classes, ")");
    }
    // q_c = off for every class, plus (1 − ε) on the target.
    const double off = label_smoothing / static_cast<double>(classes);
    const double on = 1.0 - label_smoothing + off;

    // log-probabilities, kept for backward.
    Tensor logp = Tensor::empty(logits.shape(), logits.dtype());
    double loss = 0.0;
    dispatch(logits.dtype(), [&](auto zero) {
        using T = decltype(zero);
        for (int64_t r = 0; r < rows; ++r) {
            const T* lp = logp.data<T>() + r * classes;
            log_softmax_row(logits.data<T>() + r * classes, logp.data<T>() + r * classes, classes);
            double row_loss = 0.0;
            for (int64_t c = 0; c < classes; ++c)
                row_loss -= off * lp[c];
            row_loss -= (on - off) * lp[targets[r]];
            loss += row_loss;
        }
    });
    Tensor y = Tensor::full({}, loss / static_cast<double>(rows), logits.dtype());
    std::vector<int64_t> labels(targets.begin(), targets.end());
    return record("cross_entropy", y, {logits}, [=](const Tensor& dy) {
        Tensor dx = Tensor::empty(logp.shape(), dy.dtype());
        const double scale = dy.item() / static_cast<double>(rows);
        dispatch(dy.dtype(), [&](auto zero) {
            using T = decltype(zero);
            for (int64_t r = 0; r < rows; ++r) {
                const T* lp = logp.data<T>() + r * classes;
                T* d = dx.data<T>() + r * classes;
                for (int64_t c = 0; c < classes; ++c) {
                    const double q = c == labels[r] ? on : off;
                    d[c] = static_cast<T>((std::exp(static_cast<double>(lp[c])) - q) * scale);
                }
            }
        });
        return std::vector<Tensor>{dx};
    });
}

}  // namespace budgetgrad

// The differentiable operations. Each takes and returns Tensors, records its backward closure when
// an input requires grad, and accepts float32 or float64 (all inputs of one call share a dtype).
// Layout is row-major throughout; images are (N, C, H, W). Shape errors throw budgetgrad::Error.
#pragma once

#include <cstdint>
#include <span>

#include "engine/tensor.h"

namespace budgetgrad {

// ---- linear algebra ----

// x (N, in) · weightᵀ (in, out) + bias (out,) -> (N, out). bias may be undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

// Cross-correlation as in torch.nn.functional.conv2d:
// x (N, C, H, W), weight (O, C, kH, kW), bias (O,) or undefined -> (N, O, Ho, Wo) with
// Ho = (H + 2·padding − kH) / stride + 1, and likewise Wo. Zero padding.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, int stride = 1,
              int padding = 0);

// ---- element-wise ----

Tensor relu(const Tensor& x);

// Zeroes each element with probability p and scales the rest by 1 / (1 − p) when training;
// the identity otherwise. The mask is a pure function of (seed, element index), so it does not
// depend on the thread count.
Tensor dropout(const Tensor& x, double p, bool training, uint64_t seed);

// ---- pooling ----

// Max over kernel x kernel windows moved by stride (0 means stride = kernel), no padding:
// x (N, C, H, W) -> (N, C, (H − kernel) / stride + 1, (W − kernel) / stride + 1).
// Ties go to the first maximum in row-major window order; only it receives the gradient.
Tensor max_pool2d(const Tensor& x, int kernel, int stride = 0);

// ---- shape ----

// Same elements in a new shape; one dimension may be -1 (inferred). Shares storage with x.
Tensor reshape(const Tensor& x, const Shape& shape);
// Collapses dimensions start_dim.. into one: (N, C, H, W) -> (N, C·H·W) for start_dim = 1.
Tensor flatten(const Tensor& x, int start_dim = 1);

// ---- reductions and losses ----

// Sum and mean of all elements -> shape ().
Tensor sum(const Tensor& x);
Tensor mean(const Tensor& x);

// log(softmax(x)) along the last dimension, computed as x − max − log Σ exp(x − max).
// x (N, C) -> (N, C).
Tensor log_softmax(const Tensor& x);

// Mean over the batch of −Σ_c q_c · log softmax(logits)_c, where q is the one-hot target mixed
// with the uniform distribution: q = (1 − ε)·onehot + ε / C, ε = label_smoothing (as in
// torch.nn.functional.cross_entropy). logits (N, C), targets (N,) in [0, C) -> shape ().
Tensor cross_entropy(const Tensor& logits, std::span<const int64_t> targets,
                     double label_smoothing = 0.0);

}  // namespace budgetgrad

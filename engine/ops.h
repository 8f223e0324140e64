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
// x (N, C, H, W), weight (O, C / groups, kH, kW), bias (O,) or undefined -> (N, O, Ho, Wo) with
// Ho = (H + 2·padding − kH) / stride + 1, and likewise Wo. Zero padding. With groups = g, the
// channels split into g groups convolved separately (g = C = O is depthwise).
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, int stride = 1,
              int padding = 0, int groups = 1);

// ---- element-wise ----

// a + b, a − b and a · b, element by element, broadcasting as NumPy and PyTorch do: shapes are
// aligned from the right, and a dimension of size 1 (or a missing one) stretches to match.
// The gradient of a broadcast input is summed back to its shape.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
// a · scale + shift, element by element, for scalars.
Tensor affine(const Tensor& a, double scale, double shift);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, double scale);
Tensor operator+(const Tensor& a, double shift);

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

// Mean over kernel x kernel windows moved by stride (0 means stride = kernel), no padding:
// x (N, C, H, W) -> (N, C, (H − kernel) / stride + 1, (W − kernel) / stride + 1).
Tensor avg_pool2d(const Tensor& x, int kernel, int stride = 0);

// Mean over each whole plane: x (N, C, H, W) -> (N, C).
Tensor global_avg_pool(const Tensor& x);

// ---- normalization ----

// Batch normalization over (N, H, W) for each channel of x (N, C, H, W), as
// torch.nn.functional.batch_norm:
//   y = (x − μ) / √(σ² + eps) · weight + bias
// In training, μ and σ² are the batch's mean and biased variance, and the running statistics
// (C,) are updated in place with momentum m as running = (1 − m)·running + m·batch, using the
// unbiased variance (·n / (n − 1), n = N·H·W) for running_var. In evaluation μ and σ² are the
// running statistics and nothing is updated. weight and bias (C,) may be undefined (no affine).
Tensor batch_norm2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                    const Tensor& running_mean, const Tensor& running_var, bool training,
                    double momentum = 0.1, double eps = 1e-5);

// ---- shape ----

// Same elements in a new shape; one dimension may be -1 (inferred). Shares storage with x.
Tensor reshape(const Tensor& x, const Shape& shape);
// Collapses dimensions start_dim.. into one: (N, C, H, W) -> (N, C·H·W) for start_dim = 1.
Tensor flatten(const Tensor& x, int start_dim = 1);

// The option-A shortcut of He et al. (2016) for CIFAR ResNets: keeps every stride-th row and
// column and appends zero channels: x (N, C, H, W) -> (N, out_channels, ⌈H/stride⌉, ⌈W/stride⌉),
// out_channels >= C.
Tensor subsample_pad_channels(const Tensor& x, int stride, int64_t out_channels);

// ---- reductions and losses ----

// Sum and mean of all elements -> shape ().
Tensor sum(const Tensor& x);
Tensor mean(const Tensor& x);

// softmax along the last dimension: x (N, C) -> (N, C), rows summing to 1.
Tensor softmax(const Tensor& x);

// log(softmax(x)) along the last dimension, computed as x − max − log Σ exp(x − max).
// x (N, C) -> (N, C).
Tensor log_softmax(const Tensor& x);

// Mean over the batch of −Σ_c q_c · log softmax(logits)_c, where q is the one-hot target mixed
// with the uniform distribution: q = (1 − ε)·onehot + ε / C, ε = label_smoothing (as in
// torch.nn.functional.cross_entropy). logits (N, C), targets (N,) in [0, C) -> shape ().
Tensor cross_entropy(const Tensor& logits, std::span<const int64_t> targets,
                     double label_smoothing = 0.0);

}  // namespace budgetgrad

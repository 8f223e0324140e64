// Central-difference gradient checking in double precision, used for every op.
// For y = f(inputs) and a fixed random weighting w of y's elements, L = Σ w·y; the analytic
// dL/dx from backward(w) is compared, element by element, with (L(x + ε) − L(x − ε)) / 2ε.
#pragma once

#include <functional>
#include <vector>

#include "engine/tensor.h"

namespace budgetgrad::testing {

using TensorFunction = std::function<Tensor(const std::vector<Tensor>&)>;

// A float64 tensor with values uniform in [low, high) from a generator seeded with `seed`.
Tensor random_tensor(const Shape& shape, uint64_t seed, double low = -1.0, double high = 1.0);
// Like random_tensor, with every |value| >= margin: keeps inputs away from kinks such as ReLU's.
Tensor random_away_from_zero(const Shape& shape, uint64_t seed, double margin = 0.05);

struct GradcheckResult {
    double max_abs_error = 0.0;
    double max_rel_error = 0.0;
    int64_t checked = 0;  // elements compared
};

// Checks d(Σ w·f)/d(inputs[i]) for every input that requires grad (inputs must be float64
// leaves). Fails the current doctest case on the first element whose error exceeds
// tolerance · max(1, |numeric|, |analytic|), reporting input and element.
GradcheckResult gradcheck(const TensorFunction& f, std::vector<Tensor> inputs, double eps = 1e-6,
                          double tolerance = 1e-6);

}  // namespace budgetgrad::testing

#include "gradcheck.h"

#include <algorithm>
#include <cmath>

#include <doctest/doctest.h>

#include "engine/autograd.h"
#include "engine/random.h"

namespace budgetgrad::testing {

Tensor random_tensor(const Shape& shape, uint64_t seed, double low, double high) {
    Generator gen(seed);
    Tensor t = Tensor::empty(shape, DType::float64);
    double* p = t.data<double>();
    for (int64_t i = 0; i < t.numel(); ++i)
        p[i] = gen.uniform(low, high);
    return t;
}

Tensor random_away_from_zero(const Shape& shape, uint64_t seed, double margin) {
    Tensor t = random_tensor(shape, seed);
    double* p = t.data<double>();
    for (int64_t i = 0; i < t.numel(); ++i) {
        if (std::abs(p[i]) < margin) p[i] = p[i] < 0 ? p[i] - margin : p[i] + margin;
    }
    return t;
}

namespace {

// Σ w·f(inputs), evaluated without recording a graph.
double weighted_output(const TensorFunction& f, const std::vector<Tensor>& inputs,
                       const Tensor& weights) {
    NoGradGuard no_grad;
    Tensor y = f(inputs);
    double total = 0.0;
    for (int64_t i = 0; i < y.numel(); ++i)
        total += y.data<double>()[i] * weights.data<double>()[i];
    return total;
}

}  // namespace

GradcheckResult gradcheck(const TensorFunction& f, std::vector<Tensor> inputs, double eps,
                          double tolerance) {
    for (const Tensor& input : inputs) {
        if (!input.defined()) continue;  // an optional argument left out, such as a bias
        REQUIRE(input.dtype() == DType::float64);
        if (input.requires_grad()) input.set_grad(Tensor());
    }
    Tensor y = f(inputs);
    REQUIRE(y.dtype() == DType::float64);
    Tensor weights = random_tensor(y.shape(), /*seed=*/12345);
    y.backward(weights);

    GradcheckResult result;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
        const Tensor& input = inputs[k];
        if (!input.defined() || !input.requires_grad()) continue;
        REQUIRE_MESSAGE(input.grad().defined(), "input ", k, " received no gradient");
        double* x = input.data<double>();
        for (int64_t i = 0; i < input.numel(); ++i) {
            const double saved = x[i];
            x[i] = saved + eps;
            const double plus = weighted_output(f, inputs, weights);
            x[i] = saved - eps;
            const double minus = weighted_output(f, inputs, weights);
            x[i] = saved;
            const double numeric = (plus - minus) / (2.0 * eps);
            const double analytic = input.grad().data<double>()[i];
            const double error = std::abs(numeric - analytic);
            const double scale = std::max({1.0, std::abs(numeric), std::abs(analytic)});
            result.max_abs_error = std::max(result.max_abs_error, error);
            result.max_rel_error = std::max(result.max_rel_error, error / scale);
            ++result.checked;
            if (error > tolerance * scale) {
                FAIL("input ", k, " element ", i, ": analytic ", analytic, ", numeric ", numeric);
            }
        }
    }
    CHECK(result.checked > 0);
    return result;
}

}  // namespace budgetgrad::testing

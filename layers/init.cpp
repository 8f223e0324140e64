#include "layers/init.h"

#include <cmath>

#include "engine/random.h"

namespace budgetgrad {

void uniform_(const Tensor& t, double bound) {
    Generator& gen = default_generator();
    dispatch(t.dtype(), [&](auto zero) {
        using T = decltype(zero);
        T* p = t.data<T>();
        for (int64_t i = 0; i < t.numel(); ++i)
            p[i] = static_cast<T>(gen.uniform(-bound, bound));
    });
}

void default_weight_init_(const Tensor& weight, int64_t fan_in) {
    BG_CHECK(fan_in > 0, "init: expected fan_in > 0, got ", fan_in);
    // gain = √(2 / (1 + a²)) with a = √5, so gain · √(3 / fan_in) = 1 / √fan_in.
    const double a = std::sqrt(5.0);
    const double gain = std::sqrt(2.0 / (1.0 + a * a));
    uniform_(weight, gain * std::sqrt(3.0 / static_cast<double>(fan_in)));
}

}  // namespace budgetgrad

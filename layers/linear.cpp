#include "layers/linear.h"

#include <cmath>

#include "engine/ops.h"
#include "layers/init.h"

namespace budgetgrad {

Linear::Linear(int64_t in_features, int64_t out_features, bool with_bias)
    : in_features_(in_features), out_features_(out_features) {
    BG_CHECK(in_features > 0 && out_features > 0,
             "Linear: expected positive feature counts, got in_features = ", in_features,
             ", out_features = ", out_features);
    weight = register_parameter("weight", Tensor::empty({out_features, in_features}));
    default_weight_init_(weight, in_features);
    if (with_bias) {
        bias = register_parameter("bias", Tensor::empty({out_features}));
        uniform_(bias, 1.0 / std::sqrt(static_cast<double>(in_features)));
    }
}

Tensor Linear::forward(const Tensor& x) {
    return linear(x, weight, bias);
}

std::string Linear::describe() const {
    return detail::concat("Linear(", in_features_, ", ", out_features_,
                          bias.defined() ? "" : ", bias=false", ")");
}

}  // namespace budgetgrad

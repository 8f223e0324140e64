#include "layers/batchnorm.h"

#include "engine/ops.h"

namespace budgetgrad {

BatchNorm2d::BatchNorm2d(int64_t num_features, double momentum, double eps)
    : num_features_(num_features), momentum_(momentum), eps_(eps) {
    BG_CHECK(num_features > 0, "BatchNorm2d: expected num_features > 0, got ", num_features);
    weight = register_parameter("weight", Tensor::full({num_features}, 1.0));
    bias = register_parameter("bias", Tensor::zeros({num_features}));
    running_mean = register_buffer("running_mean", Tensor::zeros({num_features}));
    running_var = register_buffer("running_var", Tensor::full({num_features}, 1.0));
}

Tensor BatchNorm2d::forward(const Tensor& x) {
    return batch_norm2d(x, weight, bias, running_mean, running_var, is_training(), momentum_, eps_);
}

std::string BatchNorm2d::describe() const {
    return detail::concat("BatchNorm2d(", num_features_, ")");
}

}  // namespace budgetgrad

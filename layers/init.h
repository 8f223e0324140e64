// Weight initialization as PyTorch does it by default for Linear and Conv2d, drawn from
// default_generator(): weights uniform in ±gain·√(3 / fan_in) with the Kaiming gain for a leaky
// ReLU slope a = √5, which works out to ±1/√fan_in, and biases uniform in ±1/√fan_in.
#pragma once

#include <cstdint>

#include "engine/tensor.h"

namespace budgetgrad {

// Fills t with uniform values in [-bound, bound) from default_generator().
void uniform_(const Tensor& t, double bound);
// kaiming_uniform_(a = √5): bound = 1 / √fan_in.
void default_weight_init_(const Tensor& weight, int64_t fan_in);

}  // namespace budgetgrad

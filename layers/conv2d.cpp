#include "layers/conv2d.h"

#include <cmath>

#include "engine/ops.h"
#include "layers/init.h"

namespace budgetgrad {

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, int kernel_size, Conv2dOptions options)
    : in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_size_(kernel_size),
      options_(options) {
    BG_CHECK(in_channels > 0 && out_channels > 0 && kernel_size > 0,
             "Conv2d: expected positive channels and kernel size, got (", in_channels, ", ",
             out_channels, ", kernel=", kernel_size, ")");
    const int64_t fan_in = in_channels * kernel_size * kernel_size;
    weight = register_parameter(
        "weight", Tensor::empty({out_channels, in_channels, kernel_size, kernel_size}));
    default_weight_init_(weight, fan_in);
    if (options.bias) {
        bias = register_parameter("bias", Tensor::empty({out_channels}));
        uniform_(bias, 1.0 / std::sqrt(static_cast<double>(fan_in)));
    }
}

Tensor Conv2d::forward(const Tensor& x) {
    return conv2d(x, weight, bias, options_.stride, options_.padding, options_.groups);
}

std::string Conv2d::describe() const {
    return detail::concat("Conv2d(", in_channels_, ", ", out_channels_, ", kernel=", kernel_size_,
                          ", stride=", options_.stride, ", padding=", options_.padding,
                          options_.groups > 1 ? detail::concat(", groups=", options_.groups) : "",
                          options_.bias ? "" : ", bias=false", ")");
}

}  // namespace budgetgrad

#include "layers/basic.h"

#include "engine/ops.h"
#include "engine/random.h"

namespace budgetgrad {

Tensor ReLU::forward(const Tensor& x) {
    return relu(x);
}

MaxPool2d::MaxPool2d(int kernel_size, int stride)
    : kernel_size_(kernel_size), stride_(stride == 0 ? kernel_size : stride) {
    BG_CHECK(kernel_size >= 1 && stride >= 0,
             "MaxPool2d: expected kernel_size >= 1 and "
             "stride >= 0, got kernel_size = ",
             kernel_size, ", stride = ", stride);
}

Tensor MaxPool2d::forward(const Tensor& x) {
    return max_pool2d(x, kernel_size_, stride_);
}

std::string MaxPool2d::describe() const {
    return detail::concat("MaxPool2d(kernel=", kernel_size_, ", stride=", stride_, ")");
}

AvgPool2d::AvgPool2d(int kernel_size, int stride)
    : kernel_size_(kernel_size), stride_(stride == 0 ? kernel_size : stride) {
    BG_CHECK(kernel_size >= 1 && stride >= 0,
             "AvgPool2d: expected kernel_size >= 1 and "
             "stride >= 0, got kernel_size = ",
             kernel_size, ", stride = ", stride);
}

Tensor AvgPool2d::forward(const Tensor& x) {
    return avg_pool2d(x, kernel_size_, stride_);
}

std::string AvgPool2d::describe() const {
    return detail::concat("AvgPool2d(kernel=", kernel_size_, ", stride=", stride_, ")");
}

Tensor GlobalAvgPool::forward(const Tensor& x) {
    return global_avg_pool(x);
}

Dropout::Dropout(double p) : p_(p) {
    BG_CHECK(p >= 0.0 && p < 1.0, "Dropout: expected p in [0, 1), got ", p);
}

Tensor Dropout::forward(const Tensor& x) {
    if (!is_training()) return x;
    return dropout(x, p_, /*training=*/true, default_generator().next_u64());
}

std::string Dropout::describe() const {
    return detail::concat("Dropout(p=", p_, ")");
}

Tensor Flatten::forward(const Tensor& x) {
    return flatten(x, 1);
}

}  // namespace budgetgrad

// Conv2d, like torch.nn.Conv2d with square kernels, zero padding and groups; no dilation.
// Input (N, in_channels, H, W) -> (N, out_channels, Ho, Wo).
#pragma once

#include "layers/module.h"

namespace budgetgrad {

struct Conv2dOptions {
    int stride = 1;
    int padding = 0;
    int groups = 1;  // channels split into groups convolved separately; = channels: depthwise
    bool bias = true;
};

class Conv2d : public Module {
public:
    Conv2d(int64_t in_channels, int64_t out_channels, int kernel_size, Conv2dOptions options = {});
    Tensor forward(const Tensor& x) override;
    std::string describe() const override;

    Tensor weight;  // (out_channels, in_channels / groups, kernel_size, kernel_size)
    Tensor bias;    // (out_channels,), undefined without bias

private:
    int64_t in_channels_, out_channels_;
    int kernel_size_;
    Conv2dOptions options_;
};

}  // namespace budgetgrad

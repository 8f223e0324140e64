// BatchNorm2d, like torch.nn.BatchNorm2d(num_features, eps=1e-5, momentum=0.1): learnable
// weight (init 1) and bias (init 0), running_mean (init 0) and running_var (init 1) registered
// as buffers: saved in checkpoints, not optimized. Training mode normalizes with the batch's
// statistics and updates the running ones as running = (1 − m)·running + m·batch; evaluation
// mode uses the running statistics. Input (N, C, H, W).
#pragma once

#include "layers/module.h"

namespace budgetgrad {

class BatchNorm2d : public Module {
public:
    explicit BatchNorm2d(int64_t num_features, double momentum = 0.1, double eps = 1e-5);
    Tensor forward(const Tensor& x) override;
    std::string describe() const override;

    Tensor weight;        // (C,)
    Tensor bias;          // (C,)
    Tensor running_mean;  // (C,) buffer
    Tensor running_var;   // (C,) buffer

private:
    int64_t num_features_;
    double momentum_, eps_;
};

}  // namespace budgetgrad

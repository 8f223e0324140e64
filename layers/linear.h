// Linear: y = x · Wᵀ + b, like torch.nn.Linear. Input (N, in_features) -> (N, out_features).
#pragma once

#include "layers/module.h"

namespace budgetgrad {

class Linear : public Module {
public:
    Linear(int64_t in_features, int64_t out_features, bool bias = true);
    Tensor forward(const Tensor& x) override;
    std::string describe() const override;

    Tensor weight;  // (out_features, in_features)
    Tensor bias;    // (out_features,), undefined without bias

private:
    int64_t in_features_, out_features_;
};

}  // namespace budgetgrad

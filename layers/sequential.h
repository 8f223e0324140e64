// Sequential: children applied in order, named "0", "1", ... like torch.nn.Sequential.
#pragma once

#include <initializer_list>
#include <memory>

#include "layers/module.h"

namespace budgetgrad {

class Sequential : public Module {
public:
    Sequential() = default;
    Sequential(std::initializer_list<std::shared_ptr<Module>> layers);
    // Appends a layer; returns *this for chaining.
    Sequential& add(std::shared_ptr<Module> layer);
    Tensor forward(const Tensor& x) override;
    std::string describe() const override { return "Sequential"; }
};

}  // namespace budgetgrad

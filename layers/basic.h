// Parameter-free layers: ReLU, MaxPool2d, AvgPool2d, GlobalAvgPool, Dropout, Flatten, Identity.
// Each wraps the op of the same name.
#pragma once

#include "layers/module.h"

namespace budgetgrad {

class ReLU : public Module {
public:
    Tensor forward(const Tensor& x) override;
    std::string describe() const override { return "ReLU()"; }
};

// (N, C, H, W) -> (N, C, Ho, Wo); stride 0 means stride = kernel_size.
class MaxPool2d : public Module {
public:
    explicit MaxPool2d(int kernel_size, int stride = 0);
    Tensor forward(const Tensor& x) override;
    std::string describe() const override;

private:
    int kernel_size_, stride_;
};

// (N, C, H, W) -> (N, C, Ho, Wo); stride 0 means stride = kernel_size.
class AvgPool2d : public Module {
public:
    explicit AvgPool2d(int kernel_size, int stride = 0);
    Tensor forward(const Tensor& x) override;
    std::string describe() const override;

private:
    int kernel_size_, stride_;
};

// (N, C, H, W) -> (N, C): the mean of each plane.
class GlobalAvgPool : public Module {
public:
    Tensor forward(const Tensor& x) override;
    std::string describe() const override { return "GlobalAvgPool()"; }
};

// Returns its input.
class Identity : public Module {
public:
    Tensor forward(const Tensor& x) override { return x; }
    std::string describe() const override { return "Identity()"; }
};

// Active in training mode only. Each forward call draws a fresh mask seed from
// default_generator(), so a seeded run repeats its masks exactly.
class Dropout : public Module {
public:
    explicit Dropout(double p = 0.5);
    Tensor forward(const Tensor& x) override;
    std::string describe() const override;

private:
    double p_;
};

// (N, d1, d2, ...) -> (N, d1·d2·...).
class Flatten : public Module {
public:
    Tensor forward(const Tensor& x) override;
    std::string describe() const override { return "Flatten()"; }
};

}  // namespace budgetgrad

// Residual networks for 32x32 inputs.
//   BasicBlock: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), 3x3 convolutions.
//   Shortcut when the shape changes: option A of He et al. (2016), "Deep Residual Learning",
//   §4.2 — subsample by the stride and append zero channels, no parameters — or option B,
//   a 1x1 convolution with BatchNorm (used by the ResNet-18 variant).
//   CifarResNet: He et al.'s CIFAR-10 networks, 6n + 2 layers (n = 3: resnet20, 5: resnet32,
//   9: resnet56), or the ResNet-18 variant of the Budgeted Training paper: 3x3 stem, no
//   max-pool, four stages of two blocks.
#pragma once

#include <memory>
#include <vector>

#include "layers/module.h"

namespace budgetgrad {

enum class Shortcut { zero_pad, projection };

class BasicBlock : public Module {
public:
    BasicBlock(int64_t in_channels, int64_t out_channels, int stride, Shortcut shortcut);
    Tensor forward(const Tensor& x) override;  // (N, in, H, W) -> (N, out, H/stride, W/stride)
    std::string describe() const override;

private:
    std::shared_ptr<Module> conv1_, bn1_, conv2_, bn2_;
    std::shared_ptr<Module> projection_;  // option B only; else null
    bool pads_;                           // option A with a change of shape
    int64_t in_channels_, out_channels_;
    int stride_;
};

struct CifarResNetOptions {
    std::vector<int64_t> widths;  // channels of each stage; the stem has widths[0]
    std::vector<int> blocks;      // blocks per stage
    Shortcut shortcut = Shortcut::zero_pad;
    int64_t num_classes = 10;
};

// (N, 3, 32, 32) -> (N, num_classes). Children: conv1, bn1, layer1..layerK, fc.
class CifarResNet : public Module {
public:
    explicit CifarResNet(const CifarResNetOptions& options);
    Tensor forward(const Tensor& x) override;
    std::string describe() const override { return "CifarResNet"; }

private:
    std::shared_ptr<Module> conv1_, bn1_, fc_;
    std::vector<std::shared_ptr<Module>> stages_;
};

}  // namespace budgetgrad

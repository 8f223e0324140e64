#include "layers/resnet.h"

#include <string>

#include "engine/ops.h"
#include "layers/basic.h"
#include "layers/batchnorm.h"
#include "layers/conv2d.h"
#include "layers/linear.h"
#include "layers/sequential.h"

namespace budgetgrad {

namespace {

std::shared_ptr<Conv2d> conv3x3(int64_t in, int64_t out, int stride) {
    return std::make_shared<Conv2d>(in, out, 3,
                                    Conv2dOptions{.stride = stride, .padding = 1, .bias = false});
}

}  // namespace

BasicBlock::BasicBlock(int64_t in_channels, int64_t out_channels, int stride, Shortcut shortcut)
    : pads_(false), in_channels_(in_channels), out_channels_(out_channels), stride_(stride) {
    conv1_ = register_module("conv1", conv3x3(in_channels, out_channels, stride));
    bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(out_channels));
    conv2_ = register_module("conv2", conv3x3(out_channels, out_channels, 1));
    bn2_ = register_module("bn2", std::make_shared<BatchNorm2d>(out_channels));
    const bool reshapes = stride != 1 || in_channels != out_channels;
    if (reshapes && shortcut == Shortcut::projection) {
        projection_ = register_module(
            "shortcut",
            std::make_shared<Sequential>(
                Sequential{std::make_shared<Conv2d>(in_channels, out_channels, 1,
                                                    Conv2dOptions{.stride = stride, .bias = false}),
                           std::make_shared<BatchNorm2d>(out_channels)}));
    }
    pads_ = reshapes && shortcut == Shortcut::zero_pad;
}

Tensor BasicBlock::forward(const Tensor& x) {
    Tensor h = relu((*bn1_)((*conv1_)(x)));
    h = (*bn2_)((*conv2_)(h));
    Tensor skip = x;
    if (projection_) {
        skip = (*projection_)(x);
    } else if (pads_) {
        skip = subsample_pad_channels(x, stride_, out_channels_);
    }
    return relu(h + skip);
}

std::string BasicBlock::describe() const {
    return detail::concat("BasicBlock(", in_channels_, ", ", out_channels_, ", stride=", stride_,
                          projection_ ? ", projection" : (pads_ ? ", zero-pad" : ""), ")");
}

CifarResNet::CifarResNet(const CifarResNetOptions& options) {
    BG_CHECK(!options.widths.empty() && options.widths.size() == options.blocks.size(),
             "CifarResNet: expected one block count per stage width, got ", options.widths.size(),
             " widths and ", options.blocks.size(), " block counts");
    conv1_ = register_module("conv1", conv3x3(3, options.widths[0], 1));
    bn1_ = register_module("bn1", std::make_shared<BatchNorm2d>(options.widths[0]));
    int64_t channels = options.widths[0];
    for (std::size_t s = 0; s < options.widths.size(); ++s) {
        auto stage = std::make_shared<Sequential>();
        for (int b = 0; b < options.blocks[s]; ++b) {
            // Every stage but the first halves the resolution in its first block.
            const int stride = (s > 0 && b == 0) ? 2 : 1;
            stage->add(std::make_shared<BasicBlock>(channels, options.widths[s], stride,
                                                    options.shortcut));
            channels = options.widths[s];
        }
        stages_.push_back(register_module("layer" + std::to_string(s + 1), stage));
    }
    fc_ = register_module("fc", std::make_shared<Linear>(channels, options.num_classes));
}

Tensor CifarResNet::forward(const Tensor& x) {
    Tensor h = relu((*bn1_)((*conv1_)(x)));  // (N, widths[0], 32, 32)
    for (const auto& stage : stages_)
        h = (*stage)(h);
    return (*fc_)(global_avg_pool(h));  // (N, C) -> (N, num_classes)
}

}  // namespace budgetgrad

// The model zoo: networks selectable by name from the command line.
//   mnist_cnn  conv 1→32 3×3, ReLU, conv 32→64 3×3, ReLU, max-pool 2, dropout 0.25, flatten
//              (9216), linear → 128, ReLU, dropout 0.5, linear → 10. Input (N, 1, 28, 28).
//   lenet5     LeCun et al. (1998) with ReLU and max-pooling: conv 1→6 5×5 (padding 2), pool,
//              conv 6→16 5×5, pool, linear 400 → 120 → 84 → 10. Input (N, 1, 28, 28).
//   cifar_cnn  conv3×3 3→32, 32→32, pool, 32→64, 64→64, pool, 64→128, pool, each conv followed
//              by BatchNorm and ReLU, global average pool, linear 128 → 10.
//   resnet20, resnet32, resnet56   He et al. (2016) CIFAR ResNets, 16/32/64 channels,
//              zero-padding shortcuts (layers/resnet.h).
//   resnet18   the CIFAR ResNet-18 of the Budgeted Training paper: 3×3 stem, no max-pool,
//              64/128/256/512 channels, projection shortcuts.
// The CIFAR models take (N, 3, 32, 32).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "layers/module.h"

namespace budgetgrad {

struct ModelInfo {
    std::string name;
    Shape input_shape;  // (C, H, W) of one example
    int64_t num_classes;
};

std::vector<ModelInfo> model_infos();
// Throws budgetgrad::Error naming the known models when `name` is not one of them.
const ModelInfo& model_info(const std::string& name);
// A freshly initialized model, weights drawn from default_generator().
std::shared_ptr<Module> make_model(const std::string& name);

}  // namespace budgetgrad

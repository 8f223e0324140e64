// The model zoo: networks selectable by name from the command line.
//   mnist_cnn  conv 1→32 3×3, ReLU, conv 32→64 3×3, ReLU, max-pool 2, dropout 0.25, flatten
//              (9216), linear → 128, ReLU, dropout 0.5, linear → 10. Input (N, 1, 28, 28).
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

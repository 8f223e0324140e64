// Classification with a saved checkpoint: rebuilds the model the checkpoint names, loads its
// weights, and turns image files into the checkpoint's input shape and normalization.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "layers/module.h"
#include "train/checkpoint.h"

namespace budgetgrad {

struct ClassScore {
    int64_t label;
    std::string name;
    double probability;
};

class Predictor {
public:
    // Throws budgetgrad::Error naming the file when it is not a usable checkpoint.
    explicit Predictor(const std::string& checkpoint);

    // The k most likely classes of one example (C, H, W), normalized as info() says, most
    // likely first.
    std::vector<ClassScore> classify(const Tensor& example, int k = 3) const;
    // Reads a PNG, JPEG or BMP file, converts it to the model's channels and size, normalizes
    // it and classifies it. Throws budgetgrad::Error naming a file it cannot read.
    std::vector<ClassScore> classify_file(const std::string& path, int k = 3) const;

    const CheckpointInfo& info() const { return info_; }

private:
    std::string path_;
    CheckpointInfo info_;
    std::shared_ptr<Module> model_;
};

}  // namespace budgetgrad

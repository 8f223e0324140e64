// The dataset interface and the batch a DataLoader yields. A dataset is random access: size()
// examples, each an image of example_shape() = (C, H, W) and an integer label in
// [0, num_classes()). Datasets hold their data in memory; they do not stream.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace budgetgrad {

class Dataset {
public:
    virtual ~Dataset() = default;
    virtual int64_t size() const = 0;
    // (C, H, W) of every example.
    virtual Shape example_shape() const = 0;
    virtual int64_t num_classes() const = 0;
    // Writes example i's pixels, ready for the model (normalized, C*H*W floats in CHW order),
    // to `out` and returns its label. Must be safe to call from several threads at once.
    virtual int64_t get_into(int64_t index, float* out) const = 0;
    // Tells the dataset which epoch is being read; DataLoader::set_epoch forwards it. Plain
    // datasets ignore it; a random-augmentation wrapper draws from (seed, epoch, index). It is
    // const because loaders hold a const dataset: the epoch picks a draw, it changes no data.
    // Not to be called while get_into runs.
    virtual void set_epoch(int64_t /*epoch*/) const {}
};

struct Batch {
    Tensor images;                // (N, C, H, W) float32
    std::vector<int64_t> labels;  // (N,)
};

}  // namespace budgetgrad

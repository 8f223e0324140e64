// A model summary: one row per layer (a block such as a residual block is one row), with its
// output shape for one example, parameter count and multiply-accumulates (MACs) per example,
// measured by running one example through the model in evaluation mode.
#pragma once

#include <string>
#include <vector>

#include "layers/module.h"

namespace budgetgrad {

struct SummaryRow {
    std::string name;   // path in the model, e.g. "layer2.0"
    std::string layer;  // Module::describe()
    Shape output;       // (1, ...) for one example
    int64_t parameters;
    int64_t macs;
};

struct ModelSummary {
    Shape input;  // (1, C, H, W)
    std::vector<SummaryRow> rows;
    int64_t parameters = 0;  // whole model, including layers without a row
    int64_t macs = 0;        // per example, forward pass

    // The rows as an aligned text table with totals.
    std::string table() const;
};

// example_shape is one example's (C, H, W). Leaves the model's train/eval mode as it was.
ModelSummary summarize(Module& model, const Shape& example_shape);

}  // namespace budgetgrad

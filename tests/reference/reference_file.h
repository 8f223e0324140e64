// Reader for the PyTorch reference files that tests/reference/generate.py writes, one per case:
//   tensor <name> <ndim> <d0> <d1> ...   then one line with the numel values, row-major
//   scalar <name> <value>
//   ints <name> <count> <v0> <v1> ...
// Lines starting with '#' are comments. Everything is read as float64; the reader checks every
// count and number and names the file and line of whatever is wrong. It writes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace budgetgrad::testing {

class ReferenceFile {
public:
    // Parses `path`; throws budgetgrad::Error on a missing file or a malformed line.
    explicit ReferenceFile(std::string path);

    const std::string& path() const { return path_; }

    // A fresh float64 tensor (its own storage, no history) each call.
    Tensor tensor(const std::string& name) const;
    double scalar(const std::string& name) const;
    std::vector<int64_t> ints(const std::string& name) const;
    // Whether a block of any kind has this name.
    bool has(const std::string& name) const;

    // Names of the scalars (or tensors) that start with `prefix`, in file order, prefix removed.
    std::vector<std::string> scalar_names(const std::string& prefix) const;
    std::vector<std::string> tensor_names(const std::string& prefix) const;

private:
    struct TensorBlock {
        Shape shape;
        std::vector<double> values;
    };

    std::string path_;
    std::map<std::string, TensorBlock> tensors_;
    std::map<std::string, double> scalars_;
    std::map<std::string, std::vector<int64_t>> ints_;
    std::vector<std::string> tensor_order_, scalar_order_;
};

// Loads BUDGETGRAD_REFERENCE_DIR "/<case_name>.txt".
ReferenceFile load_reference(const std::string& case_name);

}  // namespace budgetgrad::testing

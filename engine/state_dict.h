// StateDict: the named values that make up a training state (parameters, buffers, optimizer
// state, counters, generator states), kept in insertion order, and its binary file format.
// Keys are dotted paths such as "model.0.weight" or "optimizer.momentum.3".
//
// File format (little-endian), version 1:
//   magic "BGCKPT01" | u32 version | u64 entry count | entries... | u32 CRC-32 of all before it
//   entry: u32 key length | key bytes | u8 kind | payload
//     kind 0 tensor: u8 dtype (0 float32, 1 float64) | u32 ndim | i64 dims[ndim] | raw data
//     kind 1 integer: i64        kind 2 real: f64        kind 3 text: u64 length | bytes
// Writing is atomic: a temporary file in the same folder is written, flushed, fsync'ed and
// renamed over the target, so a crash never leaves a damaged file in place of a good one.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engine/tensor.h"

namespace budgetgrad {

class StateDict {
public:
    using Value = std::variant<Tensor, int64_t, double, std::string>;

    // Adds an entry; a key may appear once (throws otherwise). Tensors are stored by handle:
    // save() copies their current contents.
    void put(const std::string& key, Value value);

    bool contains(const std::string& key) const;
    // Typed lookups; a missing key or a value of another kind throws budgetgrad::Error naming
    // the key (and `source`, the file it came from, when known).
    const Tensor& tensor(const std::string& key) const;
    int64_t integer(const std::string& key) const;
    double real(const std::string& key) const;
    const std::string& text(const std::string& key) const;

    // Copies the stored tensor `key` into `target`, checking that shape and dtype agree; the
    // error names the key and both shapes.
    void copy_into(const std::string& key, const Tensor& target) const;

    const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }
    // Where this dictionary was loaded from, for error messages ("" when built in memory).
    const std::string& source() const { return source_; }

    // Atomic write to `path`; throws budgetgrad::Error naming the path on any I/O failure.
    void save(const std::string& path) const;
    // Reads and validates a whole file: magic, version, CRC-32, sizes, dtypes; throws
    // budgetgrad::Error naming the path and what is wrong.
    static StateDict load(const std::string& path);

private:
    const Value& find(const std::string& key) const;

    std::vector<std::pair<std::string, Value>> entries_;
    std::string source_;
};

}  // namespace budgetgrad

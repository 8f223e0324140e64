// What a Tensor handle points to. Internal to engine/: users see only Tensor.
#pragma once

#include <cstddef>
#include <memory>

#include "engine/autograd.h"
#include "engine/tensor.h"

namespace budgetgrad {

// A 64-byte aligned block of bytes, shared by every tensor that aliases it.
class Storage {
public:
    explicit Storage(std::size_t bytes);
    ~Storage();
    Storage(const Storage&) = delete;
    Storage& operator=(const Storage&) = delete;
    void* data() const { return data_; }
    std::size_t bytes() const { return bytes_; }

private:
    void* data_;
    std::size_t bytes_;
};

struct TensorImpl {
    std::shared_ptr<Storage> storage;
    Shape shape;
    int64_t numel = 0;
    DType dtype = DType::float32;
    bool requires_grad = false;
    Tensor grad;                    // leaves only, filled by backward()
    std::shared_ptr<Node> grad_fn;  // the op that produced this tensor, if recorded
};

// The engine's back door into Tensor's private handle.
struct TensorAccess {
    static const std::shared_ptr<TensorImpl>& impl(const Tensor& t) { return t.impl_; }
    static Tensor wrap(std::shared_ptr<TensorImpl> impl) {
        Tensor t;
        t.impl_ = std::move(impl);
        return t;
    }
};

}  // namespace budgetgrad

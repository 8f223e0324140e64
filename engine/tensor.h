// Tensor: a cheap, shared handle to a dense row-major array with an optional autograd history.
// Copying a Tensor aliases the same storage (like torch.Tensor); clone() makes a real copy.
// Storage is contiguous and 64-byte aligned; there are no strided views. float32 is the working
// type; float64 exists so that gradient checks can run in double precision.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/check.h"

namespace budgetgrad {

enum class DType { float32, float64 };

const char* dtype_name(DType dtype);

using Shape = std::vector<int64_t>;

// "(64, 1, 28, 28)"
std::string shape_str(const Shape& shape);
int64_t shape_numel(const Shape& shape);

struct Node;
struct TensorImpl;

// Maps the C++ type to its DType: dtype_of<float> == DType::float32.
template <typename T>
constexpr DType dtype_of = std::is_same_v<T, double> ? DType::float64 : DType::float32;

class Tensor {
public:
    Tensor() = default;

    // Uninitialized contents.
    static Tensor empty(const Shape& shape, DType dtype = DType::float32);
    static Tensor zeros(const Shape& shape, DType dtype = DType::float32);
    static Tensor full(const Shape& shape, double value, DType dtype = DType::float32);
    // Copies `values` (row-major) into a new tensor; values.size() must equal the shape's numel.
    static Tensor from_vector(const Shape& shape, std::span<const float> values);
    static Tensor from_vector(const Shape& shape, std::span<const double> values);

    bool defined() const { return impl_ != nullptr; }
    const Shape& shape() const;
    // Size of dimension d; negative d counts from the end.
    int64_t size(int d) const;
    int ndim() const { return static_cast<int>(shape().size()); }
    int64_t numel() const;
    DType dtype() const;

    // Raw element pointer; T must match dtype() (checked).
    template <typename T>
    T* data() const;
    // The single value of a one-element tensor, as double.
    double item() const;
    // Element i (row-major) as double; for tests and printing, not for hot loops.
    double at(int64_t i) const;
    std::vector<double> to_vector() const;

    bool requires_grad() const;
    // Marks a leaf tensor as a parameter whose gradient backward() should fill.
    Tensor& set_requires_grad(bool on = true);
    // Accumulated gradient of a leaf; undefined until the first backward() reaches it.
    Tensor grad() const;
    void set_grad(const Tensor& grad) const;
    // Zeroes the accumulated gradient in place (keeps its buffer).
    void zero_grad() const;
    const std::shared_ptr<Node>& grad_fn() const;
    bool is_leaf() const { return grad_fn() == nullptr; }

    // Back-propagates through the recorded graph, accumulating into the .grad() of every leaf
    // that requires grad, then frees the graph. `gradient` is d(something)/d(this), shaped like
    // this tensor; it may be left out for a one-element tensor (a loss), where it is 1.
    void backward(const Tensor& gradient = Tensor()) const;

    // Same storage, no history.
    Tensor detach() const;
    // A new tensor with its own storage and no history.
    Tensor clone() const;
    // A copy converted to dtype (no history).
    Tensor to(DType dtype) const;

    // Identity of the underlying tensor (not of its storage).
    const TensorImpl* impl() const { return impl_.get(); }

private:
    friend struct TensorAccess;
    std::shared_ptr<TensorImpl> impl_;
};

// Element type dispatch: calls f(float{}) or f(double{}) according to dtype, so that one generic
// lambda serves both precisions.
template <typename F>
decltype(auto) dispatch(DType dtype, F&& f) {
    if (dtype == DType::float64) return f(double{});
    return f(float{});
}

}  // namespace budgetgrad

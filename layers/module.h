// Module: the base of every layer and model. A module owns named parameters (optimized),
// named buffers (saved in checkpoints, not optimized) and named child modules, all kept in
// registration order, which is the order parameters() returns and optimizers rely on.
// Modules take one input tensor; models with inner branches (residual blocks) compose inside
// forward().
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/state_dict.h"
#include "engine/tensor.h"

namespace budgetgrad {

struct NamedTensor {
    std::string name;  // dotted path, e.g. "features.0.weight"
    Tensor tensor;
};

class Module;

namespace detail {
// Sees every Module call on its thread while installed; summarize() uses it to measure each
// layer's output shape and cost.
class CallObserver {
public:
    virtual ~CallObserver() = default;
    virtual void enter(const Module& module) = 0;
    virtual void leave(const Module& module, const Tensor& output) = 0;
};
// The observer installed on this thread, or null.
CallObserver*& call_observer();
}  // namespace detail

class Module {
public:
    virtual ~Module() = default;

    virtual Tensor forward(const Tensor& x) = 0;
    // forward(x); also reports the call to a model summary in progress on this thread.
    Tensor operator()(const Tensor& x);
    // One line for summaries, e.g. "Conv2d(1, 32, kernel=3, stride=1, padding=0)".
    virtual std::string describe() const = 0;

    // Every parameter of this module and its descendants, depth first, in registration order.
    std::vector<Tensor> parameters() const;
    std::vector<NamedTensor> named_parameters() const;
    std::vector<NamedTensor> named_buffers() const;
    const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const {
        return children_;
    }
    int64_t parameter_count() const;

    // Training mode (dropout active, batch statistics) or evaluation mode, for the whole tree.
    void train(bool on = true);
    void eval() { train(false); }
    bool is_training() const { return training_; }

    // Zeroes every parameter's gradient in place.
    void zero_grad();

    // Adds every parameter and buffer to `state` as prefix + its dotted name.
    void save_to(StateDict& state, const std::string& prefix) const;
    // Copies every parameter and buffer from `state` (entries prefix + name), in place. Throws
    // budgetgrad::Error naming the first missing entry, shape mismatch, or entry under `prefix`
    // that this model does not have (a checkpoint of another model).
    void load_from(const StateDict& state, const std::string& prefix);

protected:
    // Registers a leaf tensor as a trainable parameter (marks it requires_grad) and returns it.
    Tensor register_parameter(std::string name, Tensor value);
    Tensor register_buffer(std::string name, Tensor value);
    template <typename M>
    std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module) {
        add_child(std::move(name), module);
        return module;
    }

private:
    void add_child(std::string name, std::shared_ptr<Module> module);
    void collect(const std::string& prefix, bool buffers, std::vector<NamedTensor>& out) const;

    std::vector<NamedTensor> parameters_;
    std::vector<NamedTensor> buffers_;
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
    bool training_ = true;
};

}  // namespace budgetgrad

// Reverse-mode automatic differentiation. Every differentiable op calls record() with its output,
// its inputs and a backward closure written next to its forward code; the closure saves only what
// its backward needs. Tensor::backward() walks the recorded nodes in reverse topological order
// with an explicit stack (no recursion, so deep graphs cannot overflow it) and frees each node's
// saved tensors as soon as it has run. Higher-order gradients are not supported.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "engine/tensor.h"

namespace budgetgrad {

// Given the gradient of the op's output, returns one gradient per input, each shaped like that
// input; an undefined Tensor means "no gradient for this input".
using BackwardFn = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

struct Node {
    const char* name;            // the op, for error messages
    std::vector<Tensor> inputs;  // the op's inputs, in call order
    BackwardFn backward;         // empty once it has run: the graph is freed

    // Dismantles the chain of nodes only this one keeps alive with a loop, not by recursion,
    // so that dropping a long unused graph cannot overflow the stack.
    ~Node();
};

// True unless a NoGradGuard is alive on this thread.
bool grad_enabled();

// Disables graph recording on this thread for its lifetime (evaluation, optimizer updates).
class NoGradGuard {
public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    bool previous_;
};

// True when an op on `inputs` must record a node: grad mode is on and some input needs a grad.
bool needs_graph(const std::vector<Tensor>& inputs);

// Attaches a node to `output` if needs_graph(inputs); returns output either way.
Tensor record(const char* name, Tensor output, std::vector<Tensor> inputs, BackwardFn backward);

// output += addend, element-wise; shapes must match (checked, naming `where`).
void accumulate(const Tensor& output, const Tensor& addend, const char* where);

}  // namespace budgetgrad

#include "engine/autograd.h"

#include <unordered_map>
#include <utility>

#include "engine/tensor_impl.h"

namespace budgetgrad {

namespace {

thread_local bool g_grad_enabled = true;

// Nodes reachable from `root`, ordered so that every node comes before the nodes of its inputs
// (reverse post-order of an iterative depth-first search).
// The order owns its nodes, so that freeing one node's inputs cannot free a node still to run.
std::vector<std::shared_ptr<Node>> reverse_topological_order(const std::shared_ptr<Node>& root) {
    std::vector<std::shared_ptr<Node>> post_order;
    std::unordered_map<Node*, bool> visited;
    // Each frame: a node and the index of the next input to visit.
    std::vector<std::pair<std::shared_ptr<Node>, std::size_t>> stack{{root, 0}};
    visited[root.get()] = true;
    while (!stack.empty()) {
        auto& [node, next] = stack.back();
        if (next < node->inputs.size()) {
            const Tensor& input = node->inputs[next++];
            if (!input.defined()) continue;  // an optional input left out, such as a bias
            const std::shared_ptr<Node>& child = input.grad_fn();
            if (child != nullptr && !visited[child.get()]) {
                visited[child.get()] = true;
                stack.emplace_back(child, 0);
            }
            continue;
        }
        post_order.push_back(node);
        stack.pop_back();
    }
    return {post_order.rbegin(), post_order.rend()};
}

}  // namespace

Node::~Node() {
    std::vector<std::shared_ptr<Node>> orphans;
    auto adopt = [&](std::vector<Tensor>& inputs) {
        for (Tensor& input : inputs) {
            const auto& impl = TensorAccess::impl(input);
            if (impl && impl.use_count() == 1 && impl->grad_fn && impl->grad_fn.use_count() == 1) {
                orphans.push_back(std::move(impl->grad_fn));
            }
        }
        inputs.clear();
    };
    adopt(inputs);
    while (!orphans.empty()) {
        std::shared_ptr<Node> node = std::move(orphans.back());
        orphans.pop_back();
        adopt(node->inputs);
    }  // each node is destroyed here with no inputs left, so its destructor does not recurse
}

bool grad_enabled() {
    return g_grad_enabled;
}

NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) {
    g_grad_enabled = false;
}

NoGradGuard::~NoGradGuard() {
    g_grad_enabled = previous_;
}

bool needs_graph(const std::vector<Tensor>& inputs) {
    if (!g_grad_enabled) return false;
    for (const Tensor& t : inputs) {
        if (t.defined() && t.requires_grad()) return true;
    }
    return false;
}

Tensor record(const char* name, Tensor output, std::vector<Tensor> inputs, BackwardFn backward) {
    if (!needs_graph(inputs)) return output;
    auto node = std::make_shared<Node>(Node{name, std::move(inputs), std::move(backward)});
    const auto& impl = TensorAccess::impl(output);
    impl->grad_fn = std::move(node);
    impl->requires_grad = true;
    return output;
}

void accumulate(const Tensor& output, const Tensor& addend, const char* where) {
    BG_CHECK(output.shape() == addend.shape() && output.dtype() == addend.dtype(), where,
             ": gradient shape mismatch, expected ", shape_str(output.shape()), " ",
             dtype_name(output.dtype()), ", got ", shape_str(addend.shape()), " ",
             dtype_name(addend.dtype()));
    dispatch(output.dtype(), [&](auto zero) {
        using T = decltype(zero);
        T* out = output.data<T>();
        const T* add = addend.data<T>();
        for (int64_t i = 0; i < output.numel(); ++i)
            out[i] += add[i];
    });
}

void Tensor::backward(const Tensor& gradient) const {
    BG_CHECK(requires_grad(),
             "backward: the tensor does not require grad; was it computed "
             "from parameters outside a NoGradGuard?");
    // A copy: gradients flowing back may be added into in place.
    Tensor seed = gradient.defined() ? gradient.clone() : Tensor();
    if (!seed.defined()) {
        BG_CHECK(numel() == 1,
                 "backward: expected a one-element tensor (a loss) or an explicit "
                 "gradient, got shape ",
                 shape_str(shape()));
        seed = Tensor::full(shape(), 1.0, dtype());
    }
    BG_CHECK(seed.shape() == shape() && seed.dtype() == dtype(), "backward: expected a gradient ",
             shape_str(shape()), " ", dtype_name(dtype()), ", got ", shape_str(seed.shape()), " ",
             dtype_name(seed.dtype()));
    if (is_leaf()) {
        if (grad().defined()) {
            accumulate(grad(), seed, "backward");
        } else {
            set_grad(seed.clone());
        }
        return;
    }
    const std::shared_ptr<Node>& root = grad_fn();
    BG_CHECK(root->backward != nullptr,
             "backward: this graph was already freed by an earlier backward()");

    // Gradient of each node's output, kept only until that node has run.
    std::unordered_map<Node*, Tensor> pending{{root.get(), seed}};
    for (const std::shared_ptr<Node>& node : reverse_topological_order(root)) {
        auto it = pending.find(node.get());
        if (it == pending.end()) continue;  // no gradient reached this node
        Tensor grad_output = std::move(it->second);
        pending.erase(it);
        BG_CHECK(node->backward != nullptr, "backward: the graph through ", node->name,
                 " was already freed by an earlier backward()");
        std::vector<Tensor> grads = node->backward(grad_output);
        BG_ASSERT(grads.size() == node->inputs.size());
        for (std::size_t i = 0; i < grads.size(); ++i) {
            const Tensor& input = node->inputs[i];
            Tensor& g = grads[i];
            if (!g.defined() || !input.defined() || !input.requires_grad()) continue;
            if (Node* producer = input.grad_fn().get()) {
                auto [slot, inserted] = pending.try_emplace(producer, g);
                if (!inserted) accumulate(slot->second, g, node->name);
            } else if (input.grad().defined()) {
                accumulate(input.grad(), g, node->name);
            } else {
                BG_CHECK(g.shape() == input.shape(), node->name, ": gradient shape ",
                         shape_str(g.shape()), " does not match its input ",
                         shape_str(input.shape()));
                // A gradient buffer may be shared with the op's internals: copy it.
                input.set_grad(g.clone());
            }
        }
        // Free what this node saved, and cut the graph behind it.
        node->backward = nullptr;
        node->inputs.clear();
    }
}

}  // namespace budgetgrad

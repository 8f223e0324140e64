#include "layers/module.h"

#include <algorithm>
#include <set>

namespace budgetgrad {

namespace {

void check_unique(const std::string& name, const std::vector<NamedTensor>& parameters,
                  const std::vector<NamedTensor>& buffers,
                  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children) {
    BG_CHECK(!name.empty() && name.find('.') == std::string::npos,
             "module: expected a non-empty name without '.', got '", name, "'");
    auto same = [&](const auto& entry) { return entry.name == name; };
    bool taken = std::any_of(parameters.begin(), parameters.end(), same) ||
                 std::any_of(buffers.begin(), buffers.end(), same) ||
                 std::any_of(children.begin(), children.end(),
                             [&](const auto& child) { return child.first == name; });
    BG_CHECK(!taken, "module: the name '", name, "' is already registered");
}

}  // namespace

detail::CallObserver*& detail::call_observer() {
    thread_local CallObserver* observer = nullptr;
    return observer;
}

Tensor Module::operator()(const Tensor& x) {
    detail::CallObserver* observer = detail::call_observer();
    if (observer == nullptr) return forward(x);
    observer->enter(*this);
    Tensor y = forward(x);
    observer->leave(*this, y);
    return y;
}

Tensor Module::register_parameter(std::string name, Tensor value) {
    check_unique(name, parameters_, buffers_, children_);
    value.set_requires_grad(true);
    parameters_.push_back({std::move(name), value});
    return value;
}

Tensor Module::register_buffer(std::string name, Tensor value) {
    check_unique(name, parameters_, buffers_, children_);
    buffers_.push_back({std::move(name), value});
    return value;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module) {
    check_unique(name, parameters_, buffers_, children_);
    BG_CHECK(module != nullptr, "module: child '", name, "' is null");
    children_.emplace_back(std::move(name), std::move(module));
}

void Module::collect(const std::string& prefix, bool buffers, std::vector<NamedTensor>& out) const {
    for (const NamedTensor& entry : buffers ? buffers_ : parameters_) {
        out.push_back({prefix + entry.name, entry.tensor});
    }
    for (const auto& [name, child] : children_)
        child->collect(prefix + name + ".", buffers, out);
}

std::vector<NamedTensor> Module::named_parameters() const {
    std::vector<NamedTensor> out;
    collect("", false, out);
    return out;
}

std::vector<NamedTensor> Module::named_buffers() const {
    std::vector<NamedTensor> out;
    collect("", true, out);
    return out;
}

std::vector<Tensor> Module::parameters() const {
    std::vector<Tensor> out;
    for (NamedTensor& entry : named_parameters())
        out.push_back(std::move(entry.tensor));
    return out;
}

int64_t Module::parameter_count() const {
    int64_t total = 0;
    for (const Tensor& p : parameters())
        total += p.numel();
    return total;
}

void Module::train(bool on) {
    training_ = on;
    for (const auto& child : children_)
        child.second->train(on);
}

void Module::save_to(StateDict& state, const std::string& prefix) const {
    for (const NamedTensor& p : named_parameters())
        state.put(prefix + p.name, p.tensor);
    for (const NamedTensor& b : named_buffers())
        state.put(prefix + b.name, b.tensor);
}

void Module::load_from(const StateDict& state, const std::string& prefix) {
    std::set<std::string> expected;
    for (const auto& list : {named_parameters(), named_buffers()}) {
        for (const NamedTensor& entry : list) {
            state.copy_into(prefix + entry.name, entry.tensor);
            expected.insert(prefix + entry.name);
        }
    }
    for (const auto& [key, value] : state.entries()) {
        BG_CHECK(key.rfind(prefix, 0) != 0 || expected.count(key) == 1, "checkpoint ",
                 state.source(), ": entry '", key,
                 "' does not belong to this model (a checkpoint of another model?)");
    }
}

void Module::zero_grad() {
    for (const Tensor& p : parameters())
        p.zero_grad();
}

}  // namespace budgetgrad

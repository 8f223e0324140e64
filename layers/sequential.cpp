#include "layers/sequential.h"

#include <string>

namespace budgetgrad {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> layers) {
    for (const auto& layer : layers)
        add(layer);
}

Sequential& Sequential::add(std::shared_ptr<Module> layer) {
    register_module(std::to_string(children().size()), std::move(layer));
    return *this;
}

Tensor Sequential::forward(const Tensor& x) {
    Tensor h = x;
    for (const auto& child : children()) {
        h = (*child.second)(h);  // through operator(), so that summaries see each layer
    }
    return h;
}

}  // namespace budgetgrad

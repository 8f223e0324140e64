#include "optim/optimizer.h"

namespace budgetgrad {

Optimizer::Optimizer(std::vector<ParamGroup> groups, double default_lr, double default_weight_decay)
    : groups_(std::move(groups)) {
    BG_CHECK(!groups_.empty(), "optimizer: expected at least one parameter group, got none");
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        ParamGroup& group = groups_[g];
        if (!group.lr) group.lr = default_lr;
        if (!group.weight_decay) group.weight_decay = default_weight_decay;
        BG_CHECK(*group.lr >= 0.0, "optimizer: expected lr >= 0 in group ", g, ", got ", *group.lr);
        BG_CHECK(*group.weight_decay >= 0.0, "optimizer: expected weight_decay >= 0 in group ", g,
                 ", got ", *group.weight_decay);
        for (const Tensor& p : group.params) {
            BG_CHECK(p.defined() && p.is_leaf() && p.requires_grad(),
                     "optimizer: expected leaf tensors that require grad in group ", g);
        }
    }
}

void Optimizer::zero_grad() {
    for (const ParamGroup& group : groups_) {
        for (const Tensor& p : group.params)
            p.zero_grad();
    }
}

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : SGD(std::vector<ParamGroup>{ParamGroup{std::move(params), {}, {}}}, options) {}

SGD::SGD(std::vector<ParamGroup> groups, SGDOptions options)
    : Optimizer(std::move(groups), options.lr, options.weight_decay), options_(options) {
    BG_CHECK(options.momentum >= 0.0, "SGD: expected momentum >= 0, got ", options.momentum);
    BG_CHECK(!options.nesterov || (options.momentum > 0.0 && options.dampening == 0.0),
             "SGD: nesterov needs momentum > 0 and dampening = 0, got momentum = ",
             options.momentum, ", dampening = ", options.dampening);
    for (const ParamGroup& group : groups_)
        momentum_.emplace_back(group.params.size());
}

void SGD::step() {
    const double momentum = options_.momentum, dampening = options_.dampening;
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const double lr = *groups_[g].lr, decay = *groups_[g].weight_decay;
        for (std::size_t i = 0; i < groups_[g].params.size(); ++i) {
            const Tensor& param = groups_[g].params[i];
            const Tensor grad = param.grad();
            if (!grad.defined()) continue;
            Tensor& buffer = momentum_[g][i];
            const bool first = !buffer.defined();
            if (momentum != 0.0 && first) buffer = Tensor::empty(param.shape(), param.dtype());
            dispatch(param.dtype(), [&](auto zero) {
                using T = decltype(zero);
                T* p = param.data<T>();
                const T* dp = grad.data<T>();
                T* b = momentum != 0.0 ? buffer.data<T>() : nullptr;
                for (int64_t j = 0; j < param.numel(); ++j) {
                    T d = dp[j] + static_cast<T>(decay) * p[j];
                    if (b != nullptr) {
                        b[j] = first ? d
                                     : static_cast<T>(momentum) * b[j] +
                                           static_cast<T>(1.0 - dampening) * d;
                        d = options_.nesterov ? d + static_cast<T>(momentum) * b[j] : b[j];
                    }
                    p[j] -= static_cast<T>(lr) * d;
                }
            });
        }
    }
}

}  // namespace budgetgrad

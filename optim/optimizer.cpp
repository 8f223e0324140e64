#include "optim/optimizer.h"

#include <cmath>

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

namespace {

std::vector<ParamGroup> single_group(std::vector<Tensor> params) {
    return {ParamGroup{std::move(params), {}, {}}};
}

}  // namespace

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam(single_group(std::move(params)), options, /*decoupled=*/false) {}

Adam::Adam(std::vector<ParamGroup> groups, AdamOptions options)
    : Adam(std::move(groups), options, /*decoupled=*/false) {}

Adam::Adam(std::vector<ParamGroup> groups, AdamOptions options, bool decoupled)
    : Optimizer(std::move(groups), options.lr, options.weight_decay),
      options_(options),
      decoupled_(decoupled) {
    const char* name = decoupled ? "AdamW" : "Adam";
    BG_CHECK(options.beta1 >= 0.0 && options.beta1 < 1.0, name, ": expected beta1 in [0, 1), got ",
             options.beta1);
    BG_CHECK(options.beta2 >= 0.0 && options.beta2 < 1.0, name, ": expected beta2 in [0, 1), got ",
             options.beta2);
    BG_CHECK(options.eps >= 0.0, name, ": expected eps >= 0, got ", options.eps);
    for (const ParamGroup& group : groups_) {
        exp_avg_.emplace_back(group.params.size());
        exp_avg_sq_.emplace_back(group.params.size());
    }
}

void Adam::step() {
    ++steps_;
    const double beta1 = options_.beta1, beta2 = options_.beta2;
    const double correction1 = 1.0 - std::pow(beta1, static_cast<double>(steps_));
    const double correction2_sqrt = std::sqrt(1.0 - std::pow(beta2, static_cast<double>(steps_)));
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const double lr = *groups_[g].lr, decay = *groups_[g].weight_decay;
        const double step_size = lr / correction1;
        for (std::size_t i = 0; i < groups_[g].params.size(); ++i) {
            const Tensor& param = groups_[g].params[i];
            const Tensor grad = param.grad();
            if (!grad.defined()) continue;
            if (!exp_avg_[g][i].defined()) {
                exp_avg_[g][i] = Tensor::zeros(param.shape(), param.dtype());
                exp_avg_sq_[g][i] = Tensor::zeros(param.shape(), param.dtype());
            }
            dispatch(param.dtype(), [&](auto zero) {
                using T = decltype(zero);
                T* p = param.data<T>();
                const T* dp = grad.data<T>();
                T* m = exp_avg_[g][i].data<T>();
                T* v = exp_avg_sq_[g][i].data<T>();
                for (int64_t j = 0; j < param.numel(); ++j) {
                    T d = dp[j];
                    if (decoupled_) {
                        p[j] *= static_cast<T>(1.0 - lr * decay);
                    } else {
                        d += static_cast<T>(decay) * p[j];
                    }
                    m[j] = static_cast<T>(beta1) * m[j] + static_cast<T>(1.0 - beta1) * d;
                    v[j] = static_cast<T>(beta2) * v[j] + static_cast<T>(1.0 - beta2) * d * d;
                    const T denom = std::sqrt(v[j]) / static_cast<T>(correction2_sqrt) +
                                    static_cast<T>(options_.eps);
                    p[j] -= static_cast<T>(step_size) * m[j] / denom;
                }
            });
        }
    }
}

AdamW::AdamW(std::vector<Tensor> params, AdamOptions options)
    : Adam(single_group(std::move(params)), options, /*decoupled=*/true) {}

AdamW::AdamW(std::vector<ParamGroup> groups, AdamOptions options)
    : Adam(std::move(groups), options, /*decoupled=*/true) {}

}  // namespace budgetgrad

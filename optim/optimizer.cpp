#include "optim/optimizer.h"

#include <cmath>
#include <string>

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

void Optimizer::save_to(StateDict& state, const std::string& prefix) const {
    state.put(prefix + "groups", static_cast<int64_t>(groups_.size()));
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const std::string group = prefix + "group." + std::to_string(g) + ".";
        state.put(group + "lr", *groups_[g].lr);
        state.put(group + "weight_decay", *groups_[g].weight_decay);
        state.put(group + "params", static_cast<int64_t>(groups_[g].params.size()));
    }
}

void Optimizer::load_from(const StateDict& state, const std::string& prefix) {
    const int64_t count = state.integer(prefix + "groups");
    BG_CHECK(count == static_cast<int64_t>(groups_.size()), "checkpoint ", state.source(),
             ": expected ", groups_.size(), " parameter groups, got ", count);
    for (std::size_t g = 0; g < groups_.size(); ++g) {
        const std::string group = prefix + "group." + std::to_string(g) + ".";
        const int64_t params = state.integer(group + "params");
        BG_CHECK(params == static_cast<int64_t>(groups_[g].params.size()), "checkpoint ",
                 state.source(), ": expected ", groups_[g].params.size(), " parameters in group ",
                 g, ", got ", params);
        groups_[g].lr = state.real(group + "lr");
        groups_[g].weight_decay = state.real(group + "weight_decay");
    }
}

void Optimizer::save_slots(StateDict& state, const std::string& key,
                           const std::vector<std::vector<Tensor>>& slots) const {
    for (std::size_t g = 0; g < slots.size(); ++g) {
        for (std::size_t i = 0; i < slots[g].size(); ++i) {
            if (slots[g][i].defined()) {
                state.put(key + "." + std::to_string(g) + "." + std::to_string(i), slots[g][i]);
            }
        }
    }
}

void Optimizer::load_slots(const StateDict& state, const std::string& key,
                           std::vector<std::vector<Tensor>>& slots) const {
    for (std::size_t g = 0; g < slots.size(); ++g) {
        for (std::size_t i = 0; i < slots[g].size(); ++i) {
            const std::string name = key + "." + std::to_string(g) + "." + std::to_string(i);
            const Tensor& param = groups_[g].params[i];
            if (!state.contains(name)) {
                slots[g][i] = Tensor();
                continue;
            }
            slots[g][i] = Tensor::empty(param.shape(), param.dtype());
            state.copy_into(name, slots[g][i]);
        }
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

void SGD::save_to(StateDict& state, const std::string& prefix) const {
    Optimizer::save_to(state, prefix);
    save_slots(state, prefix + "momentum", momentum_);
}

void SGD::load_from(const StateDict& state, const std::string& prefix) {
    Optimizer::load_from(state, prefix);
    load_slots(state, prefix + "momentum", momentum_);
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

void Adam::save_to(StateDict& state, const std::string& prefix) const {
    Optimizer::save_to(state, prefix);
    state.put(prefix + "steps", steps_);
    save_slots(state, prefix + "exp_avg", exp_avg_);
    save_slots(state, prefix + "exp_avg_sq", exp_avg_sq_);
}

void Adam::load_from(const StateDict& state, const std::string& prefix) {
    Optimizer::load_from(state, prefix);
    steps_ = state.integer(prefix + "steps");
    load_slots(state, prefix + "exp_avg", exp_avg_);
    load_slots(state, prefix + "exp_avg_sq", exp_avg_sq_);
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

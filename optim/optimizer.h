// Optimizers over groups of parameters. Each group may carry its own lr and weight decay (for
// instance, no decay on biases); a group that leaves them unset takes the optimizer's defaults.
// Optimizer state is kept parallel to the groups' parameter lists, by position, never by address.
#pragma once

#include <optional>
#include <vector>

#include <string>

#include "engine/state_dict.h"
#include "engine/tensor.h"

namespace budgetgrad {

struct ParamGroup {
    std::vector<Tensor> params;
    std::optional<double> lr;            // set to the optimizer's default when left empty
    std::optional<double> weight_decay;  // likewise
};

class Optimizer {
public:
    virtual ~Optimizer() = default;
    // Applies one update from the parameters' accumulated gradients. Parameters without a
    // gradient are skipped.
    virtual void step() = 0;
    void zero_grad();

    // Adds the optimizer's state (per-group lr and weight decay, and whatever the algorithm
    // keeps per parameter) to `state` under `prefix`.
    virtual void save_to(StateDict& state, const std::string& prefix) const;
    // Restores what save_to wrote; the parameter groups must have the same shapes. Throws
    // budgetgrad::Error naming the first mismatch.
    virtual void load_from(const StateDict& state, const std::string& prefix);

    // After construction every group's lr and weight_decay are set.
    std::vector<ParamGroup>& param_groups() { return groups_; }
    const std::vector<ParamGroup>& param_groups() const { return groups_; }

protected:
    Optimizer(std::vector<ParamGroup> groups, double default_lr, double default_weight_decay);
    // Saves or loads per-parameter tensors (undefined ones are skipped when saving and stay
    // undefined when absent), named prefix + name + ".<group>.<index>".
    void save_slots(StateDict& state, const std::string& key,
                    const std::vector<std::vector<Tensor>>& slots) const;
    void load_slots(const StateDict& state, const std::string& key,
                    std::vector<std::vector<Tensor>>& slots) const;

    std::vector<ParamGroup> groups_;
};

// torch.optim.SGD. For each parameter p with gradient g, at step k (counted from 1):
//   g ← g + weight_decay · p
//   if momentum ≠ 0:  b ← g at k = 1, else b ← momentum · b + (1 − dampening) · g
//                     g ← g + momentum · b if nesterov, else g ← b
//   p ← p − lr · g
struct SGDOptions {
    double lr = 0.01;
    double momentum = 0.0;
    double dampening = 0.0;
    double weight_decay = 0.0;
    bool nesterov = false;
};

class SGD : public Optimizer {
public:
    SGD(std::vector<Tensor> params, SGDOptions options);
    SGD(std::vector<ParamGroup> groups, SGDOptions options);
    void step() override;
    void save_to(StateDict& state, const std::string& prefix) const override;
    void load_from(const StateDict& state, const std::string& prefix) override;

    const SGDOptions& options() const { return options_; }
    // momentum_buffers()[g][i] belongs to param_groups()[g].params[i]; undefined before its
    // first update.
    const std::vector<std::vector<Tensor>>& momentum_buffers() const { return momentum_; }

private:
    SGDOptions options_;
    std::vector<std::vector<Tensor>> momentum_;
};

// torch.optim.Adam (Kingma & Ba, 2015), and AdamW (Loshchilov & Hutter, 2019) when decoupled.
// For each parameter p with gradient g, at step k (counted from 1):
//   Adam:  g ← g + weight_decay · p            AdamW:  p ← p · (1 − lr · weight_decay)
//   m ← β1·m + (1 − β1)·g,   v ← β2·v + (1 − β2)·g²
//   p ← p − lr / (1 − β1^k) · m / (√v / √(1 − β2^k) + eps)
struct AdamOptions {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double eps = 1e-8;
    double weight_decay = 0.0;
};

class Adam : public Optimizer {
public:
    Adam(std::vector<Tensor> params, AdamOptions options);
    Adam(std::vector<ParamGroup> groups, AdamOptions options);
    void step() override;
    void save_to(StateDict& state, const std::string& prefix) const override;
    void load_from(const StateDict& state, const std::string& prefix) override;

    const AdamOptions& options() const { return options_; }
    int64_t step_count() const { return steps_; }

protected:
    Adam(std::vector<ParamGroup> groups, AdamOptions options, bool decoupled);

private:
    AdamOptions options_;
    bool decoupled_;
    int64_t steps_ = 0;
    std::vector<std::vector<Tensor>> exp_avg_;     // m, parallel to the groups' params
    std::vector<std::vector<Tensor>> exp_avg_sq_;  // v
};

// AdamW: Adam with decoupled weight decay. Unlike torch.optim.AdamW (default 0.01), the decay
// is exactly what the options say, 0 unless set.
class AdamW : public Adam {
public:
    AdamW(std::vector<Tensor> params, AdamOptions options);
    AdamW(std::vector<ParamGroup> groups, AdamOptions options);
};

}  // namespace budgetgrad

// Data-parallel training as the library sees it: P processes, each holding a replica of the
// model and reading its own part of every batch (DataLoaderOptions::rank), average their
// gradients before every optimizer step, so that all replicas take the same step one process
// would take on the whole batch. ProcessGroup is the little the training loop needs from the
// transport; the MPI implementation lives with the example programs (train/mpi_group.h), so
// the library itself never depends on MPI.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/tensor.h"
#include "layers/module.h"

namespace budgetgrad {

class ProcessGroup {
public:
    virtual ~ProcessGroup() = default;
    virtual int rank() const = 0;  // in [0, size())
    virtual int size() const = 0;
    // Replaces `values` on every process by their element-wise sum over the group.
    virtual void all_reduce_sum(std::span<float> values) = 0;
    virtual void all_reduce_sum(std::span<double> values) = 0;
    // Replaces `values` on every process by rank 0's.
    virtual void broadcast(std::span<float> values) = 0;
    virtual void broadcast(std::span<double> values) = 0;
};

// Copies rank 0's parameters and buffers to every process (float32 tensors only).
void broadcast_model(ProcessGroup& group, const Module& model);

// Replaces every buffer (BatchNorm's running statistics) by its mean over the group. Each
// replica normalizes with the statistics of its own part of the batch, so their running
// averages drift apart; their mean is what evaluation and checkpoints use.
void average_buffers(ProcessGroup& group, const Module& model);

// Sums weight · gradient over the group into every parameter's gradient, through one flat
// buffer kept across steps and reduced in buckets. With weight = (this rank's examples) /
// (the batch's examples), the result is the gradient of the whole batch's mean loss.
class GradientReducer {
public:
    explicit GradientReducer(ProcessGroup& group) : group_(&group) {}
    void reduce(const std::vector<Tensor>& params, double weight);
    // Seconds spent in all_reduce_sum, summed over calls.
    double communication_seconds() const { return communication_seconds_; }

private:
    ProcessGroup* group_;
    std::vector<float> flat_;
    double communication_seconds_ = 0.0;
};

}  // namespace budgetgrad

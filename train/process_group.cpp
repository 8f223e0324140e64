#include "train/process_group.h"

#include <algorithm>
#include <chrono>

#include "engine/check.h"

namespace budgetgrad {

namespace {

// Floats per all-reduce call: large enough that the call's latency does not matter, small
// enough that the transport never needs a buffer the size of a large model's gradients.
constexpr std::size_t kBucketFloats = std::size_t{1} << 20;

std::span<float> floats_of(const Tensor& t, const std::string& name) {
    BG_CHECK(t.dtype() == DType::float32, "data-parallel training: expected float32 tensors, ",
             name, " is ", dtype_name(t.dtype()));
    return {t.data<float>(), static_cast<std::size_t>(t.numel())};
}

}  // namespace

void broadcast_model(ProcessGroup& group, const Module& model) {
    for (const NamedTensor& p : model.named_parameters())
        group.broadcast(floats_of(p.tensor, p.name));
    for (const NamedTensor& b : model.named_buffers())
        group.broadcast(floats_of(b.tensor, b.name));
}

void average_buffers(ProcessGroup& group, const Module& model) {
    const float scale = 1.0f / static_cast<float>(group.size());
    for (const NamedTensor& b : model.named_buffers()) {
        std::span<float> values = floats_of(b.tensor, b.name);
        group.all_reduce_sum(values);
        for (float& v : values)
            v *= scale;
    }
}

void GradientReducer::reduce(const std::vector<Tensor>& params, double weight) {
    // Every replica runs the same graph, so the same parameters have gradients everywhere.
    std::size_t total = 0;
    for (const Tensor& p : params) {
        if (p.grad().defined()) total += static_cast<std::size_t>(p.numel());
    }
    flat_.resize(total);
    const auto w = static_cast<float>(weight);
    std::size_t at = 0;
    for (const Tensor& p : params) {
        const Tensor g = p.grad();
        if (!g.defined()) continue;
        const std::span<float> values = floats_of(g, "a gradient");
        std::transform(values.begin(), values.end(),
                       flat_.begin() + static_cast<std::ptrdiff_t>(at),
                       [w](float v) { return w * v; });
        at += values.size();
    }
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t first = 0; first < total; first += kBucketFloats) {
        group_->all_reduce_sum(
            std::span<float>(flat_).subspan(first, std::min(kBucketFloats, total - first)));
    }
    communication_seconds_ +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    at = 0;
    for (const Tensor& p : params) {
        const Tensor g = p.grad();
        if (!g.defined()) continue;
        const std::span<float> values = floats_of(g, "a gradient");
        std::copy_n(flat_.begin() + static_cast<std::ptrdiff_t>(at), values.size(), values.begin());
        at += values.size();
    }
}

}  // namespace budgetgrad

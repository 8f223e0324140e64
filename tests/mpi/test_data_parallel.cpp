// Data-parallel training against one process, run under `mpirun -np 2`. Every process trains
// lenet5 (no BatchNorm, no dropout, so nothing differs between replicas but the data) through
// fit() on its part of every batch, with gradient averaging over the group; after every
// optimizer step rank 0 also steps a reference copy of the model on the whole batch, as one
// process would, and compares the weights. They must agree up to float rounding: two half
// batches summed give the batch's gradient with a different order of additions, nothing more.
// The replicas must also agree with each other exactly, since they apply the same averaged
// gradients.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <span>
#include <vector>

#include <fmt/format.h>

#include "datasets/dataloader.h"
#include "engine/check.h"
#include "engine/ops.h"
#include "engine/parallel.h"
#include "engine/random.h"
#include "layers/zoo.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "train/mpi_group.h"
#include "train/trainer.h"

namespace bg = budgetgrad;

namespace {

// Relative tolerance on each weight: |a − b| ≤ kTolerance · (|b| + 0.01). After 24 steps the
// measured gap is about 1e-6; a sum of the ranks' gradients instead of their weighted mean
// gives about 2, a plain mean that ignores the uneven shares of the short batch about 2e-2.
constexpr double kTolerance = 1e-5;
constexpr int64_t kSteps = 24;  // three epochs of 8 batches
constexpr int64_t kBatch = 64;  // global batch
// The last batch of an epoch is short, 53 examples, shared 26 and 27: the ranks' gradients
// must be weighted by their shares of the batch, not simply averaged.
constexpr int64_t kExamples = 501;

// Pixels and labels drawn from a hash of the index: the same on every process.
class RandomDigits : public bg::Dataset {
public:
    int64_t size() const override { return kExamples; }
    bg::Shape example_shape() const override { return {1, 28, 28}; }
    int64_t num_classes() const override { return 10; }
    int64_t get_into(int64_t index, float* out) const override {
        const auto base = bg::mix64(static_cast<uint64_t>(index) * 1000003u);
        for (uint64_t j = 0; j < 28 * 28; ++j) {
            out[j] = static_cast<float>(bg::mix64(base ^ j) >> 40) / float(1 << 24) - 0.5f;
        }
        return static_cast<int64_t>(base % 10);
    }
};

// Largest |a − b| / (|b| + 0.01) over all weights.
double weight_gap(const bg::Module& a, const bg::Module& b) {
    double gap = 0.0;
    const auto pa = a.named_parameters(), pb = b.named_parameters();
    BG_CHECK(pa.size() == pb.size(), "the two models differ in their parameters");
    for (std::size_t i = 0; i < pa.size(); ++i) {
        const std::vector<double> x = pa[i].tensor.to_vector(), y = pb[i].tensor.to_vector();
        for (std::size_t k = 0; k < x.size(); ++k) {
            gap = std::max(gap, std::abs(x[k] - y[k]) / (std::abs(y[k]) + 0.01));
        }
    }
    return gap;
}

std::shared_ptr<bg::Module> fresh_model(uint64_t seed) {
    bg::manual_seed(seed);
    return bg::make_model("lenet5");
}

int run() {
    bg::ProcessGroup* group = bg::world();
    BG_CHECK(group != nullptr && group->size() >= 2,
             "test_data_parallel: run it under mpirun with at least 2 processes");
    const int rank = group->rank();
    bg::set_num_threads(1);

    // Replicas start from different weights on purpose: broadcasting rank 0's must fix that.
    auto model = fresh_model(static_cast<uint64_t>(rank) + 1);
    bg::broadcast_model(*group, *model);
    auto reference = fresh_model(1);  // rank 0's initial weights
    const bg::SGDOptions sgd_options{
        .lr = 0.05, .momentum = 0.9, .weight_decay = 5e-4, .nesterov = true};
    bg::SGD sgd(model->parameters(), sgd_options);
    bg::LinearLR schedule(sgd, kSteps);
    bg::SGD reference_sgd(reference->parameters(), sgd_options);
    bg::LinearLR reference_schedule(reference_sgd, kSteps);

    const auto data = std::make_shared<RandomDigits>();
    bg::DataLoader loader(data,
                          {.batch_size = kBatch, .seed = 7, .rank = rank, .ranks = group->size()});
    bg::DataLoader whole(data, {.batch_size = kBatch, .seed = 7, .prefetch = 0});
    const int64_t per_epoch = whole.num_batches();

    double worst = 0.0, moved = 0.0;
    int64_t failures = 0;
    bg::FitOptions options{.total_steps = kSteps, .log_every = 0};
    options.group = group;
    options.after_step = [&](int64_t step, double) {
        if (rank != 0) return true;
        // The step one process would take on batch step − 1, whole.
        whole.set_epoch((step - 1) / per_epoch);
        const bg::Batch batch = whole.batch((step - 1) % per_epoch);
        bg::Tensor loss = bg::cross_entropy(reference->forward(batch.images), batch.labels);
        reference_sgd.zero_grad();
        loss.backward();
        reference_sgd.step();
        reference_schedule.step();
        const double gap = weight_gap(*model, *reference);
        worst = std::max(worst, gap);
        if (gap > kTolerance) {
            ++failures;
            std::printf("step %lld: weights differ from one process's by %.3g (tolerance %.3g)\n",
                        static_cast<long long>(step), gap, kTolerance);
        }
        return true;
    };
    const auto initial = fresh_model(1);
    bg::fit(*model, sgd, schedule, loader, options);
    if (rank == 0) moved = weight_gap(*initial, *model);

    // Every replica must hold rank 0's weights, bit for bit.
    auto copy = fresh_model(99);
    {
        const auto mine = model->named_parameters(), theirs = copy->named_parameters();
        for (std::size_t i = 0; i < mine.size(); ++i) {
            const bg::Tensor& t = theirs[i].tensor;
            std::copy_n(mine[i].tensor.data<float>(), t.numel(), t.data<float>());
        }
    }
    bg::broadcast_model(*group, *copy);
    double replica_gap = weight_gap(*model, *copy);
    group->all_reduce_sum(std::span<double>(&replica_gap, 1));

    if (rank == 0) {
        std::printf(
            "%lld steps of global batch %lld over %d processes: largest weight gap to one "
            "process %.3g (tolerance %.3g), weights moved %.3g from their start, "
            "replicas differ by %.3g\n",
            static_cast<long long>(kSteps), static_cast<long long>(kBatch), group->size(), worst,
            kTolerance, moved, replica_gap);
    }
    // A test that compared nothing could not fail: the weights must have moved far more than
    // the tolerance.
    const bool ok = failures == 0 && replica_gap == 0.0 && (rank != 0 || moved > 100 * kTolerance);
    double bad = ok ? 0.0 : 1.0;
    group->all_reduce_sum(std::span<double>(&bad, 1));
    if (rank == 0) std::printf("%s\n", bad == 0.0 ? "PASSED" : "FAILED");
    return bad == 0.0 ? 0 : 1;
}

}  // namespace

int main() {
    try {
        return run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "test_data_parallel%s: %s\n", bg::rank_label().c_str(), e.what());
        bg::abort_group(1);
        return 1;
    }
}

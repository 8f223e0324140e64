// DataLoader: epoch orders and batch collation. The order is recomputed from (seed, epoch) alone,
// never from the previous epoch's order, so set_epoch(e) can jump anywhere (resume). Collation
// fills one example per iteration into disjoint slices of the batch, so the result does not
// depend on the thread count.
#include "datasets/dataloader.h"

#include <algorithm>
#include <exception>
#include <numeric>
#include <utility>

#include "engine/check.h"
#include "engine/random.h"

namespace budgetgrad {

namespace {

constexpr int64_t kParallelMinFloats = 1 << 16;

}  // namespace

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options) {
    BG_CHECK(dataset_ != nullptr, "DataLoader: expected a dataset, got a null pointer");
    const int64_t size = dataset_->size();
    BG_CHECK(size > 0, "DataLoader: expected a non-empty dataset, got size ", size);
    example_shape_ = dataset_->example_shape();
    BG_CHECK(example_shape_.size() == 3,
             "DataLoader: expected a dataset example_shape (C, H, W), got ",
             shape_str(example_shape_));
    example_numel_ = shape_numel(example_shape_);
    BG_CHECK(example_numel_ > 0, "DataLoader: expected a non-empty example_shape, got ",
             shape_str(example_shape_));
    BG_CHECK(options_.batch_size >= 1 && options_.batch_size <= size,
             "DataLoader: expected batch_size in [1, ", size, "] (the dataset size), got ",
             options_.batch_size);
    set_epoch(/*epoch=*/0);
}

void DataLoader::set_epoch(int64_t epoch) {
    epoch_ = epoch;
    order_.resize(static_cast<std::size_t>(dataset_->size()));
    std::iota(order_.begin(), order_.end(), int64_t{0});
    if (!options_.shuffle) return;
    // Fisher-Yates (Knuth, TAOCP vol. 2, algorithm P): position i takes a uniform pick among the
    // not yet placed elements 0..i. XOR with the epoch keeps distinct epochs on distinct seeds.
    Generator generator(mix64(options_.seed) ^ static_cast<uint64_t>(epoch));
    for (std::size_t i = order_.size() - 1; i > 0; --i) {
        const auto j = static_cast<std::size_t>(generator.below(i + 1));
        std::swap(order_[i], order_[j]);
    }
}

int64_t DataLoader::num_batches() const {
    const int64_t size = static_cast<int64_t>(order_.size());
    const int64_t batch_size = options_.batch_size;
    return options_.drop_last ? size / batch_size : (size + batch_size - 1) / batch_size;
}

Batch DataLoader::batch(int64_t index) const {
    const int64_t count = num_batches();
    BG_CHECK(index >= 0 && index < count, "DataLoader::batch: expected an index in [0, ", count,
             "), got ", index);
    const int64_t start = index * options_.batch_size;
    const int64_t n =
        std::min<int64_t>(options_.batch_size, static_cast<int64_t>(order_.size()) - start);

    Batch batch;
    batch.images = Tensor::empty(
        {n, example_shape_[0], example_shape_[1], example_shape_[2]});  // (N, C, H, W)
    batch.labels.resize(static_cast<std::size_t>(n));
    float* images = batch.images.data<float>();
    const Dataset& dataset = *dataset_;
    const int64_t per_example = example_numel_;

    // An exception must not leave an OpenMP region, so the first one is kept and rethrown.
    // Small batches are copied on one thread: waking the team costs more than the copy.
    std::exception_ptr failure;
#pragma omp parallel for schedule(static) if (n * per_example > kParallelMinFloats)
    for (int64_t k = 0; k < n; ++k) {
        try {
            const int64_t source = order_[static_cast<std::size_t>(start + k)];
            batch.labels[static_cast<std::size_t>(k)] =
                dataset.get_into(source, images + k * per_example);
        } catch (...) {
#pragma omp critical(budgetgrad_dataloader_failure)
            if (!failure) failure = std::current_exception();
        }
    }
    if (failure) std::rethrow_exception(failure);

    const int64_t classes = dataset.num_classes();
    for (int64_t k = 0; k < n; ++k) {
        const int64_t label = batch.labels[static_cast<std::size_t>(k)];
        BG_CHECK(label >= 0 && label < classes, "DataLoader::batch: expected labels in [0, ",
                 classes, "), got ", label, " for dataset index ",
                 order_[static_cast<std::size_t>(start + k)]);
    }
    return batch;
}

DataLoader::Iterator::Iterator(const DataLoader* loader, int64_t index)
    : loader_(loader), index_(index) {
    if (index_ < loader_->num_batches()) batch_ = loader_->batch(index_);
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
    ++index_;
    batch_ = index_ < loader_->num_batches() ? loader_->batch(index_) : Batch{};
    return *this;
}

}  // namespace budgetgrad

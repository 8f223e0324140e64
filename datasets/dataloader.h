// DataLoader: cuts a Dataset into (N, C, H, W) batches in a seeded, per-epoch order, iterated
// with range-for. The order of an epoch depends only on (seed, epoch), so a resumed run sees the
// same batches. While the model computes, a background thread prepares the next batches; what
// it produces depends only on the seed, the epoch and the batch index, never on timing or on
// the thread count. No sampler other than shuffle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

#include "datasets/dataset.h"

namespace budgetgrad {

struct DataLoaderOptions {
    int64_t batch_size = 64;  // in [1, dataset size]
    bool shuffle = true;      // false: every epoch in index order 0, 1, 2, ...
    bool drop_last = false;   // skip the last batch when it would be shorter than batch_size
    uint64_t seed = 0;        // with the epoch, fixes the order
    int prefetch = 2;         // batches prepared ahead in a background thread; 0: none
    // Data-parallel training: this process reads part `rank` of `ranks` of every batch. A batch
    // of n examples is cut into contiguous parts [r·n/ranks, (r+1)·n/ranks), so the processes
    // together read the same batches, in the same order, as one process would.
    int rank = 0;
    int ranks = 1;
};

// Batches of a dataset the loader shares (the dataset must not change while it is used).
//
//   DataLoader loader(dataset, {.batch_size = 128, .seed = 1});
//   for (int64_t epoch = 0; epoch < epochs; ++epoch) {
//       loader.set_epoch(epoch);
//       for (const Batch& batch : loader) { ... }  // batch.images: (N, 1, 28, 28)
//   }
class DataLoader {
public:
    // Throws budgetgrad::Error for a null or empty dataset, an example_shape that is not
    // (C, H, W), a batch_size outside [1, dataset size], a rank outside [0, ranks), or a batch
    // (the last one included) with fewer examples than ranks. Starts at epoch 0.
    DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options = {});

    // Selects the epoch whose order batch() and iteration use: a Fisher-Yates shuffle of
    // 0..size-1 driven by Generator(mix64(seed) ^ epoch), or index order without shuffle.
    void set_epoch(int64_t epoch);
    int64_t epoch() const { return epoch_; }
    // The dataset indices of the current epoch, in visiting order.
    const std::vector<int64_t>& order() const { return order_; }

    // size / batch_size, rounded up, or down with drop_last.
    int64_t num_batches() const;
    // Examples in batch `index` over all ranks: batch_size, or fewer for a short last batch.
    int64_t batch_examples(int64_t index) const;
    // This rank's part of batch `index` in [0, num_batches()) of the current epoch: images
    // (N, C, H, W) float32 and N labels, N = batch_examples(index) with one rank. Throws for an
    // index out of range or a label outside [0, num_classes) coming from the dataset.
    Batch batch(int64_t index) const;

    const Dataset& dataset() const { return *dataset_; }
    const DataLoaderOptions& options() const { return options_; }

    class Prefetcher;

    // Input iterator over the batches of the current epoch, from `first` on. With prefetching,
    // a background thread fills a queue of the next batches; leaving the loop early stops it.
    // Calling set_epoch() during iteration changes the order under the iterator: don't.
    class Iterator {
    public:
        using iterator_category = std::input_iterator_tag;
        using value_type = Batch;
        using difference_type = std::ptrdiff_t;
        using pointer = const Batch*;
        using reference = const Batch&;

        Iterator() = default;
        Iterator(const DataLoader* loader, int64_t index, bool at_end);

        const Batch& operator*() const { return batch_; }
        const Batch* operator->() const { return &batch_; }
        Iterator& operator++();
        void operator++(int) { ++*this; }
        bool operator==(const Iterator& other) const { return index_ == other.index_; }

    private:
        void load();

        const DataLoader* loader_ = nullptr;
        int64_t index_ = 0;
        Batch batch_;
        std::shared_ptr<Prefetcher> prefetcher_;  // null without prefetching
    };

    Iterator begin() const { return iterate_from(0); }
    Iterator end() const { return Iterator(this, num_batches(), /*at_end=*/true); }
    // Iteration starting at batch `first` of the current epoch (to resume mid-epoch).
    Iterator iterate_from(int64_t first) const { return Iterator(this, first, false); }

private:
    Batch load_batch(int64_t index, bool parallel) const;

    std::shared_ptr<const Dataset> dataset_;
    DataLoaderOptions options_;
    Shape example_shape_;  // (C, H, W)
    int64_t example_numel_ = 0;
    int64_t epoch_ = 0;
    std::vector<int64_t> order_;  // (size,)
};

}  // namespace budgetgrad

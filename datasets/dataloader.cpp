// DataLoader: epoch orders and batch collation. The order is recomputed from (seed, epoch) alone,
// never from the previous epoch's order, so set_epoch(e) can jump anywhere (resume). Collation
// fills one example per iteration into disjoint slices of the batch, so the result does not
// depend on the thread count.
#include "datasets/dataloader.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <numeric>
#include <thread>
#include <utility>

#include "engine/check.h"
#include "engine/random.h"

namespace budgetgrad {

namespace {

[[maybe_unused]] constexpr int64_t kParallelMinFloats = 1 << 16;

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
    BG_CHECK(options_.prefetch >= 0, "DataLoader: expected prefetch >= 0, got ", options_.prefetch);
    BG_CHECK(options_.batch_size >= 1 && options_.batch_size <= size,
             "DataLoader: expected batch_size in [1, ", size, "] (the dataset size), got ",
             options_.batch_size);
    BG_CHECK(options_.ranks >= 1 && options_.rank >= 0 && options_.rank < options_.ranks,
             "DataLoader: expected rank in [0, ranks) and ranks >= 1, got rank ", options_.rank,
             " of ", options_.ranks);
    const int64_t last = size % options_.batch_size;
    const int64_t smallest =
        last == 0 || options_.drop_last ? options_.batch_size : std::min(options_.batch_size, last);
    BG_CHECK(smallest >= options_.ranks, "DataLoader: a batch of ", smallest,
             " examples cannot be shared by ", options_.ranks,
             " processes (each needs at least one); choose a batch size whose batches, the "
             "last one of an epoch included, hold at least that many examples");
    set_epoch(/*epoch=*/0);
}

void DataLoader::set_epoch(int64_t epoch) {
    epoch_ = epoch;
    dataset_->set_epoch(epoch);  // for augmentation drawn per (seed, epoch, index)
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

int64_t DataLoader::batch_examples(int64_t index) const {
    const int64_t count = num_batches();
    BG_CHECK(index >= 0 && index < count, "DataLoader::batch_examples: expected an index in [0, ",
             count, "), got ", index);
    const int64_t start = index * options_.batch_size;
    return std::min<int64_t>(options_.batch_size, static_cast<int64_t>(order_.size()) - start);
}

Batch DataLoader::batch(int64_t index) const {
    return load_batch(index, /*parallel=*/true);
}

Batch DataLoader::load_batch(int64_t index, [[maybe_unused]] bool parallel) const {
    const int64_t count = num_batches();
    BG_CHECK(index >= 0 && index < count, "DataLoader::batch: expected an index in [0, ", count,
             "), got ", index);
    // This rank's contiguous part of the batch's examples.
    const int64_t total = batch_examples(index);
    const int64_t first = options_.rank * total / options_.ranks;
    const int64_t start = index * options_.batch_size + first;
    const int64_t n = (options_.rank + 1) * total / options_.ranks - first;

    Batch batch;
    batch.images = Tensor::empty(
        {n, example_shape_[0], example_shape_[1], example_shape_[2]});  // (N, C, H, W)
    batch.labels.resize(static_cast<std::size_t>(n));
    float* images = batch.images.data<float>();
    const Dataset& dataset = *dataset_;
    const int64_t per_example = example_numel_;

    // An exception must not leave an OpenMP region, so the first one is kept and rethrown.
    // Small batches are copied on one thread: waking the team costs more than the copy. The
    // prefetching thread also works alone, leaving the cores to the model.
    std::exception_ptr failure;
#pragma omp parallel for schedule(static) if (parallel && n * per_example > kParallelMinFloats)
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

// Produces batches first, first + 1, ... of one epoch on a background thread, at most
// `capacity` ahead of the consumer. Batches come out in order; a failure while loading one is
// handed to the consumer when it reaches that batch.
class DataLoader::Prefetcher {
public:
    Prefetcher(const DataLoader& loader, int64_t first, int capacity)
        : loader_(loader), capacity_(static_cast<std::size_t>(capacity)) {
        worker_ = std::thread([this, first] { produce(first); });
    }

    ~Prefetcher() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        changed_.notify_all();
        worker_.join();
    }

    Batch next() {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return !ready_.empty(); });
        Slot slot = std::move(ready_.front());
        ready_.pop_front();
        lock.unlock();
        changed_.notify_all();
        if (slot.failure) std::rethrow_exception(slot.failure);
        return std::move(slot.batch);
    }

private:
    struct Slot {
        Batch batch;
        std::exception_ptr failure;
    };

    void produce(int64_t first) {
        for (int64_t index = first; index < loader_.num_batches(); ++index) {
            Slot slot;
            try {
                slot.batch = loader_.load_batch(index, /*parallel=*/false);
            } catch (...) {
                slot.failure = std::current_exception();
            }
            std::unique_lock<std::mutex> lock(mutex_);
            changed_.wait(lock, [this] { return stopping_ || ready_.size() < capacity_; });
            if (stopping_) return;
            const bool failed = slot.failure != nullptr;
            ready_.push_back(std::move(slot));
            lock.unlock();
            changed_.notify_all();
            if (failed) return;
        }
    }

    const DataLoader& loader_;
    const std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Slot> ready_;
    bool stopping_ = false;
    std::thread worker_;  // last: started once everything above exists
};

DataLoader::Iterator::Iterator(const DataLoader* loader, int64_t index, bool at_end)
    : loader_(loader), index_(index) {
    if (at_end) return;
    BG_CHECK(index >= 0 && index <= loader->num_batches(),
             "DataLoader: expected a first batch "
             "in [0, ",
             loader->num_batches(), "], got ", index);
    if (loader->options_.prefetch > 0 && index < loader->num_batches()) {
        prefetcher_ = std::make_shared<Prefetcher>(*loader, index, loader->options_.prefetch);
    }
    load();
}

void DataLoader::Iterator::load() {
    if (index_ >= loader_->num_batches()) {
        batch_ = Batch{};
        prefetcher_.reset();
    } else {
        batch_ = prefetcher_ ? prefetcher_->next() : loader_->batch(index_);
    }
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
    ++index_;
    load();
    return *this;
}

}  // namespace budgetgrad

#include "engine/tensor.h"

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "engine/tensor_impl.h"

namespace budgetgrad {

namespace {

constexpr std::size_t kAlignment = 64;

std::size_t element_size(DType dtype) {
    return dtype == DType::float64 ? 8 : 4;
}

const TensorImpl& checked(const std::shared_ptr<TensorImpl>& impl) {
    BG_CHECK(impl != nullptr, "tensor: expected a defined tensor, got an undefined one");
    return *impl;
}

// Keeps freed large blocks by size and hands them out again. A training step allocates the same
// sizes step after step; reusing blocks spares the page faults and the kernel's zeroing of fresh
// memory. At most kMaxCachedBytes stay cached; blocks under kMinCachedBytes go straight back to
// malloc, which is fast for them.
class BlockCache {
public:
    void* take(std::size_t bytes) {
        if (bytes >= kMinCachedBytes) {
            std::lock_guard<std::mutex> lock(mutex_);
            auto it = free_.find(bytes);
            if (it != free_.end() && !it->second.empty()) {
                void* block = it->second.back();
                it->second.pop_back();
                cached_ -= bytes;
                return block;
            }
        }
        void* block = std::aligned_alloc(kAlignment, bytes);
        if (block == nullptr) throw std::bad_alloc();
        return block;
    }

    void give(void* block, std::size_t bytes) {
        if (bytes >= kMinCachedBytes) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (cached_ + bytes <= kMaxCachedBytes) {
                free_[bytes].push_back(block);
                cached_ += bytes;
                return;
            }
        }
        std::free(block);
    }

private:
    static constexpr std::size_t kMinCachedBytes = std::size_t{1} << 16;
    static constexpr std::size_t kMaxCachedBytes = std::size_t{1} << 30;

    std::mutex mutex_;
    std::unordered_map<std::size_t, std::vector<void*>> free_;  // by exact rounded size
    std::size_t cached_ = 0;
};

// Never destroyed, so that tensors freed during static destruction still find it.
BlockCache& block_cache() {
    static BlockCache* cache = new BlockCache();
    return *cache;
}

std::size_t rounded_bytes(std::size_t bytes) {
    const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    return rounded == 0 ? kAlignment : rounded;
}

}  // namespace

Storage::Storage(std::size_t bytes) : bytes_(bytes) {
    data_ = block_cache().take(rounded_bytes(bytes));
}

Storage::~Storage() {
    block_cache().give(data_, rounded_bytes(bytes_));
}

const char* dtype_name(DType dtype) {
    return dtype == DType::float64 ? "float64" : "float32";
}

std::string shape_str(const Shape& shape) {
    std::string out = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) out += ", ";
        out += std::to_string(shape[i]);
    }
    if (shape.size() == 1) out += ",";
    return out + ")";
}

int64_t shape_numel(const Shape& shape) {
    int64_t n = 1;
    for (int64_t d : shape) {
        BG_CHECK(d >= 0, "shape: expected non-negative sizes, got ", shape_str(shape));
        n *= d;
    }
    return n;
}

Tensor Tensor::empty(const Shape& shape, DType dtype) {
    auto impl = std::make_shared<TensorImpl>();
    impl->shape = shape;
    impl->numel = shape_numel(shape);
    impl->dtype = dtype;
    impl->storage = std::make_shared<Storage>(impl->numel * element_size(dtype));
    return TensorAccess::wrap(std::move(impl));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
    Tensor t = empty(shape, dtype);
    std::memset(t.impl_->storage->data(), 0, t.numel() * element_size(dtype));
    return t;
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype) {
    Tensor t = empty(shape, dtype);
    dispatch(dtype, [&](auto zero) {
        using T = decltype(zero);
        T* p = t.data<T>();
        for (int64_t i = 0; i < t.numel(); ++i)
            p[i] = static_cast<T>(value);
    });
    return t;
}

Tensor Tensor::from_vector(const Shape& shape, std::span<const float> values) {
    BG_CHECK(shape_numel(shape) == static_cast<int64_t>(values.size()), "from_vector: shape ",
             shape_str(shape), " needs ", shape_numel(shape), " values, got ", values.size());
    Tensor t = empty(shape, DType::float32);
    std::memcpy(t.data<float>(), values.data(), values.size() * sizeof(float));
    return t;
}

Tensor Tensor::from_vector(const Shape& shape, std::span<const double> values) {
    BG_CHECK(shape_numel(shape) == static_cast<int64_t>(values.size()), "from_vector: shape ",
             shape_str(shape), " needs ", shape_numel(shape), " values, got ", values.size());
    Tensor t = empty(shape, DType::float64);
    std::memcpy(t.data<double>(), values.data(), values.size() * sizeof(double));
    return t;
}

const Shape& Tensor::shape() const {
    return checked(impl_).shape;
}

int64_t Tensor::size(int d) const {
    const Shape& s = shape();
    int n = static_cast<int>(s.size());
    BG_CHECK(d >= -n && d < n, "size: dimension ", d, " out of range for shape ", shape_str(s));
    return s[d < 0 ? d + n : d];
}

int64_t Tensor::numel() const {
    return checked(impl_).numel;
}

DType Tensor::dtype() const {
    return checked(impl_).dtype;
}

template <typename T>
T* Tensor::data() const {
    const TensorImpl& impl = checked(impl_);
    BG_CHECK(impl.dtype == dtype_of<T>, "data: tensor holds ", dtype_name(impl.dtype),
             ", requested ", dtype_name(dtype_of<T>));
    return static_cast<T*>(impl.storage->data());
}

template float* Tensor::data<float>() const;
template double* Tensor::data<double>() const;

double Tensor::at(int64_t i) const {
    BG_CHECK(i >= 0 && i < numel(), "at: index ", i, " out of range for ", numel(), " elements");
    return dispatch(dtype(), [&](auto zero) -> double {
        return static_cast<double>(data<decltype(zero)>()[i]);
    });
}

double Tensor::item() const {
    BG_CHECK(numel() == 1, "item: expected a one-element tensor, got shape ", shape_str(shape()));
    return at(0);
}

std::vector<double> Tensor::to_vector() const {
    std::vector<double> out(numel());
    for (int64_t i = 0; i < numel(); ++i)
        out[i] = at(i);
    return out;
}

bool Tensor::requires_grad() const {
    return checked(impl_).requires_grad;
}

Tensor& Tensor::set_requires_grad(bool on) {
    BG_CHECK(is_leaf(), "set_requires_grad: only leaf tensors can be marked; this one comes from ",
             grad_fn()->name);
    impl_->requires_grad = on;
    return *this;
}

Tensor Tensor::grad() const {
    return checked(impl_).grad;
}

void Tensor::set_grad(const Tensor& grad) const {
    if (grad.defined()) {
        BG_CHECK(grad.shape() == shape() && grad.dtype() == dtype(), "set_grad: expected ",
                 shape_str(shape()), " ", dtype_name(dtype()), ", got ", shape_str(grad.shape()),
                 " ", dtype_name(grad.dtype()));
    }
    impl_->grad = grad;
}

void Tensor::zero_grad() const {
    const Tensor& g = checked(impl_).grad;
    if (g.defined()) {
        std::memset(g.impl_->storage->data(), 0, g.numel() * element_size(g.dtype()));
    }
}

const std::shared_ptr<Node>& Tensor::grad_fn() const {
    return checked(impl_).grad_fn;
}

Tensor Tensor::detach() const {
    const TensorImpl& src = checked(impl_);
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = src.storage;
    impl->shape = src.shape;
    impl->numel = src.numel;
    impl->dtype = src.dtype;
    return TensorAccess::wrap(std::move(impl));
}

Tensor Tensor::clone() const {
    Tensor out = empty(shape(), dtype());
    std::memcpy(out.impl_->storage->data(), impl_->storage->data(),
                numel() * element_size(dtype()));
    return out;
}

Tensor Tensor::to(DType target) const {
    if (target == dtype()) return clone();
    Tensor out = empty(shape(), target);
    dispatch(dtype(), [&](auto src_zero) {
        using S = decltype(src_zero);
        dispatch(target, [&](auto dst_zero) {
            using D = decltype(dst_zero);
            const S* src = data<S>();
            D* dst = out.data<D>();
            for (int64_t i = 0; i < numel(); ++i)
                dst[i] = static_cast<D>(src[i]);
        });
    });
    return out;
}

}  // namespace budgetgrad

// StateDict: entry bookkeeping, typed lookups, and the checkpoint file format of state_dict.h.
// Loading trusts nothing: the whole file is read, its magic, version and CRC-32 are checked, then
// every count, length and dimension is checked against the bytes that remain, so even a crafted
// file with a valid CRC cannot make the parser read out of bounds or allocate more than the file
// holds. Not handled: big-endian hosts (static_assert), files larger than memory (read whole).
#include "engine/state_dict.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <string_view>
#include <type_traits>
#include <unordered_set>

#include "engine/check.h"

namespace budgetgrad {

static_assert(std::endian::native == std::endian::little,
              "the checkpoint format is little-endian and is read and written by plain memcpy");

namespace {

namespace fs = std::filesystem;

constexpr char kMagic[] = {'B', 'G', 'C', 'K', 'P', 'T', '0', '1'};
constexpr std::size_t kMagicBytes = sizeof(kMagic);
constexpr std::string_view kMagicText(kMagic, kMagicBytes);
constexpr uint32_t kVersion = 1;
constexpr std::size_t kVersionOffset = kMagicBytes;
constexpr std::size_t kCountOffset = kVersionOffset + sizeof(uint32_t);
constexpr std::size_t kHeaderBytes = kCountOffset + sizeof(uint64_t);
constexpr std::size_t kCrcBytes = sizeof(uint32_t);
constexpr std::size_t kMinFileBytes = kHeaderBytes + kCrcBytes;
// The smallest possible entry: a key length, a one-byte key, a kind byte and an 8-byte payload
// (an integer, a real or a text length; every tensor entry is larger). Bounds the entry count.
constexpr uint64_t kMinEntryBytes = sizeof(uint32_t) + 1 + sizeof(uint8_t) + sizeof(int64_t);
// zlib's crc32() takes a 32-bit length, so longer buffers are fed in pieces of this size.
constexpr uint64_t kCrcChunk = uint64_t{1} << 30;
constexpr std::size_t kReadChunk = std::size_t{1} << 20;  // bytes per fread while loading

// The file's kind byte is the index of the value's alternative in StateDict::Value.
using Value = StateDict::Value;
static_assert(std::is_same_v<std::variant_alternative_t<0, Value>, Tensor>);
static_assert(std::is_same_v<std::variant_alternative_t<1, Value>, int64_t>);
static_assert(std::is_same_v<std::variant_alternative_t<2, Value>, double>);
static_assert(std::is_same_v<std::variant_alternative_t<3, Value>, std::string>);
constexpr uint8_t kKindTensor = 0;
constexpr uint8_t kKindInteger = 1;
constexpr uint8_t kKindReal = 2;
constexpr uint8_t kKindText = 3;
constexpr const char* kKindNames[] = {"a tensor", "an integer", "a real", "a text"};
static_assert(std::size(kKindNames) == std::variant_size_v<Value>);

constexpr uint8_t kDTypeFloat32 = 0;
constexpr uint8_t kDTypeFloat64 = 1;

template <typename T, std::size_t I = 0>
constexpr std::size_t kind_of() {
    if constexpr (std::is_same_v<std::variant_alternative_t<I, Value>, T>) {
        return I;
    } else {
        return kind_of<T, I + 1>();
    }
}

std::size_t element_size(DType dtype) {
    return dtype == DType::float64 ? sizeof(double) : sizeof(float);
}

// "checkpoint runs/a.ckpt", or "checkpoint (in memory)" for a dictionary built in memory.
std::string label(const std::string& source) {
    return source.empty() ? std::string("checkpoint (in memory)") : "checkpoint " + source;
}

// The OS error of the call that just failed; some stdio failures leave errno at 0.
std::string os_error(int error) {
    return error != 0 ? std::strerror(error) : "unknown error";
}

uint32_t crc_update(uint32_t crc, const void* data, uint64_t n) {
    const auto* p = static_cast<const Bytef*>(data);
    while (n > 0) {
        const uInt piece = static_cast<uInt>(std::min(n, kCrcChunk));
        crc = static_cast<uint32_t>(::crc32(crc, p, piece));
        p += piece;
        n -= piece;
    }
    return crc;
}

// "89 50 4e 47 0d 0a 1a 0a": the first bytes of a foreign file, for the error message.
std::string hex_bytes(const uint8_t* data, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i)
        out += fmt::format("{}{:02x}", i > 0 ? " " : "", data[i]);
    return out.empty() ? "nothing" : out;
}

// The temporary file of an atomic save, "<target>.tmp.<pid>" in the target's folder. It is
// removed again unless commit() renamed it over the target, so a failed save leaves nothing.
class AtomicFile {
public:
    AtomicFile(const std::string& target, std::string where)
        : target_(target),
          temp_(target + ".tmp." + std::to_string(::getpid())),
          where_(std::move(where)) {
        fs::path folder = fs::path(target).parent_path();
        if (folder.empty()) folder = ".";
        std::error_code ec;
        const fs::file_status status = fs::status(folder, ec);
        BG_CHECK(fs::exists(status), where_, ": expected an existing folder '", folder.string(),
                 "', got none (create it first)");
        BG_CHECK(fs::is_directory(status), where_, ": expected '", folder.string(),
                 "' to be a folder, got another kind of file");
        errno = 0;
        file_ = std::fopen(temp_.c_str(), "wb");
        if (file_ == nullptr) fail("create '" + temp_ + "'", /*hint=*/" (is the folder writable?)");
    }

    ~AtomicFile() {
        if (file_ != nullptr) std::fclose(file_);
        if (!committed_) std::remove(temp_.c_str());
    }

    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(const void* data, uint64_t n) {
        if (n == 0) return;
        errno = 0;
        if (std::fwrite(data, 1, n, file_) != n) fail(fmt::format("write {} bytes", n));
        crc_ = crc_update(crc_, data, n);
    }

    template <typename T>
    void write_value(T value) {
        write(&value, sizeof(value));
    }

    // CRC-32 of everything written so far.
    uint32_t crc() const { return crc_; }

    // Makes the bytes durable, then replaces the target in one step.
    void commit() {
        errno = 0;
        if (std::fflush(file_) != 0) fail("flush '" + temp_ + "'");
        if (::fsync(::fileno(file_)) != 0) fail("fsync '" + temp_ + "'");
        std::FILE* file = file_;
        file_ = nullptr;
        if (std::fclose(file) != 0) fail("close '" + temp_ + "'");
        if (std::rename(temp_.c_str(), target_.c_str()) != 0) {
            fail("rename '" + temp_ + "' to '" + target_ + "'");
        }
        committed_ = true;
        sync_folder();
    }

private:
    [[noreturn]] void fail(const std::string& action, const char* hint = "") {
        const int error = errno;
        throw Error(
            fmt::format("{}: expected to {}, got '{}'{}", where_, action, os_error(error), hint));
    }

    // Persists the rename itself. Best effort: the new file is already in place, and some file
    // systems cannot fsync a folder, so a failure here is not reported.
    void sync_folder() const {
        fs::path folder = fs::path(target_).parent_path();
        if (folder.empty()) folder = ".";
        const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY);
        if (fd < 0) return;
        static_cast<void>(::fsync(fd));
        ::close(fd);
    }

    std::string target_;
    std::string temp_;
    std::string where_;
    std::FILE* file_ = nullptr;
    uint32_t crc_ = 0;  // crc32() of no bytes
    bool committed_ = false;
};

struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
};

std::vector<uint8_t> read_whole_file(const std::string& path, const std::string& where) {
    errno = 0;
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
    BG_CHECK(file != nullptr, where, ": expected a readable file, got '", os_error(errno), "'");
    std::vector<uint8_t> bytes;
    struct stat info {};
    if (::fstat(::fileno(file.get()), &info) == 0 && S_ISREG(info.st_mode)) {
        bytes.reserve(static_cast<std::size_t>(info.st_size));
    }
    for (;;) {
        const std::size_t old_size = bytes.size();
        bytes.resize(old_size + kReadChunk);
        errno = 0;
        const std::size_t got = std::fread(bytes.data() + old_size, 1, kReadChunk, file.get());
        bytes.resize(old_size + got);
        if (got < kReadChunk) break;
    }
    // A folder opens fine for reading on Linux; its first read fails with EISDIR.
    BG_CHECK(!std::ferror(file.get()), where, ": expected a readable file, got '", os_error(errno),
             "'");
    return bytes;
}

// Reads the entries region (between the header and the CRC) with every length checked against
// what is left. Messages read "<where>: <context>: <problem>", the context naming the entry.
class EntryReader {
public:
    EntryReader(const uint8_t* data, uint64_t size, std::string where)
        : data_(data), size_(size), where_(std::move(where)) {}

    uint64_t left() const { return size_ - pos_; }
    void set_context(std::string context) { context_ = std::move(context); }

    [[noreturn]] void fail(const std::string& problem) const {
        throw Error(fmt::format("{}: {}: {}", where_, context_, problem));
    }

    void check(bool condition, const std::string& problem) const {
        if (!condition) fail(problem);
    }

    // The next n bytes; `what` names them in the error when fewer are left.
    const uint8_t* take(uint64_t n, std::string_view what) {
        if (n > left()) {
            fail(fmt::format("expected {} bytes for {}, got only {} before the CRC", n, what,
                             left()));
        }
        const uint8_t* p = data_ + pos_;
        pos_ += n;
        return p;
    }

    template <typename T>
    T read(std::string_view what) {
        T value;
        std::memcpy(&value, take(sizeof(T), what), sizeof(T));
        return value;
    }

private:
    const uint8_t* data_;
    uint64_t size_;
    uint64_t pos_ = 0;
    std::string where_;
    std::string context_;
};

Tensor read_tensor(EntryReader& in) {
    const uint8_t code = in.read<uint8_t>("the dtype");
    in.check(code == kDTypeFloat32 || code == kDTypeFloat64,
             fmt::format("expected dtype {} (float32) or {} (float64), got {}", kDTypeFloat32,
                         kDTypeFloat64, code));
    const DType dtype = code == kDTypeFloat64 ? DType::float64 : DType::float32;
    const uint32_t ndim = in.read<uint32_t>("the number of dimensions");
    // Room for the dimensions is checked before the Shape is allocated, so an absurd ndim
    // fails here instead of asking for gigabytes.
    const uint8_t* dims = in.take(uint64_t{ndim} * sizeof(int64_t), "the dimensions");
    Shape shape(ndim);
    if (ndim > 0) std::memcpy(shape.data(), dims, shape.size() * sizeof(int64_t));
    // The element count is formed left to right like shape_numel() does, so a shape accepted
    // here cannot overflow there either.
    int64_t numel = 1;
    for (int64_t d : shape) {
        if (d < 0) in.fail("expected non-negative dimensions, got shape " + shape_str(shape));
        if (numel != 0 && d > std::numeric_limits<int64_t>::max() / numel) {
            in.fail("expected a shape whose element count fits in int64, got " + shape_str(shape));
        }
        numel *= d;
    }
    const uint64_t size = element_size(dtype);
    in.check(static_cast<uint64_t>(numel) <= in.left() / size,
             fmt::format("expected {} {} values for shape {}, got only {} bytes before the CRC",
                         numel, dtype_name(dtype), shape_str(shape), in.left()));
    const uint8_t* raw = in.take(static_cast<uint64_t>(numel) * size, "the tensor data");
    Tensor tensor = Tensor::empty(shape, dtype);
    dispatch(dtype, [&](auto zero) {
        using T = decltype(zero);
        std::memcpy(tensor.data<T>(), raw, static_cast<std::size_t>(numel) * sizeof(T));
    });
    return tensor;
}

// Checks a typed lookup's kind: "checkpoint a.ckpt: 'lr' is a tensor, expected a real".
template <typename T>
const T& expect_kind(const Value& value, const std::string& source, const std::string& key) {
    if (const T* p = std::get_if<T>(&value)) return *p;
    throw Error(fmt::format("{}: '{}' is {}, expected {}", label(source), key,
                            kKindNames[value.index()], kKindNames[kind_of<T>()]));
}

}  // namespace

void StateDict::put(const std::string& key, Value value) {
    BG_CHECK(!key.empty(), "state_dict put: expected a non-empty key, got \"\"");
    BG_CHECK(key.size() <= std::numeric_limits<uint32_t>::max(),
             "state_dict put: expected a key of at most 2^32 - 1 bytes, got ", key.size());
    if (const Tensor* t = std::get_if<Tensor>(&value)) {
        BG_CHECK(t->defined(), "state_dict put: '", key,
                 "': expected a defined tensor, got an undefined one");
    }
    BG_CHECK(!contains(key), "state_dict put: expected a new key, got duplicate '", key, "'");
    entries_.emplace_back(key, std::move(value));
}

bool StateDict::contains(const std::string& key) const {
    return std::any_of(entries_.begin(), entries_.end(),
                       [&](const auto& entry) { return entry.first == key; });
}

const StateDict::Value& StateDict::find(const std::string& key) const {
    for (const auto& [name, value] : entries_) {
        if (name == key) return value;
    }
    throw Error(fmt::format("{}: missing entry '{}'", label(source_), key));
}

const Tensor& StateDict::tensor(const std::string& key) const {
    return expect_kind<Tensor>(find(key), source_, key);
}

int64_t StateDict::integer(const std::string& key) const {
    return expect_kind<int64_t>(find(key), source_, key);
}

double StateDict::real(const std::string& key) const {
    return expect_kind<double>(find(key), source_, key);
}

const std::string& StateDict::text(const std::string& key) const {
    return expect_kind<std::string>(find(key), source_, key);
}

void StateDict::copy_into(const std::string& key, const Tensor& target) const {
    const Tensor& stored = tensor(key);
    const std::string where = label(source_);
    BG_CHECK(target.defined(), where, ": '", key,
             "': expected a defined target tensor, got an undefined one");
    BG_CHECK(stored.shape() == target.shape(), where, ": '", key, "' has shape ",
             shape_str(stored.shape()), ", expected ", shape_str(target.shape()));
    BG_CHECK(stored.dtype() == target.dtype(), where, ": '", key, "' has dtype ",
             dtype_name(stored.dtype()), ", expected ", dtype_name(target.dtype()));
    dispatch(stored.dtype(), [&](auto zero) {
        using T = decltype(zero);
        // memmove: the target may alias the stored tensor.
        std::memmove(target.data<T>(), stored.data<T>(),
                     static_cast<std::size_t>(stored.numel()) * sizeof(T));
    });
}

void StateDict::save(const std::string& path) const {
    AtomicFile out(path, "checkpoint save " + path);
    out.write(kMagic, kMagicBytes);
    out.write_value<uint32_t>(kVersion);
    out.write_value<uint64_t>(entries_.size());
    for (const auto& [key, value] : entries_) {
        out.write_value<uint32_t>(static_cast<uint32_t>(key.size()));
        out.write(key.data(), key.size());
        out.write_value<uint8_t>(static_cast<uint8_t>(value.index()));
        if (const Tensor* t = std::get_if<Tensor>(&value)) {
            const bool is_double = t->dtype() == DType::float64;
            out.write_value<uint8_t>(is_double ? kDTypeFloat64 : kDTypeFloat32);
            out.write_value<uint32_t>(static_cast<uint32_t>(t->ndim()));
            for (int64_t d : t->shape())
                out.write_value<int64_t>(d);
            dispatch(t->dtype(), [&](auto zero) {
                using T = decltype(zero);
                out.write(t->data<T>(), static_cast<uint64_t>(t->numel()) * sizeof(T));
            });
        } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
            out.write_value<int64_t>(*i);
        } else if (const double* r = std::get_if<double>(&value)) {
            out.write_value<double>(*r);
        } else {
            const std::string& s = std::get<std::string>(value);
            out.write_value<uint64_t>(s.size());
            out.write(s.data(), s.size());
        }
    }
    out.write_value<uint32_t>(out.crc());
    out.commit();
}

StateDict StateDict::load(const std::string& path) {
    const std::string where = "checkpoint " + path;
    const std::vector<uint8_t> bytes = read_whole_file(path, where);

    // The magic is checked on whatever prefix exists, so a short foreign file is still called
    // foreign rather than truncated.
    const std::size_t head = std::min(bytes.size(), kMagicBytes);
    BG_CHECK(head == 0 || std::memcmp(bytes.data(), kMagic, head) == 0, where,
             ": not a budgetgrad checkpoint (expected magic \"", kMagicText, "\", got bytes ",
             hex_bytes(bytes.data(), head), ")");
    BG_CHECK(bytes.size() >= kMinFileBytes, where, ": expected at least ", kMinFileBytes,
             " bytes (header and CRC), got ", bytes.size(), "; the file is truncated");

    uint32_t version = 0;
    std::memcpy(&version, bytes.data() + kVersionOffset, sizeof(version));
    BG_CHECK(version == kVersion, where, ": expected format version ", kVersion,
             " (the only version this build reads), got version ", version);

    const std::size_t body_bytes = bytes.size() - kCrcBytes;
    uint32_t stored_crc = 0;
    std::memcpy(&stored_crc, bytes.data() + body_bytes, sizeof(stored_crc));
    const uint32_t computed_crc = crc_update(0, bytes.data(), body_bytes);
    BG_CHECK(stored_crc == computed_crc, where,
             fmt::format(": expected CRC-32 {:08x} (stored), got {:08x} (computed); the file is "
                         "damaged or truncated",
                         stored_crc, computed_crc));

    uint64_t count = 0;
    std::memcpy(&count, bytes.data() + kCountOffset, sizeof(count));
    EntryReader in(bytes.data() + kHeaderBytes, body_bytes - kHeaderBytes, where);
    in.set_context("header");
    in.check(count <= in.left() / kMinEntryBytes,
             fmt::format("expected an entry count of at most {} for {} bytes of entries, "
                         "got {}",
                         in.left() / kMinEntryBytes, in.left(), count));

    StateDict dict;
    dict.source_ = path;
    dict.entries_.reserve(static_cast<std::size_t>(count));
    std::unordered_set<std::string> seen;
    for (uint64_t i = 0; i < count; ++i) {
        in.set_context(fmt::format("entry {} of {}", i, count));
        const uint32_t key_size = in.read<uint32_t>("the key length");
        in.check(key_size > 0, "expected a non-empty key, got length 0");
        const uint8_t* key_bytes = in.take(key_size, "the key");
        std::string key(reinterpret_cast<const char*>(key_bytes), key_size);
        in.set_context(fmt::format("entry {} of {} ('{}')", i, count, key));
        in.check(seen.insert(key).second, "expected unique keys, got this key a second time");
        const uint8_t kind = in.read<uint8_t>("the kind");
        Value value;
        switch (kind) {
            case kKindTensor:
                value = read_tensor(in);
                break;
            case kKindInteger:
                value = in.read<int64_t>("the integer");
                break;
            case kKindReal:
                value = in.read<double>("the real");
                break;
            case kKindText: {
                const uint64_t size = in.read<uint64_t>("the text length");
                const uint8_t* chars = in.take(size, "the text");
                value = std::string(reinterpret_cast<const char*>(chars), size);
                break;
            }
            default:
                in.fail(fmt::format("expected kind {} to {} (tensor, integer, real, text), got {}",
                                    kKindTensor, kKindText, kind));
        }
        dict.entries_.emplace_back(std::move(key), std::move(value));
    }
    in.set_context("after the last entry");
    in.check(in.left() == 0, fmt::format("expected the CRC, got {} more bytes first", in.left()));
    return dict;
}

}  // namespace budgetgrad

// IDX reading for MNIST-format files through zlib, and MnistDataset. IDX layout (LeCun's MNIST
// page): a big-endian int32 magic, one big-endian int32 per dimension, then the bytes row-major.
// zlib's gzread passes raw files through unchanged, so one code path reads both forms. Nothing is
// trusted: every count is checked against what the file really holds, in both directions.
#include "datasets/mnist.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "engine/check.h"

namespace budgetgrad {

namespace {

namespace fs = std::filesystem;

constexpr unsigned kReadChunk = 1u << 20;   // bytes per gzread call
constexpr unsigned kGzBuffer = 1u << 17;    // zlib's input buffer; its default 8 KiB is slow
constexpr int64_t kImagesHeaderBytes = 16;  // magic, count, rows, cols
constexpr int64_t kLabelsHeaderBytes = 8;   // magic, count

// A gzFile opened for reading that closes itself. `where` ("read_idx_images: <path>") prefixes
// every error message.
class GzReader {
public:
    GzReader(const std::string& path, const std::string& where) : where_(where) {
        std::error_code ec;
        BG_CHECK(fs::exists(path, ec), where_, ": expected an existing file, got no such file");
        BG_CHECK(!fs::is_directory(path, ec), where_, ": expected a file, got a directory");
        errno = 0;
        file_ = gzopen(path.c_str(), "rb");
        BG_CHECK(file_ != nullptr, where_, ": expected a readable file, got an open error (",
                 errno != 0 ? std::strerror(errno) : "out of memory", ")");
        gzbuffer(file_, kGzBuffer);
    }
    ~GzReader() { gzclose(file_); }
    GzReader(const GzReader&) = delete;
    GzReader& operator=(const GzReader&) = delete;

    // Reads up to n bytes; fewer only at the end of the data. Throws on a broken gzip stream.
    uint64_t read(uint8_t* out, uint64_t n) {
        uint64_t done = 0;
        while (done < n) {
            const unsigned want = static_cast<unsigned>(std::min<uint64_t>(n - done, kReadChunk));
            const int got = gzread(file_, out + done, want);
            check_stream();
            if (got <= 0) break;
            done += static_cast<uint64_t>(got);
        }
        return done;
    }

    // Reads to the end and returns how many bytes were left (to report trailing data).
    uint64_t count_rest() {
        std::vector<uint8_t> sink(kReadChunk);
        uint64_t total = 0;
        for (;;) {
            const uint64_t got = read(sink.data(), sink.size());
            total += got;
            if (got < sink.size()) return total;
        }
    }

private:
    // gzread reports a truncated gzip stream (Z_BUF_ERROR) only through gzerror, not through
    // its return value, so the error state is checked after every call.
    void check_stream() {
        int errnum = Z_OK;
        const char* message = gzerror(file_, &errnum);
        BG_CHECK(errnum == Z_OK, where_, ": expected a valid gzip stream, got zlib error '",
                 message, "' (the file is corrupt or truncated; fetch it again)");
    }

    std::string where_;
    gzFile file_ = nullptr;
};

uint32_t big_endian_u32(const uint8_t* bytes) {
    return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
           uint32_t{bytes[3]};
}

uint32_t byte_swap(uint32_t x) {
    return (x >> 24) | ((x >> 8) & 0xff00u) | ((x << 8) & 0xff0000u) | (x << 24);
}

// What a wrong magic number most likely means, for the error message.
std::string magic_hint(uint32_t magic, uint32_t expected) {
    if (magic == kIdxLabelsMagic) {
        return " (an idx labels file: are the images and labels paths swapped?)";
    }
    if (magic == kIdxImagesMagic) {
        return " (an idx images file: are the images and labels paths swapped?)";
    }
    if (byte_swap(magic) == expected) return " (byte-swapped: was it written little-endian?)";
    std::ostringstream out;
    out << " (0x" << std::hex << magic;
    if ((magic >> 16) == 0) {
        out << std::dec << ": an idx file of element type 0x" << std::hex << ((magic >> 8) & 0xff)
            << std::dec << " and rank " << (magic & 0xff) << ", not unsigned bytes of rank "
            << (expected & 0xff) << ")";
    } else {
        out << ": not an idx file)";
    }
    return out.str();
}

// Reads a header of `header_bytes` bytes, checks the magic number, and returns the header's
// dimensions (the int32 words after the magic). `kind` is "images" or "labels".
std::vector<int64_t> read_header(GzReader& reader, const std::string& where, int64_t header_bytes,
                                 uint32_t expected_magic, const char* kind) {
    std::vector<uint8_t> header(static_cast<std::size_t>(header_bytes));
    const uint64_t got = reader.read(header.data(), header.size());
    BG_CHECK(got > 0, where, ": expected an idx ", kind, " file, got an empty file");
    if (got >= 4) {
        const uint32_t magic = big_endian_u32(header.data());
        BG_CHECK(magic == expected_magic, where, ": expected magic number ", expected_magic,
                 " (idx ", kind, "), got ", magic, magic_hint(magic, expected_magic));
    }
    BG_CHECK(got == header.size(), where, ": expected a ", header_bytes, "-byte idx ", kind,
             " header, got only ", got, " bytes (the file is truncated)");
    std::vector<int64_t> dims;
    for (int64_t offset = 4; offset < header_bytes; offset += 4) {
        dims.push_back(static_cast<int64_t>(big_endian_u32(header.data() + offset)));
    }
    return dims;
}

// Reads exactly `total` payload bytes and then checks that the file ends there. `promise`
// describes the payload for messages ("3 images of 28x28").
std::vector<uint8_t> read_payload(GzReader& reader, const std::string& where, uint64_t total,
                                  int64_t header_bytes, const std::string& promise) {
    BG_CHECK(total <= kIdxMaxPayloadBytes, where, ": expected at most ", kIdxMaxPayloadBytes,
             " bytes of data, got a header promising ", promise, " (", total,
             " bytes: a corrupt header?)");
    // Grown chunk by chunk rather than sized from the header, so that a corrupt count fails as
    // a truncation instead of a huge allocation.
    std::vector<uint8_t> bytes;
    uint64_t have = 0;
    while (have < total) {
        bytes.resize(static_cast<std::size_t>(std::min<uint64_t>(total, have + kReadChunk)));
        const uint64_t want = bytes.size() - have;
        const uint64_t got = reader.read(bytes.data() + have, want);
        have += got;
        BG_CHECK(got == want, where, ": expected ", promise, " (", total, " bytes after the ",
                 header_bytes, "-byte header), got ", have, " bytes (the file is truncated)");
    }
    const uint64_t extra = reader.count_rest();
    BG_CHECK(extra == 0, where, ": expected the file to end after ", promise, " (", total,
             " bytes after the ", header_bytes, "-byte header), got ", extra,
             " trailing bytes (wrong header count or a corrupt file)");
    return bytes;
}

// `directory`/`name`, or `directory`/`name`.gz when only that exists; "" when neither does.
std::string find_raw_or_gz(const std::string& directory, const std::string& name) {
    std::error_code ec;
    const fs::path raw = fs::path(directory) / name;
    if (fs::is_regular_file(raw, ec)) return raw.string();
    const fs::path gz = fs::path(directory) / (name + ".gz");
    if (fs::is_regular_file(gz, ec)) return gz.string();
    return "";
}

}  // namespace

IdxImages read_idx_images(const std::string& path) {
    const std::string where = "read_idx_images: " + path;
    GzReader reader(path, where);
    const std::vector<int64_t> dims =
        read_header(reader, where, kImagesHeaderBytes, kIdxImagesMagic, "images");
    IdxImages images;
    images.count = dims[0];
    images.rows = dims[1];
    images.cols = dims[2];
    BG_CHECK(images.rows >= 1 && images.rows <= kIdxMaxSide && images.cols >= 1 &&
                 images.cols <= kIdxMaxSide,
             where, ": expected image rows and cols in [1, ", kIdxMaxSide, "], got ", images.rows,
             "x", images.cols, " (a corrupt header)");
    const uint64_t total = static_cast<uint64_t>(images.count) *
                           static_cast<uint64_t>(images.rows) * static_cast<uint64_t>(images.cols);
    const std::string promise =
        detail::concat(images.count, " images of ", images.rows, "x", images.cols);
    images.pixels = read_payload(reader, where, total, kImagesHeaderBytes, promise);
    return images;
}

std::vector<uint8_t> read_idx_labels(const std::string& path) {
    const std::string where = "read_idx_labels: " + path;
    GzReader reader(path, where);
    const std::vector<int64_t> dims =
        read_header(reader, where, kLabelsHeaderBytes, kIdxLabelsMagic, "labels");
    const uint64_t count = static_cast<uint64_t>(dims[0]);
    return read_payload(reader, where, count, kLabelsHeaderBytes, detail::concat(count, " labels"));
}

std::vector<std::string> mnist_class_names() {
    std::vector<std::string> names;
    for (int digit = 0; digit < kMnistClasses; ++digit)
        names.push_back(std::to_string(digit));
    return names;
}

std::vector<std::string> fashion_mnist_class_names() {
    return {"t-shirt/top", "trouser", "pullover", "dress", "coat",
            "sandal",      "shirt",   "sneaker",  "bag",   "ankle boot"};
}

const char* mnist_split_name(MnistSplit split) {
    return split == MnistSplit::train ? "train" : "test";
}

MnistDataset::MnistDataset(const std::string& directory, MnistSplit split,
                           const std::string& missing_hint)
    : split_(split) {
    const std::string where = "MnistDataset";
    const std::string prefix = split == MnistSplit::train ? "train" : "t10k";
    const std::string images_name = prefix + "-images-idx3-ubyte";
    const std::string labels_name = prefix + "-labels-idx1-ubyte";

    std::error_code ec;
    BG_CHECK(fs::is_directory(directory, ec), where, ": expected a directory holding ", images_name,
             "[.gz] and ", labels_name, "[.gz], got no directory ", directory, " (", missing_hint,
             ")");
    images_path_ = find_raw_or_gz(directory, images_name);
    labels_path_ = find_raw_or_gz(directory, labels_name);
    std::string missing;
    if (images_path_.empty()) missing = images_name + " or " + images_name + ".gz";
    if (labels_path_.empty()) {
        missing += (missing.empty() ? "" : " and ") + labels_name + " or " + labels_name + ".gz";
    }
    BG_CHECK(missing.empty(), where, ": expected ", missing, " in ", directory,
             ", got no such file (", missing_hint, ")");

    images_ = read_idx_images(images_path_);
    labels_ = read_idx_labels(labels_path_);

    BG_CHECK(images_.count == static_cast<int64_t>(labels_.size()), where,
             ": expected as many labels as images (", images_.count, " in ", images_path_,
             "), got ", labels_.size(), " labels in ", labels_path_);
    BG_CHECK(images_.count > 0, where, ": expected at least one image in ", images_path_,
             ", got 0");
    BG_CHECK(images_.rows == kMnistSide && images_.cols == kMnistSide, where, ": expected ",
             kMnistSide, "x", kMnistSide, " images in ", images_path_, ", got ", images_.rows, "x",
             images_.cols);
    for (std::size_t i = 0; i < labels_.size(); ++i) {
        BG_CHECK(labels_[i] < kMnistClasses, where, ": expected labels in [0, ", kMnistClasses,
                 ") in ", labels_path_, ", got ", int{labels_[i]}, " at index ", i);
    }

    for (int value = 0; value < 256; ++value) {
        normalized_[value] = (static_cast<float>(value) / 255.0f - kMnistMean) / kMnistStd;
    }
}

int64_t MnistDataset::get_into(int64_t index, float* out) const {
    BG_CHECK(index >= 0 && index < size(), "MnistDataset::get_into: expected an index in [0, ",
             size(), "), got ", index);
    const int64_t pixels = images_.rows * images_.cols;
    const uint8_t* source = images_.pixels.data() + index * pixels;
    for (int64_t i = 0; i < pixels; ++i)
        out[i] = normalized_[source[i]];
    return labels_[static_cast<std::size_t>(index)];
}

}  // namespace budgetgrad

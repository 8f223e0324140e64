// The CIFAR-10 binary reader and Cifar10Dataset. Record layout from the dataset page
// (https://www.cs.toronto.edu/~kriz/cifar.html, "Binary version"): <1 x label><3072 x pixel>.
// The files carry no header or count, so the file size is the only structural check there is:
// it must be a whole, positive number of records. Labels are checked one by one.
#include "datasets/cifar10.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "datasets/transforms.h"
#include "engine/check.h"

namespace budgetgrad {

namespace {

namespace fs = std::filesystem;

// 70 official files' worth: far above any real batch file, low enough that pointing the reader
// at a huge unrelated file fails with a message instead of a huge allocation.
constexpr uint64_t kCifarMaxFileBytes = uint64_t{70} * kCifarRecordsPerFile * kCifarRecordBytes;

// "data_batch_1.bin, data_batch_2.bin"
std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& name : names)
        out += (out.empty() ? "" : ", ") + name;
    return out;
}

// "1 record", "2 records"
std::string count_of(uint64_t n, const char* noun) {
    return detail::concat(n, " ", noun, n == 1 ? "" : "s");
}

// True when `folder` holds at least one of `names`.
bool holds_any(const fs::path& folder, const std::vector<std::string>& names) {
    std::error_code ec;
    for (const std::string& name : names) {
        if (fs::exists(folder / name, ec)) return true;
    }
    return false;
}

}  // namespace

CifarRecords read_cifar_batch(const std::string& path) {
    const std::string where = "read_cifar_batch: " + path;
    std::error_code ec;
    BG_CHECK(fs::exists(path, ec), where, ": expected an existing file, got no such file (",
             kCifarMissingHint, ")");
    BG_CHECK(!fs::is_directory(path, ec), where, ": expected a file, got a directory");
    const uint64_t bytes = fs::file_size(path, ec);
    BG_CHECK(!ec, where, ": expected a readable file size, got an error (", ec.message(), ")");

    const auto record_bytes = static_cast<uint64_t>(kCifarRecordBytes);
    const char* layout = " bytes (records of 1 label byte and 3072 pixel bytes)";
    BG_CHECK(bytes > 0, where, ": expected a positive multiple of ", record_bytes, layout,
             ", got an empty file (", kCifarMissingHint, ")");
    BG_CHECK(bytes <= kCifarMaxFileBytes, where, ": expected at most ", kCifarMaxFileBytes,
             " bytes, got ", bytes, " (not a CIFAR-10 batch file?)");
    const uint64_t over = bytes % record_bytes;
    BG_CHECK(over == 0, where, ": expected a positive multiple of ", record_bytes, layout, ", got ",
             bytes, " bytes: ", count_of(bytes / record_bytes, "whole record"), " and ",
             count_of(over, "byte"), " over, or ", count_of(record_bytes - over, "byte"),
             " short of ", count_of(bytes / record_bytes + 1, "record"),
             " (a truncated or foreign file)");

    errno = 0;
    std::ifstream in(path, std::ios::binary);
    BG_CHECK(in.is_open(), where, ": expected a readable file, got an open error (",
             errno != 0 ? std::strerror(errno) : "unknown reason", ")");
    std::vector<uint8_t> data(static_cast<std::size_t>(bytes));
    in.read(reinterpret_cast<char*>(data.data()), static_cast<std::streamsize>(bytes));
    const auto got = static_cast<uint64_t>(in.gcount());
    BG_CHECK(got == bytes, where, ": expected to read ", bytes, " bytes, got ", got,
             " (the file shrank while being read, or an I/O error)");

    CifarRecords records;
    records.count = static_cast<int64_t>(bytes / record_bytes);
    records.labels.resize(static_cast<std::size_t>(records.count));
    records.pixels.resize(static_cast<std::size_t>(records.count * kCifarImageBytes));
    for (int64_t r = 0; r < records.count; ++r) {
        const uint8_t* record = data.data() + r * kCifarRecordBytes;
        BG_CHECK(record[0] < kCifarClasses, where, ": expected labels in [0, ", kCifarClasses,
                 "), got ", int{record[0]}, " in record ", r, " (byte offset ",
                 r * kCifarRecordBytes, ")");
        records.labels[static_cast<std::size_t>(r)] = record[0];
        std::memcpy(records.pixels.data() + r * kCifarImageBytes, record + 1, kCifarImageBytes);
    }
    return records;
}

const char* cifar_split_name(CifarSplit split) {
    return split == CifarSplit::train ? "train" : "test";
}

std::vector<std::string> cifar_file_names(CifarSplit split) {
    if (split == CifarSplit::test) return {"test_batch.bin"};
    std::vector<std::string> names;
    for (int i = 1; i <= kCifarTrainFiles; ++i)
        names.push_back("data_batch_" + std::to_string(i) + ".bin");
    return names;
}

Cifar10Dataset::Cifar10Dataset(const std::string& directory, CifarSplit split)
    : split_(split), class_names_(kCifarClassNames.begin(), kCifarClassNames.end()) {
    const std::string where = "Cifar10Dataset";
    const std::vector<std::string> names = cifar_file_names(split);
    const std::string expected = detail::concat("the ", cifar_split_name(split), " file",
                                                names.size() > 1 ? "s " : " ", join(names));
    std::error_code ec;
    BG_CHECK(fs::is_directory(directory, ec), where, ": expected a directory holding ", expected,
             " (or a ", kCifarFolder, " folder holding them), got no directory ", directory, " (",
             kCifarMissingHint, ")");

    // The folder itself when it holds any file of the split, else its unpacked-archive folder.
    fs::path folder = directory;
    const fs::path nested = fs::path(directory) / kCifarFolder;
    if (!holds_any(folder, names) && fs::is_directory(nested, ec)) folder = nested;
    folder_ = folder.string();

    std::vector<std::string> missing;
    for (const std::string& name : names) {
        if (!fs::exists(folder / name, ec)) missing.push_back(name);
    }
    BG_CHECK(missing.empty(), where, ": expected ", expected, " in ", folder_,
             folder_ == directory ? detail::concat(" (or in ", nested.string(), ")") : "",
             ", got no ", join(missing), " (", kCifarMissingHint, ")");

    for (const std::string& name : names) {
        paths_.push_back((folder / name).string());
        const CifarRecords records = read_cifar_batch(paths_.back());
        count_ += records.count;
        labels_.insert(labels_.end(), records.labels.begin(), records.labels.end());
        pixels_.insert(pixels_.end(), records.pixels.begin(), records.pixels.end());
    }
}

int64_t Cifar10Dataset::get_into(int64_t index, float* out) const {
    BG_CHECK(index >= 0 && index < count_, "Cifar10Dataset::get_into: expected an index in [0, ",
             count_, "), got ", index);
    normalize(pixels_.data() + index * kCifarImageBytes, kCifarChannels,
              /*plane=*/kCifarSide * kCifarSide, kCifarMean, kCifarStd, out);
    return labels_[static_cast<std::size_t>(index)];
}

}  // namespace budgetgrad

// Image decoding for ImageFolderDataset and load_image, through stb_image and stb_image_resize
// (public-domain single-header libraries, https://github.com/nothings/stb). Their code is
// compiled here, once, with static linkage (STB_*_STATIC), so it cannot clash with another copy
// such as Debian's libstb; only the PNG, JPEG and BMP decoders are built.
#include "datasets/image_folder.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <utility>

#include "datasets/transforms.h"
#include "engine/check.h"

// stb's own code is not held to our warning flags.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#include <stb_image.h>
#define STB_IMAGE_RESIZE_IMPLEMENTATION
#define STB_IMAGE_RESIZE_STATIC
#include <stb_image_resize.h>
#pragma GCC diagnostic pop

namespace budgetgrad {

namespace {

namespace fs = std::filesystem;

struct StbiFree {
    void operator()(unsigned char* pixels) const { stbi_image_free(pixels); }
};

void check_format(const std::string& where, int64_t channels, int64_t image_size) {
    BG_CHECK(channels == 1 || channels == 3, where, ": expected channels 1 (grey) or 3 (RGB), got ",
             channels);
    BG_CHECK(image_size >= 1 && image_size <= kMaxImageSide, where, ": expected image_size in [1, ",
             kMaxImageSide, "], got ", image_size);
}

void check_normalization(const std::string& where, int64_t channels, std::span<const float> mean,
                         std::span<const float> std) {
    BG_CHECK(static_cast<int64_t>(mean.size()) == channels &&
                 static_cast<int64_t>(std.size()) == channels,
             where, ": expected one mean and one std per channel (", channels, "), got ",
             mean.size(), " means and ", std.size(), " stds");
    for (std::size_t c = 0; c < mean.size(); ++c) {
        BG_CHECK(std::isfinite(mean[c]) && std::isfinite(std[c]) && std[c] > 0.0f, where,
                 ": expected finite means and positive finite stds, got mean ", mean[c],
                 " and std ", std[c], " for channel ", c);
    }
}

// Converts `count` pixels of `from` interleaved channels (1 grey, 2 grey + alpha, 3 RGB,
// 4 RGBA, as stb_image returns them) to `to` interleaved channels (1 or 3).
std::vector<uint8_t> convert_channels(const uint8_t* in, int64_t count, int from, int64_t to) {
    std::vector<uint8_t> out(static_cast<std::size_t>(count * to));
    for (int64_t i = 0; i < count; ++i) {
        const uint8_t* pixel = in + i * from;
        uint8_t* target = out.data() + i * to;
        if (from <= 2) {  // grey, with or without alpha
            for (int64_t c = 0; c < to; ++c)
                target[c] = pixel[0];
        } else if (to == 3) {
            target[0] = pixel[0];
            target[1] = pixel[1];
            target[2] = pixel[2];
        } else {
            // Rounded fixed-point luma, exact for grey because the weights sum to 1 << 16.
            const uint32_t luma =
                kLumaRed * pixel[0] + kLumaGreen * pixel[1] + kLumaBlue * pixel[2] + (1u << 15);
            target[0] = static_cast<uint8_t>(luma >> 16);
        }
    }
    return out;
}

// The entries of `folder` as (path, is a directory) pairs, sorted by path; a listing error
// (permissions, a vanished folder) throws budgetgrad::Error instead of std::filesystem's own.
std::vector<std::pair<fs::path, bool>> list_folder(const fs::path& folder,
                                                   const std::string& where) {
    std::vector<std::pair<fs::path, bool>> entries;
    std::error_code ec;
    fs::directory_iterator it(folder, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::error_code type_ec;
        entries.emplace_back(it->path(), it->is_directory(type_ec));
    }
    BG_CHECK(!ec, where, ": expected a readable folder ", folder.string(), ", got an error (",
             ec.message(), ")");
    std::sort(entries.begin(), entries.end());
    return entries;
}

// Refuses JPEG Huffman tables (DHT segments) declaring more than 256 codes. stb_image, as
// Debian ships it, trusts the 16 code counts and writes past its 256-entry tables when they add
// up to more, so such files are stopped here, before decoding. Anything else is left to
// stb_image, which rejects damaged files itself.
void check_jpeg_huffman_tables(const std::string& where, const std::vector<uint8_t>& bytes) {
    constexpr std::size_t kMaxCodes = 256;
    constexpr uint8_t kMarker = 0xFF, kStartOfImage = 0xD8, kStartOfScan = 0xDA;
    constexpr uint8_t kEndOfImage = 0xD9, kHuffmanTable = 0xC4;
    const std::size_t size = bytes.size();
    // Like stb_image, take any number of 0xFF fill bytes before the start-of-image marker.
    std::size_t pos = 0;
    if (size < 2 || bytes[0] != kMarker) return;
    while (pos < size && bytes[pos] == kMarker)
        ++pos;
    if (pos == size || bytes[pos] != kStartOfImage) return;
    ++pos;
    while (pos + 4 <= size) {
        if (bytes[pos] != kMarker) {
            // Entropy-coded data after a scan: skip to the next marker that is not a stuffed
            // zero or a restart marker (progressive files put tables between scans).
            ++pos;
            continue;
        }
        const uint8_t marker = bytes[pos + 1];
        if (marker == kMarker || marker == 0x00 || (marker >= 0xD0 && marker <= 0xD7) ||
            marker == 0x01) {
            pos += marker == kMarker ? 1 : 2;
            continue;
        }
        if (marker == kEndOfImage) return;
        const std::size_t length = (std::size_t{bytes[pos + 2]} << 8) | bytes[pos + 3];
        const std::size_t end = std::min(size, pos + 2 + length);
        if (marker == kHuffmanTable) {
            // Tables: one class/id byte, 16 counts, then the sum of the counts in values.
            // Counts past the end of the file read as 0, as stb_image reads them.
            for (std::size_t table = pos + 4; table < end;) {
                std::size_t codes = 0;
                for (std::size_t i = 1; i <= 16 && table + i < size; ++i) {
                    codes += bytes[table + i];
                }
                BG_CHECK(codes <= kMaxCodes, where, ": expected a JPEG Huffman table of at most ",
                         kMaxCodes, " codes, got ", codes, " (a damaged or crafted file)");
                table += 17 + codes;
            }
        }
        pos = length < 2 ? pos + 2 : pos + 2 + length;
        if (marker == kStartOfScan) {
            while (pos + 1 < size && !(bytes[pos] == kMarker && bytes[pos + 1] != 0x00 &&
                                       !(bytes[pos + 1] >= 0xD0 && bytes[pos + 1] <= 0xD7))) {
                ++pos;
            }
        }
    }
}

}  // namespace

std::vector<uint8_t> read_image(const std::string& path, int64_t channels, int64_t image_size) {
    const std::string where = "read_image: " + path;
    check_format(where, channels, image_size);
    std::error_code ec;
    BG_CHECK(fs::exists(path, ec), where, ": expected an existing image file, got no such file");
    BG_CHECK(!fs::is_directory(path, ec), where, ": expected an image file, got a directory");

    std::ifstream file(path, std::ios::binary);
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)),
                                     std::istreambuf_iterator<char>());
    BG_CHECK(file.good() || file.eof(), where, ": expected a readable file, got a read error");
    check_jpeg_huffman_tables(where, bytes);
    // Checked before decoding, so that a crafted header cannot make us decode gigabytes.
    constexpr int64_t kMaxPixels = int64_t{1} << 24;  // 4096 x 4096
    int header_width = 0, header_height = 0, header_channels = 0;
    if (stbi_info_from_memory(bytes.data(), static_cast<int>(bytes.size()), &header_width,
                              &header_height, &header_channels) != 0) {
        BG_CHECK(int64_t{header_width} * header_height <= kMaxPixels, where,
                 ": expected an image of at most ", kMaxPixels, " pixels, got ", header_width, "x",
                 header_height);
    }

    int width = 0;
    int height = 0;
    int from = 0;
    std::unique_ptr<unsigned char, StbiFree> decoded(
        stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &width, &height, &from,
                              /*desired_channels=*/0));
    BG_CHECK(decoded != nullptr, where,
             ": expected a PNG, JPEG or BMP image, got a file stb_image cannot decode (",
             stbi_failure_reason(), ")");
    BG_CHECK(width > 0 && height > 0 && from >= 1 && from <= 4, where,
             ": expected a non-empty image of 1 to 4 channels, got ", width, "x", height, " with ",
             from, " channels");

    std::vector<uint8_t> interleaved =
        convert_channels(decoded.get(), int64_t{width} * height, from, channels);
    decoded.reset();

    if (width != image_size || height != image_size) {
        std::vector<uint8_t> resized(static_cast<std::size_t>(channels * image_size * image_size));
        const int ok = stbir_resize_uint8_generic(
            interleaved.data(), width, height, /*input_stride_in_bytes=*/0, resized.data(),
            static_cast<int>(image_size), static_cast<int>(image_size),
            /*output_stride_in_bytes=*/0, static_cast<int>(channels), STBIR_ALPHA_CHANNEL_NONE,
            /*flags=*/0, STBIR_EDGE_CLAMP, STBIR_FILTER_TRIANGLE, STBIR_COLORSPACE_LINEAR,
            /*alloc_context=*/nullptr);
        BG_CHECK(ok == 1, where, ": expected to resize ", width, "x", height, " to ", image_size,
                 "x", image_size, ", got a failure from stb_image_resize (out of memory?)");
        interleaved = std::move(resized);
    }

    // (H, W, C) -> (C, H, W)
    const int64_t plane = image_size * image_size;
    std::vector<uint8_t> chw(static_cast<std::size_t>(channels * plane));
    for (int64_t i = 0; i < plane; ++i) {
        for (int64_t c = 0; c < channels; ++c)
            chw[static_cast<std::size_t>(c * plane + i)] =
                interleaved[static_cast<std::size_t>(i * channels + c)];
    }
    return chw;
}

Tensor load_image(const std::string& path, int64_t channels, int64_t image_size,
                  std::span<const float> mean, std::span<const float> std) {
    check_normalization("load_image: " + path, channels, mean, std);
    const std::vector<uint8_t> pixels = read_image(path, channels, image_size);
    Tensor image = Tensor::empty({channels, image_size, image_size});  // (C, S, S)
    normalize(pixels.data(), channels, image_size * image_size, mean, std, image.data<float>());
    return image;
}

ImageFolderDataset::ImageFolderDataset(const std::string& root, int64_t channels,
                                       int64_t image_size, std::span<const float> mean,
                                       std::span<const float> std)
    : root_(root),
      channels_(channels),
      image_size_(image_size),
      mean_(mean.begin(), mean.end()),
      std_(std.begin(), std.end()) {
    const std::string where = "ImageFolderDataset";
    check_format(where, channels, image_size);
    check_normalization(where, channels, mean, std);
    std::error_code ec;
    BG_CHECK(fs::is_directory(root, ec), where,
             ": expected a directory with one sub-folder of images per class, got no directory ",
             root);

    std::vector<fs::path> class_dirs;
    for (const auto& [path, is_folder] : list_folder(root, where)) {
        if (is_folder) class_dirs.push_back(path);
    }
    BG_CHECK(!class_dirs.empty(), where, ": expected one sub-folder per class in ", root,
             ", got no sub-folder");

    for (const fs::path& class_dir : class_dirs) {
        const auto label = static_cast<int64_t>(class_names_.size());
        class_names_.push_back(class_dir.filename().string());
        const auto files = list_folder(class_dir, where);
        BG_CHECK(!files.empty(), where, ": expected at least one image in class folder ",
                 class_dir.string(), ", got an empty folder");
        for (const auto& [path, is_folder] : files) {
            BG_CHECK(!is_folder, where, ": expected only image files in class folder ",
                     class_dir.string(), ", got the sub-folder ", path.string());
            paths_.push_back(path.string());
            labels_.push_back(label);
        }
    }

    // Each file decodes into its own slice. An exception must not leave an OpenMP region, so
    // failures are caught; the one of the lowest index is rethrown, whatever the thread timing.
    const auto count = static_cast<int64_t>(paths_.size());
    const int64_t example_bytes = channels_ * image_size_ * image_size_;
    pixels_.resize(static_cast<std::size_t>(count * example_bytes));
    std::exception_ptr failure;
    int64_t failed_index = count;
#pragma omp parallel for schedule(dynamic)
    for (int64_t i = 0; i < count; ++i) {
        try {
            const std::vector<uint8_t> image =
                read_image(paths_[static_cast<std::size_t>(i)], channels_, image_size_);
            std::copy(image.begin(), image.end(), pixels_.begin() + i * example_bytes);
        } catch (...) {
#pragma omp critical(budgetgrad_image_folder_failure)
            if (i < failed_index) {
                failed_index = i;
                failure = std::current_exception();
            }
        }
    }
    if (failure) std::rethrow_exception(failure);
}

int64_t ImageFolderDataset::get_into(int64_t index, float* out) const {
    BG_CHECK(index >= 0 && index < size(),
             "ImageFolderDataset::get_into: expected an index in [0, ", size(), "), got ", index);
    const int64_t plane = image_size_ * image_size_;
    normalize(pixels_.data() + index * channels_ * plane, channels_, plane, mean_, std_, out);
    return labels_[static_cast<std::size_t>(index)];
}

}  // namespace budgetgrad

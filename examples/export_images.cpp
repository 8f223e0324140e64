// Writes examples of a data set as PNG files, so that examples/predict has real images to
// classify: each file is named SPLIT-INDEX-CLASS.png after the example it holds.
//
//   ./examples/export_images --dataset cifar10 --count 5 --out images
//   ./examples/predict --checkpoint cifar.ckpt images/*.png
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb_image_write.h>

#include "engine/check.h"
#include "train/data_sets.h"
#include "train/flags.h"

namespace bg = budgetgrad;

namespace {

struct ExportConfig {
    std::string dataset = "cifar10";
    std::string data_dir;
    std::string split = "test";
    int64_t first = 0;
    int64_t count = 5;
    std::string out;
};

int export_images(ExportConfig& c) {
    if (c.data_dir.empty()) c.data_dir = bg::default_data_dir(c.dataset);
    const bg::RunData data = c.dataset == "cifar10"
                                 ? bg::load_cifar10(c.data_dir, /*seed=*/0, /*augment=*/false)
                                 : bg::load_mnist(c.dataset, c.data_dir);
    const bg::Dataset& set = c.split == "test" ? *data.test : *data.train;
    if (c.first + c.count > set.size()) {
        throw bg::flags::FlagError(
            "--count", fmt::format("expected --first + --count at most {} (the {} split's "
                                   "size), got {}",
                                   set.size(), c.split, c.first + c.count));
    }
    std::filesystem::create_directories(c.out);
    const bg::Shape shape = set.example_shape();  // (C, H, W)
    const int channels = static_cast<int>(shape[0]), height = static_cast<int>(shape[1]),
              width = static_cast<int>(shape[2]);
    const std::size_t plane = static_cast<std::size_t>(height) * width;
    std::vector<float> pixels(channels * plane);
    std::vector<unsigned char> bytes(pixels.size());
    for (int64_t index = c.first; index < c.first + c.count; ++index) {
        const int64_t label = set.get_into(index, pixels.data());
        // Undo the normalization, and go from planes (CHW) to interleaved pixels (HWC).
        for (int ch = 0; ch < channels; ++ch) {
            for (std::size_t i = 0; i < plane; ++i) {
                const double value =
                    (pixels[ch * plane + i] * data.std[ch] + data.mean[ch]) * 255.0;
                bytes[i * channels + ch] =
                    static_cast<unsigned char>(std::clamp(std::lround(value), 0L, 255L));
            }
        }
        std::string name = data.class_names[static_cast<std::size_t>(label)];
        std::replace(name.begin(), name.end(), ' ', '_');
        std::replace(name.begin(), name.end(), '/', '_');
        const std::string path = fmt::format("{}/{}-{}-{}.png", c.out, c.split, index, name);
        BG_CHECK(stbi_write_png(path.c_str(), width, height, channels, bytes.data(),
                                width * channels) != 0,
                 "export_images: expected to write ", path, ", got a failure (is ", c.out,
                 " writable?)");
        fmt::print("{}\n", path);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    ExportConfig c;
    CLI::App app{"Write examples of a data set as PNG files named SPLIT-INDEX-CLASS.png."};
    app.option_defaults()->always_capture_default();
    bg::add_data_set_flags(app, c.dataset, c.data_dir);
    app.add_option("--split", c.split, "test or train")->check(CLI::IsMember({"test", "train"}));
    app.add_option("--first", c.first, "Index of the first example")
        ->check(bg::flags::non_negative_integer());
    app.add_option("--count", c.count, "How many examples")->check(bg::flags::positive_integer());
    app.add_option("--out", c.out, "Folder for the PNG files")->required();
    return bg::flags::run_app("export_images", app, argc, argv, [&] { return export_images(c); });
}

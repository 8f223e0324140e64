// Tests for read_image, load_image and ImageFolderDataset on PNG, JPEG and BMP files written here
// with stb_image_write: exact pixels of lossless files, channel conversion (grey, RGB, alpha),
// resizing of an odd-size image, class indices from sorted folder names, shapes and value
// ranges, and the errors for a non-image file, a truncated file and bad folder layouts.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "datasets/image_folder.h"
#include "engine/check.h"
#include "temp_dir.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb_image_write.h>
#pragma GCC diagnostic pop

namespace fs = std::filesystem;
using budgetgrad::Error;
using budgetgrad::ImageFolderDataset;

namespace {

using Bytes = std::vector<uint8_t>;

using budgetgrad::testing::TempDir;

constexpr int kQuality = 95;  // JPEG quality for the lossy test files

// Interleaved (H, W, comp) pixels: value (y * 16 + x * 3 + channel * 50 + salt) % 256.
Bytes pattern(int width, int height, int comp, int salt) {
    Bytes out;
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            for (int c = 0; c < comp; ++c)
                out.push_back(uint8_t((y * 16 + x * 3 + c * 50 + salt) % 256));
        }
    }
    return out;
}

// `width` x `height` pixels all equal to `color` (comp values).
Bytes solid(int width, int height, const Bytes& color) {
    Bytes out;
    for (int i = 0; i < width * height; ++i)
        out.insert(out.end(), color.begin(), color.end());
    return out;
}

void write_png(const std::string& path, int width, int height, int comp, const Bytes& pixels) {
    REQUIRE(stbi_write_png(path.c_str(), width, height, comp, pixels.data(), width * comp) != 0);
}

void write_jpg(const std::string& path, int width, int height, int comp, const Bytes& pixels) {
    REQUIRE(stbi_write_jpg(path.c_str(), width, height, comp, pixels.data(), kQuality) != 0);
}

void write_bmp(const std::string& path, int width, int height, int comp, const Bytes& pixels) {
    REQUIRE(stbi_write_bmp(path.c_str(), width, height, comp, pixels.data()) != 0);
}

void write_text(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    REQUIRE(out.good());
}

// (H, W, C) interleaved -> (C, H, W) planar.
Bytes to_chw(const Bytes& hwc, int plane, int comp) {
    Bytes out(hwc.size());
    for (int i = 0; i < plane; ++i) {
        for (int c = 0; c < comp; ++c)
            out[std::size_t(c * plane + i)] = hwc[std::size_t(i * comp + c)];
    }
    return out;
}

uint8_t luma(uint8_t r, uint8_t g, uint8_t b) {
    return uint8_t((19595u * r + 38470u * g + 7471u * b + 32768u) >> 16);
}

const std::vector<float> kHalf3 = {0.5f, 0.5f, 0.5f};
const std::vector<float> kHalf1 = {0.5f};

}  // namespace

TEST_CASE("read_image decodes PNG and BMP exactly, in CHW order") {
    TempDir dir;
    const Bytes rgb = pattern(4, 4, 3, /*salt=*/7);
    write_png(dir.nested_file("a.png"), 4, 4, 3, rgb);
    write_bmp(dir.nested_file("a.bmp"), 4, 4, 3, rgb);
    CHECK(budgetgrad::read_image(dir.nested_file("a.png"), 3, 4) == to_chw(rgb, 16, 3));
    CHECK(budgetgrad::read_image(dir.nested_file("a.bmp"), 3, 4) == to_chw(rgb, 16, 3));
}

TEST_CASE("read_image converts channels: grey to RGB, RGB to luma, alpha dropped") {
    TempDir dir;
    const Bytes grey = pattern(4, 4, 1, /*salt=*/3);
    write_png(dir.nested_file("grey.png"), 4, 4, 1, grey);
    // Grey replicated into R, G and B.
    const Bytes as_rgb = budgetgrad::read_image(dir.nested_file("grey.png"), 3, 4);
    REQUIRE(as_rgb.size() == 48);
    for (int i = 0; i < 16; ++i) {
        CHECK(as_rgb[std::size_t(i)] == grey[std::size_t(i)]);
        CHECK(as_rgb[std::size_t(16 + i)] == grey[std::size_t(i)]);
        CHECK(as_rgb[std::size_t(32 + i)] == grey[std::size_t(i)]);
    }
    CHECK(budgetgrad::read_image(dir.nested_file("grey.png"), 1, 4) == grey);

    // RGB to grey with the rounded BT.601 weights; e.g. (255, 0, 0) -> 76, (0, 0, 255) -> 29.
    const Bytes rgb = pattern(4, 4, 3, /*salt=*/200);
    write_png(dir.nested_file("rgb.png"), 4, 4, 3, rgb);
    const Bytes as_grey = budgetgrad::read_image(dir.nested_file("rgb.png"), 1, 4);
    REQUIRE(as_grey.size() == 16);
    for (int i = 0; i < 16; ++i) {
        const uint8_t* p = rgb.data() + i * 3;
        CHECK(as_grey[std::size_t(i)] == luma(p[0], p[1], p[2]));
    }
    write_png(dir.nested_file("red.png"), 1, 1, 3, {255, 0, 0});
    write_png(dir.nested_file("blue.png"), 1, 1, 3, {0, 0, 255});
    CHECK(budgetgrad::read_image(dir.nested_file("red.png"), 1, 1) == Bytes{76});
    CHECK(budgetgrad::read_image(dir.nested_file("blue.png"), 1, 1) == Bytes{29});

    // RGBA: the colour is kept as it is, the alpha (here 0, fully transparent) ignored.
    const Bytes rgba = pattern(4, 4, 4, /*salt=*/90);
    write_png(dir.nested_file("rgba.png"), 4, 4, 4, rgba);
    const Bytes without_alpha = budgetgrad::read_image(dir.nested_file("rgba.png"), 3, 4);
    for (int i = 0; i < 16; ++i) {
        for (int c = 0; c < 3; ++c)
            CHECK(without_alpha[std::size_t(c * 16 + i)] == rgba[std::size_t(i * 4 + c)]);
    }
}

TEST_CASE("read_image resizes an odd-size image to the square side") {
    TempDir dir;
    // A constant image stays constant (the filter weights sum to one).
    write_png(dir.nested_file("odd.png"), 7, 5, 3, solid(7, 5, {10, 120, 250}));
    const Bytes small = budgetgrad::read_image(dir.nested_file("odd.png"), 3, 4);
    REQUIRE(small.size() == 48);
    for (int i = 0; i < 16; ++i) {
        CHECK(small[std::size_t(i)] == 10);
        CHECK(small[std::size_t(16 + i)] == 120);
        CHECK(small[std::size_t(32 + i)] == 250);
    }
    // A left-to-right ramp, enlarged, stays a ramp: non-decreasing along every row, with the
    // ends near the source's ends.
    Bytes ramp;
    for (int y = 0; y < 3; ++y) {
        for (int x = 0; x < 5; ++x)
            ramp.push_back(uint8_t(x * 60));  // 0, 60, 120, 180, 240
    }
    write_png(dir.nested_file("ramp.png"), 5, 3, 1, ramp);
    const Bytes big = budgetgrad::read_image(dir.nested_file("ramp.png"), 1, 9);
    REQUIRE(big.size() == 81);
    for (int y = 0; y < 9; ++y) {
        for (int x = 1; x < 9; ++x)
            CHECK(big[std::size_t(y * 9 + x)] >= big[std::size_t(y * 9 + x - 1)]);
        CHECK(big[std::size_t(y * 9)] <= 10);
        CHECK(big[std::size_t(y * 9 + 8)] >= 230);
    }
}

TEST_CASE("read_image decodes JPEG within the codec's error") {
    TempDir dir;
    write_jpg(dir.nested_file("flat.jpg"), 8, 8, 3, solid(8, 8, {200, 100, 50}));
    const Bytes pixels = budgetgrad::read_image(dir.nested_file("flat.jpg"), 3, 8);
    REQUIRE(pixels.size() == 192);
    const int expected[3] = {200, 100, 50};
    for (int c = 0; c < 3; ++c) {
        for (int i = 0; i < 64; ++i)
            CHECK(std::abs(int(pixels[std::size_t(c * 64 + i)]) - expected[c]) <= 4);
    }
}

TEST_CASE("read_image names a file it cannot decode") {
    TempDir dir;
    const std::string text = dir.nested_file("notes.txt");
    write_text(text, "not an image\n");
    CHECK_THROWS_WITH_AS(budgetgrad::read_image(text, 3, 4),
                         ("read_image: " + text +
                          ": expected a PNG, JPEG or BMP image, got a file stb_image cannot "
                          "decode (unknown image type)")
                             .c_str(),
                         Error);

    // A PNG cut after 40 bytes.
    write_png(dir.nested_file("whole.png"), 16, 16, 3, pattern(16, 16, 3, 0));
    std::ifstream in(dir.nested_file("whole.png"), std::ios::binary);
    std::string head(40, '\0');
    in.read(head.data(), 40);
    write_text(dir.nested_file("cut.png"), head);
    CHECK_THROWS_WITH_AS(budgetgrad::read_image(dir.nested_file("cut.png"), 3, 4),
                         doctest::Contains(("read_image: " + dir.nested_file("cut.png") +
                                            ": expected a PNG, JPEG or BMP image, got a file "
                                            "stb_image cannot decode (")
                                               .c_str()),
                         Error);

    CHECK_THROWS_WITH_AS(budgetgrad::read_image(dir.nested_file("nope.png"), 3, 4),
                         ("read_image: " + dir.nested_file("nope.png") +
                          ": expected an existing image file, got no such file")
                             .c_str(),
                         Error);
    CHECK_THROWS_WITH_AS(budgetgrad::read_image(dir.nested_file("whole.png"), 2, 4),
                         doctest::Contains("expected channels 1 (grey) or 3 (RGB), got 2"), Error);
    CHECK_THROWS_WITH_AS(budgetgrad::read_image(dir.nested_file("whole.png"), 3, 0),
                         doctest::Contains("expected image_size in [1, 4096], got 0"), Error);
}

TEST_CASE("ImageFolderDataset numbers classes by sorted folder name and normalizes") {
    TempDir dir;
    // Classes written out of order: ant = 0, bee = 1, cat = 2.
    write_png(dir.nested_file("cat/z.png"), 7, 5, 3, solid(7, 5, {255, 0, 255}));  // resized to 4x4
    write_jpg(dir.nested_file("cat/a.jpg"), 4, 4, 3, solid(4, 4, {128, 128, 128}));
    write_png(dir.nested_file("ant/only.png"), 4, 4, 3, pattern(4, 4, 3, 1));
    write_png(dir.nested_file("bee/grey.png"), 4, 4, 1, pattern(4, 4, 1, 2));  // grey, replicated
    write_bmp(dir.nested_file("bee/b.bmp"), 4, 4, 3, pattern(4, 4, 3, 5));
    write_text(dir.nested_file("README.txt"), "files directly in the root are ignored\n");

    const ImageFolderDataset dataset(dir.str(), 3, 4, kHalf3, kHalf3);
    CHECK(dataset.class_names() == std::vector<std::string>{"ant", "bee", "cat"});
    CHECK(dataset.num_classes() == 3);
    REQUIRE(dataset.size() == 5);
    CHECK(dataset.example_shape() == budgetgrad::Shape{3, 4, 4});
    CHECK(dataset.labels() == std::vector<int64_t>{0, 1, 1, 2, 2});
    // Files in sorted order within a class.
    CHECK(dataset.paths()[1] == dir.nested_file("bee/b.bmp"));
    CHECK(dataset.paths()[2] == dir.nested_file("bee/grey.png"));
    CHECK(dataset.paths()[3] == dir.nested_file("cat/a.jpg"));

    std::vector<float> out(48);
    for (int64_t i = 0; i < dataset.size(); ++i) {
        CHECK(dataset.get_into(i, out.data()) == dataset.labels()[std::size_t(i)]);
        for (int k = 0; k < 48; ++k) {
            const uint8_t pixel = dataset.pixels()[std::size_t(i * 48 + k)];
            CHECK(out[std::size_t(k)] == (float(pixel) / 255.0f - 0.5f) / 0.5f);
            CHECK(out[std::size_t(k)] >= -1.0f);
            CHECK(out[std::size_t(k)] <= 1.0f);
        }
    }
    // The resized magenta image: R = 255 -> 1, G = 0 -> -1.
    dataset.get_into(4, out.data());
    CHECK(out[0] == 1.0f);
    CHECK(out[16] == -1.0f);
    CHECK(out[47] == 1.0f);

    // The same folder as grey images.
    const ImageFolderDataset grey(dir.str(), 1, 4, kHalf1, kHalf1);
    CHECK(grey.example_shape() == budgetgrad::Shape{1, 4, 4});
    CHECK(grey.pixels()[4 * 16] == luma(255, 0, 255));
}

TEST_CASE("ImageFolderDataset refuses a non-image file and names it") {
    TempDir dir;
    write_png(dir.nested_file("a/one.png"), 4, 4, 3, pattern(4, 4, 3, 0));
    write_png(dir.nested_file("b/two.png"), 4, 4, 3, pattern(4, 4, 3, 1));
    write_text(dir.nested_file("b/labels.csv"), "id,label\n1,b\n");
    CHECK_THROWS_WITH_AS(ImageFolderDataset(dir.str(), 3, 4, kHalf3, kHalf3),
                         ("read_image: " + dir.nested_file("b/labels.csv") +
                          ": expected a PNG, JPEG or BMP image, got a file stb_image cannot "
                          "decode (unknown image type)")
                             .c_str(),
                         Error);
}

TEST_CASE("ImageFolderDataset refuses bad folder layouts and arguments") {
    TempDir dir;
    CHECK_THROWS_WITH_AS(ImageFolderDataset(dir.nested_file("missing"), 3, 4, kHalf3, kHalf3),
                         ("ImageFolderDataset: expected a directory with one sub-folder of images "
                          "per class, got no directory " +
                          dir.nested_file("missing"))
                             .c_str(),
                         Error);
    write_text(dir.nested_file("root/loose.png"), "x");
    CHECK_THROWS_WITH_AS(ImageFolderDataset(dir.nested_file("root"), 3, 4, kHalf3, kHalf3),
                         ("ImageFolderDataset: expected one sub-folder per class in " +
                          dir.nested_file("root") + ", got no sub-folder")
                             .c_str(),
                         Error);

    write_png(dir.nested_file("root/full/x.png"), 4, 4, 3, pattern(4, 4, 3, 0));
    fs::create_directories(dir.nested_file("root/empty"));
    CHECK_THROWS_WITH_AS(ImageFolderDataset(dir.nested_file("root"), 3, 4, kHalf3, kHalf3),
                         ("ImageFolderDataset: expected at least one image in class folder " +
                          dir.nested_file("root/empty") + ", got an empty folder")
                             .c_str(),
                         Error);
    fs::remove(dir.nested_file("root/empty"));

    fs::create_directories(dir.nested_file("root/full/nested"));
    CHECK_THROWS_WITH_AS(ImageFolderDataset(dir.nested_file("root"), 3, 4, kHalf3, kHalf3),
                         ("ImageFolderDataset: expected only image files in class folder " +
                          dir.nested_file("root/full") + ", got the sub-folder " +
                          dir.nested_file("root/full/nested"))
                             .c_str(),
                         Error);
    fs::remove(dir.nested_file("root/full/nested"));

    CHECK(ImageFolderDataset(dir.nested_file("root"), 3, 4, kHalf3, kHalf3).size() == 1);
    CHECK_THROWS_WITH_AS(ImageFolderDataset(dir.nested_file("root"), 3, 4, kHalf1, kHalf1),
                         "ImageFolderDataset: expected one mean and one std per channel (3), got "
                         "1 means and 1 stds",
                         Error);
    CHECK_THROWS_WITH_AS(
        ImageFolderDataset(dir.nested_file("root"), 1, 4, kHalf1, std::vector<float>{0.0f}),
        "ImageFolderDataset: expected finite means and positive finite stds, "
        "got mean 0.5 and std 0 for channel 0",
        Error);
    CHECK_THROWS_WITH_AS(ImageFolderDataset(dir.nested_file("root"), 4, 4, kHalf3, kHalf3),
                         "ImageFolderDataset: expected channels 1 (grey) or 3 (RGB), got 4", Error);
}

TEST_CASE("load_image returns a normalized (C, S, S) tensor") {
    TempDir dir;
    write_png(dir.nested_file("x.png"), 6, 3, 3, solid(6, 3, {255, 0, 51}));
    const budgetgrad::Tensor image =
        budgetgrad::load_image(dir.nested_file("x.png"), 3, 5, std::vector<float>{0.5f, 0.5f, 0.2f},
                               std::vector<float>{0.5f, 0.25f, 0.5f});
    CHECK(image.shape() == budgetgrad::Shape{3, 5, 5});
    CHECK(image.at(0) == doctest::Approx(1.0));    // (1 - 0.5) / 0.5
    CHECK(image.at(25) == doctest::Approx(-2.0));  // (0 - 0.5) / 0.25
    CHECK(image.at(74) == doctest::Approx(0.0));   // (0.2 - 0.2) / 0.5
    CHECK_THROWS_WITH_AS(budgetgrad::load_image(dir.nested_file("x.png"), 1, 5, kHalf3, kHalf3),
                         ("load_image: " + dir.nested_file("x.png") +
                          ": expected one mean and one std per channel (1), got 3 means and 3 "
                          "stds")
                             .c_str(),
                         Error);
}

TEST_CASE("read_image refuses crafted files the fuzzer found, naming them") {
    // The first two bytes of each reproducer are the fuzz target's own parameters.
    // A BMP header declaring 327686x0 pixels: stb_image decodes it to an empty image.
    const std::vector<uint8_t> empty_bmp = {
        0x42, 0x4d, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x36, 0x00, 0x00, 0x00,
        0x28, 0x00, 0x00, 0x00, 0x06, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
        0x18, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x4a, 0x25, 0x00, 0xb9, 0x94, 0x28, 0xde, 0x97};
    // A JPEG whose Huffman table declares 0x8f + 0xd9 = 360 codes, more than the 256 that
    // stb_image's tables hold.
    const std::vector<uint8_t> huge_table = {0xff, 0xd8, 0xff, 0xc4, 0xf4, 0x0e, 0x00, 0x8f, 0xd9};
    // The same behind fill bytes before the start-of-image marker, which stb_image skips:
    // 0x8f + 0x3d + 0x85 = 337 codes.
    std::vector<uint8_t> filled_table(115, 0xff);
    for (uint8_t byte : {0xd8, 0xff, 0xc4, 0xf4, 0x0e, 0x00, 0x8f, 0x3d, 0x85})
        filled_table.push_back(byte);
    TempDir dir;
    const std::string bmp = dir.nested_file("empty.bmp"), jpg = dir.nested_file("table.jpg");
    write_text(bmp, std::string(empty_bmp.begin(), empty_bmp.end()));
    write_text(jpg, std::string(huge_table.begin(), huge_table.end()));
    CHECK_THROWS_WITH_AS(budgetgrad::read_image(bmp, 3, 32), doctest::Contains("empty.bmp"), Error);
    CHECK_THROWS_WITH_AS(budgetgrad::read_image(jpg, 3, 32),
                         doctest::Contains("expected a JPEG Huffman table of at most 256 codes, "
                                           "got 360"),
                         Error);
    const std::string filled = dir.nested_file("filled.jpg");
    write_text(filled, std::string(filled_table.begin(), filled_table.end()));
    CHECK_THROWS_WITH_AS(budgetgrad::read_image(filled, 3, 32),
                         doctest::Contains("filled.jpg: expected a JPEG Huffman table of at most "
                                           "256 codes, got 337"),
                         Error);
}

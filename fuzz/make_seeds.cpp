// Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/: tiny valid files of
// each format, made with the engine's own writers where it has them (checkpoints) and with
// zlib and stb_image_write otherwise. Run once by hand when a format changes:
//   build-fuzz/fuzz/fuzz_make_seeds fuzz/corpus
// Files stay small (a few hundred bytes each) so that mutations stay fast.
#include <zlib.h>

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb_image_write.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/state_dict.h"
#include "layers/linear.h"
#include "train/checkpoint.h"

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

namespace {

void put_u32_be(Bytes& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<uint8_t>(v >> shift));
}

bool write_raw(const fs::path& path, const Bytes& bytes) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return false;
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
    return std::fclose(f) == 0 && ok;
}

bool write_gz(const fs::path& path, const Bytes& bytes) {
    gzFile f = gzopen(path.c_str(), "wb9");
    if (f == nullptr) return false;
    const bool ok = gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())) ==
                    static_cast<int>(bytes.size());
    return gzclose(f) == Z_OK && ok;
}

// 3 images of 4 x 5 pixels and their 3 labels, IDX ubyte.
bool write_idx(const fs::path& dir) {
    constexpr uint32_t kCount = 3, kRows = 4, kCols = 5;
    Bytes images, labels;
    put_u32_be(images, 2051);
    put_u32_be(images, kCount);
    put_u32_be(images, kRows);
    put_u32_be(images, kCols);
    for (uint32_t i = 0; i < kCount * kRows * kCols; ++i)
        images.push_back(static_cast<uint8_t>(i * 13));
    put_u32_be(labels, 2049);
    put_u32_be(labels, kCount);
    for (uint8_t label : {7, 2, 1})
        labels.push_back(label);
    return write_raw(dir / "images.idx", images) && write_gz(dir / "images.idx.gz", images) &&
           write_raw(dir / "labels.idx", labels) && write_gz(dir / "labels.idx.gz", labels);
}

// 2 records of 1 + 3 * 32 * 32 bytes, and one alone.
bool write_cifar(const fs::path& dir) {
    constexpr int kPixels = 3 * 32 * 32;
    Bytes batch;
    for (uint8_t label : {3, 9}) {
        batch.push_back(label);
        for (int i = 0; i < kPixels; ++i)
            batch.push_back(static_cast<uint8_t>(i * label));
    }
    const Bytes one(batch.begin(), batch.begin() + 1 + kPixels);
    return write_raw(dir / "two_records.bin", batch) && write_raw(dir / "one_record.bin", one);
}

// A model-only checkpoint of a Linear(3, 2) written by save_checkpoint, and a StateDict holding
// one value of every kind.
bool write_checkpoints(const fs::path& dir) {
    budgetgrad::Linear model(/*in_features=*/3, /*out_features=*/2);
    budgetgrad::CheckpointInfo info;
    info.model = "linear";
    info.input_shape = {3};
    info.class_names = {"yes", "no"};
    info.mean = {0.5};
    info.std = {0.25};
    info.step = 12;
    info.epoch = 1;
    info.run = {{"batch_size", "4"}};
    budgetgrad::save_checkpoint((dir / "linear.ckpt").string(), info, model,
                                /*optimizer=*/nullptr, /*schedule=*/nullptr);

    budgetgrad::StateDict state;
    const std::vector<float> f = {1.0f, -2.0f, 3.5f, 0.0f};
    const std::vector<double> d = {0.25, -1e300};
    state.put("t.float", budgetgrad::Tensor::from_vector({2, 2}, f));
    state.put("t.double", budgetgrad::Tensor::from_vector({2}, d));
    state.put("t.scalar", budgetgrad::Tensor::zeros({}));
    state.put("i", int64_t{-42});
    state.put("r", 3.25);
    state.put("s", std::string("hello\nworld"));
    state.save((dir / "kinds.ckpt").string());
    return true;
}

// stb_image_write callback appending to a byte vector.
void append(void* context, void* data, int size) {
    auto* out = static_cast<Bytes*>(context);
    const auto* p = static_cast<const uint8_t*>(data);
    out->insert(out->end(), p, p + size);
}

// PNG (RGBA and grey), JPEG and BMP of small sizes; each file starts with the two parameter
// bytes of fuzz_image (channels, side).
bool write_images(const fs::path& dir) {
    constexpr int kW = 6, kH = 5;
    std::vector<uint8_t> pixels(kW * kH * 4);
    for (std::size_t i = 0; i < pixels.size(); ++i)
        pixels[i] = static_cast<uint8_t>(i * 37);
    struct Seed {
        const char* name;
        uint8_t channels, side;
        int comp;
        int format;  // 0 png, 1 jpeg, 2 bmp
    };
    const Seed seeds[] = {{"rgba.png", 1, 0, 4, 0},
                          {"grey.png", 0, 8, 1, 0},
                          {"rgb.jpg", 1, 24, 3, 1},
                          {"rgb.bmp", 0, 2, 3, 2}};
    for (const Seed& seed : seeds) {
        Bytes out = {seed.channels, seed.side};
        int ok = 0;
        if (seed.format == 0)
            ok = stbi_write_png_to_func(append, &out, kW, kH, seed.comp, pixels.data(), 0);
        else if (seed.format == 1)
            ok = stbi_write_jpg_to_func(append, &out, kW, kH, seed.comp, pixels.data(), 90);
        else
            ok = stbi_write_bmp_to_func(append, &out, kW, kH, seed.comp, pixels.data());
        if (ok == 0 || !write_raw(dir / seed.name, out)) return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const fs::path root = argv[1];
    for (const char* target : {"idx", "cifar", "checkpoint", "image"})
        fs::create_directories(root / target);
    const bool ok = write_idx(root / "idx") && write_cifar(root / "cifar") &&
                    write_checkpoints(root / "checkpoint") && write_images(root / "image");
    if (!ok) {
        std::fprintf(stderr, "make_seeds: failed to write a seed under %s\n", argv[1]);
        return 1;
    }
    return 0;
}

// The predict path end to end: a short MNIST training run saves a checkpoint, test images are
// written as PNG files, and the Predictor reads them back through the checkpoint's input shape
// and normalization.
#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "data_dir.h"
#include "datasets/mnist.h"
#include "engine/random.h"
#include "layers/zoo.h"
#include "optim/schedule.h"
#include "temp_dir.h"
#include "train/checkpoint.h"
#include "train/predictor.h"
#include "train/trainer.h"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#endif
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace bg = budgetgrad;
namespace fs = std::filesystem;

TEST_CASE("predict: a checkpoint from a short run classifies PNG files of test digits") {
    const std::string dir = bg::testing::data_dir() + "/mnist";
    REQUIRE_MESSAGE(fs::is_directory(dir), "MNIST is missing from ", dir,
                    ": run scripts/get_data.sh mnist (or set BUDGETGRAD_DATA_DIR)");
    const bg::testing::TempDir temp;
    const fs::path& scratch = temp.path();

    bg::manual_seed(0);
    auto train = std::make_shared<bg::MnistDataset>(dir, bg::MnistSplit::train);
    bg::DataLoader loader(train, {.batch_size = 64, .seed = 0});
    auto model = bg::make_model("lenet5");
    bg::SGD sgd(model->parameters(), {.lr = 0.05, .momentum = 0.9});
    bg::LinearLR schedule(sgd, 300);
    bg::fit(*model, sgd, schedule, loader, {.total_steps = 300, .log_every = 0});
    const std::string checkpoint = (scratch / "lenet5.ckpt").string();
    bg::save_checkpoint(
        checkpoint,
        {"lenet5", {1, 28, 28}, bg::mnist_class_names(), {bg::kMnistMean}, {bg::kMnistStd}, 300, 1},
        *model, &sgd, &schedule);

    const bg::Predictor predictor(checkpoint);
    const bg::MnistDataset test(dir, bg::MnistSplit::test);
    constexpr int kImages = 40;
    int correct = 0;
    for (int i = 0; i < kImages; ++i) {
        const uint8_t* pixels = test.images().pixels.data() + i * 28 * 28;
        const std::string png = (scratch / ("digit" + std::to_string(i) + ".png")).string();
        REQUIRE(stbi_write_png(png.c_str(), 28, 28, 1, pixels, 28) != 0);
        const auto scores = predictor.classify_file(png);
        REQUIRE(scores.size() == 3);
        CHECK(scores[0].probability >= scores[1].probability);
        CHECK(scores[1].probability >= scores[2].probability);
        CHECK(scores[0].name == std::to_string(scores[0].label));
        correct += scores[0].label == test.labels()[i];
        if (i == 0) {
            // The same digit as an RGB JPEG is converted to one channel and gets the same answer.
            std::vector<uint8_t> rgb;
            for (int p = 0; p < 28 * 28; ++p)
                rgb.insert(rgb.end(), 3, pixels[p]);
            const std::string jpg = (scratch / "digit0.jpg").string();
            REQUIRE(stbi_write_jpg(jpg.c_str(), 28, 28, 3, rgb.data(), 95) != 0);
            CHECK(predictor.classify_file(jpg)[0].label == scores[0].label);
        }
    }
    MESSAGE("predict: ", correct, " of ", kImages, " test digits right after 300 steps");
    CHECK(correct >= 36);
    CHECK_THROWS_WITH_AS(predictor.classify_file((scratch / "missing.png").string()),
                         doctest::Contains("missing.png"), bg::Error);
}

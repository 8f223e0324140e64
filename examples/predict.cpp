// Classifies image files (PNG, JPEG, BMP) with a checkpoint written by examples/mnist or
// examples/cifar --save, printing the three most likely classes of each.
//
//   ./examples/predict --checkpoint cifar.ckpt cat.png ship.jpg
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "engine/check.h"
#include "train/flags.h"
#include "train/predictor.h"

namespace bg = budgetgrad;

int main(int argc, char** argv) {
    std::string checkpoint;
    std::vector<std::string> images;
    int top = 3;
    CLI::App app{
        "Classify image files with a checkpoint written by examples/mnist or "
        "examples/cifar --save."};
    app.add_option("--checkpoint", checkpoint, "Checkpoint file")->required();
    app.add_option("--top", top, "How many classes to show")->check(bg::flags::integer_in(1, 1000));
    app.add_option("images", images, "Image files")->required();
    return bg::flags::run_app("predict", app, argc, argv, [&] {
        const bg::Predictor predictor(checkpoint);
        // A file that cannot be read is reported and the others are still classified; the
        // exit status then says that some failed.
        int failed = 0;
        for (const std::string& path : images) {
            try {
                std::string line = path + ":";
                for (const bg::ClassScore& score : predictor.classify_file(path, top)) {
                    line += fmt::format("  {} {:.1f}%", score.name, 100.0 * score.probability);
                }
                fmt::print("{}\n", line);
            } catch (const bg::Error& e) {
                std::fflush(stdout);
                fmt::print(stderr, "predict: {}\n", e.what());
                ++failed;
            }
        }
        if (failed > 0) {
            fmt::print(stderr, "predict: {} of {} images could not be classified\n", failed,
                       images.size());
        }
        return failed > 0 ? 1 : 0;
    });
}

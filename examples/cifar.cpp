// Trains a zoo model (resnet20 by default) on CIFAR-10 within a budget of epochs or steps: SGD
// with momentum, weight decay off BatchNorm and biases, random crops and flips, and the learning
// rate decayed linearly to zero exactly at the end of the budget. Reports the accuracy on the
// 10,000 test images.
//
//   ./examples/cifar --budget-epochs 30
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "datasets/cifar10.h"
#include "datasets/transforms.h"
#include "engine/parallel.h"
#include "train/flags.h"
#include "train/run.h"

namespace bg = budgetgrad;

namespace {

bg::RunData load(const std::string& dir, uint64_t seed, bool augment) {
    bg::check_data_folder(dir, "CIFAR-10",
                          "run scripts/get_data.sh cifar10 in the repository, then run from its "
                          "root or pass --data-dir");
    auto train = std::make_shared<bg::Cifar10Dataset>(dir, bg::CifarSplit::train);
    bg::RunData data;
    data.name = augment ? "CIFAR-10 (crop + flip)" : "CIFAR-10";
    data.class_names = train->class_names();
    data.train = train;
    if (augment) {
        // Random 32x32 crops of the image padded by 4 black pixels, and horizontal flips.
        data.train = std::make_shared<bg::AugmentedDataset>(
            train, bg::normalized_zero(bg::kCifarMean, bg::kCifarStd),
            bg::AugmentOptions{.seed = seed});
    }
    data.test = std::make_shared<bg::Cifar10Dataset>(dir, bg::CifarSplit::test);
    data.mean.assign(bg::kCifarMean.begin(), bg::kCifarMean.end());
    data.std.assign(bg::kCifarStd.begin(), bg::kCifarStd.end());
    return data;
}

}  // namespace

int main(int argc, char** argv) {
    bg::RunConfig config;
    config.command.assign(argv, argv + argc);
    config.model = "resnet20";
    config.data_dir = "data/cifar10";
    config.nesterov = true;
    config.eval_every = 1;
    config.threads = bg::max_threads();
    bool augment = true;
    CLI::App app{
        "Train a model on CIFAR-10 within a budget of steps or epochs, the learning "
        "rate decaying to zero at the budget's end."};
    app.option_defaults()->always_capture_default();
    bg::add_run_flags(app, config);
    app.add_flag("--augment,!--no-augment", augment, "Random crops and horizontal flips");
    return bg::flags::run_app("cifar", app, argc, argv, [&] {
        bg::run_training("cifar", config, load(config.data_dir, config.seed, augment));
        return 0;
    });
}

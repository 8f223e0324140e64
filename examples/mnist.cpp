// Trains a zoo model (mnist_cnn by default) on MNIST or Fashion-MNIST within a budget of epochs
// or steps, with SGD and the learning rate decayed linearly to zero exactly at the end of the
// budget, then reports the accuracy on the 10,000 test images.
//
//   ./examples/mnist --budget-epochs 1
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "datasets/mnist.h"
#include "engine/parallel.h"
#include "train/flags.h"
#include "train/run.h"

namespace bg = budgetgrad;

namespace {

// Where Debian's dataset-fashion-mnist package puts the files.
constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

bg::RunData load(const std::string& dataset, const std::string& dir) {
    const bool fashion = dataset == "fashion-mnist";
    bg::check_data_folder(dir, dataset,
                          fashion ? "install Debian's dataset-fashion-mnist package"
                                  : "run scripts/get_data.sh mnist in the repository, then run "
                                    "from its root or pass --data-dir");
    const std::string hint =
        fashion ? bg::MnistDataset::kFashionMnistMissingHint : bg::MnistDataset::kMnistMissingHint;
    bg::RunData data;
    data.name = fashion ? "Fashion-MNIST" : "MNIST";
    data.train = std::make_shared<bg::MnistDataset>(dir, bg::MnistSplit::train, hint);
    data.test = std::make_shared<bg::MnistDataset>(dir, bg::MnistSplit::test, hint);
    data.class_names = fashion ? bg::fashion_mnist_class_names() : bg::mnist_class_names();
    data.mean = {bg::kMnistMean};
    data.std = {bg::kMnistStd};
    return data;
}

}  // namespace

int main(int argc, char** argv) {
    bg::RunConfig config;
    config.command.assign(argv, argv + argc);
    config.model = "mnist_cnn";
    config.batch_size = 64;
    config.lr = 0.05;
    config.weight_decay = 0.0;
    config.threads = bg::max_threads();
    std::string dataset = "mnist";
    CLI::App app{
        "Train a model on MNIST or Fashion-MNIST within a budget of steps or epochs, "
        "the learning rate decaying to zero at the budget's end."};
    app.option_defaults()->always_capture_default();
    app.add_option("--dataset", dataset, "mnist or fashion-mnist")
        ->check(CLI::IsMember({"mnist", "fashion-mnist"}));
    bg::add_run_flags(app, config);
    return bg::flags::run_app("mnist", app, argc, argv, [&] {
        if (config.data_dir.empty()) {
            config.data_dir = dataset == "mnist" ? "data/mnist" : kFashionMnistDir;
        }
        bg::run_training("mnist", config, load(dataset, config.data_dir));
        return 0;
    });
}

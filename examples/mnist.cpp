// Trains a zoo model (mnist_cnn by default) on MNIST or Fashion-MNIST within a budget of epochs
// or steps, with SGD and the learning rate decayed linearly to zero exactly at the end of the
// budget, then reports the accuracy on the 10,000 test images.
//
//   ./examples/mnist --budget-epochs 1
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "train/data_sets.h"
#include "train/flags.h"
#include "train/mpi_group.h"
#include "train/run.h"

namespace bg = budgetgrad;

int main(int argc, char** argv) {
    bg::RunConfig config;
    config.command.assign(argv, argv + argc);
    config.model = "mnist_cnn";
    config.batch_size = 64;
    config.lr = 0.05;
    config.weight_decay = 0.0;
    config.threads = bg::default_threads();
    std::string dataset = "mnist";
    CLI::App app{
        "Train a model on MNIST or Fashion-MNIST within a budget of steps or epochs, "
        "the learning rate decaying to zero at the budget's end."};
    app.option_defaults()->always_capture_default();
    app.add_option("--dataset", dataset, "mnist or fashion-mnist")
        ->check(CLI::IsMember({"mnist", "fashion-mnist"}));
    bg::add_run_flags(app, config);
    return bg::flags::run_app("mnist", app, argc, argv, [&] {
        if (config.data_dir.empty()) config.data_dir = bg::default_data_dir(dataset);
        bg::run_training("mnist", config, bg::load_mnist(dataset, config.data_dir));
        return 0;
    });
}

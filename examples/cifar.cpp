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

#include "train/data_sets.h"
#include "train/flags.h"
#include "train/mpi_group.h"
#include "train/run.h"

namespace bg = budgetgrad;

int main(int argc, char** argv) {
    bg::RunConfig config;
    config.command.assign(argv, argv + argc);
    config.model = "resnet20";
    config.data_dir = "data/cifar10";
    config.nesterov = true;
    config.eval_every = 1;
    config.threads = bg::default_threads();
    bool augment = true;
    CLI::App app{
        "Train a model on CIFAR-10 within a budget of steps or epochs, the learning "
        "rate decaying to zero at the budget's end."};
    app.option_defaults()->always_capture_default();
    bg::add_run_flags(app, config);
    app.add_flag("--augment,!--no-augment", augment, "Random crops and horizontal flips");
    return bg::flags::run_app("cifar", app, argc, argv, [&] {
        bg::run_training("cifar", config, bg::load_cifar10(config.data_dir, config.seed, augment));
        return 0;
    });
}

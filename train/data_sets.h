// The data sets the example programs train on, loaded as run_training takes them: the training
// and test splits, class names and the inputs' normalization. Shared by examples/mnist,
// examples/cifar and examples/budget_sweep.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "train/run.h"

namespace budgetgrad {

// Where Debian's dataset-fashion-mnist package puts the files.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

// The folder a program reads `dataset` ("mnist", "fashion-mnist" or "cifar10") from when not
// given --data-dir.
std::string default_data_dir(const std::string& dataset);

// MNIST or Fashion-MNIST ("mnist" or "fashion-mnist") from the IDX files in `dir`.
RunData load_mnist(const std::string& dataset, const std::string& dir);

// CIFAR-10 from the binary batches in `dir`; with `augment`, random 32x32 crops of the image
// padded by 4 pixels and horizontal flips, drawn from `seed`.
RunData load_cifar10(const std::string& dir, uint64_t seed, bool augment);

// --dataset (mnist, fashion-mnist or cifar10) and --data-dir, for programs that take any of
// them; an empty data_dir stands for default_data_dir(dataset).
void add_data_set_flags(CLI::App& app, std::string& dataset, std::string& data_dir);

// Either of the above by name, CIFAR-10 augmented.
RunData load_data_set(const std::string& dataset, const std::string& dir, uint64_t seed);

}  // namespace budgetgrad

// A whole training run as the example programs do it: the flags they share, the optimizer with
// weight decay kept off BatchNorm and bias parameters, a budget-aware schedule, the training
// loop with periodic evaluation, a CSV log and a final checkpoint. Each program only adds its
// data set and its defaults. Part of budgetgrad_cli (it uses CLI11), not of the core library.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "datasets/dataset.h"
#include "layers/module.h"
#include "optim/optimizer.h"

namespace budgetgrad {

struct RunConfig {
    std::string model;
    std::string data_dir;
    std::optional<double> budget_epochs;  // one of the three budgets; 1 epoch when none
    std::optional<int64_t> budget_steps;
    std::optional<double> budget_time;  // seconds of training time, evaluation excluded
    std::string schedule = "linear";
    int64_t warmup_steps = 0;
    double lr = 0.1;
    int64_t batch_size = 128;
    double momentum = 0.9;
    bool nesterov = false;
    double weight_decay = 5e-4;
    double label_smoothing = 0.0;
    uint64_t seed = 0;
    int threads = 1;
    int64_t eval_every = 0;  // epochs between evaluations; 0: only at the end
    int64_t log_every = 100;
    std::string log_csv;               // "" for none
    std::string save;                  // checkpoint path (periodic and final), "" for none
    int64_t checkpoint_every = 0;      // steps between checkpoints to `save`; 0: at the end
    std::string resume;                // checkpoint to continue from, "" for a fresh run
    std::vector<std::string> command;  // the program's argv, for the resume hint
};

// Adds the shared flags to `app`, with `config`'s current values as defaults.
void add_run_flags(CLI::App& app, RunConfig& config);

// What a program gives run_training besides the flags.
struct RunData {
    std::string name;                      // "MNIST", "CIFAR-10", ...
    std::shared_ptr<const Dataset> train;  // augmented already, if wanted
    std::shared_ptr<const Dataset> test;
    std::vector<std::string> class_names;
    std::vector<double> mean, std;  // the inputs' normalization, recorded in checkpoints
};

// Throws a --data-dir flags::FlagError unless `dir` is a folder: "expected a folder holding
// <dataset>, got '<dir>', which does not exist (or is a file); <remedy>".
void check_data_folder(const std::string& dir, const std::string& dataset,
                       const std::string& remedy);

// Two groups: weights of dimension > 1 with `weight_decay`, and the rest (biases, BatchNorm
// scales and shifts) without decay.
std::vector<ParamGroup> decay_groups(const Module& model, double weight_decay);

// Trains, evaluates and reports; throws budgetgrad::Error or flags::FlagError on failure. With
// `resume`, continues the run a checkpoint holds, exactly where it stopped (the same batches,
// augmentation, dropout masks, optimizer state and schedule), refusing settings that contradict
// the checkpoint's. SIGINT or SIGTERM stop training after the current step, write a checkpoint
// and throw flags::Interrupted; a second SIGINT exits at once.
struct RunResult {
    double test_accuracy = 0.0;  // in [0, 1]
    double test_loss = 0.0;
    int64_t steps = 0;              // optimizer steps in all, resumed ones included
    double training_seconds = 0.0;  // in this process, evaluation excluded
};
RunResult run_training(const std::string& program, const RunConfig& config, const RunData& data);

}  // namespace budgetgrad

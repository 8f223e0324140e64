// Training checkpoints: the model's parameters and buffers, the optimizer's state, the schedule's
// step, the step and epoch counters, the default generator's state, and what a program needs to
// rebuild and use the model (its zoo name, input shape, class names, normalization), in one
// StateDict file (versioned, CRC-checked, written atomically; see engine/state_dict.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "layers/module.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"

namespace budgetgrad {

struct CheckpointInfo {
    std::string model;                     // zoo name, e.g. "resnet20"
    Shape input_shape;                     // (C, H, W) of one example
    std::vector<std::string> class_names;  // index -> name
    std::vector<double> mean, std;         // per-channel normalization of the inputs
    int64_t step = 0;                      // optimizer steps taken
    int64_t epoch = 0;                     // epochs started
    // The settings of the run that wrote it ("batch_size" -> "128", ...), so that a resumed run
    // can refuse settings that contradict them.
    std::map<std::string, std::string> run;
    // Training time spent so far, evaluation excluded, for a run with a time budget; 0 under a
    // step budget, so that the same run always writes the same bytes.
    double training_seconds = 0.0;
};

// Writes a checkpoint atomically. optimizer and schedule may be null (a model-only file).
void save_checkpoint(const std::string& path, const CheckpointInfo& info, const Module& model,
                     const Optimizer* optimizer, const LRScheduler* schedule);

// Reads only the description, to know which model to build before loading into it.
CheckpointInfo read_checkpoint_info(const std::string& path);

// Loads a checkpoint written by save_checkpoint into an already built model (and optimizer and
// schedule, when given and present in the file), and restores the default generator. Throws
// budgetgrad::Error naming the file and the first mismatch.
CheckpointInfo load_checkpoint(const std::string& path, Module& model, Optimizer* optimizer,
                               LRScheduler* schedule);

}  // namespace budgetgrad

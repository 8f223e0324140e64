#include "train/checkpoint.h"

#include <cmath>
#include <cstring>

#include "engine/random.h"

namespace budgetgrad {

namespace {

constexpr const char* kFormat = "budgetgrad training checkpoint";

std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& name : names)
        out += name + '\n';
    return out;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
        out.push_back(text.substr(start, end - start));
    }
    return out;
}

Tensor doubles(const std::vector<double>& values) {
    return Tensor::from_vector({static_cast<int64_t>(values.size())}, values);
}

CheckpointInfo info_from(const StateDict& state) {
    BG_CHECK(state.contains("format") && state.text("format") == kFormat, "checkpoint ",
             state.source(), ": expected a training checkpoint, got another kind of file");
    CheckpointInfo info;
    info.model = state.text("info.model");
    constexpr double kMaxDimension = 1 << 16;
    for (double d : state.tensor("info.input_shape").to_vector()) {
        BG_CHECK(std::isfinite(d) && d == std::floor(d) && d >= 1.0 && d <= kMaxDimension,
                 "checkpoint ", state.source(), ": expected info.input_shape to hold whole ",
                 "numbers in [1, ", kMaxDimension, "], got ", d);
        info.input_shape.push_back(static_cast<int64_t>(d));
    }
    BG_CHECK(!info.input_shape.empty(), "checkpoint ", state.source(),
             ": expected info.input_shape to hold the input's dimensions, got none");
    info.class_names = split_lines(state.text("info.class_names"));
    info.mean = state.tensor("info.mean").to_vector();
    info.std = state.tensor("info.std").to_vector();
    const auto channels = static_cast<std::size_t>(info.input_shape[0]);
    BG_CHECK(info.mean.size() == channels && info.std.size() == channels, "checkpoint ",
             state.source(), ": expected one mean and one std per input channel (", channels,
             "), got ", info.mean.size(), " and ", info.std.size());
    for (std::size_t c = 0; c < channels; ++c) {
        BG_CHECK(std::isfinite(info.mean[c]) && std::isfinite(info.std[c]) && info.std[c] > 0.0,
                 "checkpoint ", state.source(),
                 ": expected finite means and positive finite stds, got mean ", info.mean[c],
                 " and std ", info.std[c], " for channel ", c);
    }
    info.step = state.integer("info.step");
    info.epoch = state.integer("info.epoch");
    if (state.contains("info.training_seconds")) {
        const std::vector<double> seconds = state.tensor("info.training_seconds").to_vector();
        BG_CHECK(seconds.size() == 1 && std::isfinite(seconds[0]) && seconds[0] >= 0.0,
                 "checkpoint ", state.source(),
                 ": expected info.training_seconds to hold one finite number >= 0");
        info.training_seconds = seconds[0];
    }
    const std::string prefix = "run.";
    for (const auto& [key, value] : state.entries()) {
        if (key.rfind(prefix, 0) == 0) info.run[key.substr(prefix.size())] = state.text(key);
    }
    return info;
}

}  // namespace

void save_checkpoint(const std::string& path, const CheckpointInfo& info, const Module& model,
                     const Optimizer* optimizer, const LRScheduler* schedule) {
    StateDict state;
    state.put("format", std::string(kFormat));
    state.put("info.model", info.model);
    std::vector<double> shape(info.input_shape.begin(), info.input_shape.end());
    state.put("info.input_shape", doubles(shape));
    state.put("info.class_names", join(info.class_names));
    state.put("info.mean", doubles(info.mean));
    state.put("info.std", doubles(info.std));
    state.put("info.step", info.step);
    state.put("info.epoch", info.epoch);
    state.put("info.training_seconds", doubles({info.training_seconds}));
    for (const auto& [key, value] : info.run)
        state.put("run." + key, value);
    const Generator::State& rng = default_generator().state();
    for (std::size_t i = 0; i < rng.size(); ++i) {
        int64_t word;
        std::memcpy(&word, &rng[i], sizeof word);
        state.put("rng.default." + std::to_string(i), word);
    }
    model.save_to(state, "model.");
    if (optimizer != nullptr) optimizer->save_to(state, "optimizer.");
    if (schedule != nullptr) state.put("schedule.step", schedule->step_count());
    state.save(path);
}

CheckpointInfo read_checkpoint_info(const std::string& path) {
    return info_from(StateDict::load(path));
}

CheckpointInfo load_checkpoint(const std::string& path, Module& model, Optimizer* optimizer,
                               LRScheduler* schedule) {
    const StateDict state = StateDict::load(path);
    CheckpointInfo info = info_from(state);
    model.load_from(state, "model.");
    if (optimizer != nullptr) optimizer->load_from(state, "optimizer.");
    if (schedule != nullptr) schedule->set_step(state.integer("schedule.step"));
    Generator::State rng;
    for (std::size_t i = 0; i < rng.size(); ++i) {
        const int64_t word = state.integer("rng.default." + std::to_string(i));
        std::memcpy(&rng[i], &word, sizeof word);
    }
    default_generator().set_state(rng);
    return info;
}

}  // namespace budgetgrad

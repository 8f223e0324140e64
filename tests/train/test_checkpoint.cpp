// Checkpoints: an exact round trip of a whole training state, and the damaged or foreign files
// that must be refused with a message naming the file.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "engine/ops.h"
#include "engine/random.h"
#include "engine/state_dict.h"
#include "layers/zoo.h"
#include "optim/schedule.h"
#include "temp_dir.h"
#include "train/checkpoint.h"

namespace bg = budgetgrad;
namespace fs = std::filesystem;

namespace {

// A few SGD steps of lenet5 on fixed random data, so that momentum buffers exist.
void train_steps(bg::Module& model, bg::Optimizer& optimizer, bg::LRScheduler& schedule,
                 int steps) {
    bg::Generator data(7);
    for (int s = 0; s < steps; ++s) {
        auto x = bg::Tensor::empty({4, 1, 28, 28});
        for (int64_t i = 0; i < x.numel(); ++i)
            x.data<float>()[i] = data.uniform(-1, 1);
        const std::vector<int64_t> labels = {0, 3, 5, 9};
        auto loss = bg::cross_entropy(model(x), labels);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        schedule.step();
    }
}

std::vector<std::vector<double>> all_state(const bg::Module& model) {
    std::vector<std::vector<double>> out;
    for (const auto& p : model.named_parameters())
        out.push_back(p.tensor.to_vector());
    for (const auto& b : model.named_buffers())
        out.push_back(b.tensor.to_vector());
    return out;
}

const bg::CheckpointInfo kInfo{"lenet5",
                               {1, 28, 28},
                               {"zero", "one"},
                               {0.1307},
                               {0.3081},
                               3,
                               1,
                               {{"--model", "lenet5"}},
                               /*training_seconds=*/12.25};

}  // namespace

TEST_CASE("checkpoint: a whole training state round-trips bit for bit") {
    const bg::testing::TempDir scratch;
    const std::string path = scratch.file("roundtrip.ckpt");
    bg::manual_seed(1);
    auto model = bg::make_model("lenet5");
    bg::SGD sgd(model->parameters(), {.lr = 0.05, .momentum = 0.9, .nesterov = true});
    bg::LinearLR schedule(sgd, 10);
    train_steps(*model, sgd, schedule, 3);
    bg::save_checkpoint(path, kInfo, *model, &sgd, &schedule);
    const auto rng_after_save = bg::default_generator().state();

    bg::manual_seed(99);  // different weights and generator state
    auto restored = bg::make_model("lenet5");
    bg::SGD sgd2(restored->parameters(), {.lr = 0.05, .momentum = 0.9, .nesterov = true});
    bg::LinearLR schedule2(sgd2, 10);
    auto info = bg::load_checkpoint(path, *restored, &sgd2, &schedule2);
    CHECK(info.model == "lenet5");
    CHECK(info.class_names == kInfo.class_names);
    CHECK(info.input_shape == kInfo.input_shape);
    CHECK(info.step == 3);
    CHECK(info.run == kInfo.run);
    CHECK(info.training_seconds == 12.25);
    CHECK(schedule2.step_count() == 3);
    CHECK(bg::default_generator().state() == rng_after_save);
    CHECK(all_state(*restored) == all_state(*model));

    // Both continue identically, momentum included.
    train_steps(*model, sgd, schedule, 2);
    train_steps(*restored, sgd2, schedule2, 2);
    CHECK(all_state(*restored) == all_state(*model));
}

TEST_CASE("checkpoint: damaged, truncated and foreign files are refused") {
    const bg::testing::TempDir scratch;
    const fs::path dir = scratch.path();
    const std::string good = (dir / "good.ckpt").string();
    bg::manual_seed(2);
    auto model = bg::make_model("lenet5");
    bg::save_checkpoint(good, kInfo, *model, nullptr, nullptr);
    std::vector<char> bytes(fs::file_size(good));
    std::ifstream(good, std::ios::binary).read(bytes.data(), bytes.size());

    const std::string flipped = (dir / "flipped.ckpt").string();
    std::vector<char> damaged = bytes;
    damaged[damaged.size() / 2] ^= 0x10;
    std::ofstream(flipped, std::ios::binary).write(damaged.data(), damaged.size());
    CHECK_THROWS_WITH_AS(bg::load_checkpoint(flipped, *model, nullptr, nullptr),
                         doctest::Contains(flipped.c_str()), bg::Error);

    const std::string truncated = (dir / "truncated.ckpt").string();
    std::ofstream(truncated, std::ios::binary).write(bytes.data(), bytes.size() - 100);
    CHECK_THROWS_WITH_AS(bg::load_checkpoint(truncated, *model, nullptr, nullptr),
                         doctest::Contains(truncated.c_str()), bg::Error);

    // A checkpoint of another model names the first entry that does not fit.
    auto other = bg::make_model("mnist_cnn");
    CHECK_THROWS_WITH_AS(bg::load_checkpoint(good, *other, nullptr, nullptr),
                         doctest::Contains("good.ckpt"), bg::Error);

    const std::string missing = (dir / "no_such.ckpt").string();
    CHECK_THROWS_WITH_AS(bg::load_checkpoint(missing, *model, nullptr, nullptr),
                         doctest::Contains(missing.c_str()), bg::Error);
}

TEST_CASE("checkpoint: an input shape or normalization that cannot be is refused, naming it") {
    const bg::testing::TempDir scratch;
    const std::string good = scratch.file("good.ckpt");
    bg::manual_seed(2);
    auto model = bg::make_model("lenet5");
    bg::save_checkpoint(good, kInfo, *model, nullptr, nullptr);
    const bg::StateDict state = bg::StateDict::load(good);
    // The file again with `key` holding `values`; the CRC is right, the content is not.
    auto with = [&](const std::string& key, const std::vector<double>& values) {
        bg::StateDict changed;
        for (const auto& [name, value] : state.entries()) {
            if (name == key) {
                changed.put(name,
                            bg::Tensor::from_vector({static_cast<int64_t>(values.size())}, values));
            } else {
                changed.put(name, value);
            }
        }
        const std::string path = scratch.file("changed.ckpt");
        changed.save(path);
        return path;
    };
    const double nan = std::nan("");
    CHECK_THROWS_WITH_AS(bg::read_checkpoint_info(with("info.input_shape", {nan, 28, 28})),
                         doctest::Contains("changed.ckpt: expected info.input_shape to hold "
                                           "whole numbers in [1, 65536], got nan"),
                         bg::Error);
    CHECK_THROWS_WITH_AS(bg::read_checkpoint_info(with("info.input_shape", {3, 28, 28})),
                         doctest::Contains("expected one mean and one std per input channel (3), "
                                           "got 1 and 1"),
                         bg::Error);
    CHECK_THROWS_WITH_AS(bg::read_checkpoint_info(with("info.std", {0.0})),
                         doctest::Contains("expected finite means and positive finite stds, got "
                                           "mean 0.1307 and std 0 for channel 0"),
                         bg::Error);
}

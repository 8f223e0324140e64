// Trains the mnist_cnn model on MNIST within a budget of epochs or steps, with SGD and the
// learning rate decayed linearly to zero exactly at the end of the budget, then reports the
// accuracy on the 10,000 test images.
//
//   ./examples/mnist --budget-epochs 1
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "datasets/dataloader.h"
#include "datasets/mnist.h"
#include "engine/parallel.h"
#include "engine/random.h"
#include "layers/zoo.h"
#include "optim/budget.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "train/flags.h"
#include "train/progress.h"
#include "train/trainer.h"

namespace bg = budgetgrad;

namespace {

constexpr int64_t kEvalBatchSize = 1000;
constexpr int kMaxThreads = 256;

struct Config {
    std::string data_dir = "data/mnist";
    std::optional<double> budget_epochs;
    std::optional<int64_t> budget_steps;
    int64_t batch_size = 64;
    double lr = 0.05;
    double momentum = 0.9;
    double weight_decay = 0.0;
    uint64_t seed = 0;
    int threads = bg::max_threads();
    int64_t log_every = 100;
};

int run(const Config& config) {
    bg::set_num_threads(config.threads);
    bg::manual_seed(config.seed);

    if (!std::filesystem::is_directory(config.data_dir)) {
        throw bg::flags::FlagError(
            "--data-dir", fmt::format("expected a folder holding MNIST, got '{}', which does not "
                                      "exist in {}; run scripts/get_data.sh mnist in the "
                                      "repository, then run from its root or pass --data-dir",
                                      config.data_dir, std::filesystem::current_path().string()));
    }
    auto train_set = std::make_shared<bg::MnistDataset>(config.data_dir, bg::MnistSplit::train);
    auto test_set = std::make_shared<bg::MnistDataset>(config.data_dir, bg::MnistSplit::test);
    if (config.batch_size > train_set->size()) {
        throw bg::flags::FlagError("--batch-size",
                                   fmt::format("expected at most {} (the training "
                                               "set's size), got {}",
                                               train_set->size(), config.batch_size));
    }
    bg::DataLoader train_loader(train_set, {.batch_size = config.batch_size,
                                            .shuffle = true,
                                            .drop_last = false,
                                            .seed = config.seed});
    bg::DataLoader test_loader(test_set, {.batch_size = kEvalBatchSize, .shuffle = false});

    const bg::Budget budget = config.budget_steps ? bg::Budget::steps(*config.budget_steps)
                                                  : bg::Budget::epochs(*config.budget_epochs);
    int64_t total_steps = 0;
    try {
        total_steps = budget.total_steps(train_loader.num_batches());
    } catch (const bg::Error& e) {
        throw bg::flags::FlagError("--budget-epochs", e.what());
    }

    std::shared_ptr<bg::Module> model = bg::make_model("mnist_cnn");
    bg::SGD optimizer(
        model->parameters(),
        {.lr = config.lr, .momentum = config.momentum, .weight_decay = config.weight_decay});
    bg::LinearLR schedule(optimizer, total_steps);

    fmt::print("budgetgrad mnist | model mnist_cnn ({} parameters) | data {}\n",
               model->parameter_count(), config.data_dir);
    fmt::print(
        "budget {} | batch {} | SGD lr {} momentum {} weight decay {} | "
        "linear decay to 0 | seed {} | threads {}\n",
        budget.describe(train_loader.num_batches()), config.batch_size, config.lr, config.momentum,
        config.weight_decay, config.seed, config.threads);
    std::fflush(stdout);

    bg::Stopwatch clock;
    const bg::FitResult fitted =
        bg::fit(*model, optimizer, schedule, train_loader,
                {.total_steps = total_steps, .log_every = config.log_every});
    bg::Stopwatch eval_clock;
    const bg::EvalResult test = bg::evaluate(*model, test_loader);
    fmt::print("trained {} steps in {:.1f} s ({:.0f} img/s); evaluated {} images in {:.1f} s\n",
               fitted.steps, fitted.seconds, fitted.images_per_second, test.count,
               eval_clock.seconds());
    fmt::print("test loss: {:.4f}\n", test.loss);
    fmt::print("test accuracy: {:.2f}%\n", 100.0 * test.accuracy);
    fmt::print("total time: {:.1f} s\n", clock.seconds());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    namespace flags = bg::flags;
    Config config;
    CLI::App app{"Train mnist_cnn on MNIST within a budget, with linear learning-rate decay."};
    app.option_defaults()->always_capture_default();
    app.add_option("--data-dir", config.data_dir, "Folder with the four MNIST files")
        ->check(CLI::ExistingDirectory);
    auto* epochs = app.add_option("--budget-epochs", config.budget_epochs,
                                  "Budget in epochs (fractions allowed); default 1")
                       ->check(flags::positive_real());
    auto* steps = app.add_option("--budget-steps", config.budget_steps, "Budget in optimizer steps")
                      ->check(flags::positive_integer());
    epochs->excludes(steps);
    app.add_option("--batch-size", config.batch_size, "Examples per step")
        ->check(flags::positive_integer());
    app.add_option("--lr", config.lr, "Initial learning rate lr_0")->check(flags::positive_real());
    app.add_option("--momentum", config.momentum, "SGD momentum")->check(flags::real_in(0.0, 1.0));
    app.add_option("--weight-decay", config.weight_decay, "L2 penalty")
        ->check(flags::non_negative_real());
    app.add_option("--seed", config.seed, "Seed for initialization, shuffling and dropout")
        ->check(flags::unsigned_integer());
    app.add_option("--threads", config.threads, "Threads for the kernels")
        ->check(flags::integer_in(1, kMaxThreads));
    app.add_option("--log-every", config.log_every, "Steps between progress lines (0: none)")
        ->check(flags::non_negative_integer());
    return flags::run_app("mnist", app, argc, argv, [&] {
        if (!config.budget_epochs && !config.budget_steps) config.budget_epochs = 1.0;
        return run(config);
    });
}

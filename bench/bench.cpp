// Training and inference throughput of a zoo model on synthetic data, the budgetgrad half of a
// side-by-side comparison with PyTorch (bench/bench_torch.py runs the same protocol, and
// bench/run.sh drives both). Prints one machine-readable line on stdout:
//   budgetgrad model=resnet20 mode=train batch=128 threads=2 steps=10 img_per_s=123.4 ...
// Protocol: 8 distinct batches (inputs uniform in [-1, 1), random labels) are made before any
// timing and cycled; warm-up steps are untimed; then W windows of S steps each are timed and
// the median window is reported. Training is SGD (momentum 0.9, weight decay 5e-4) with LinearLR
// over all the steps taken. It measures speed only: the data carries nothing to learn.
//
//   ./bench/bench_train --model resnet20 --batch-size 128 --threads 2
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "engine/parallel.h"
#include "engine/random.h"
#include "layers/summary.h"
#include "layers/zoo.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "train/flags.h"
#include "train/progress.h"

namespace bg = budgetgrad;

namespace {

constexpr int kDistinctBatches = 8;
constexpr int64_t kTrainBatchSize = 128;
constexpr int64_t kInferBatchSize = 256;
constexpr double kLearningRate = 0.01;
constexpr double kMomentum = 0.9;
constexpr double kWeightDecay = 5e-4;
constexpr int kMaxThreads = 256;
constexpr double kKibPerMib = 1024.0;  // ru_maxrss is in KiB on Linux

struct Config {
    std::string model = "resnet20";
    std::string mode = "train";
    std::optional<int64_t> batch_size;  // kTrainBatchSize or kInferBatchSize when unset
    int threads = 1;
    int64_t warmup = 5;
    int64_t windows = 5;
    int64_t steps = 10;  // per window
    uint64_t seed = 0;
};

struct Batch {
    bg::Tensor images;            // (N, C, H, W), uniform in [-1, 1)
    std::vector<int64_t> labels;  // (N,) in [0, num_classes)
};

std::vector<Batch> make_batches(const bg::ModelInfo& info, int64_t batch_size, uint64_t seed) {
    bg::Generator generator(seed);
    bg::Shape shape = {batch_size};
    shape.insert(shape.end(), info.input_shape.begin(), info.input_shape.end());
    std::vector<Batch> batches(kDistinctBatches);
    for (Batch& batch : batches) {
        batch.images = bg::Tensor::empty(shape);
        float* pixels = batch.images.data<float>();
        for (int64_t i = 0; i < batch.images.numel(); ++i)
            pixels[i] = static_cast<float>(generator.uniform(-1.0, 1.0));
        batch.labels.resize(static_cast<std::size_t>(batch_size));
        for (int64_t& label : batch.labels)
            label = static_cast<int64_t>(generator.below(static_cast<uint64_t>(info.num_classes)));
    }
    return batches;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2.0;
}

double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / kKibPerMib;
}

int run(const Config& config) {
    bg::set_num_threads(config.threads);
    bg::manual_seed(config.seed);
    const bool training = config.mode == "train";
    const int64_t batch_size =
        config.batch_size.value_or(training ? kTrainBatchSize : kInferBatchSize);

    const bg::ModelInfo& info = bg::model_info(config.model);
    std::shared_ptr<bg::Module> model = bg::make_model(config.model);
    const int64_t macs = bg::summarize(*model, info.input_shape).macs;  // forward, per image
    const std::vector<Batch> batches = make_batches(info, batch_size, config.seed);

    const int64_t total_steps = config.warmup + config.windows * config.steps;
    bg::SGD optimizer(model->parameters(),
                      {.lr = kLearningRate, .momentum = kMomentum, .weight_decay = kWeightDecay});
    bg::LinearLR schedule(optimizer, total_steps);
    model->train(training);

    fmt::print(stderr,
               "budgetgrad bench | model {} ({} parameters, {} forward MACs per image) | {} | "
               "batch {} | threads {} | warm-up {} | {} windows of {} steps\n",
               config.model, model->parameter_count(), macs, config.mode, batch_size,
               config.threads, config.warmup, config.windows, config.steps);

    int64_t step = 0;
    double last_loss = 0.0;
    auto run_step = [&] {
        const Batch& batch = batches[static_cast<std::size_t>(step % kDistinctBatches)];
        ++step;
        if (training) {
            bg::Tensor loss = bg::cross_entropy((*model)(batch.images), batch.labels);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            schedule.step();
            last_loss = loss.item();
        } else {
            bg::NoGradGuard no_grad;
            last_loss = (*model)(batch.images).at(0);  // any value, to use the output
        }
    };

    for (int64_t i = 0; i < config.warmup; ++i)
        run_step();
    std::vector<double> window_seconds;
    for (int64_t w = 0; w < config.windows; ++w) {
        bg::Stopwatch clock;
        for (int64_t i = 0; i < config.steps; ++i)
            run_step();
        window_seconds.push_back(clock.seconds());
    }
    if (!std::isfinite(last_loss)) {
        // Not fatal: the timing stands, but non-finite arithmetic may not run at normal speed.
        fmt::print(stderr, "bench: warning: the last {} was {}\n", training ? "loss" : "output",
                   last_loss);
    }

    const double seconds = median(window_seconds);
    const double images_per_second =
        static_cast<double>(batch_size * config.steps) / seconds;
    // A training step costs about three forward passes: forward, and backward to both the
    // inputs and the weights of each layer.
    const double passes = training ? 3.0 : 1.0;
    const double gflops = passes * 2.0 * static_cast<double>(macs) * images_per_second / 1e9;
    fmt::print(
        "budgetgrad model={} mode={} batch={} threads={} steps={} img_per_s={:.1f} "
        "ms_per_step={:.2f} peak_rss_mb={:.1f} gflops={:.2f} params={} macs={}\n",
        config.model, config.mode, batch_size, config.threads, config.steps, images_per_second,
        1000.0 * seconds / static_cast<double>(config.steps), peak_rss_mb(), gflops,
        model->parameter_count(), macs);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    namespace flags = bg::flags;
    Config config;
    std::vector<std::string> model_names;
    for (const bg::ModelInfo& info : bg::model_infos())
        model_names.push_back(info.name);

    CLI::App app{"Time training or inference of a zoo model on synthetic data."};
    app.option_defaults()->always_capture_default();
    app.add_option("--model", config.model, "Model from the zoo")
        ->check(CLI::IsMember(model_names));
    app.add_option("--mode", config.mode, "train (forward, backward, SGD step) or infer")
        ->check(CLI::IsMember({"train", "infer"}));
    app.add_option("--batch-size", config.batch_size,
                   fmt::format("Examples per step; default {} to train, {} to infer",
                               kTrainBatchSize, kInferBatchSize))
        ->check(flags::positive_integer());
    app.add_option("--threads", config.threads, "Threads for the kernels")
        ->check(flags::integer_in(1, kMaxThreads));
    app.add_option("--warmup", config.warmup, "Untimed steps before the first window")
        ->check(flags::non_negative_integer());
    app.add_option("--windows", config.windows, "Timed windows; the median is reported")
        ->check(flags::positive_integer());
    app.add_option("--steps", config.steps, "Steps per timed window")
        ->check(flags::positive_integer());
    app.add_option("--seed", config.seed, "Seed for the weights and the synthetic data")
        ->check(flags::unsigned_integer());
    return flags::run_app("bench_train", app, argc, argv, [&] { return run(config); });
}

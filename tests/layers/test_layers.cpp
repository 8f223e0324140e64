#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/ops.h"
#include "engine/parallel.h"
#include "engine/random.h"
#include "layers/basic.h"
#include "layers/batchnorm.h"
#include "layers/conv2d.h"
#include "layers/linear.h"
#include "layers/sequential.h"
#include "layers/summary.h"
#include "layers/zoo.h"

namespace bg = budgetgrad;

TEST_CASE("module: named parameters in registration order, recursively") {
    bg::Sequential net{std::make_shared<bg::Conv2d>(1, 2, 3), std::make_shared<bg::ReLU>(),
                       std::make_shared<bg::Flatten>(), std::make_shared<bg::Linear>(8, 3, false)};
    std::vector<std::string> names;
    for (const auto& p : net.named_parameters())
        names.push_back(p.name);
    CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "3.weight"});
    CHECK(net.parameter_count() == 2 * 9 + 2 + 8 * 3);
    for (const auto& p : net.parameters())
        CHECK(p.requires_grad());
}

TEST_CASE("module: train and eval reach every child") {
    auto dropout = std::make_shared<bg::Dropout>(0.5);
    bg::Sequential net{std::make_shared<bg::Sequential>(bg::Sequential{dropout})};
    net.eval();
    CHECK_FALSE(dropout->is_training());
    auto x = bg::Tensor::full({1, 10}, 1.0);
    CHECK(net(x).to_vector() == x.to_vector());
    net.train();
    CHECK(dropout->is_training());
}

TEST_CASE("init: PyTorch's default bounds, 1/sqrt(fan_in)") {
    bg::manual_seed(0);
    bg::Conv2d conv(4, 8, 3);  // fan_in = 36, bound = 1/6
    double max_abs = 0;
    for (double v : conv.weight.to_vector())
        max_abs = std::max(max_abs, std::abs(v));
    CHECK(max_abs <= 1.0 / 6.0);
    CHECK(max_abs > 0.9 / 6.0);  // 288 draws come close to the bound
    for (double v : conv.bias.to_vector())
        CHECK(std::abs(v) <= 1.0 / 6.0);
    // The same seed gives the same weights.
    bg::manual_seed(0);
    CHECK(bg::Conv2d(4, 8, 3).weight.to_vector() == conv.weight.to_vector());
}

TEST_CASE("zoo: mnist_cnn shapes and parameter count") {
    auto model = bg::make_model("mnist_cnn");
    // conv1 32·9+32, conv2 64·32·9+64, fc1 128·9216+128, fc2 10·128+10
    CHECK(model->parameter_count() == 320 + 18496 + 1179776 + 1290);
    auto y = (*model)(bg::Tensor::zeros({2, 1, 28, 28}));
    CHECK(y.shape() == bg::Shape{2, 10});
    CHECK_THROWS_WITH_AS(bg::make_model("resnet9000"),
                         "model: expected one of mnist_cnn, lenet5, cifar_cnn, resnet20, resnet32, "
                         "resnet56, resnet18, got 'resnet9000'",
                         bg::Error);
}

TEST_CASE("BatchNorm2d: running statistics are buffers, not parameters") {
    bg::BatchNorm2d bn(3);
    std::vector<std::string> params, buffers;
    for (const auto& p : bn.named_parameters())
        params.push_back(p.name);
    for (const auto& b : bn.named_buffers())
        buffers.push_back(b.name);
    CHECK(params == std::vector<std::string>{"weight", "bias"});
    CHECK(buffers == std::vector<std::string>{"running_mean", "running_var"});
    CHECK_FALSE(bn.running_mean.requires_grad());
}

TEST_CASE("zoo: every model maps its input to 10 logits, with the expected size") {
    // Parameter counts: the CIFAR ResNets as in He et al. (2016), Table 6 (0.27M, 0.46M,
    // 0.85M); ResNet-18 11.2M; the others add up by hand from layers/zoo.h.
    const std::vector<std::pair<std::string, int64_t>> expected = {
        {"mnist_cnn", 1199882}, {"lenet5", 61706},    {"cifar_cnn", 141034}, {"resnet20", 269722},
        {"resnet32", 464154},   {"resnet56", 853018}, {"resnet18", 11173962}};
    for (const auto& [name, count] : expected) {
        CAPTURE(name);
        auto model = bg::make_model(name);
        CHECK(model->parameter_count() == count);
        if (name == "resnet18" || name == "resnet56") continue;  // slow-ish; shapes as resnet20
        bg::Shape input = bg::model_info(name).input_shape;
        input.insert(input.begin(), 2);
        model->eval();
        CHECK((*model)(bg::Tensor::zeros(input)).shape() == bg::Shape{2, 10});
    }
}

TEST_CASE("summary: rows, output shapes and MACs") {
    auto model = bg::make_model("lenet5");
    auto summary = bg::summarize(*model, {1, 28, 28});
    REQUIRE(summary.rows.size() == 12);
    CHECK(summary.rows[0].output == bg::Shape{1, 6, 28, 28});
    // conv1: 6 outputs × 28·28 pixels × 25 taps; conv2: 16 × 10·10 × 150; fc: 400·120 + 120·84
    // + 84·10.
    CHECK(summary.rows[0].macs == 6 * 784 * 25);
    CHECK(summary.macs == 6 * 784 * 25 + 16 * 100 * 150 + 400 * 120 + 120 * 84 + 84 * 10);
    CHECK(summary.parameters == model->parameter_count());
    CHECK(summary.table().find("total: 61706 parameters") != std::string::npos);
}

TEST_CASE("zoo: losses and gradients are bitwise the same for any thread count") {
    // Every parallel loop writes disjoint memory or sums fixed chunks in a fixed order.
    const int original_threads = bg::max_threads();
    for (const std::string name : {"resnet20", "mnist_cnn"}) {
        CAPTURE(name);
        std::vector<std::vector<double>> runs;
        for (int threads : {1, 2, 3}) {
            bg::set_num_threads(threads);
            bg::manual_seed(3);
            auto model = bg::make_model(name);
            bg::Shape shape = bg::model_info(name).input_shape;
            shape.insert(shape.begin(), 12);
            bg::Generator data(5);
            auto x = bg::Tensor::empty(shape);
            for (int64_t i = 0; i < x.numel(); ++i)
                x.data<float>()[i] = data.uniform(-1, 1);
            std::vector<int64_t> labels(12);
            for (auto& label : labels)
                label = static_cast<int64_t>(data.below(10));
            auto loss = bg::cross_entropy((*model)(x), labels);
            loss.backward();
            std::vector<double> run{loss.item()};
            for (const auto& p : model->parameters()) {
                for (double g : p.grad().to_vector())
                    run.push_back(g);
            }
            runs.push_back(std::move(run));
        }
        bg::set_num_threads(original_threads);
        CHECK(runs[1] == runs[0]);
        CHECK(runs[2] == runs[0]);
    }
}

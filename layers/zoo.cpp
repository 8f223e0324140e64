#include "layers/zoo.h"

#include "layers/basic.h"
#include "layers/batchnorm.h"
#include "layers/conv2d.h"
#include "layers/linear.h"
#include "layers/resnet.h"
#include "layers/sequential.h"

namespace budgetgrad {

namespace {

std::shared_ptr<Module> mnist_cnn() {
    return std::make_shared<Sequential>(Sequential{
        std::make_shared<Conv2d>(1, 32, 3),                             // (N, 32, 26, 26)
        std::make_shared<ReLU>(), std::make_shared<Conv2d>(32, 64, 3),  // (N, 64, 24, 24)
        std::make_shared<ReLU>(),
        std::make_shared<MaxPool2d>(2),  // (N, 64, 12, 12)
        std::make_shared<Dropout>(0.25),
        std::make_shared<Flatten>(),  // (N, 9216)
        std::make_shared<Linear>(9216, 128), std::make_shared<ReLU>(),
        std::make_shared<Dropout>(0.5), std::make_shared<Linear>(128, 10),  // (N, 10)
    });
}

std::shared_ptr<Module> lenet5() {
    return std::make_shared<Sequential>(Sequential{
        std::make_shared<Conv2d>(1, 6, 5, Conv2dOptions{.padding = 2}),  // (N, 6, 28, 28)
        std::make_shared<ReLU>(),
        std::make_shared<MaxPool2d>(2),      // (N, 6, 14, 14)
        std::make_shared<Conv2d>(6, 16, 5),  // (N, 16, 10, 10)
        std::make_shared<ReLU>(),
        std::make_shared<MaxPool2d>(2),  // (N, 16, 5, 5)
        std::make_shared<Flatten>(),     // (N, 400)
        std::make_shared<Linear>(400, 120),
        std::make_shared<ReLU>(),
        std::make_shared<Linear>(120, 84),
        std::make_shared<ReLU>(),
        std::make_shared<Linear>(84, 10),
    });
}

// conv 3x3 (padding 1) + BatchNorm + ReLU.
std::shared_ptr<Module> conv_bn_relu(int64_t in, int64_t out) {
    return std::make_shared<Sequential>(Sequential{
        std::make_shared<Conv2d>(in, out, 3, Conv2dOptions{.padding = 1, .bias = false}),
        std::make_shared<BatchNorm2d>(out),
        std::make_shared<ReLU>(),
    });
}

std::shared_ptr<Module> cifar_cnn() {
    return std::make_shared<Sequential>(Sequential{
        conv_bn_relu(3, 32),  // (N, 32, 32, 32)
        conv_bn_relu(32, 32),
        std::make_shared<MaxPool2d>(2),  // (N, 32, 16, 16)
        conv_bn_relu(32, 64),
        conv_bn_relu(64, 64),
        std::make_shared<MaxPool2d>(2),  // (N, 64, 8, 8)
        conv_bn_relu(64, 128),
        std::make_shared<MaxPool2d>(2),     // (N, 128, 4, 4)
        std::make_shared<GlobalAvgPool>(),  // (N, 128)
        std::make_shared<Linear>(128, 10),
    });
}

// He et al.'s CIFAR ResNet with 6n + 2 layers.
std::shared_ptr<Module> cifar_resnet(int n) {
    return std::make_shared<CifarResNet>(
        CifarResNetOptions{.widths = {16, 32, 64}, .blocks = {n, n, n}});
}

std::shared_ptr<Module> resnet18() {
    return std::make_shared<CifarResNet>(CifarResNetOptions{
        .widths = {64, 128, 256, 512}, .blocks = {2, 2, 2, 2}, .shortcut = Shortcut::projection});
}

struct ZooEntry {
    ModelInfo info;
    std::shared_ptr<Module> (*build)();
};

const std::vector<ZooEntry>& zoo() {
    static const std::vector<ZooEntry> entries = {
        {{"mnist_cnn", {1, 28, 28}, 10}, mnist_cnn},
        {{"lenet5", {1, 28, 28}, 10}, lenet5},
        {{"cifar_cnn", {3, 32, 32}, 10}, cifar_cnn},
        {{"resnet20", {3, 32, 32}, 10}, [] { return cifar_resnet(3); }},
        {{"resnet32", {3, 32, 32}, 10}, [] { return cifar_resnet(5); }},
        {{"resnet56", {3, 32, 32}, 10}, [] { return cifar_resnet(9); }},
        {{"resnet18", {3, 32, 32}, 10}, resnet18},
    };
    return entries;
}

const ZooEntry& find(const std::string& name) {
    std::string known;
    for (const ZooEntry& entry : zoo()) {
        if (entry.info.name == name) return entry;
        known += (known.empty() ? "" : ", ") + entry.info.name;
    }
    throw Error(detail::concat("model: expected one of ", known, ", got '", name, "'"));
}

}  // namespace

std::vector<ModelInfo> model_infos() {
    std::vector<ModelInfo> out;
    for (const ZooEntry& entry : zoo())
        out.push_back(entry.info);
    return out;
}

const ModelInfo& model_info(const std::string& name) {
    return find(name).info;
}

std::shared_ptr<Module> make_model(const std::string& name) {
    return find(name).build();
}

}  // namespace budgetgrad

#include "layers/zoo.h"

#include "layers/basic.h"
#include "layers/conv2d.h"
#include "layers/linear.h"
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

struct ZooEntry {
    ModelInfo info;
    std::shared_ptr<Module> (*build)();
};

const std::vector<ZooEntry>& zoo() {
    static const std::vector<ZooEntry> entries = {
        {{"mnist_cnn", {1, 28, 28}, 10}, mnist_cnn},
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

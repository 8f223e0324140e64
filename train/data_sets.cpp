#include "train/data_sets.h"

#include <memory>

#include "datasets/cifar10.h"
#include "datasets/mnist.h"
#include "datasets/transforms.h"
#include "engine/check.h"

namespace budgetgrad {

std::string default_data_dir(const std::string& dataset) {
    return dataset == "fashion-mnist" ? kFashionMnistDir : "data/" + dataset;
}

RunData load_mnist(const std::string& dataset, const std::string& dir) {
    const bool fashion = dataset == "fashion-mnist";
    check_data_folder(dir, dataset,
                      fashion ? "install Debian's dataset-fashion-mnist package"
                              : "run scripts/get_data.sh mnist in the repository, then run from "
                                "its root or pass --data-dir");
    const std::string hint =
        fashion ? MnistDataset::kFashionMnistMissingHint : MnistDataset::kMnistMissingHint;
    RunData data;
    data.name = fashion ? "Fashion-MNIST" : "MNIST";
    data.train = std::make_shared<MnistDataset>(dir, MnistSplit::train, hint);
    data.test = std::make_shared<MnistDataset>(dir, MnistSplit::test, hint);
    data.class_names = fashion ? fashion_mnist_class_names() : mnist_class_names();
    data.mean = {kMnistMean};
    data.std = {kMnistStd};
    return data;
}

RunData load_cifar10(const std::string& dir, uint64_t seed, bool augment) {
    check_data_folder(dir, "CIFAR-10",
                      "run scripts/get_data.sh cifar10 in the repository, then run from its "
                      "root or pass --data-dir");
    auto train = std::make_shared<Cifar10Dataset>(dir, CifarSplit::train);
    RunData data;
    data.name = augment ? "CIFAR-10 (crop + flip)" : "CIFAR-10";
    data.class_names = train->class_names();
    data.train = train;
    if (augment) {
        data.train = std::make_shared<AugmentedDataset>(
            train, normalized_zero(kCifarMean, kCifarStd), AugmentOptions{.seed = seed});
    }
    data.test = std::make_shared<Cifar10Dataset>(dir, CifarSplit::test);
    data.mean.assign(kCifarMean.begin(), kCifarMean.end());
    data.std.assign(kCifarStd.begin(), kCifarStd.end());
    return data;
}

void add_data_set_flags(CLI::App& app, std::string& dataset, std::string& data_dir) {
    app.add_option("--dataset", dataset, "mnist, fashion-mnist or cifar10")
        ->check(CLI::IsMember({"mnist", "fashion-mnist", "cifar10"}));
    app.add_option("--data-dir", data_dir,
                   "Folder holding the data set (default: data/DATASET, or where Debian installs "
                   "Fashion-MNIST)");
}

RunData load_data_set(const std::string& dataset, const std::string& dir, uint64_t seed) {
    if (dataset == "cifar10") return load_cifar10(dir, seed, /*augment=*/true);
    BG_CHECK(dataset == "mnist" || dataset == "fashion-mnist",
             "load_data_set: expected mnist, fashion-mnist or cifar10, got '", dataset, "'");
    return load_mnist(dataset, dir);
}

}  // namespace budgetgrad

// End to end on the real MNIST: 200 steps of mnist_cnn with SGD and linear decay must pass 90%
// on the test set. Needs the data: a missing folder fails the test, saying how to fetch it.
#include <doctest/doctest.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "data_dir.h"
#include "datasets/mnist.h"
#include "engine/random.h"
#include "layers/zoo.h"
#include "optim/schedule.h"
#include "train/trainer.h"

namespace bg = budgetgrad;

TEST_CASE("mnist: 200 steps reach above 90% test accuracy") {
    const std::string dir = bg::testing::data_dir() + "/mnist";
    REQUIRE_MESSAGE(std::filesystem::is_directory(dir), "MNIST is missing from ", dir,
                    ": run scripts/get_data.sh mnist (or set BUDGETGRAD_DATA_DIR)");
    bg::manual_seed(0);
    auto train_set = std::make_shared<bg::MnistDataset>(dir, bg::MnistSplit::train);
    auto test_set = std::make_shared<bg::MnistDataset>(dir, bg::MnistSplit::test);
    bg::DataLoader train_loader(train_set, {.batch_size = 64, .shuffle = true, .seed = 0});
    bg::DataLoader test_loader(test_set, {.batch_size = 1000, .shuffle = false});

    auto model = bg::make_model("mnist_cnn");
    bg::SGD sgd(model->parameters(), {.lr = 0.05, .momentum = 0.9});
    bg::LinearLR schedule(sgd, 200);
    auto fitted = bg::fit(*model, sgd, schedule, train_loader,
                          {.total_steps = 200, .log_every = 50, .log = stderr});
    CHECK(fitted.steps == 200);
    CHECK(schedule.current_lr() == 0.0);
    auto result = bg::evaluate(*model, test_loader);
    MESSAGE("test accuracy after 200 steps: ", result.accuracy);
    CHECK(result.count == 10000);
    CHECK(result.accuracy > 0.90);
}

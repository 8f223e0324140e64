#include "train/predictor.h"

#include <algorithm>
#include <numeric>

#include "datasets/image_folder.h"
#include "engine/autograd.h"
#include "engine/ops.h"
#include "layers/zoo.h"

namespace budgetgrad {

Predictor::Predictor(const std::string& checkpoint)
    : path_(checkpoint), info_(read_checkpoint_info(checkpoint)) {
    BG_CHECK(info_.input_shape.size() == 3 && info_.input_shape[1] == info_.input_shape[2],
             "checkpoint ", path_, ": expected a square (C, H, W) input shape, got ",
             shape_str(info_.input_shape));
    BG_CHECK(info_.mean.size() == static_cast<std::size_t>(info_.input_shape[0]) &&
                 info_.std.size() == info_.mean.size(),
             "checkpoint ", path_, ": expected one mean and std per input channel, got ",
             info_.mean.size(), " and ", info_.std.size());
    model_ = make_model(info_.model);
    load_checkpoint(path_, *model_, nullptr, nullptr);
    model_->eval();
}

std::vector<ClassScore> Predictor::classify(const Tensor& example, int k) const {
    BG_CHECK(example.shape() == info_.input_shape, "predict: expected an example of shape ",
             shape_str(info_.input_shape), ", got ", shape_str(example.shape()));
    NoGradGuard no_grad;
    Shape batch_shape = info_.input_shape;
    batch_shape.insert(batch_shape.begin(), 1);
    const Tensor p = softmax((*model_)(reshape(example, batch_shape)));  // (1, classes)
    const int64_t classes = p.size(1);
    BG_CHECK(classes == static_cast<int64_t>(info_.class_names.size()), "checkpoint ", path_,
             ": the model gives ", classes, " scores but the checkpoint names ",
             info_.class_names.size(), " classes");
    std::vector<int64_t> order(classes);
    std::iota(order.begin(), order.end(), 0);
    const int64_t top = std::clamp<int64_t>(k, 0, classes);
    std::partial_sort(order.begin(), order.begin() + top, order.end(),
                      [&](int64_t a, int64_t b) { return p.at(a) > p.at(b); });
    std::vector<ClassScore> scores;
    for (int64_t i = 0; i < top; ++i) {
        scores.push_back({order[i], info_.class_names[order[i]], p.at(order[i])});
    }
    return scores;
}

std::vector<ClassScore> Predictor::classify_file(const std::string& path, int k) const {
    const std::vector<float> mean(info_.mean.begin(), info_.mean.end());
    const std::vector<float> std(info_.std.begin(), info_.std.end());
    return classify(load_image(path, info_.input_shape[0], info_.input_shape[1], mean, std), k);
}

}  // namespace budgetgrad

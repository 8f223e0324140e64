#include "layers/summary.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/mac_counter.h"
#include "layers/sequential.h"

namespace budgetgrad {

namespace {

// Records one row per outermost non-container module call.
class SummaryRecorder : public detail::CallObserver {
public:
    SummaryRecorder(const Module& root, std::map<const Module*, std::string> names)
        : root_(root), names_(std::move(names)) {}

    void enter(const Module& module) override {
        ++depth_;
        if (row_depth_ == 0 && is_row(module)) {
            row_depth_ = depth_;
            macs_before_ = counter_.macs();
        }
    }

    void leave(const Module& module, const Tensor& output) override {
        if (row_depth_ == depth_) {
            rows_.push_back({names_[&module], module.describe(), output.shape(),
                             module.parameter_count(), counter_.macs() - macs_before_});
            row_depth_ = 0;
        }
        --depth_;
    }

    std::vector<SummaryRow> rows() && { return std::move(rows_); }
    int64_t macs() const { return counter_.macs(); }

private:
    bool is_row(const Module& module) const {
        return &module != &root_ && dynamic_cast<const Sequential*>(&module) == nullptr;
    }

    const Module& root_;
    std::map<const Module*, std::string> names_;
    MacCounter counter_;
    std::vector<SummaryRow> rows_;
    int depth_ = 0;
    int row_depth_ = 0;  // depth of the module whose row is open, 0 for none
    int64_t macs_before_ = 0;
};

void collect_names(const Module& module, const std::string& prefix,
                   std::map<const Module*, std::string>& names) {
    names[&module] = prefix;
    for (const auto& [name, child] : module.children()) {
        collect_names(*child, prefix.empty() ? name : prefix + "." + name, names);
    }
}

}  // namespace

ModelSummary summarize(Module& model, const Shape& example_shape) {
    ModelSummary summary;
    summary.input = {1};
    summary.input.insert(summary.input.end(), example_shape.begin(), example_shape.end());
    summary.parameters = model.parameter_count();

    std::map<const Module*, std::string> names;
    collect_names(model, "", names);
    SummaryRecorder recorder(model, std::move(names));
    const bool was_training = model.is_training();
    model.eval();
    {
        NoGradGuard no_grad;
        detail::CallObserver* previous = detail::call_observer();
        detail::call_observer() = &recorder;
        try {
            model(Tensor::zeros(summary.input));
        } catch (...) {
            detail::call_observer() = previous;
            model.train(was_training);
            throw;
        }
        detail::call_observer() = previous;
    }
    model.train(was_training);
    summary.macs = recorder.macs();
    summary.rows = std::move(recorder).rows();
    return summary;
}

std::string ModelSummary::table() const {
    std::size_t name_width = 5, layer_width = 5;
    for (const SummaryRow& row : rows) {
        name_width = std::max(name_width, row.name.size());
        layer_width = std::max(layer_width, row.layer.size());
    }
    std::string out = fmt::format("{:<{}}  {:<{}}  {:<18} {:>10} {:>14}\n", "layer", name_width,
                                  "type", layer_width, "output", "params", "MACs");
    for (const SummaryRow& row : rows) {
        out += fmt::format("{:<{}}  {:<{}}  {:<18} {:>10} {:>14}\n", row.name, name_width,
                           row.layer, layer_width, shape_str(row.output), row.parameters, row.macs);
    }
    out += fmt::format("total: {} parameters, {} MACs per example (forward), input {}\n",
                       parameters, macs, shape_str(input));
    return out;
}

}  // namespace budgetgrad

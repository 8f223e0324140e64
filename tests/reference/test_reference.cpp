// budgetgrad against PyTorch 1.13: ops, optimizers, schedules and a whole ResNet-20, compared with
// the numbers tests/reference/generate.py saved in tests/reference/data/. Each comparison prints
//   reference <case>/<quantity>: max abs err <a>, max rel err <r>
// where the relative error is max|ours − torch| / max|torch| over the tensor (element-wise ratios
// explode on entries that are zero, e.g. the gradient of a pooled-away pixel). Onecycle and
// warm-up have no PyTorch twin; tests/optim/test_schedule.cpp checks them by hand.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "engine/autograd.h"
#include "engine/ops.h"
#include "layers/module.h"
#include "layers/zoo.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "reference/reference_file.h"

namespace bg = budgetgrad;
using bg::testing::load_reference;
using bg::testing::ReferenceFile;

namespace {

// float64 ops against float64 PyTorch: only the order of summation differs.
constexpr double kFloat64Tolerance = 1e-10;
// Schedules are closed formulas on our side and recursive products in PyTorch.
constexpr double kScheduleTolerance = 1e-12;
// ResNet-20 runs in float32 on our side (the zoo builds float32 parameters) against a float64
// PyTorch model: 20 layers of float32 sums give ~1e-6 relative error (PyTorch's own float32 run
// of the same model is within 7e-7 of its float64 one), so 1e-4 leaves room for a different
// summation order while a wrong formula (momentum, eps, padding side) shows up as > 1e-3.
constexpr double kFloat32Tolerance = 1e-4;

struct Errors {
    double max_abs = 0.0;
    double max_rel = 0.0;
};

// Worst errors over several tensors; max_rel is per tensor (relative to its own largest value).
class ErrorTally {
public:
    void add(const bg::Tensor& actual, const bg::Tensor& expected) {
        REQUIRE_MESSAGE(actual.shape() == expected.shape(), "shape ", bg::shape_str(actual.shape()),
                        " against the reference's ", bg::shape_str(expected.shape()));
        const std::vector<double> a = actual.to_vector(), e = expected.to_vector();
        double max_abs = 0.0, scale = 0.0;
        int64_t non_finite = 0;  // NaN would slip through every max() below unnoticed
        for (std::size_t i = 0; i < a.size(); ++i) {
            max_abs = std::max(max_abs, std::abs(a[i] - e[i]));
            scale = std::max(scale, std::abs(e[i]));
            non_finite += !std::isfinite(a[i]);
        }
        CHECK_MESSAGE(non_finite == 0, non_finite, " of ", a.size(), " elements are not finite");
        add_error(max_abs, scale);
    }

    void add(double actual, double expected) {
        CHECK_MESSAGE(std::isfinite(actual), "value ", actual);
        add_error(std::abs(actual - expected), std::abs(expected));
    }

    // Prints the collected line and checks the relative error against `tolerance`.
    void report(const std::string& what, double tolerance) const {
        MESSAGE(fmt::format("reference {}: max abs err {:.3g}, max rel err {:.3g}", what,
                            errors_.max_abs, errors_.max_rel));
        CHECK_MESSAGE(errors_.max_rel <= tolerance, "reference ", what, ": max rel err ",
                      errors_.max_rel, " exceeds the tolerance ", tolerance);
    }

private:
    void add_error(double abs_error, double scale) {
        errors_.max_abs = std::max(errors_.max_abs, abs_error);
        errors_.max_rel = std::max(errors_.max_rel, scale > 0.0 ? abs_error / scale : abs_error);
    }

    Errors errors_;
};

void compare(const std::string& what, const bg::Tensor& actual, const bg::Tensor& expected,
             double tolerance = kFloat64Tolerance) {
    ErrorTally tally;
    tally.add(actual, expected);
    tally.report(what, tolerance);
}

void compare(const std::string& what, double actual, double expected,
             double tolerance = kFloat64Tolerance) {
    ErrorTally tally;
    tally.add(actual, expected);
    tally.report(what, tolerance);
}

bg::Tensor leaf(const ReferenceFile& ref, const std::string& name) {
    bg::Tensor t = ref.tensor(name);
    t.set_requires_grad(true);
    return t;
}

int as_int(double value) {
    return static_cast<int>(std::lround(value));
}

// ---- ops ----

void check_conv2d(const std::string& case_name) {
    const ReferenceFile ref = load_reference(case_name);
    const bg::Tensor x = leaf(ref, "x"), w = leaf(ref, "w");
    const bool has_bias = ref.has("b");
    const bg::Tensor b = has_bias ? leaf(ref, "b") : bg::Tensor();
    const bg::Tensor y = bg::conv2d(x, w, b, as_int(ref.scalar("stride")),
                                    as_int(ref.scalar("padding")), as_int(ref.scalar("groups")));
    compare(case_name + "/y", y, ref.tensor("y"));
    y.backward(ref.tensor("g"));
    compare(case_name + "/dx", x.grad(), ref.tensor("dx"));
    compare(case_name + "/dw", w.grad(), ref.tensor("dw"));
    if (has_bias) compare(case_name + "/db", b.grad(), ref.tensor("db"));
}

// y = f(x) and dx of (y · g).sum() for a single-input op.
template <typename F>
void check_unary(const std::string& case_name, F&& f) {
    const ReferenceFile ref = load_reference(case_name);
    const bg::Tensor x = leaf(ref, "x");
    const bg::Tensor y = f(x);
    compare(case_name + "/y", y, ref.tensor("y"));
    y.backward(ref.tensor("g"));
    compare(case_name + "/dx", x.grad(), ref.tensor("dx"));
}

void check_cross_entropy(const std::string& case_name) {
    const ReferenceFile ref = load_reference(case_name);
    const bg::Tensor logits = leaf(ref, "logits");
    const std::vector<int64_t> targets = ref.ints("targets");
    const bg::Tensor loss = bg::cross_entropy(logits, targets, ref.scalar("label_smoothing"));
    compare(case_name + "/loss", loss.item(), ref.scalar("loss"));
    loss.backward();
    compare(case_name + "/dlogits", logits.grad(), ref.tensor("dlogits"));
}

// ---- optimizers ----

// Five steps on two parameters with the gradients of Σ(p0 − t0)² + Σ(p1 − t1)², rebuilt from the
// current parameters before each step exactly as generate.py does.
template <typename MakeOptimizer>
void check_optimizer(const std::string& case_name, MakeOptimizer&& make, int steps = 5) {
    const ReferenceFile ref = load_reference(case_name);
    const bg::Tensor p0 = leaf(ref, "p0.step0"), p1 = leaf(ref, "p1.step0");
    const bg::Tensor t0 = ref.tensor("t0"), t1 = ref.tensor("t1");
    std::unique_ptr<bg::Optimizer> optimizer = make(p0, p1);
    ErrorTally tally;
    for (int s = 1; s <= steps; ++s) {
        optimizer->zero_grad();
        const bg::Tensor d0 = p0 - t0, d1 = p1 - t1;
        (bg::sum(d0 * d0) + bg::sum(d1 * d1)).backward();
        optimizer->step();
        tally.add(p0, ref.tensor(fmt::format("p0.step{}", s)));
        tally.add(p1, ref.tensor(fmt::format("p1.step{}", s)));
    }
    tally.report(fmt::format("{}/params after steps 1..{}", case_name, steps), kFloat64Tolerance);
}

// ---- resnet20 ----
//
// The weights and input are not stored; both sides compute them from the formula documented in
// generate.py (a hash, so that no channel is degenerate):
//   u(s, i) = (splitmix64(s · 2^32 + i) >> 11) · 2^-53,  r(s, i) = 2·u(s, i) − 1 ∈ [-1, 1)
//   parameter j of named_parameters(), element i:
//     ndim >= 2:            r(j, i) / √fan_in, fan_in = numel / shape[0]
//     ndim == 1, .weight:   1 + 0.1·r(j, i)
//     ndim == 1, .bias:     0.1·r(j, i)
//   running means 0, running variances 1; input (4, 3, 32, 32): x[i] = r(1000, i).
constexpr uint64_t kInputStream = 1000;

uint64_t splitmix64(uint64_t x) {
    uint64_t z = x + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double hash_uniform(uint64_t stream, uint64_t i) {
    const double u = static_cast<double>(splitmix64((stream << 32) + i) >> 11) * 0x1p-53;
    return 2.0 * u - 1.0;
}

double formula_parameter(const std::string& name, const bg::Shape& shape, uint64_t j, uint64_t i) {
    const double r = hash_uniform(j, i);
    if (shape.size() >= 2) {
        const double scale =
            1.0 / std::sqrt(static_cast<double>(bg::shape_numel(shape) / shape[0]));
        return r * scale;
    }
    if (name.ends_with(".weight")) return 1.0 + 0.1 * r;
    return 0.1 * r;
}

void fill_float32(const bg::Tensor& t, const std::function<double(int64_t)>& value) {
    REQUIRE_MESSAGE(t.dtype() == bg::DType::float32, "expected float32, got ",
                    bg::dtype_name(t.dtype()));
    float* data = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i)
        data[i] = static_cast<float>(value(i));
}

double l2_norm(const bg::Tensor& t) {
    double sum = 0.0;
    for (double v : t.to_vector())
        sum += v * v;
    return std::sqrt(sum);
}

}  // namespace

TEST_CASE("reference: conv2d against PyTorch, stride 2 and padding 1 with bias") {
    check_conv2d("conv2d_stride2_pad1_bias");
}

TEST_CASE("reference: conv2d against PyTorch, 2 groups") {
    check_conv2d("conv2d_groups2");
}

TEST_CASE("reference: conv2d against PyTorch, depthwise without bias") {
    check_conv2d("conv2d_depthwise");
}

TEST_CASE("reference: batch_norm2d against PyTorch, training then evaluation") {
    const std::string name = "batch_norm2d";
    const ReferenceFile ref = load_reference(name);
    const double momentum = ref.scalar("momentum"), eps = ref.scalar("eps");
    const bg::Tensor x = leaf(ref, "x"), weight = leaf(ref, "weight"), bias = leaf(ref, "bias");
    const bg::Tensor running_mean = ref.tensor("running_mean_before");
    const bg::Tensor running_var = ref.tensor("running_var_before");

    const bg::Tensor y = bg::batch_norm2d(x, weight, bias, running_mean, running_var,
                                          /*training=*/true, momentum, eps);
    compare(name + "/y", y, ref.tensor("y"));
    compare(name + "/running_mean", running_mean, ref.tensor("running_mean_after"));
    compare(name + "/running_var", running_var, ref.tensor("running_var_after"));
    y.backward(ref.tensor("g"));
    compare(name + "/dx", x.grad(), ref.tensor("dx"));
    compare(name + "/dweight", weight.grad(), ref.tensor("dweight"));
    compare(name + "/dbias", bias.grad(), ref.tensor("dbias"));

    // Evaluation uses, and must not change, the running statistics just updated.
    const std::vector<double> mean_before = running_mean.to_vector();
    const std::vector<double> var_before = running_var.to_vector();
    const bg::Tensor x_eval = leaf(ref, "x");
    const bg::Tensor y_eval = bg::batch_norm2d(x_eval, weight.detach(), bias.detach(), running_mean,
                                               running_var, /*training=*/false, momentum, eps);
    compare(name + "/y_eval", y_eval, ref.tensor("y_eval"));
    y_eval.backward(ref.tensor("g_eval"));
    compare(name + "/dx_eval", x_eval.grad(), ref.tensor("dx_eval"));
    CHECK(running_mean.to_vector() == mean_before);
    CHECK(running_var.to_vector() == var_before);
}

TEST_CASE("reference: pooling against PyTorch") {
    check_unary("max_pool2d_k2s2", [](const bg::Tensor& x) { return bg::max_pool2d(x, 2, 2); });
    check_unary("max_pool2d_k3s2", [](const bg::Tensor& x) { return bg::max_pool2d(x, 3, 2); });
    check_unary("avg_pool2d_k2", [](const bg::Tensor& x) { return bg::avg_pool2d(x, 2); });
    check_unary("global_avg_pool", [](const bg::Tensor& x) { return bg::global_avg_pool(x); });
}

TEST_CASE("reference: cross_entropy against PyTorch, with and without label smoothing") {
    check_cross_entropy("cross_entropy");
    check_cross_entropy("cross_entropy_smoothing");
}

TEST_CASE("reference: SGD variants against torch.optim.SGD") {
    using Ptr = std::unique_ptr<bg::Optimizer>;
    check_optimizer("sgd_momentum", [](const bg::Tensor& a, const bg::Tensor& b) -> Ptr {
        return std::make_unique<bg::SGD>(
            std::vector<bg::Tensor>{a, b},
            bg::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-2});
    });
    check_optimizer("sgd_nesterov", [](const bg::Tensor& a, const bg::Tensor& b) -> Ptr {
        return std::make_unique<bg::SGD>(
            std::vector<bg::Tensor>{a, b},
            bg::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-2, .nesterov = true});
    });
    check_optimizer("sgd_dampening", [](const bg::Tensor& a, const bg::Tensor& b) -> Ptr {
        return std::make_unique<bg::SGD>(
            std::vector<bg::Tensor>{a, b},
            bg::SGDOptions{.lr = 0.1, .momentum = 0.9, .dampening = 0.5, .weight_decay = 1e-2});
    });
    // Group 0 takes the defaults; group 1 overrides lr and turns weight decay off.
    check_optimizer("sgd_groups", [](const bg::Tensor& a, const bg::Tensor& b) -> Ptr {
        std::vector<bg::ParamGroup> groups(2);
        groups[0].params = {a};
        groups[1] = {.params = {b}, .lr = 0.05, .weight_decay = 0.0};
        return std::make_unique<bg::SGD>(
            std::move(groups), bg::SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-2});
    });
}

TEST_CASE("reference: Adam and AdamW against torch.optim") {
    using Ptr = std::unique_ptr<bg::Optimizer>;
    check_optimizer("adam", [](const bg::Tensor& a, const bg::Tensor& b) -> Ptr {
        return std::make_unique<bg::Adam>(std::vector<bg::Tensor>{a, b},
                                          bg::AdamOptions{.lr = 1e-2, .weight_decay = 1e-2});
    });
    check_optimizer("adamw", [](const bg::Tensor& a, const bg::Tensor& b) -> Ptr {
        return std::make_unique<bg::AdamW>(std::vector<bg::Tensor>{a, b},
                                           bg::AdamOptions{.lr = 1e-2, .weight_decay = 1e-1});
    });
}

TEST_CASE("reference: schedules against torch.optim.lr_scheduler") {
    // PyTorch's lr read before optimizer step t, for t = 0 .. T + 4. Ours holds its final value
    // from T on, where CosineAnnealingLR rises again and ExponentialLR keeps decaying, so those
    // two compare t <= T only; the others compare every step.
    const ReferenceFile ref = load_reference("schedules");
    const int64_t total = std::llround(ref.scalar("total_steps"));
    const double base_lr = ref.scalar("base_lr");
    struct Entry {
        std::string name;
        std::shared_ptr<const bg::Schedule> schedule;
        bool only_within_budget;
    };
    const std::vector<Entry> entries = {
        {"const", std::make_shared<bg::ConstantSchedule>(), false},
        {"linear", std::make_shared<bg::LinearSchedule>(total), false},
        {"poly", std::make_shared<bg::PolynomialSchedule>(total, /*power=*/2.0), false},
        {"cosine", std::make_shared<bg::CosineSchedule>(total), true},
        // Milestones round(0.5·20) = 10 and round(0.75·20) = 15, as MultiStepLR([10, 15]).
        {"step", std::make_shared<bg::StepSchedule>(total), false},
        {"exp", std::make_shared<bg::ExponentialSchedule>(total, /*final_factor=*/0.01), true},
    };
    for (const Entry& entry : entries) {
        CAPTURE(entry.name);
        const bg::Tensor expected_all = ref.tensor("lr." + entry.name);
        const int64_t steps = entry.only_within_budget ? total + 1 : expected_all.numel();
        bg::SGD sgd({bg::Tensor::zeros({1}, bg::DType::float64).set_requires_grad(true)},
                    {.lr = base_lr});
        bg::LRScheduler scheduler(sgd, entry.schedule);
        // The factory builds the same schedule from the command-line name.
        const auto by_name = bg::make_schedule(entry.name, total);
        std::vector<double> ours, expected;
        for (int64_t t = 0; t < steps; ++t) {
            ours.push_back(*sgd.param_groups()[0].lr);
            expected.push_back(expected_all.at(t));
            CHECK(by_name->factor(t) == entry.schedule->factor(t));
            sgd.step();
            scheduler.step();
        }
        const bg::Shape shape = {steps};
        compare(fmt::format("schedules/{} (t = 0..{})", entry.name, steps - 1),
                bg::Tensor::from_vector(shape, std::span<const double>(ours)),
                bg::Tensor::from_vector(shape, std::span<const double>(expected)),
                kScheduleTolerance);
    }
}

TEST_CASE("reference: resnet20 forward and backward in train mode against PyTorch") {
    const ReferenceFile ref = load_reference("resnet20");
    const std::shared_ptr<bg::Module> model = bg::make_model("resnet20");
    model->train();

    // Same parameter names, order and shapes as the PyTorch mirror, then the formula's values.
    const std::vector<bg::NamedTensor> params = model->named_parameters();
    const std::vector<std::string> names = ref.scalar_names("gradnorm.");
    REQUIRE(params.size() == names.size());
    for (std::size_t j = 0; j < params.size(); ++j) {
        const bg::NamedTensor& p = params[j];
        REQUIRE(p.name == names[j]);
        const std::vector<int64_t> shape = ref.ints("shape." + p.name);
        REQUIRE_MESSAGE(p.tensor.shape() == bg::Shape(shape.begin(), shape.end()), p.name);
        fill_float32(p.tensor, [&](int64_t i) {
            return formula_parameter(p.name, p.tensor.shape(), j, static_cast<uint64_t>(i));
        });
    }
    const std::vector<bg::NamedTensor> buffers = model->named_buffers();
    const std::vector<std::string> buffer_names = ref.tensor_names("buffer.");
    REQUIRE(buffers.size() == buffer_names.size());
    for (std::size_t k = 0; k < buffers.size(); ++k) {
        const bg::NamedTensor& b = buffers[k];
        REQUIRE(b.name == buffer_names[k]);
        const bool is_var = b.name.ends_with("running_var");
        REQUIRE((is_var || b.name.ends_with("running_mean")));
        fill_float32(b.tensor, [&](int64_t) { return is_var ? 1.0 : 0.0; });
    }
    const bg::Tensor x = bg::Tensor::empty({4, 3, 32, 32});
    fill_float32(x, [](int64_t i) { return hash_uniform(kInputStream, static_cast<uint64_t>(i)); });
    const std::vector<int64_t> targets = ref.ints("targets");

    const bg::Tensor logits = model->forward(x);
    const bg::Tensor loss = bg::cross_entropy(logits, targets);
    loss.backward();
    compare("resnet20/logits", logits, ref.tensor("logits"), kFloat32Tolerance);
    compare("resnet20/loss", loss.item(), ref.scalar("loss"), kFloat32Tolerance);

    ErrorTally grad_norms;
    std::string worst_name;
    double worst_rel = 0.0;
    for (const bg::NamedTensor& p : params) {
        CAPTURE(p.name);
        REQUIRE(p.tensor.grad().defined());
        const double ours = l2_norm(p.tensor.grad());
        const double theirs = ref.scalar("gradnorm." + p.name);
        grad_norms.add(ours, theirs);
        const double rel = std::abs(ours - theirs) / theirs;
        if (rel >= worst_rel) worst_rel = rel, worst_name = p.name;
        CHECK(rel <= kFloat32Tolerance);
    }
    grad_norms.report(
        fmt::format("resnet20/gradnorms ({} parameters, worst {})", params.size(), worst_name),
        kFloat32Tolerance);

    ErrorTally running_stats;
    for (const bg::NamedTensor& b : buffers)
        running_stats.add(b.tensor, ref.tensor("buffer." + b.name));
    running_stats.report(fmt::format("resnet20/running stats ({} buffers)", buffers.size()),
                         kFloat32Tolerance);

    // A second forward in evaluation mode, on the running statistics the first one left.
    model->eval();
    const bg::NoGradGuard no_grad;
    compare("resnet20/logits_eval", model->forward(x), ref.tensor("logits_eval"),
            kFloat32Tolerance);
}

TEST_CASE("reference: a missing case or name is an error that says what to run") {
    CHECK_THROWS_WITH_AS(load_reference("no_such_case"),
                         doctest::Contains("reference: cannot open"), bg::Error);
    const ReferenceFile ref = load_reference("cross_entropy");
    CHECK_THROWS_WITH_AS(ref.tensor("nothing"),
                         doctest::Contains("expected a tensor named 'nothing', found none"),
                         bg::Error);
    CHECK_THROWS_WITH_AS(ref.scalar("logits"),
                         doctest::Contains("expected a scalar named 'logits', found none"),
                         bg::Error);
}

TEST_CASE("reference: the reader rejects malformed files, naming file and line") {
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() / "budgetgrad_reference_reader_test.txt";
    const auto parse = [&](const std::string& text) {
        std::ofstream(path) << text;
        return ReferenceFile(path.string());
    };
    const ReferenceFile good = parse(
        "# a comment\ntensor t 2 2 2\n1 2 3 4.5\nscalar s -0.25\nints i 3 7 8 9\n"
        "tensor e 0\n3\n");
    CHECK(good.tensor("t").shape() == bg::Shape{2, 2});
    CHECK(good.tensor("t").to_vector() == std::vector<double>{1, 2, 3, 4.5});
    CHECK(good.tensor("e").item() == 3);
    CHECK(good.scalar("s") == -0.25);
    CHECK(good.ints("i") == std::vector<int64_t>{7, 8, 9});
    CHECK(good.tensor_names("") == std::vector<std::string>{"t", "e"});

    CHECK_THROWS_WITH_AS(parse("tensor t 2 2 2\n1 2 3\n"),
                         doctest::Contains("line 2: expected a tensor value, got the end"),
                         bg::Error);
    CHECK_THROWS_WITH_AS(parse("tensor t 1 2\n1 2 3\n"),
                         doctest::Contains("line 2: expected the end of the line, got '3'"),
                         bg::Error);
    CHECK_THROWS_WITH_AS(parse("tensor t 1 2\n"),
                         doctest::Contains("line 2: expected the 2 values of tensor 't'"),
                         bg::Error);
    CHECK_THROWS_WITH_AS(parse("scalar s 1.5x\n"),
                         doctest::Contains("line 1: expected the scalar's value as a number, "
                                           "got '1.5x'"),
                         bg::Error);
    CHECK_THROWS_WITH_AS(parse("ints i 3 1 2\n"),
                         doctest::Contains("line 1: expected one of the integers, got the end"),
                         bg::Error);
    CHECK_THROWS_WITH_AS(parse("scalar s 1\nscalar s 2\n"),
                         doctest::Contains("line 2: expected a new name, got 's' a second time"),
                         bg::Error);
    CHECK_THROWS_WITH_AS(parse("matrix m 1\n"),
                         doctest::Contains("expected 'tensor', 'scalar' or 'ints', got 'matrix'"),
                         bg::Error);
    std::filesystem::remove(path);
}

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

#include "engine/tensor.h"

namespace bg = budgetgrad;

TEST_CASE("tensor: handles alias, clone copies") {
    auto a = bg::Tensor::zeros({2, 3});
    CHECK(a.numel() == 6);
    CHECK(a.shape() == bg::Shape{2, 3});
    CHECK(reinterpret_cast<std::uintptr_t>(a.data<float>()) % 64 == 0);
    bg::Tensor b = a;
    b.data<float>()[0] = 7;
    CHECK(a.at(0) == 7);
    bg::Tensor c = a.clone();
    c.data<float>()[0] = 1;
    CHECK(a.at(0) == 7);
}

TEST_CASE("tensor: dtype checks and conversion") {
    auto a = bg::Tensor::full({3}, 1.5);
    CHECK(a.dtype() == bg::DType::float32);
    CHECK_THROWS_WITH_AS(a.data<double>(), "data: tensor holds float32, requested float64",
                         bg::Error);
    auto d = a.to(bg::DType::float64);
    CHECK(d.dtype() == bg::DType::float64);
    CHECK(d.to_vector() == std::vector<double>{1.5, 1.5, 1.5});
}

TEST_CASE("tensor: bad shapes and sizes are errors") {
    CHECK_THROWS_WITH_AS(bg::Tensor::zeros({2, -1}),
                         "shape: expected non-negative sizes, got (2, -1)", bg::Error);
    std::vector<float> three = {1, 2, 3};
    CHECK_THROWS_WITH_AS(bg::Tensor::from_vector({2, 2}, three),
                         "from_vector: shape (2, 2) needs 4 values, got 3", bg::Error);
    CHECK_THROWS_WITH_AS(bg::Tensor::zeros({2}).item(),
                         "item: expected a one-element tensor, got shape (2,)", bg::Error);
    CHECK_THROWS_AS(bg::Tensor().shape(), bg::Error);
    CHECK(bg::Tensor::zeros({2, 3}).size(-1) == 3);
}

#include <doctest/doctest.h>

#include <cmath>

#include "harness.h"
#include "layers/softmax_cross_entropy.h"

using namespace bcnn;
using bcnn::testing::check_gradients;
using bcnn::testing::make_layer;
using bcnn::testing::random_tensor;

TEST_CASE("dense: forward matches x W^T + b and gradients pass finite differences") {
  auto bound = make_layer({{"type", "dense"}, {"units", 7}}, {13});
  Tensor x = random_tensor(3, {13}, 2), y;
  bound->forward(x, y, {});
  for (int b = 0; b < 3; ++b)
    for (int o = 0; o < 7; ++o) {
      double expect = bound.params[1][o];
      for (int i = 0; i < 13; ++i) expect += double(bound.params[0][o * 13 + i]) * x.sample(b)[i];
      CHECK(y.sample(b)[o] == doctest::Approx(expect).epsilon(1e-5));
    }
  check_gradients(bound, x);
}

TEST_CASE("relu: forward and gradient away from the kink") {
  auto bound = make_layer({{"type", "relu"}}, {4, 5});
  Tensor x = random_tensor(2, {4, 5}, 3), y;
  bound->forward(x, y, {});
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(y[i] == std::max(0.0f, x[i]));
  bcnn::testing::GradCheck options;
  options.kink = 0.05;
  check_gradients(bound, x, options);
}

TEST_CASE("flatten: keeps values in row-major order and passes finite differences") {
  auto bound = make_layer({{"type", "flatten"}}, {2, 3, 4});
  CHECK(bound->output_shape() == Shape{24});
  Tensor x = random_tensor(2, {2, 3, 4}, 4), y;
  bound->forward(x, y, {});
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(y[i] == x[i]);
  check_gradients(bound, x);
}

TEST_CASE("dropout: identity in evaluation, seeded inverted masks in training") {
  auto bound = make_layer({{"type", "dropout"}, {"rate", 0.25}}, {1000});
  Tensor x = random_tensor(4, {1000}, 5), y, y2;
  bound->forward(x, y, {});
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(y[i] == x[i]);

  ForwardContext train{true, 42, 7};
  bound->forward(x, y, train);
  int zeros = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (y[i] == 0.0f) ++zeros;
    else CHECK(y[i] == doctest::Approx(x[i] / 0.75f));
  }
  CHECK(zeros == doctest::Approx(1000).epsilon(0.15));  // 25% of 4000
  bound->forward(x, y2, train);
  for (std::size_t i = 0; i < x.size(); ++i) CHECK(y2[i] == y[i]);  // same (seed, step) -> same mask
  bound->forward(x, y2, {true, 42, 8});
  int same = 0;
  for (std::size_t i = 0; i < x.size(); ++i) same += (y2[i] == y[i]);
  CHECK(same < 3800);  // another step draws another mask

  bcnn::testing::GradCheck options;
  options.context = train;
  check_gradients(bound, x, options);
}

TEST_CASE("softmax cross-entropy: value and gradient") {
  Tensor z(2, {3});
  const float values[] = {1.0f, 2.0f, 3.0f, -1.0f, 0.0f, 5.0f};
  for (int i = 0; i < 6; ++i) z[i] = values[i];
  std::vector<std::int32_t> labels{2, 0};
  Tensor g;
  LossResult r = softmax_cross_entropy(z, labels, &g);
  double l0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0;
  double l1 = std::log(std::exp(-1.0) + std::exp(0.0) + std::exp(5.0)) + 1.0;
  CHECK(r.loss_sum == doctest::Approx(l0 + l1));
  CHECK(r.correct == 1);
  // Finite differences of the mean loss.
  for (int i = 0; i < 6; ++i) {
    Tensor zp = z, zm = z;
    zp[i] += 1e-3f;
    zm[i] -= 1e-3f;
    double numeric = (softmax_cross_entropy(zp, labels, nullptr).loss_sum -
                      softmax_cross_entropy(zm, labels, nullptr).loss_sum) / (2e-3 * 2);
    CHECK(g[i] == doctest::Approx(numeric).epsilon(1e-3));
  }
}

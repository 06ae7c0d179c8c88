#include <doctest/doctest.h>

#include <cmath>

#include "fft/fft.h"
#include "harness.h"
#include "layers/bc_dense.h"

using namespace bcnn;
using bcnn::testing::make_layer;
using bcnn::testing::random_tensor;

namespace {

struct Case {
  int k, n, m;
};

// Projects a dense (m x n) gradient onto the circulant parameters: every dense entry (r, c) is a
// copy of w[r/k][c/k][(r%k - c%k) mod k], so that parameter's gradient is the sum over its copies.
std::vector<double> project_to_circulant(const std::vector<double>& dense, int p, int q, int k, int m, int n) {
  std::vector<double> w(static_cast<std::size_t>(p) * q * k, 0.0);
  for (int r = 0; r < m; ++r)
    for (int c = 0; c < n; ++c)
      w[(static_cast<std::size_t>(r / k) * q + c / k) * k + ((r % k) - (c % k) + k) % k] +=
          dense[static_cast<std::size_t>(r) * n + c];
  return w;
}

}  // namespace

TEST_CASE("bc_dense: forward and both gradients match the dense oracle") {
  // Up to p*q = 1024 blocks per bin the products run on small_cgemm, beyond on OpenBLAS's cgemm:
  // {2, 80, 70} (40 x 35 blocks) and {4, 150, 140} take the second path.
  const Case cases[] = {{1, 7, 5},      {2, 9, 6},      {3, 10, 8},    {4, 16, 12},  {8, 30, 17},   {16, 64, 48},
                        {16, 50, 70},   {64, 200, 130}, {64, 784, 100}, {256, 300, 520}, {2, 80, 70}, {4, 150, 140}};
  for (const Case& c : cases) {
    CAPTURE(c.k);
    CAPTURE(c.n);
    CAPTURE(c.m);
    const int B = 5;
    auto bound = make_layer({{"type", "bc_dense"}, {"units", c.m}, {"block", c.k}}, {c.n}, 7);
    auto* layer = dynamic_cast<BcDense*>(bound.layer.get());
    REQUIRE(layer != nullptr);
    const int p = layer->block_rows(), q = layer->block_cols();
    CHECK(p == (c.m + c.k - 1) / c.k);
    CHECK(q == (c.n + c.k - 1) / c.k);
    const auto dense = bc_dense_to_dense(bound.params[0], p, q, c.k, c.m, c.n);

    Tensor x = random_tensor(B, {c.n}, 3), y, dx;
    layer->forward(x, y, {});
    REQUIRE(y.sample_shape() == Shape{c.m});
    Tensor dy = random_tensor(B, {c.m}, 4);
    layer->backward(x, y, dy, &dx);

    double worst_y = 0, worst_dx = 0, worst_dw = 0, worst_db = 0;
    std::vector<double> dense_grad(static_cast<std::size_t>(c.m) * c.n, 0.0);
    for (int b = 0; b < B; ++b) {
      for (int r = 0; r < c.m; ++r) {
        double expect = bound.params[1][r];
        for (int i = 0; i < c.n; ++i) expect += dense[static_cast<std::size_t>(r) * c.n + i] * x.sample(b)[i];
        worst_y = std::max(worst_y, std::fabs(expect - y.sample(b)[r]));
        for (int i = 0; i < c.n; ++i)
          dense_grad[static_cast<std::size_t>(r) * c.n + i] += double(dy.sample(b)[r]) * x.sample(b)[i];
      }
      for (int i = 0; i < c.n; ++i) {
        double expect = 0;
        for (int r = 0; r < c.m; ++r) expect += dense[static_cast<std::size_t>(r) * c.n + i] * dy.sample(b)[r];
        worst_dx = std::max(worst_dx, std::fabs(expect - dx.sample(b)[i]));
      }
    }
    auto expect_dw = project_to_circulant(dense_grad, p, q, c.k, c.m, c.n);
    for (std::size_t i = 0; i < expect_dw.size(); ++i)
      worst_dw = std::max(worst_dw, std::fabs(expect_dw[i] - bound.grads[0][i]));
    for (int r = 0; r < c.m; ++r) {
      double expect = 0;
      for (int b = 0; b < B; ++b) expect += dy.sample(b)[r];
      worst_db = std::max(worst_db, std::fabs(expect - bound.grads[1][r]));
    }
    // float32 FFT round-off grows like log2(k) * sqrt(n) * |w||x|; these bounds hold with margin.
    CHECK(worst_y < 1e-4 * std::sqrt(double(c.n)) * (1 + std::log2(double(c.k))));
    CHECK(worst_dx < 1e-4 * std::sqrt(double(c.m)) * (1 + std::log2(double(c.k))));
    CHECK(worst_dw < 1e-4 * std::sqrt(double(B * c.m * c.n) / c.k) * (1 + std::log2(double(c.k))));
    CHECK(worst_db < 1e-5);
  }
}

TEST_CASE("bc_dense: golden values pin the first-column convention and the 1/k scaling (k = 3)") {
  auto bound = make_layer({{"type", "bc_dense"}, {"units", 3}, {"block", 3}}, {3});
  bound.params[0] = {1.0f, 2.0f, 3.0f};  // first column c of C[i][j] = c[(i - j) mod 3]
  bound.params[1] = {0.0f, 0.0f, 0.5f};
  Tensor x(1, {3}), y;
  x[0] = 1.0f, x[1] = 10.0f, x[2] = 100.0f;
  bound->forward(x, y, {});
  // C = [[1,3,2],[2,1,3],[3,2,1]]; C x = [231, 312, 123].
  CHECK(y[0] == doctest::Approx(231.0).epsilon(1e-6));
  CHECK(y[1] == doctest::Approx(312.0).epsilon(1e-6));
  CHECK(y[2] == doctest::Approx(123.5).epsilon(1e-6));
  const auto dense = bc_dense_to_dense(bound.params[0], 1, 1, 3, 3, 3);
  CHECK(dense == std::vector<double>{1, 3, 2, 2, 1, 3, 3, 2, 1});
}

TEST_CASE("bc_dense: finite differences through the shared harness") {
  for (int k : {1, 3, 4, 16}) {
    CAPTURE(k);
    auto bound = make_layer({{"type", "bc_dense"}, {"units", 2 * k + 1}, {"block", k}}, {3 * k - 1 > 0 ? 3 * k - 1 : 1});
    Tensor x = random_tensor(4, bound->input_shape(), 5);
    bcnn::testing::check_gradients(bound, x);
  }
}

TEST_CASE("bc_dense: FFT plans are made once and reused") {
  auto bound = make_layer({{"type", "bc_dense"}, {"units", 40}, {"block", 8}}, {36});
  Tensor x = random_tensor(6, {36}, 1), y, dx;
  bound->forward(x, y, {});
  bound->backward(x, y, y, &dx);
  std::size_t plans = fft::plan_count();
  for (int i = 0; i < 5; ++i) {
    bound->forward(x, y, {});
    bound->backward(x, y, y, &dx);
  }
  CHECK(fft::plan_count() == plans);
}

TEST_CASE("bc_dense: compression and cost") {
  auto bound = make_layer({{"type", "bc_dense"}, {"units", 1024}, {"block", 64}}, {784});
  LayerCost c = bound->cost();
  CHECK(c.params == 16 * 13 * 64 + 1024);
  CHECK(c.dense_params == 784 * 1024 + 1024);
  CHECK(c.dense_macs == 784 * 1024);
  CHECK(c.macs < c.dense_macs / 10);
}

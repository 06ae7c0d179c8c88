// The closed-form projection onto block-circulant weights (compress/projection.h) against a
// brute-force least-squares fit over every parameter, and its properties.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "compress/projection.h"
#include "core/error.h"
#include "core/random.h"
#include "layers/bc_conv2d.h"
#include "layers/bc_dense.h"

namespace {

// The dense (rows, cols, taps) equivalent of a block-circulant weight (p, q, taps, k), from the
// layers' own oracle: a convolution with a 1 x taps kernel.
std::vector<double> dense_of(const std::vector<float>& w, int rows, int cols, int taps, int k) {
  const int p = (rows + k - 1) / k, q = (cols + k - 1) / k;
  return bcnn::bc_conv2d_to_dense(w, p, q, 1, taps, k, rows, cols);
}

// argmin_x ||A x - b|| by the normal equations, solved by Gauss-Jordan elimination with partial
// pivoting; a parameter that no entry depends on (a zero column of A) is set to 0.
std::vector<double> least_squares(const std::vector<std::vector<double>>& columns, const std::vector<double>& b) {
  const std::size_t n = columns.size();
  std::vector<std::vector<double>> m(n, std::vector<double>(n + 1, 0.0));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t r = 0; r < b.size(); ++r) m[i][j] += columns[i][r] * columns[j][r];
    for (std::size_t r = 0; r < b.size(); ++r) m[i][n] += columns[i][r] * b[r];
  }
  std::vector<bool> free(n, false);
  for (std::size_t i = 0; i < n; ++i)
    if (m[i][i] == 0) free[i] = true;  // A^T A is positive semi-definite: a zero diagonal is a zero column
  for (std::size_t c = 0; c < n; ++c) {
    if (free[c]) continue;
    std::size_t pivot = c;
    for (std::size_t r = c; r < n; ++r)
      if (!free[r] && std::abs(m[r][c]) > std::abs(m[pivot][c])) pivot = r;
    std::swap(m[c], m[pivot]);
    const double d = m[c][c];
    REQUIRE(d != 0);
    for (std::size_t j = 0; j <= n; ++j) m[c][j] /= d;
    for (std::size_t r = 0; r < n; ++r)
      if (r != c && m[r][c] != 0) {
        const double f = m[r][c];
        for (std::size_t j = 0; j <= n; ++j) m[r][j] -= f * m[c][j];
      }
  }
  std::vector<double> x(n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    if (!free[i]) x[i] = m[i][n];
  return x;
}

std::vector<float> random_weights(std::size_t count, std::uint64_t seed) {
  bcnn::Rng rng(seed, bcnn::Stream::init, 0);
  std::vector<float> w(count);
  for (auto& v : w) v = static_cast<float>(rng.normal());
  return w;
}

double distance(const std::vector<float>& dense, const std::vector<double>& approx) {
  double d = 0;
  for (std::size_t i = 0; i < dense.size(); ++i) d += (dense[i] - approx[i]) * (dense[i] - approx[i]);
  return std::sqrt(d);
}

double norm(const std::vector<float>& w) {
  double s = 0;
  for (float v : w) s += static_cast<double>(v) * v;
  return std::sqrt(s);
}

}  // namespace

TEST_CASE("projection: the closed form is the least-squares fit, with whole and partial blocks") {
  struct Case {
    int rows, cols, taps, k;
  };
  // Whole blocks; partial rows; partial columns; both partial with taps (a 3x3 convolution over
  // 5 -> 7 channels at block 4); a block wider than the layer.
  for (Case c : {Case{8, 12, 1, 4}, Case{10, 8, 1, 4}, Case{6, 9, 1, 4}, Case{7, 5, 9, 4}, Case{3, 2, 2, 4}}) {
    CAPTURE(c.rows);
    CAPTURE(c.cols);
    CAPTURE(c.taps);
    CAPTURE(c.k);
    const std::vector<float> dense = random_weights(static_cast<std::size_t>(c.rows) * c.cols * c.taps, 11);
    bcnn::BlockCirculantProjection projection = bcnn::project_block_circulant(dense, c.rows, c.cols, c.taps, c.k);
    const int p = (c.rows + c.k - 1) / c.k, q = (c.cols + c.k - 1) / c.k;
    REQUIRE(projection.weight.size() == static_cast<std::size_t>(p) * q * c.taps * c.k);

    // Brute force: one column of A per parameter, the dense equivalent of that unit parameter.
    std::vector<std::vector<double>> columns;
    for (std::size_t i = 0; i < projection.weight.size(); ++i) {
      std::vector<float> unit(projection.weight.size(), 0.0f);
      unit[i] = 1.0f;
      columns.push_back(dense_of(unit, c.rows, c.cols, c.taps, c.k));
    }
    const std::vector<double> b(dense.begin(), dense.end());
    const std::vector<double> fit = least_squares(columns, b);
    for (std::size_t i = 0; i < fit.size(); ++i) {
      CAPTURE(i);
      CHECK(projection.weight[i] == doctest::Approx(fit[i]).epsilon(1e-5));
    }
    // The reported error is that of the dense equivalent.
    const double error = distance(dense, dense_of(projection.weight, c.rows, c.cols, c.taps, c.k)) / norm(dense);
    CHECK(projection.relative_error == doctest::Approx(error).epsilon(1e-6));
    CHECK(projection.relative_error > 0.1);  // random weights are far from block-circulant
  }
}

TEST_CASE("projection: a block-circulant weight is its own projection, and no nearby one is nearer") {
  const int rows = 12, cols = 16, taps = 4, k = 4;
  const int p = 3, q = 4;
  const std::vector<float> w = random_weights(static_cast<std::size_t>(p) * q * taps * k, 5);
  const std::vector<double> dense_double = dense_of(w, rows, cols, taps, k);
  const std::vector<float> dense(dense_double.begin(), dense_double.end());
  bcnn::BlockCirculantProjection same = bcnn::project_block_circulant(dense, rows, cols, taps, k);
  for (std::size_t i = 0; i < w.size(); ++i) CHECK(same.weight[i] == doctest::Approx(w[i]).epsilon(1e-6));
  CHECK(same.relative_error < 1e-6);

  // A perturbed dense weight: every small step away from its projection moves further from it.
  std::vector<float> noisy = dense;
  const std::vector<float> noise = random_weights(noisy.size(), 9);
  for (std::size_t i = 0; i < noisy.size(); ++i) noisy[i] += 0.3f * noise[i];
  bcnn::BlockCirculantProjection projection = bcnn::project_block_circulant(noisy, rows, cols, taps, k);
  const double best = distance(noisy, dense_of(projection.weight, rows, cols, taps, k));
  for (std::size_t i = 0; i < projection.weight.size(); i += 7)
    for (float step : {-0.01f, 0.01f}) {
      std::vector<float> moved = projection.weight;
      moved[i] += step;
      CHECK(distance(noisy, dense_of(moved, rows, cols, taps, k)) > best);
    }
}

TEST_CASE("projection: the dense layer's layout, through bc_dense's own oracle") {
  const int rows = 10, cols = 13, k = 4;
  const std::vector<float> dense = random_weights(static_cast<std::size_t>(rows) * cols, 3);
  bcnn::BlockCirculantProjection projection = bcnn::project_block_circulant(dense, rows, cols, 1, k);
  const std::vector<double> via_dense = bcnn::bc_dense_to_dense(projection.weight, 3, 4, k, rows, cols);
  const std::vector<double> via_conv = dense_of(projection.weight, rows, cols, 1, k);
  CHECK(via_dense == via_conv);
  // Entry (r, c) of the equivalent is the mean of its wrapped diagonal: (0, 0), (1, 1), (2, 2), (3, 3) of block (0, 0).
  const double mean = (dense[0] + dense[1 * cols + 1] + dense[2 * cols + 2] + dense[3 * cols + 3]) / 4.0;
  CHECK(via_dense[0] == doctest::Approx(mean));
}

TEST_CASE("projection: sizes that do not match are errors") {
  std::vector<float> w(12, 1.0f);
  CHECK_THROWS_WITH_AS(bcnn::project_block_circulant(w, 3, 5, 1, 2), doctest::Contains("expected 15 weights, found 12"),
                       bcnn::Error);
  CHECK_THROWS_WITH_AS(bcnn::project_block_circulant(w, 3, 4, 1, 0), doctest::Contains("expected positive sizes"),
                       bcnn::Error);
}

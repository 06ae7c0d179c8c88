#include "compress/projection.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"

namespace bcnn {

BlockCirculantProjection project_block_circulant(std::span<const float> dense, int rows, int cols, int taps, int k) {
  if (rows < 1 || cols < 1 || taps < 1 || k < 1)
    throw Error("project_block_circulant: expected positive sizes, found rows " + std::to_string(rows) + ", cols " +
                std::to_string(cols) + ", taps " + std::to_string(taps) + ", block " + std::to_string(k));
  const std::size_t expected = static_cast<std::size_t>(rows) * cols * taps;
  if (dense.size() != expected)
    throw Error("project_block_circulant: expected " + std::to_string(expected) + " weights, found " +
                std::to_string(dense.size()));
  const int p = (rows + k - 1) / k, q = (cols + k - 1) / k;
  const std::size_t params = static_cast<std::size_t>(p) * q * taps * k;
  // Sums in double, so that the mean of a long diagonal (a 4096-wide dense layer at block 4096)
  // keeps float precision.
  std::vector<double> sum(params, 0.0), sum_squares(params, 0.0);
  std::vector<std::int64_t> count(params, 0);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const int d = ((r % k) - (c % k) + k) % k;
      const std::size_t block = static_cast<std::size_t>(r / k) * q + c / k;
      const float* w = dense.data() + (static_cast<std::size_t>(r) * cols + c) * taps;
      for (int t = 0; t < taps; ++t) {
        const std::size_t index = (block * taps + t) * k + d;
        sum[index] += w[t];
        sum_squares[index] += static_cast<double>(w[t]) * w[t];
        ++count[index];
      }
    }
  BlockCirculantProjection result;
  result.weight.assign(params, 0.0f);
  double residual = 0, total = 0;
  for (std::size_t i = 0; i < params; ++i) {
    total += sum_squares[i];
    if (count[i] == 0) continue;
    const double mean = sum[i] / static_cast<double>(count[i]);
    result.weight[i] = static_cast<float>(mean);
    // sum (w - mean)^2 = sum w^2 - n mean^2, clamped against rounding below zero.
    residual += std::max(0.0, sum_squares[i] - static_cast<double>(count[i]) * mean * mean);
  }
  result.relative_error = total > 0 ? std::sqrt(residual / total) : 0.0;
  return result;
}

}  // namespace bcnn

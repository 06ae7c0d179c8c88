#pragma once
// The nearest block-circulant weight to a dense one, in the Frobenius norm (bcnn-compress).
//
// A dense weight W of `rows` x `cols` x `taps` (a dense layer: rows = units, cols = inputs, taps = 1;
// a convolution: rows = C_out, cols = C_in, taps = kh * kw) is replaced by the block-circulant
// weight w of shape (p, q, taps, k), p = ceil(rows / k), q = ceil(cols / k), whose dense equivalent
// (DESIGN.md section 2: W'[r][c][t] = w[r / k][c / k][t][(r % k - c % k) mod k]) is nearest to W.
// Every entry of W maps to exactly one parameter, so the least-squares problem splits into one
// mean per parameter: w[i][j][t][d] is the mean of W over the wrapped diagonal d of block (i, j)
// at tap t, the entries beyond rows and cols (padding, never used) left out; a diagonal with no
// entry inside (possible only in a partial block) gets 0.
#include <cstdint>
#include <span>
#include <vector>

namespace bcnn {

struct BlockCirculantProjection {
  std::vector<float> weight;    // (p, q, taps, k)
  double relative_error = 0;    // ||W - W'||_F / ||W||_F (0 for an all-zero W)
};

BlockCirculantProjection project_block_circulant(std::span<const float> dense, int rows, int cols, int taps, int k);

}  // namespace bcnn

#pragma once
// What a hardware kind contributes to the reuse architecture (bcnn-compile --architecture reuse;
// bcnn_hls/reuse.h, docs/compile.md "The reuse architecture"): which engine of the shared set
// computes the layer, its formats and geometry, and its parameters in the order the engine reads
// them from the flat parameter table. A kind without a reuse step (HwLayer::reuse_step returns
// false) cannot be compiled for that architecture.
#include <cstdint>
#include <string>
#include <vector>

#include "quant/quantized_model.h"

namespace bcnn::hw {

struct ReuseStep {
  // pass: no hardware (the next layer reads the same values); the others are bcnn_hls::reuse_op.
  enum class Op { pass = 0, bc_dense = 1, dense = 2, relu = 3 };
  Op op = Op::pass;
  int block = 0, p = 0, q = 0;  // bc_dense
  // The formats the op uses besides the layer's in and out (bc_dense: all six; dense: weight,
  // acc, bias).
  FixedFormat spec{}, weight{}, acc{}, ifft{}, bias{}, twiddle{};
  // bc_dense: weight spectra by block row i, block column j, bin f, re and im interleaved
  // ((p, q, K/2+1, 2)); dense: (n_out, n_in). Biases n_out; twiddles cos then -sin (K/2 each).
  std::vector<std::int64_t> weights, biases, twiddles;
};

// The engines compute on 64-bit raw integers (bcnn_hls::reuse_convert, like convert_raw64): an
// exact intermediate of format f must be below 2^62. Throws bcnn::Error "--architecture reuse:
// layer 'NAME': WHAT needs W bits, the reuse engines hold at most 62" otherwise.
void require_reuse_width(const QuantLayer& q, const FixedFormat& f, const std::string& what);
// A conversion of an exact value of format `from` into `to` in 62 bits (a right shift of at most
// 62, or a left shift that stays below 2^62).
void require_reuse_convert(const QuantLayer& q, const FixedFormat& from, const FixedFormat& to,
                           const std::string& what);

}  // namespace bcnn::hw

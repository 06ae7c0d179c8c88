#pragma once
// A model in fixed point: every layer's formats and its parameters quantized to raw integers.
// It is what bcnn-compile emits as HLS headers and what bcnn-eval --fixed runs, so both see the
// same bits. docs/fpga.md gives the arithmetic of every layer, operation by operation.
#include <cstdint>
#include <string>
#include <vector>

#include "bcnn_hls/fixed.h"
#include "io/model_file.h"

namespace bcnn {

using FixedFormat = bcnn_hls::format;

// The ap_fixed spelling, e.g. "ap_fixed<16, 6, AP_RND, AP_SAT>".
std::string format_name(const FixedFormat& f);
// Parses the ap_fixed spelling; throws bcnn::Error naming `what` (e.g. "--precision fc1.out")
// for anything else or for an impossible format (width 0 or above 64).
FixedFormat parse_format(const std::string& text, const std::string& what);

// One layer in fixed point. Its hardware kind (src/hw/, found by `type` in hw/registry) chooses,
// checks, emulates, estimates and writes the fields below that it uses; the others stay default.
struct QuantLayer {
  std::string type;  // the JSON layer type, the name of its hardware kind ("bc_dense", ...)
  std::string name;
  int n_in = 0, n_out = 0;

  // Formats. `in` is the previous layer's `out` (the network input's format for the first layer).
  FixedFormat in{}, out{};
  // bc_dense: spec (forward FFT stages and X'), weight (weight spectra), acc (frequency-domain
  // accumulator), ifft (inverse FFT stages), bias, twiddle. dense: weight, bias, acc.
  FixedFormat spec{}, weight{}, acc{}, ifft{}, bias{}, twiddle{};

  // bc_dense: block K, p block rows, q block columns; weight spectra re/im as (p, q, K/2+1)
  // raw values in `weight`; twiddles cos(2 pi j / K) and -sin(2 pi j / K), j < K/2, in `twiddle`.
  int block = 0, p = 0, q = 0;
  std::vector<std::int64_t> weight_re, weight_im, twiddle_re, twiddle_im;
  // dense: weights (n_out, n_in) raw in `weight`.
  std::vector<std::int64_t> weights;
  std::vector<std::int64_t> bias_raw;  // n_out, in `bias`

  // Parallelism (hardware only; the arithmetic does not depend on it).
  int block_rows_parallel = 1;  // bc_dense: block rows computed at once
  int bins_parallel = 1;        // bc_dense: frequency bins per cycle
  int reuse_factor = 1;         // dense: multipliers shared by this many products

  // Calibrated ranges the formats were chosen from (for the report).
  double observed_in_min = 0, observed_in_max = 0, observed_out_min = 0, observed_out_max = 0;
};

struct QuantizedModel {
  std::vector<int> input_shape;  // (C, H, W)
  int n_in = 0, n_out = 0;
  FixedFormat input{};           // format of the network input
  std::vector<QuantLayer> layers;
};

}  // namespace bcnn

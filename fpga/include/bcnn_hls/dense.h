// Fully connected layer: out[o] = out_t(acc), acc = acc_t(bias[o]), then for i = 0 .. n_in-1 in
// order acc += weights[o][i] * in[i] (exact product, exact sum, one conversion to acc_t per +=).
//
// CFG provides:
//   static const int n_in, n_out, reuse_factor;
//   typedefs in_t, weight_t, bias_t, acc_t, out_t;
//   static const weight_t weights[n_out][n_in];
//   static const bias_t bias[n_out];
// reuse_factor R: each output's n_in products take ceil(n_in / M) cycles on M = ceil(n_in / R)
// multipliers, so every multiplier computes about R products per output, in one pipelined loop
// over all outputs. The arithmetic does not depend on R.
#ifndef BCNN_HLS_DENSE_H
#define BCNN_HLS_DENSE_H

#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pragma.h"

namespace bcnn_hls {

namespace detail {

template <class CFG>
void dense_rom(const typename CFG::in_t in[CFG::n_in], typename CFG::out_t out[CFG::n_out],
               const typename CFG::weight_t weights[CFG::n_out][CFG::n_in],
               const typename CFG::bias_t bias[CFG::n_out]) {
  typedef typename CFG::acc_t acc_t;
  typedef typename CFG::out_t out_t;
  constexpr int n_in = CFG::n_in;
  constexpr int n_out = CFG::n_out;
  constexpr int reuse = CFG::reuse_factor;
  static_assert(n_in >= 1 && n_out >= 1, "bcnn_hls::dense: n_in and n_out must be positive");
  static_assert(reuse >= 1, "bcnn_hls::dense: reuse_factor must be >= 1");
  constexpr int multipliers = (n_in + reuse - 1) / reuse;
  static_assert(multipliers >= 1 && multipliers <= n_in, "bcnn_hls::dense: multiplier count");
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=weights cyclic factor=multipliers dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=in cyclic factor=multipliers)
  // One loop pipelined at II=1 over outputs x steps (ceil(n_in / multipliers) steps per output), so
  // that nothing drains between outputs: an output's first step starts from its bias, its last
  // converts.
  constexpr int steps = (n_in + multipliers - 1) / multipliers;
  acc_t acc = 0;
  int o = 0, step = 0;
  for (int n = 0; n < n_out * steps; ++n) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    acc_t sum = step == 0 ? acc_t(bias[o]) : acc;
    for (int m = 0; m < multipliers; ++m) {
      const int i = step * multipliers + m;
      if (i < n_in) sum += weights[o][i] * in[i];
    }
    acc = sum;
    if (step == steps - 1) {
      out[o] = out_t(sum);
      step = 0;
      ++o;
    } else {
      ++step;
    }
  }
}

}  // namespace detail

template <class CFG>
void dense(const typename CFG::in_t in[CFG::n_in], typename CFG::out_t out[CFG::n_out]) {
  detail::dense_rom<CFG>(in, out, CFG::weights, CFG::bias);
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_DENSE_H

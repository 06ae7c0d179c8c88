// ReLU: out[i] = in[i] > 0 ? out_t(in[i]) : 0 (the comparison is exact; one conversion).
// CFG provides static const int n and typedefs in_t, out_t.
#ifndef BCNN_HLS_RELU_H
#define BCNN_HLS_RELU_H

#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pragma.h"

namespace bcnn_hls {

template <class CFG>
void relu(const typename CFG::in_t in[CFG::n], typename CFG::out_t out[CFG::n]) {
  typedef typename CFG::out_t out_t;
  constexpr int n = CFG::n;
  static_assert(n >= 1, "bcnn_hls::relu: n must be positive");
  for (int i = 0; i < n; ++i) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    out[i] = in[i] > 0 ? out_t(in[i]) : out_t(0);
  }
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_RELU_H

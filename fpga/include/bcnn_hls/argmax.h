// The index of the first maximum of in[0 .. N-1] (exact comparisons).
#ifndef BCNN_HLS_ARGMAX_H
#define BCNN_HLS_ARGMAX_H

#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pragma.h"

namespace bcnn_hls {

template <int N, class T>
int argmax(const T in[N]) {
  static_assert(N >= 1, "bcnn_hls::argmax: N must be positive");
  int best = 0;
  T best_value = in[0];
  for (int i = 1; i < N; ++i) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    if (in[i] > best_value) {
      best = i;
      best_value = in[i];
    }
  }
  return best;
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_ARGMAX_H

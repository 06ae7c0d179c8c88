// Parameters written at run time (docs/fpga.md, "Weights in UltraRAM"): UltraScale+ UltraRAM has
// no initial contents, so the weight arrays a design holds there are static arrays of the top
// function, written from its `params` port (raw two's complement values, one 64-bit word each, in
// row-major order) by a call with load = 1 before any image runs.
//
//   load_array<D0>(params, offset, a)  a[D0][...] = params[offset ...], one word per cycle
#ifndef BCNN_HLS_PARAMS_H
#define BCNN_HLS_PARAMS_H

#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pragma.h"

namespace bcnn_hls {

template <int D0, class T, int D1, int D2>
void load_array(const long long* params, long long offset, T (*a)[D1][D2]) {
  for (int n = 0; n < D0 * D1 * D2; ++n) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    a[n / (D1 * D2)][n / D2 % D1][n % D2] = from_raw_bits<T>(params[offset + n]);
  }
}

template <int D0, class T, int D1, int D2, int D3, int D4>
void load_array(const long long* params, long long offset, T (*a)[D1][D2][D3][D4]) {
  for (int n = 0; n < D0 * D1 * D2 * D3 * D4; ++n) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    a[n / (D1 * D2 * D3 * D4)][n / (D2 * D3 * D4) % D1][n / (D3 * D4) % D2][n / D4 % D3][n % D4] =
        from_raw_bits<T>(params[offset + n]);
  }
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_PARAMS_H

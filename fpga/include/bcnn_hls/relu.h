// ReLU: out[i] = in[i] > 0 ? out_t(in[i]) : 0 (the comparison is exact; one conversion).
// On arrays, CFG provides static const int n, lanes and typedefs in_t, out_t: lanes elements per
// cycle (1..n), the arrays in lanes cyclic banks. On pixel streams
// (bcnn_hls/pixels.h), CFG provides static const int channels, pixels, lanes and typedefs in_t,
// out_t, in_pixel_t, out_pixel_t: lanes (1..channels) channels per cycle, ceil(channels / lanes)
// cycles per pixel (one stream word), in one loop pipelined at II=1 over pixels and channel groups.
#ifndef BCNN_HLS_RELU_H
#define BCNN_HLS_RELU_H

#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pixels.h"
#include "bcnn_hls/pragma.h"

namespace bcnn_hls {

template <class CFG>
void relu(const typename CFG::in_t in[CFG::n], typename CFG::out_t out[CFG::n]) {
  typedef typename CFG::out_t out_t;
  constexpr int n = CFG::n;
  constexpr int lanes = CFG::lanes;
  static_assert(n >= 1, "bcnn_hls::relu: n must be positive");
  static_assert(lanes >= 1 && lanes <= n, "bcnn_hls::relu: lanes must be in 1..n");
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=in cyclic factor=lanes)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=out cyclic factor=lanes)
  for (int i = 0; i < n; ++i) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    BCNN_HLS_PRAGMA(HLS UNROLL factor=lanes)
    out[i] = in[i] > 0 ? out_t(in[i]) : out_t(0);
  }
}

template <class CFG, int IN_DEPTH, int OUT_DEPTH>
void relu(stream<typename CFG::in_pixel_t, IN_DEPTH>& in, stream<typename CFG::out_pixel_t, OUT_DEPTH>& out) {
  typedef typename CFG::out_t out_t;
  constexpr int channels = CFG::channels;
  constexpr int lanes = CFG::lanes;
  static_assert(channels >= 1 && CFG::pixels >= 1, "bcnn_hls::relu: channels and pixels must be positive");
  static_assert(lanes >= 1 && lanes <= channels, "bcnn_hls::relu: lanes must be in 1..channels");
  // One pipelined loop over pixels x channel groups (no drain between pixels).
  constexpr int groups = (channels + lanes - 1) / lanes;
  typename CFG::out_pixel_t y;
  auto body = [&](const typename CFG::in_pixel_t& x, int group) {
    for (int l = 0; l < lanes; ++l) {
      const int c = group * lanes + l;
      if (c < channels) y[c] = x[c] > 0 ? out_t(x[c]) : out_t(0);
    }
    if (group == groups - 1) out.write(y);
  };
  for_pixel_groups<CFG::pixels, groups, typename CFG::in_pixel_t>(in, body);
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_RELU_H

// Global average pooling of a pixel stream into an array (docs/fpga.md, "global_avgpool"): for
// every channel c,
//
//   acc[c] = 0
//   for every pixel x, in raster order: acc[c] += x[c]      (exact: acc_t holds the sum of
//                                                            height * width inputs)
//   out[c] = out_t(acc[c] * scale)                          (exact product, the only rounding)
//
// with scale the stored constant 1 / (height * width) in scale_t (exact when the pixel count is a
// power of two).
//
// CFG provides static const int channels, pixels, lanes; typedefs in_t, acc_t, scale_t, out_t,
// in_pixel_t (pixel<in_t, channels>); static const scale_t scale. lanes (1..channels) channels per
// cycle, ceil(channels / lanes) cycles per pixel (one stream word) on lanes adders, in one loop
// pipelined at II=1 over pixels and channel groups, the accumulators in lanes cyclic banks; then
// one output per cycle on one multiplier.
#ifndef BCNN_HLS_GLOBAL_AVGPOOL_H
#define BCNN_HLS_GLOBAL_AVGPOOL_H

#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pixels.h"
#include "bcnn_hls/pragma.h"

namespace bcnn_hls {

template <class CFG, int IN_DEPTH>
void global_avgpool(stream<typename CFG::in_pixel_t, IN_DEPTH>& in, typename CFG::out_t out[CFG::channels]) {
  typedef typename CFG::acc_t acc_t;
  typedef typename CFG::out_t out_t;
  static_assert(CFG::channels >= 1 && CFG::pixels >= 1, "bcnn_hls::global_avgpool: channels and pixels must be positive");
  constexpr int lanes = CFG::lanes;
  static_assert(lanes >= 1 && lanes <= CFG::channels, "bcnn_hls::global_avgpool: lanes must be in 1..channels");
  acc_t acc[CFG::channels];
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc cyclic factor=lanes)
  for (int c = 0; c < CFG::channels; ++c) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    BCNN_HLS_PRAGMA(HLS UNROLL factor=lanes)
    acc[c] = 0;
  }
  // One pipelined loop over pixels x channel groups (no drain between pixels).
  constexpr int groups = (CFG::channels + lanes - 1) / lanes;
  auto body = [&](const typename CFG::in_pixel_t& x, int group) {
    for (int l = 0; l < lanes; ++l) {
      const int c = group * lanes + l;
      if (c < CFG::channels) acc[c] += x[c];
    }
  };
  for_pixel_groups<CFG::pixels, groups, typename CFG::in_pixel_t>(in, body);
  for (int c = 0; c < CFG::channels; ++c) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    out[c] = out_t(acc[c] * CFG::scale);
  }
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_GLOBAL_AVGPOOL_H

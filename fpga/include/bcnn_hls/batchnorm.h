// Batch normalization at inference as a per-channel scale and shift (docs/fpga.md, "batchnorm"):
//
//   out = out_t(x * scale[c] + shift[c])     (exact product and sum; the only rounding)
//
// with scale[c] = gamma / sqrt(running_var + eps) and shift[c] = beta - running_mean * scale[c],
// computed in double by bcnn-compile and stored in scale_t and shift_t. Where a convolution
// without block-circulant weights comes first, bcnn-compile folds the batchnorm into it instead.
//
// On arrays, CFG provides static const int n, channels (c = i / (n / channels): an array holds
// its channels one after another, each n / channels values), lanes; typedefs in_t, scale_t,
// shift_t, out_t; static const scale_t scale[channels]; static const shift_t shift[channels].
// lanes values per cycle (1..n), the arrays in lanes cyclic banks.
// On pixel streams (bcnn_hls/pixels.h), CFG provides static const int channels, pixels, lanes, the
// same typedefs and tables, and in_pixel_t, out_pixel_t: lanes (1..channels) channels per cycle on
// lanes multipliers, ceil(channels / lanes) cycles per pixel (one stream word), in one loop
// pipelined at II=1 over pixels and channel groups; the tables in lanes cyclic banks.
#ifndef BCNN_HLS_BATCHNORM_H
#define BCNN_HLS_BATCHNORM_H

#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pixels.h"
#include "bcnn_hls/pragma.h"

namespace bcnn_hls {

template <class CFG>
void batchnorm(const typename CFG::in_t in[CFG::n], typename CFG::out_t out[CFG::n]) {
  typedef typename CFG::out_t out_t;
  static_assert(CFG::n >= 1 && CFG::channels >= 1 && CFG::n % CFG::channels == 0,
                "bcnn_hls::batchnorm: n must be a positive multiple of channels");
  constexpr int per_channel = CFG::n / CFG::channels;
  constexpr int lanes = CFG::lanes;
  static_assert(lanes >= 1 && lanes <= CFG::n, "bcnn_hls::batchnorm: lanes must be in 1..n");
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=in cyclic factor=lanes)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=out cyclic factor=lanes)
  for (int i = 0; i < CFG::n; ++i) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    BCNN_HLS_PRAGMA(HLS UNROLL factor=lanes)
    const int c = i / per_channel;
    out[i] = out_t(in[i] * CFG::scale[c] + CFG::shift[c]);
  }
}

namespace detail {

template <class CFG, class IN_STREAM, class OUT_STREAM>
void batchnorm_pixels(IN_STREAM& in, OUT_STREAM& out, const typename CFG::scale_t scale[CFG::channels],
                      const typename CFG::shift_t shift[CFG::channels]) {
  typedef typename CFG::out_t out_t;
  constexpr int channels = CFG::channels;
  constexpr int lanes = CFG::lanes;
  static_assert(channels >= 1 && CFG::pixels >= 1, "bcnn_hls::batchnorm: channels and pixels must be positive");
  static_assert(lanes >= 1 && lanes <= channels, "bcnn_hls::batchnorm: lanes must be in 1..channels");
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=scale cyclic factor=lanes)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=shift cyclic factor=lanes)
  // One pipelined loop over pixels x channel groups (no drain between pixels).
  constexpr int groups = (channels + lanes - 1) / lanes;
  typename CFG::out_pixel_t y;
  auto body = [&](const typename CFG::in_pixel_t& x, int group) {
    for (int l = 0; l < lanes; ++l) {
      const int c = group * lanes + l;
      if (c < channels) y[c] = out_t(x[c] * scale[c] + shift[c]);
    }
    if (group == groups - 1) out.write(y);
  };
  for_pixel_groups<CFG::pixels, groups, typename CFG::in_pixel_t>(in, body);
}

}  // namespace detail

template <class CFG, int IN_DEPTH, int OUT_DEPTH>
void batchnorm(stream<typename CFG::in_pixel_t, IN_DEPTH>& in, stream<typename CFG::out_pixel_t, OUT_DEPTH>& out) {
  detail::batchnorm_pixels<CFG>(in, out, CFG::scale, CFG::shift);
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_BATCHNORM_H

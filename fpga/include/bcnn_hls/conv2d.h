// Convolution over a pixel stream (docs/fpga.md, "conv2d"): a line buffer of kernel_h input rows
// (bcnn_hls/window.h) and, for every output pixel and output channel co,
//
//   acc = acc_t(bias[co])
//   for a < kernel_h, b < kernel_w, ci < in_channels, in this order:
//     acc += weights[co][a][b][ci] * x[ci]      (exact product and sum, one conversion to acc_t
//                                                per +=; x = 0 in the padding, which leaves acc
//                                                unchanged)
//   y[co] = out_t(acc)
//
// with x the input pixel at row oh * stride_h + a - pad_top, column ow * stride_w + b - pad_left.
// A batchnorm after the convolution is folded into weights and bias by bcnn-compile.
//
// CFG provides the window geometry of bcnn_hls/window.h and
//   static const int in_channels, out_channels, outputs_parallel, inputs_parallel, taps_parallel;
//   typedefs in_t, weight_t, bias_t, acc_t, out_t, in_pixel_t, out_pixel_t (pixel<in_t,
//   in_channels>, pixel<out_t, out_channels>);
//   static const weight_t weights[out_channels][kernel_h][kernel_w][in_channels];
//   static const bias_t bias[out_channels];
// outputs_parallel output channels, inputs_parallel input channels and taps_parallel kernel
// columns are computed at once (taps_parallel > 1 needs every input channel at once, so that the
// sums keep their order); the arithmetic (and so every bit of the result) does not depend on them.
#ifndef BCNN_HLS_CONV2D_H
#define BCNN_HLS_CONV2D_H

#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pixels.h"
#include "bcnn_hls/pragma.h"
#include "bcnn_hls/window.h"

namespace bcnn_hls {

namespace detail {

template <class CFG, class IN_STREAM, class OUT_STREAM>
void conv2d_rom(IN_STREAM& in, OUT_STREAM& out,
                const typename CFG::weight_t weights[CFG::out_channels][CFG::kernel_h][CFG::kernel_w]
                                                    [CFG::in_channels],
                const typename CFG::bias_t bias[CFG::out_channels]) {
  typedef typename CFG::in_pixel_t in_pixel_t;
  typedef typename CFG::out_pixel_t out_pixel_t;
  typedef typename CFG::in_t in_t;
  typedef typename CFG::acc_t acc_t;
  typedef typename CFG::out_t out_t;
  constexpr int outputs_parallel = CFG::outputs_parallel;
  constexpr int inputs_parallel = CFG::inputs_parallel;
  constexpr int taps_parallel = CFG::taps_parallel;
  constexpr int output_groups = (CFG::out_channels + outputs_parallel - 1) / outputs_parallel;
  constexpr int input_groups = (CFG::in_channels + inputs_parallel - 1) / inputs_parallel;
  static_assert(valid_window_geometry<CFG>(), "bcnn_hls::conv2d: invalid window geometry");
  static_assert(CFG::in_channels >= 1 && CFG::out_channels >= 1, "bcnn_hls::conv2d: channel counts must be positive");
  static_assert(outputs_parallel >= 1 && inputs_parallel >= 1,
                "bcnn_hls::conv2d: outputs_parallel and inputs_parallel must be >= 1");
  static_assert(taps_parallel >= 1 && taps_parallel <= CFG::kernel_w && (taps_parallel == 1 || input_groups == 1),
                "bcnn_hls::conv2d: taps_parallel must be in 1..kernel_w, and 1 unless inputs_parallel covers "
                "in_channels");
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=weights cyclic factor=outputs_parallel dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=weights cyclic factor=inputs_parallel dim=4)

  in_pixel_t rows[CFG::kernel_h][CFG::in_width];
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=rows complete dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=rows cyclic factor=taps_parallel dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=weights cyclic factor=taps_parallel dim=3)
  store_pixels<CFG, in_pixel_t> store{rows};
  int rows_read = 0;
  for (int oh = 0; oh < CFG::out_height; ++oh) {
    read_rows_until<CFG>(in, rows_read, window_last_row<CFG>(oh), store);
    for (int ow = 0; ow < CFG::out_width; ++ow) {
      out_pixel_t y;
      // outputs_parallel accumulators at once; the taps and input channels in one pipelined
      // loop nest, inputs_parallel channels per cycle. A tap in the padding reads an exact zero,
      // which leaves every accumulator unchanged.
      for (int group = 0; group < output_groups; ++group) {
        acc_t acc[outputs_parallel];
        BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc complete)
        for (int u = 0; u < outputs_parallel; ++u) {
          BCNN_HLS_PRAGMA(HLS UNROLL)
          const int co = group * outputs_parallel + u;
          acc[u] = co < CFG::out_channels ? acc_t(bias[co]) : acc_t(0);
        }
        for (int a = 0; a < CFG::kernel_h; ++a)
          for (int b0 = 0; b0 < CFG::kernel_w; b0 += taps_parallel)
            for (int cg = 0; cg < input_groups; ++cg) {
              BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
              for (int t = 0; t < taps_parallel; ++t) {
                BCNN_HLS_PRAGMA(HLS UNROLL)
                const int b = b0 + t;
                const int ih = oh * CFG::stride_h + a - CFG::pad_top;
                const int iw = ow * CFG::stride_w + b - CFG::pad_left;
                const bool inside =
                    b < CFG::kernel_w && ih >= 0 && ih < CFG::in_height && iw >= 0 && iw < CFG::in_width;
                const in_pixel_t& x = rows[inside ? ih % CFG::kernel_h : 0][inside ? iw : 0];
                for (int u = 0; u < outputs_parallel; ++u) {
                  BCNN_HLS_PRAGMA(HLS UNROLL)
                  for (int v = 0; v < inputs_parallel; ++v) {
                    BCNN_HLS_PRAGMA(HLS UNROLL)
                    const int co = group * outputs_parallel + u;
                    const int ci = cg * inputs_parallel + v;
                    if (b < CFG::kernel_w && co < CFG::out_channels && ci < CFG::in_channels)
                      acc[u] += weights[co][a][b][ci] * (inside ? x[ci] : in_t(0));
                  }
                }
              }
            }
        for (int u = 0; u < outputs_parallel; ++u) {
          BCNN_HLS_PRAGMA(HLS UNROLL)
          const int co = group * outputs_parallel + u;
          if (co < CFG::out_channels) y[co] = out_t(acc[u]);
        }
      }
      out.write(y);
    }
  }
  read_rows_until<CFG>(in, rows_read, CFG::in_height - 1, store);
}

}  // namespace detail

template <class CFG, int IN_DEPTH, int OUT_DEPTH>
void conv2d(stream<typename CFG::in_pixel_t, IN_DEPTH>& in, stream<typename CFG::out_pixel_t, OUT_DEPTH>& out) {
  detail::conv2d_rom<CFG>(in, out, CFG::weights, CFG::bias);
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_CONV2D_H

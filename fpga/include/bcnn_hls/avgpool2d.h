// Average pooling over a pixel stream (docs/fpga.md, "avgpool2d"): a line buffer of kernel_h input
// rows (bcnn_hls/window.h, no padding) and, for every output pixel and channel c,
//
//   acc = 0
//   for a < kernel_h, b < kernel_w in this order: acc += x_(a,b)[c]   (exact: acc_t holds the sum
//                                                                      of kernel_h * kernel_w inputs)
//   y[c] = out_t(acc * scale)                     (exact product, the only rounding)
//
// with x_(a,b) the input pixel at row oh * stride_h + a, column ow * stride_w + b, and scale the
// stored constant 1 / (kernel_h * kernel_w) in scale_t (exact when the tap count is a power of two).
// Rows and columns that no window reaches are read and dropped.
//
// CFG provides the window geometry of bcnn_hls/window.h (pad_top = pad_left = 0) and
//   static const int channels, lanes;
//   typedefs in_t, acc_t, scale_t, out_t, in_pixel_t, out_pixel_t;
//   static const scale_t scale;
// Input pixels are stored one per cycle; per output pixel, lanes (1..channels) channels per cycle,
// ceil(channels / lanes) cycles, the taps of a channel summed side by side, one multiplier per
// lane (window_schedule).
#ifndef BCNN_HLS_AVGPOOL2D_H
#define BCNN_HLS_AVGPOOL2D_H

#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pixels.h"
#include "bcnn_hls/pragma.h"
#include "bcnn_hls/window.h"

namespace bcnn_hls {

template <class CFG, int IN_DEPTH, int OUT_DEPTH>
void avgpool2d(stream<typename CFG::in_pixel_t, IN_DEPTH>& in, stream<typename CFG::out_pixel_t, OUT_DEPTH>& out) {
  typedef typename CFG::acc_t acc_t;
  typedef typename CFG::out_t out_t;
  typedef typename CFG::in_pixel_t in_pixel_t;
  typedef typename CFG::out_pixel_t out_pixel_t;
  static_assert(valid_window_geometry<CFG>(), "bcnn_hls::avgpool2d: invalid window geometry");
  static_assert(CFG::pad_top == 0 && CFG::pad_left == 0, "bcnn_hls::avgpool2d: pools have no padding");
  static_assert(CFG::channels >= 1, "bcnn_hls::avgpool2d: channels must be positive");
  constexpr int lanes = CFG::lanes;
  static_assert(lanes >= 1 && lanes <= CFG::channels, "bcnn_hls::avgpool2d: lanes must be in 1..channels");

  // A window's kernel_h * kernel_w taps are read in one cycle: kernel_h rows, each in kernel_w
  // cyclic banks (columns ow * stride_w + b, b < kernel_w, fall in distinct banks). One pipelined
  // loop (window_schedule): a step per input pixel, ceil(channels / lanes) steps per output pixel.
  constexpr int kernel_w = CFG::kernel_w;
  constexpr int groups = (CFG::channels + lanes - 1) / lanes;
  in_pixel_t rows[CFG::kernel_h][CFG::in_width];
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=rows complete dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=rows cyclic factor=kernel_w dim=2)
  out_pixel_t y;
  auto compute = [&](const window_schedule<CFG, 1, groups>& s) {
    for (int l = 0; l < lanes; ++l) {
      const int c = s.step * lanes + l;
      if (c < CFG::channels) {
        acc_t acc = 0;
        for (int a = 0; a < CFG::kernel_h; ++a) {
          for (int b = 0; b < kernel_w; ++b) {
            acc += rows[(s.oh * CFG::stride_h + a) % CFG::kernel_h][s.ow * CFG::stride_w + b][c];
          }
        }
        y[c] = out_t(acc * CFG::scale);
      }
    }
    if (s.step == groups - 1) out.write(y);
  };
  run_pixel_window<CFG, groups>(in, rows, compute);
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_AVGPOOL2D_H

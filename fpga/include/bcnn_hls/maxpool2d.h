// Max pooling over a pixel stream (docs/fpga.md, "maxpool2d"): a line buffer of kernel_h input rows
// (bcnn_hls/window.h, no padding) and, for every output pixel and channel c,
//
//   m = x_(0,0)[c]
//   for a < kernel_h, b < kernel_w in this order (but (0, 0)):
//     if (x_(a,b)[c] > m) m = x_(a,b)[c]          (exact comparison; the first maximum stays)
//   y[c] = out_t(m)                                 (the only conversion; none when out_t = in_t)
//
// with x_(a,b) the input pixel at row oh * stride_h + a, column ow * stride_w + b. Rows and
// columns that no window reaches (a leftover at the bottom or right) are read and dropped.
//
// CFG provides the window geometry of bcnn_hls/window.h (pad_top = pad_left = 0) and
//   static const int channels, lanes;
//   typedefs in_t, out_t, in_pixel_t, out_pixel_t (pixel<in_t, channels>, pixel<out_t, channels>).
// Input pixels are stored one per cycle; per output pixel, lanes (1..channels) channels per cycle,
// ceil(channels / lanes) cycles, the taps of a channel compared side by side (window_schedule).
#ifndef BCNN_HLS_MAXPOOL2D_H
#define BCNN_HLS_MAXPOOL2D_H

#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pixels.h"
#include "bcnn_hls/pragma.h"
#include "bcnn_hls/window.h"

namespace bcnn_hls {

template <class CFG, int IN_DEPTH, int OUT_DEPTH>
void maxpool2d(stream<typename CFG::in_pixel_t, IN_DEPTH>& in, stream<typename CFG::out_pixel_t, OUT_DEPTH>& out) {
  typedef typename CFG::in_t in_t;
  typedef typename CFG::out_t out_t;
  typedef typename CFG::in_pixel_t in_pixel_t;
  typedef typename CFG::out_pixel_t out_pixel_t;
  static_assert(valid_window_geometry<CFG>(), "bcnn_hls::maxpool2d: invalid window geometry");
  static_assert(CFG::pad_top == 0 && CFG::pad_left == 0, "bcnn_hls::maxpool2d: pools have no padding");
  static_assert(CFG::channels >= 1, "bcnn_hls::maxpool2d: channels must be positive");
  constexpr int lanes = CFG::lanes;
  static_assert(lanes >= 1 && lanes <= CFG::channels, "bcnn_hls::maxpool2d: lanes must be in 1..channels");

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
        in_t m = rows[(s.oh * CFG::stride_h) % CFG::kernel_h][s.ow * CFG::stride_w][c];
        for (int a = 0; a < CFG::kernel_h; ++a) {
          for (int b = 0; b < kernel_w; ++b) {
            if (a == 0 && b == 0) continue;
            const in_t x = rows[(s.oh * CFG::stride_h + a) % CFG::kernel_h][s.ow * CFG::stride_w + b][c];
            if (x > m) m = x;
          }
        }
        y[c] = out_t(m);
      }
    }
    if (s.step == groups - 1) out.write(y);
  };
  run_pixel_window<CFG, groups>(in, rows, compute);
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_MAXPOOL2D_H

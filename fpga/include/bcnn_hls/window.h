// Sliding windows over a pixel stream (bcnn_hls/pixels.h), shared by conv2d, bc_conv2d and the
// pools: the geometry their CFG gives, and the line buffer that holds the last kernel_h rows of
// the map, so that no window kernel stores a whole feature map.
//
// CFG provides static const int in_height, in_width, out_height, out_width, kernel_h, kernel_w,
// stride_h, stride_w, pad_top, pad_left (zero padding; "same" is resolved by bcnn-compile as the
// float layer resolves it: docs/fpga.md, "Streaming").
//
// A window kernel runs, for every output row oh:
//   read_rows_until<CFG>(in, rows_read, window_last_row<CFG>(oh), store)   rows it now needs
//   for every output column ow: the window at input rows oh * stride_h + a - pad_top and columns
//   ow * stride_w + b - pad_left, a < kernel_h, b < kernel_w; positions outside the map are zero
//   padding, which a kernel skips (adding an exact zero changes nothing)
// and finally read_rows_until<CFG>(in, rows_read, in_height - 1, store) for rows no output reads.
// Input row r lives in buffer row r % kernel_h: when output row oh needs rows up to `last`, the
// first row it needs is at least last - kernel_h + 1, so kernel_h rows suffice.
#ifndef BCNN_HLS_WINDOW_H
#define BCNN_HLS_WINDOW_H

#include "bcnn_hls/pragma.h"

namespace bcnn_hls {

template <class CFG>
constexpr bool valid_window_geometry() {
  return CFG::in_height >= 1 && CFG::in_width >= 1 && CFG::out_height >= 1 && CFG::out_width >= 1 &&
         CFG::kernel_h >= 1 && CFG::kernel_w >= 1 && CFG::stride_h >= 1 && CFG::stride_w >= 1 && CFG::pad_top >= 0 &&
         CFG::pad_left >= 0 && CFG::pad_top < CFG::kernel_h && CFG::pad_left < CFG::kernel_w &&
         (CFG::out_height - 1) * CFG::stride_h - CFG::pad_top < CFG::in_height &&
         (CFG::out_width - 1) * CFG::stride_w - CFG::pad_left < CFG::in_width;
}

// The last input row that output row oh reads (within the map).
template <class CFG>
inline int window_last_row(int oh) {
  const int last = oh * CFG::stride_h - CFG::pad_top + CFG::kernel_h - 1;
  return last < CFG::in_height - 1 ? last : CFG::in_height - 1;
}

// Reads whole rows of the map until row `last` is in; `rows_read` counts the rows read so far.
// store(buffer_row, column, pixel) keeps what the kernel needs of each pixel in its line buffer
// (the pixel itself, or for bc_conv2d its channel spectra).
template <class CFG, class STREAM, class STORE>
void read_rows_until(STREAM& in, int& rows_read, int last, STORE& store) {
  for (; rows_read <= last; ++rows_read) {
    BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=0 max=CFG::kernel_h)
    const int buffer_row = rows_read % CFG::kernel_h;
    for (int x = 0; x < CFG::in_width; ++x) {
      BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
      store(buffer_row, x, in.read());
    }
  }
}

// Stores pixels as they are (conv2d, the pools): the line buffer is PIXEL rows[kernel_h][in_width].
template <class CFG, class PIXEL>
struct store_pixels {
  PIXEL (&rows)[CFG::kernel_h][CFG::in_width];
  void operator()(int buffer_row, int x, const PIXEL& p) { rows[buffer_row][x] = p; }
};

}  // namespace bcnn_hls

#endif  // BCNN_HLS_WINDOW_H

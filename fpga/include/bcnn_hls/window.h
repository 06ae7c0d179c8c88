// Sliding windows over a pixel stream (bcnn_hls/pixels.h), shared by conv2d, bc_conv2d and the
// pools: the geometry their CFG gives, and the line buffer that holds the last kernel_h rows of
// the map, so that no window kernel stores a whole feature map.
//
// CFG provides static const int in_height, in_width, out_height, out_width, kernel_h, kernel_w,
// stride_h, stride_w, pad_top, pad_left (zero padding; "same" is resolved by bcnn-compile as the
// float layer resolves it: docs/fpga.md, "Streaming").
//
// A window kernel reads, before output row oh, the input rows up to window_last_row<CFG>(oh), then
// computes the row's output pixels: the window at input rows oh * stride_h + a - pad_top and
// columns ow * stride_w + b - pad_left, a < kernel_h, b < kernel_w, where positions outside the
// map are zero padding (adding an exact zero changes nothing); the rows no output reads come
// last. Input row r lives in buffer row r % kernel_h: when output row oh needs rows up to `last`,
// the first row it needs is at least last - kernel_h + 1, so kernel_h rows suffice.
//
// window_schedule runs that order as ONE loop pipelined at II=1, a step per cycle: READ_STEPS
// steps per input pixel (storing it, or a part of it, into the line buffer) and COMPUTE_STEPS
// steps per output pixel. Nothing drains between pixels or rows: a layer takes
// in_height in_width READ_STEPS + out_height out_width COMPUTE_STEPS cycles plus one pipeline
// depth. (Nested loops, a pipelined loop per pixel, would drain the pipeline at every pixel.)
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

// The steps of a window kernel, in order (see above). Per step, with `read = reading()`:
//   read:    store part `part` of input pixel (row, column) (read it from the stream at part 0)
//   compute: step `step` of output pixel (oh, ow)
// then advance(read).
template <class CFG, int READ_STEPS, int COMPUTE_STEPS>
struct window_schedule {
  static_assert(READ_STEPS >= 1 && COMPUTE_STEPS >= 1, "bcnn_hls::window_schedule: at least one step per pixel");
  static constexpr int steps =
      CFG::in_height * CFG::in_width * READ_STEPS + CFG::out_height * CFG::out_width * COMPUTE_STEPS;

  // The fewest steps between storing an input pixel and a compute step that reads it: an output
  // row starts right after its last input row is complete, and output column ow reads input
  // columns up to ow * stride_w + kernel_w - 1 - pad_left. Kernels give it to HLS as the line
  // buffer's read-after-write distance (DEPENDENCE ... distance), which it cannot work out from
  // the computed indices.
  static constexpr int raw_distance() {
    int fewest = 1 << 30;
    for (int ow = 0; ow < CFG::out_width; ++ow) {
      int last_column = ow * CFG::stride_w + CFG::kernel_w - 1 - CFG::pad_left;
      if (last_column > CFG::in_width - 1) last_column = CFG::in_width - 1;
      const int distance = 1 + ow * COMPUTE_STEPS + (CFG::in_width - 1 - last_column) * READ_STEPS;
      if (distance < fewest) fewest = distance;
    }
    return fewest;
  }

  int row = 0, column = 0, part = 0;  // the input pixel being stored, and its step
  int oh = 0, ow = 0, step = 0;       // the output pixel being computed, and its step

  bool reading() const { return oh >= CFG::out_height || row <= window_last_row<CFG>(oh); }

  void advance(bool read) {
    if (read) {
      if (++part < READ_STEPS) return;
      part = 0;
      if (++column < CFG::in_width) return;
      column = 0;
      ++row;
    } else {
      if (++step < COMPUTE_STEPS) return;
      step = 0;
      if (++ow < CFG::out_width) return;
      ow = 0;
      ++oh;
    }
  }
};

// The window_schedule loop of a kernel whose line buffer holds the pixels themselves (conv2d, the
// pools; the caller partitions `rows`): each read step stores an input pixel, each compute step
// calls compute(s) with the schedule s (s.oh, s.ow, s.step), which writes the output pixel at its
// last step.
template <class CFG, int COMPUTE_STEPS, class STREAM, class PIXEL, class COMPUTE>
void run_pixel_window(STREAM& in, PIXEL (&rows)[CFG::kernel_h][CFG::in_width], COMPUTE& compute) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  typedef window_schedule<CFG, 1, COMPUTE_STEPS> schedule_t;
  constexpr int distance = schedule_t::raw_distance();  // for the DEPENDENCE pragma
  static_cast<void>(distance);
  schedule_t s;
  for (int i = 0; i < schedule_t::steps; ++i) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    BCNN_HLS_PRAGMA(HLS DEPENDENCE variable=rows type=inter direction=RAW distance=distance true)
    const bool read = s.reading();
    if (read) {
      rows[s.row % CFG::kernel_h][s.column] = in.read();
    } else {
      compute(s);
    }
    s.advance(read);
  }
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_WINDOW_H

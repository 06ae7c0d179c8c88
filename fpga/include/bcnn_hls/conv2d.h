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
// outputs_parallel output channels, inputs_parallel input channels and taps_parallel taps are
// computed at once: taps_parallel <= kernel_w is that many columns of a kernel row, a multiple of
// kernel_w that many whole rows (taps_parallel > 1 needs every input channel at once, so that the
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
  static_assert(taps_parallel >= 1 && taps_parallel <= CFG::kernel_h * CFG::kernel_w &&
                    (taps_parallel <= CFG::kernel_w || taps_parallel % CFG::kernel_w == 0) &&
                    (taps_parallel == 1 || input_groups == 1),
                "bcnn_hls::conv2d: taps_parallel must be in 1..kernel_w or a multiple of kernel_w up to kernel_h "
                "kernel_w, and 1 unless inputs_parallel covers in_channels");
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=weights cyclic factor=outputs_parallel dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=weights cyclic factor=inputs_parallel dim=4)

  // One pipelined loop (bcnn_hls/window.h, window_schedule): a step per input pixel; per output
  // pixel ceil(out_channels / outputs_parallel) output groups, each ceil(kernel_h / tap_rows) x
  // ceil(kernel_w / tap_cols) x ceil(in_channels / inputs_parallel) MAC steps of tap_rows x
  // tap_cols taps. A group's first step starts from the bias, its last converts; a tap in the
  // padding reads an exact zero, which leaves every accumulator unchanged.
  constexpr int tap_cols = taps_parallel < CFG::kernel_w ? taps_parallel : CFG::kernel_w;
  constexpr int tap_rows = taps_parallel < CFG::kernel_w ? 1 : taps_parallel / CFG::kernel_w;
  constexpr int tap_groups = (CFG::kernel_w + tap_cols - 1) / tap_cols;
  constexpr int row_groups = (CFG::kernel_h + tap_rows - 1) / tap_rows;
  constexpr int group_steps = row_groups * tap_groups * input_groups;
  constexpr int pixel_steps = output_groups * group_steps;
  in_pixel_t rows[CFG::kernel_h][CFG::in_width];
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=rows complete dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=rows cyclic factor=tap_cols dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=weights cyclic factor=tap_rows dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=weights cyclic factor=tap_cols dim=3)
  acc_t acc[outputs_parallel];
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc complete)
  out_pixel_t y;
  auto compute = [&](const window_schedule<CFG, 1, pixel_steps>& s) {
    // Step s.step = ((group * row_groups + a0 / tap_rows) * tap_groups + b0 / tap_cols) * input_groups + cg.
    const int group = s.step / group_steps;
    const int inner = s.step % group_steps;
    const int cg = inner % input_groups;
    const int b0 = (inner / input_groups) % tap_groups * tap_cols;
    const int a0 = inner / (input_groups * tap_groups) * tap_rows;
    const bool first = inner == 0;
    const bool last = inner == group_steps - 1;
    for (int u = 0; u < outputs_parallel; ++u) {
      const int co = group * outputs_parallel + u;
      acc_t sum = first ? (co < CFG::out_channels ? acc_t(bias[co]) : acc_t(0)) : acc[u];
      for (int ra = 0; ra < tap_rows; ++ra) {
        for (int t = 0; t < tap_cols; ++t) {
          const int a = a0 + ra;
          const int b = b0 + t;
          const bool tap = a < CFG::kernel_h && b < CFG::kernel_w;
          const int ih = s.oh * CFG::stride_h + a - CFG::pad_top;
          const int iw = s.ow * CFG::stride_w + b - CFG::pad_left;
          const bool inside = tap && ih >= 0 && ih < CFG::in_height && iw >= 0 && iw < CFG::in_width;
          const in_pixel_t& x = rows[inside ? ih % CFG::kernel_h : 0][inside ? iw : 0];
          for (int v = 0; v < inputs_parallel; ++v) {
            const int ci = cg * inputs_parallel + v;
            if (tap && co < CFG::out_channels && ci < CFG::in_channels)
              sum += weights[co][a][b][ci] * (inside ? x[ci] : in_t(0));
          }
        }
      }
      acc[u] = sum;
      if (last && co < CFG::out_channels) y[co] = out_t(sum);
    }
    if (s.step == pixel_steps - 1) out.write(y);
  };
  run_pixel_window<CFG, pixel_steps>(in, rows, compute);
}

}  // namespace detail

template <class CFG, int IN_DEPTH, int OUT_DEPTH>
void conv2d(stream<typename CFG::in_pixel_t, IN_DEPTH>& in, stream<typename CFG::out_pixel_t, OUT_DEPTH>& out) {
  detail::conv2d_rom<CFG>(in, out, CFG::weights, CFG::bias);
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_CONV2D_H

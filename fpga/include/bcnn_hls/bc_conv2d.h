// Block-circulant convolution over a pixel stream (DESIGN.md section 2; docs/fpga.md,
// "bc_conv2d"): the FFT processing element. For every kernel tap (a, b) the C_out x C_in
// channel-mixing matrix is block-circulant with K x K blocks, p = ceil(out_channels / K) block
// rows, q = ceil(in_channels / K) block columns; block (i, j) of tap (a, b) is the circulant matrix
// whose first column is w_ijab. The kernel stores the weight spectra W_ijab = DFT(w_ijab)
// (unscaled) and computes, in this order (docs/fpga.md has every step's types):
//
//   when input pixel x is read (each pixel is transformed once):
//     x_j[t] = x[j*K + t] if j*K + t < in_channels, else 0           j < q, t < K
//     X'_j   = fft_forward(x_j) = DFT(x_j) / K                       spec_t, kept in the line buffer
//   for every output pixel (oh, ow) and block row i:
//     acc_i[f] = sum over taps a < kernel_h, b < kernel_w (a tap in the padding reads X' = 0 and
//                adds an exact zero), then j < q, in this order, of W_ijab[f] * X'_j[f] at
//                input pixel (oh * stride_h + a - pad_top, ow * stride_w + b - pad_left)
//                                                                     acc_t (exact products and
//                                                                     sums, one conversion to
//                                                                     acc_t per +=)
//     Y'_i[f] = ifft_t(acc_i[f])                                      (= DFT(y_i) / K)
//     y'_i    = fft_inverse(Y'_i) = IDFT_unnormalized(Y'_i) / K       ifft_t (= y_i / K)
//     out[i*K + t] = out_t(y'_i[t] * K + bias[i*K + t])  for i*K + t < out_channels
//                    (* K and + bias exact; one conversion to out_t)
//
// Three processes in a DATAFLOW region, connected by streams, as bc_dense's (bcnn_hls/bc_dense.h):
//   forward   per input pixel, the q forward transforms (fft_lanes at a time on engines of
//             fft_units butterfly units), one stream word of spectra per pixel;
//   mac       the line buffer (bcnn_hls/window.h) of the spectra of the last kernel_h input rows,
//             spec_t [kernel_h][in_width][q][K/2 + 1], real and imaginary parts, and per output
//             pixel the MAC array (block_rows_parallel rows x bins_parallel bins x
//             block_cols_parallel block columns per cycle), one stream word of Y' per pixel, all
//             in one pipelined loop (window_schedule: no drain between pixels);
//   inverse   per output pixel, the p inverse transforms (ifft_lanes at a time on engines of
//             ifft_units units) and the output pixel.
//
// CFG provides the window geometry of bcnn_hls/window.h and
//   static const int in_channels, out_channels, block, p, q, fft_units, fft_lanes,
//                    block_rows_parallel, bins_parallel, block_cols_parallel, taps_parallel,
//                    ifft_units, ifft_lanes;
//   typedefs in_t, spec_t, weight_t, acc_t, ifft_t, bias_t, out_t, twiddle_t, in_pixel_t,
//   out_pixel_t (pixel<in_t, in_channels>, pixel<out_t, out_channels>);
//   static const weight_t w_re[p][q][kernel_h][kernel_w][block / 2 + 1], w_im[...];  // DFT(w_ijab)
//     (or, with weights_uram, none: the caller passes the spectra, arrays it holds in UltraRAM)
//   static const bias_t bias[out_channels];
//   static const twiddle_t tw_re[block / 2], tw_im[block / 2];  // cos, -sin(2 pi j / block)
// The arithmetic (and so every bit of the result) does not depend on the knobs (the pipelined
// engines' butterflies at twiddles 1 and -i copy and negate exactly instead of multiplying:
// bcnn_hls/fft.h).
#ifndef BCNN_HLS_BC_CONV2D_H
#define BCNN_HLS_BC_CONV2D_H

#include "bcnn_hls/fft.h"
#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pixels.h"
#include "bcnn_hls/pragma.h"
#include "bcnn_hls/stream.h"
#include "bcnn_hls/window.h"

namespace bcnn_hls {

// The spectra of Q blocks: one stream word between the processes.
template <class T, int Q, int BINS>
struct spectra {
  T re[Q][BINS];
  T im[Q][BINS];
};

namespace detail {

template <class CFG>
constexpr bool bc_conv2d_cfg_ok() {
  constexpr int K = CFG::block;
  static_assert(valid_window_geometry<CFG>(), "bcnn_hls::bc_conv2d: invalid window geometry");
  static_assert(is_supported_fft_length(K), "bcnn_hls::bc_conv2d: block must be 4, 8, ..., 256");
  static_assert(CFG::in_channels >= 1 && CFG::out_channels >= 1,
                "bcnn_hls::bc_conv2d: channel counts must be positive");
  static_assert(CFG::p == (CFG::out_channels + K - 1) / K, "bcnn_hls::bc_conv2d: p must be ceil(out_channels / block)");
  static_assert(CFG::q == (CFG::in_channels + K - 1) / K, "bcnn_hls::bc_conv2d: q must be ceil(in_channels / block)");
  static_assert(spectral_knobs_ok<CFG>(), "");
  static_assert(CFG::taps_parallel >= 1 && CFG::taps_parallel <= CFG::kernel_h * CFG::kernel_w &&
                    (CFG::taps_parallel == 1 || CFG::block_cols_parallel == CFG::q),
                "bcnn_hls::bc_conv2d: taps_parallel must be in 1..kernel_h kernel_w, and 1 unless block_cols_parallel "
                "covers q (so that the sums keep their order)");
  return true;
}

template <class CFG>
using bc_conv2d_x_t = spectra<typename CFG::spec_t, CFG::q, CFG::block / 2 + 1>;
template <class CFG>
using bc_conv2d_y_t = spectra<typename CFG::ifft_t, CFG::p, CFG::block / 2 + 1>;

// X'_j = fft_forward(x_j) of block j of one pixel.
template <class CFG>
void bc_conv2d_forward_block(int j, const typename CFG::in_pixel_t& pixel, bc_conv2d_x_t<CFG>& x,
                             const typename CFG::twiddle_t tw_re[CFG::block / 2],
                             const typename CFG::twiddle_t tw_im[CFG::block / 2]) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  typedef typename CFG::in_t in_t;
  constexpr int K = CFG::block;
  in_t block[K];
  for (int t = 0; t < K; ++t) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    const int index = j * K + t;
    block[t] = index < CFG::in_channels ? pixel[index] : in_t(0);
  }
  constexpr bool unrolled = fft_engine_ii(K, CFG::fft_units) > 0;  // pipelined (fft.h, "FFT engines")
  fft_forward<K, unrolled>(block, x.re[j], x.im[j], tw_re, tw_im);
}

// The forward process: each input pixel's q transforms, one word of spectra per pixel.
template <class CFG, class IN_STREAM, class X_STREAM>
void bc_conv2d_forward(IN_STREAM& in, X_STREAM& out, const typename CFG::twiddle_t tw_re[CFG::block / 2],
                       const typename CFG::twiddle_t tw_im[CFG::block / 2]) {
  constexpr int K = CFG::block;
  constexpr int q = CFG::q;
  constexpr int lanes = CFG::fft_lanes;
  constexpr int ii = fft_engine_ii(K, CFG::fft_units);
  // A pipelined engine takes all q blocks of a pixel unrolled, ceil(q / lanes) x II cycles per
  // pixel: lanes x units butterfly units.
  constexpr int pixel_ii = ii > 0 ? (q + lanes - 1) / lanes * ii : 1;
  static_assert(bc_conv2d_cfg_ok<CFG>() && pixel_ii >= 1, "");
  if (ii == 0) {
    for (int i = 0; i < CFG::in_height * CFG::in_width; ++i) {
      const typename CFG::in_pixel_t pixel = in.read();
      bc_conv2d_x_t<CFG> x;
      for (int j = 0; j < q; ++j) bc_conv2d_forward_block<CFG>(j, pixel, x, tw_re, tw_im);
      out.write(x);
    }
  } else {
    for (int i = 0; i < CFG::in_height * CFG::in_width; ++i) {
      BCNN_HLS_PRAGMA(HLS PIPELINE II=pixel_ii)
      const typename CFG::in_pixel_t pixel = in.read();
      bc_conv2d_x_t<CFG> x;
      for (int j = 0; j < q; ++j) bc_conv2d_forward_block<CFG>(j, pixel, x, tw_re, tw_im);
      out.write(x);
    }
  }
}

// The MAC process: per output pixel and block row i, Y'_i[f] = ifft_t(acc_i[f]) with acc_i[f]
// summed over the taps, then j, in order (a tap in the padding adds W * 0, an exact zero).
// One pipelined loop (bcnn_hls/window.h, window_schedule), with Pc = block_cols_parallel,
// Pb = bins_parallel, Pr = block_rows_parallel:
//   per input pixel, ceil(q / Pc) x ceil(bins / Pb) steps, each storing Pc x Pb of its spectra
//   into the line buffer (one value per bank);
//   per output pixel, ceil(p / Pr) row groups x ceil(kernel_h kernel_w / Pt) tap groups x
//   ceil(q / Pc) column groups x ceil(bins / Pb) bin groups of Pr x Pt x Pc x Pb complex
//   products (Pt = taps_parallel consecutive taps in row-major order; Pt > 1 needs Pc = q, and
//   the line buffer then has kernel_h x kernel_w banks of rows and columns, so that any taps of a
//   window are read at once); a row group's first step per bin starts from zero, its last
//   converts to Y'.
template <class CFG, class X_STREAM, class Y_STREAM>
void bc_conv2d_mac(X_STREAM& in, Y_STREAM& out,
                   const typename CFG::weight_t w_re[CFG::p][CFG::q][CFG::kernel_h][CFG::kernel_w]
                                                    [CFG::block / 2 + 1],
                   const typename CFG::weight_t w_im[CFG::p][CFG::q][CFG::kernel_h][CFG::kernel_w]
                                                    [CFG::block / 2 + 1]) {
  typedef typename CFG::spec_t spec_t;
  typedef typename CFG::acc_t acc_t;
  typedef typename CFG::ifft_t ifft_t;
  constexpr int bins = CFG::block / 2 + 1;
  constexpr int p = CFG::p;
  constexpr int q = CFG::q;
  constexpr int rows = CFG::block_rows_parallel;
  constexpr int cols = CFG::block_cols_parallel;
  constexpr int bins_parallel = CFG::bins_parallel;
  constexpr int row_groups = (p + rows - 1) / rows;
  constexpr int col_groups = (q + cols - 1) / cols;
  constexpr int bin_groups = (bins + bins_parallel - 1) / bins_parallel;
  constexpr int taps = CFG::kernel_h * CFG::kernel_w;
  constexpr int taps_parallel = CFG::taps_parallel;
  constexpr int tap_groups = (taps + taps_parallel - 1) / taps_parallel;
  constexpr int group_steps = tap_groups * col_groups * bin_groups;  // per row group
  // Several taps at once read distinct banks: rows (buffer row ih % kernel_h) and columns (iw mod
  // kernel_w) of the line buffer, and taps of the weight spectra.
  constexpr int tap_rows = taps_parallel > 1 ? CFG::kernel_h : 1;
  constexpr int tap_cols = taps_parallel > 1 ? CFG::kernel_w : 1;
  static_cast<void>(tap_rows);  // pragma arguments only
  static_cast<void>(tap_cols);
  typedef window_schedule<CFG, col_groups * bin_groups, row_groups * group_steps> schedule_t;
  constexpr int distance = schedule_t::raw_distance();  // for the DEPENDENCE pragma
  static_cast<void>(distance);
  static_assert(bc_conv2d_cfg_ok<CFG>() && bins_parallel >= 1, "");
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_re cyclic factor=rows dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_im cyclic factor=rows dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_re cyclic factor=cols dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_im cyclic factor=cols dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_re cyclic factor=tap_rows dim=3)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_im cyclic factor=tap_rows dim=3)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_re cyclic factor=tap_cols dim=4)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_im cyclic factor=tap_cols dim=4)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_re cyclic factor=bins_parallel dim=5)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_im cyclic factor=bins_parallel dim=5)

  // The spectral line buffer: X'_j of every pixel of the last kernel_h input rows.
  spec_t x_re[CFG::kernel_h][CFG::in_width][q][bins];
  spec_t x_im[CFG::kernel_h][CFG::in_width][q][bins];
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_re cyclic factor=tap_rows dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_im cyclic factor=tap_rows dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_re cyclic factor=tap_cols dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_im cyclic factor=tap_cols dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_re cyclic factor=cols dim=3)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_im cyclic factor=cols dim=3)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_re cyclic factor=bins_parallel dim=4)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_im cyclic factor=bins_parallel dim=4)
  acc_t acc_re[rows][bins];
  acc_t acc_im[rows][bins];
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc_re complete dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc_im complete dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc_re cyclic factor=bins_parallel dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc_im cyclic factor=bins_parallel dim=2)
  bc_conv2d_x_t<CFG> word;
  bc_conv2d_y_t<CFG> y;
  schedule_t s;
  for (int n = 0; n < schedule_t::steps; ++n) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    BCNN_HLS_PRAGMA(HLS DEPENDENCE variable=x_re type=inter direction=RAW distance=distance true)
    BCNN_HLS_PRAGMA(HLS DEPENDENCE variable=x_im type=inter direction=RAW distance=distance true)
    const bool read = s.reading();
    if (read) {
      // Part s.part = column group * bin_groups + bin group of input pixel (row, column).
      if (s.part == 0) word = in.read();
      const int j0 = s.part / bin_groups * cols;
      const int f0 = s.part % bin_groups * bins_parallel;
      const int buffer_row = s.row % CFG::kernel_h;
      for (int c = 0; c < cols; ++c) {
        for (int g = 0; g < bins_parallel; ++g) {
          const int j = j0 + c;
          const int f = f0 + g;
          if (j < q && f < bins) {
            x_re[buffer_row][s.column][j][f] = word.re[j][f];
            x_im[buffer_row][s.column][j][f] = word.im[j][f];
          }
        }
      }
    } else {
      // Step s.step = ((row group * tap_groups + tap group) * col_groups + jg) * bin_groups + fg.
      const int group = s.step / group_steps;
      const int inner = s.step % group_steps;
      const int f0 = inner % bin_groups * bins_parallel;
      const int jg = inner / bin_groups % col_groups;
      const int tap0 = inner / (bin_groups * col_groups) * taps_parallel;
      const bool first = inner < bin_groups;                     // tap group 0, column group 0
      const bool last = inner >= group_steps - bin_groups;       // the last tap and column group
      for (int r = 0; r < rows; ++r) {
        for (int g = 0; g < bins_parallel; ++g) {
          const int i = group * rows + r;
          const int f = f0 + g;
          if (f < bins) {
            acc_t sum_re = first ? acc_t(0) : acc_re[r][f];
            acc_t sum_im = first ? acc_t(0) : acc_im[r][f];
            for (int t = 0; t < taps_parallel; ++t) {
              const int tap = tap0 + t;
              const int a = tap / CFG::kernel_w;
              const int b = tap % CFG::kernel_w;
              const int ih = s.oh * CFG::stride_h + a - CFG::pad_top;
              const int iw = s.ow * CFG::stride_w + b - CFG::pad_left;
              const bool inside = tap < taps && ih >= 0 && ih < CFG::in_height && iw >= 0 && iw < CFG::in_width;
              const int row = inside ? ih % CFG::kernel_h : 0;
              const int column = inside ? iw : 0;
              for (int c = 0; c < cols; ++c) {
                const int j = jg * cols + c;
                if (i < p && j < q && tap < taps) {
                  const spec_t xr = inside ? x_re[row][column][j][f] : spec_t(0);
                  const spec_t xi = inside ? x_im[row][column][j][f] : spec_t(0);
                  sum_re += w_re[i][j][a][b][f] * xr - w_im[i][j][a][b][f] * xi;
                  sum_im += w_re[i][j][a][b][f] * xi + w_im[i][j][a][b][f] * xr;
                }
              }
            }
            acc_re[r][f] = sum_re;
            acc_im[r][f] = sum_im;
            if (last && i < p) {
              y.re[i][f] = ifft_t(sum_re);
              y.im[i][f] = ifft_t(sum_im);
            }
          }
        }
      }
      if (s.step == row_groups * group_steps - 1) out.write(y);
    }
    s.advance(read);
  }
}

// out[i*K + t] = out_t(y'_i[t] * K + bias[i*K + t]) for block row i of one output pixel.
template <class CFG>
void bc_conv2d_inverse_block(int i, const bc_conv2d_y_t<CFG>& y_spectra, typename CFG::out_pixel_t& y_out,
                             const typename CFG::bias_t bias[CFG::out_channels],
                             const typename CFG::twiddle_t tw_re[CFG::block / 2],
                             const typename CFG::twiddle_t tw_im[CFG::block / 2]) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  typedef typename CFG::ifft_t ifft_t;
  typedef typename CFG::out_t out_t;
  constexpr int K = CFG::block;
  ifft_t y[K];
  constexpr bool unrolled = fft_engine_ii(K, CFG::ifft_units) > 0;  // pipelined (fft.h, "FFT engines")
  fft_inverse<K, unrolled>(y_spectra.re[i], y_spectra.im[i], y, tw_re, tw_im);
  // y[t] = y_i[t] / K: undo the 1/K exactly with an integer-typed K, add the bias exactly,
  // convert once.
  const fixed<log2_exact(K) + 2, log2_exact(K) + 2> scale = K;
  for (int t = 0; t < K; ++t) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    const int o = i * K + t;
    if (o < CFG::out_channels) y_out[o] = out_t(y[t] * scale + bias[o]);
  }
}

// The inverse process: each output pixel's p transforms and outputs.
template <class CFG, class Y_STREAM, class OUT_STREAM>
void bc_conv2d_inverse(Y_STREAM& in, OUT_STREAM& out, const typename CFG::bias_t bias[CFG::out_channels],
                       const typename CFG::twiddle_t tw_re[CFG::block / 2],
                       const typename CFG::twiddle_t tw_im[CFG::block / 2]) {
  constexpr int K = CFG::block;
  constexpr int p = CFG::p;
  constexpr int lanes = CFG::ifft_lanes;
  constexpr int ii = fft_engine_ii(K, CFG::ifft_units);
  constexpr int pixel_ii = ii > 0 ? (p + lanes - 1) / lanes * ii : 1;
  static_assert(bc_conv2d_cfg_ok<CFG>() && pixel_ii >= 1, "");
  if (ii == 0) {
    for (int i = 0; i < CFG::out_height * CFG::out_width; ++i) {
      const bc_conv2d_y_t<CFG> y = in.read();
      typename CFG::out_pixel_t y_out;
      for (int r = 0; r < p; ++r) bc_conv2d_inverse_block<CFG>(r, y, y_out, bias, tw_re, tw_im);
      out.write(y_out);
    }
  } else {
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=bias complete)
    for (int i = 0; i < CFG::out_height * CFG::out_width; ++i) {
      BCNN_HLS_PRAGMA(HLS PIPELINE II=pixel_ii)
      const bc_conv2d_y_t<CFG> y = in.read();
      typename CFG::out_pixel_t y_out;
      for (int r = 0; r < p; ++r) bc_conv2d_inverse_block<CFG>(r, y, y_out, bias, tw_re, tw_im);
      out.write(y_out);
    }
  }
}

}  // namespace detail

// The layer with the weight spectra w_re, w_im given (e.g. arrays in UltraRAM, loaded at run time).
template <class CFG, int IN_DEPTH, int OUT_DEPTH>
void bc_conv2d(stream<typename CFG::in_pixel_t, IN_DEPTH>& in, stream<typename CFG::out_pixel_t, OUT_DEPTH>& out,
               const typename CFG::weight_t w_re[CFG::p][CFG::q][CFG::kernel_h][CFG::kernel_w][CFG::block / 2 + 1],
               const typename CFG::weight_t w_im[CFG::p][CFG::q][CFG::kernel_h][CFG::kernel_w][CFG::block / 2 + 1]) {
  BCNN_HLS_PRAGMA(HLS DATAFLOW)
  // Between the processes: in synthesis a row of pixels; in C simulation, where the processes run
  // one after another, the whole map.
  BCNN_HLS_FIFO_STORAGE stream<detail::bc_conv2d_x_t<CFG>,
                               BCNN_HLS_FIFO_DEPTH(CFG::in_width, CFG::in_height * CFG::in_width)> x;
  BCNN_HLS_FIFO_STORAGE stream<detail::bc_conv2d_y_t<CFG>,
                               BCNN_HLS_FIFO_DEPTH(CFG::out_width, CFG::out_height * CFG::out_width)> y;
  detail::bc_conv2d_forward<CFG>(in, x, CFG::tw_re, CFG::tw_im);
  detail::bc_conv2d_mac<CFG>(x, y, w_re, w_im);
  detail::bc_conv2d_inverse<CFG>(y, out, CFG::bias, CFG::tw_re, CFG::tw_im);
}

// The layer with its ROMs CFG::w_re, CFG::w_im.
template <class CFG, int IN_DEPTH, int OUT_DEPTH>
void bc_conv2d(stream<typename CFG::in_pixel_t, IN_DEPTH>& in, stream<typename CFG::out_pixel_t, OUT_DEPTH>& out) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  bc_conv2d<CFG>(in, out, CFG::w_re, CFG::w_im);
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_BC_CONV2D_H

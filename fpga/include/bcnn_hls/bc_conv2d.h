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
//     acc_i[f] = sum over taps a < kernel_h, b < kernel_w inside the map (padding is skipped:
//                it adds an exact zero), then j < q, in this order, of W_ijab[f] * X'_j[f] at
//                input pixel (oh * stride_h + a - pad_top, ow * stride_w + b - pad_left)
//                                                                     acc_t (exact products and
//                                                                     sums, one conversion to
//                                                                     acc_t per +=)
//     Y'_i[f] = ifft_t(acc_i[f])                                      (= DFT(y_i) / K)
//     y'_i    = fft_inverse(Y'_i) = IDFT_unnormalized(Y'_i) / K       ifft_t (= y_i / K)
//     out[i*K + t] = out_t(y'_i[t] * K + bias[i*K + t])  for i*K + t < out_channels
//                    (* K and + bias exact; one conversion to out_t)
//
// The line buffer (bcnn_hls/window.h) holds the spectra of the last kernel_h input rows, not the
// pixels: spec_t [kernel_h][in_width][q][K/2 + 1], real and imaginary parts.
//
// CFG provides the window geometry of bcnn_hls/window.h and
//   static const int in_channels, out_channels, block, p, q, block_rows_parallel, bins_parallel;
//   typedefs in_t, spec_t, weight_t, acc_t, ifft_t, bias_t, out_t, twiddle_t, in_pixel_t,
//   out_pixel_t (pixel<in_t, in_channels>, pixel<out_t, out_channels>);
//   static const weight_t w_re[p][q][kernel_h][kernel_w][block / 2 + 1], w_im[...];  // DFT(w_ijab)
//   static const bias_t bias[out_channels];
//   static const twiddle_t tw_re[block / 2], tw_im[block / 2];  // cos, -sin(2 pi j / block)
// block_rows_parallel block rows and bins_parallel frequency bins are computed at once; the
// arithmetic (and so every bit of the result) does not depend on them.
#ifndef BCNN_HLS_BC_CONV2D_H
#define BCNN_HLS_BC_CONV2D_H

#include "bcnn_hls/fft.h"
#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pixels.h"
#include "bcnn_hls/pragma.h"
#include "bcnn_hls/stream.h"
#include "bcnn_hls/window.h"

namespace bcnn_hls {

namespace detail {

// The STORE functor of read_rows_until for bc_conv2d: transforms each channel block of a pixel as
// it arrives and keeps the spectra in the line buffer.
template <class CFG>
struct store_spectra {
  typedef typename CFG::in_t in_t;
  typedef typename CFG::spec_t spec_t;
  typedef typename CFG::twiddle_t twiddle_t;
  static const int K = CFG::block;
  spec_t (&re)[CFG::kernel_h][CFG::in_width][CFG::q][CFG::block / 2 + 1];
  spec_t (&im)[CFG::kernel_h][CFG::in_width][CFG::q][CFG::block / 2 + 1];
  // The twiddle ROMs, as fft_forward takes them (the kernel's array parameters).
  const twiddle_t* tw_re;
  const twiddle_t* tw_im;

  void operator()(int buffer_row, int x, const typename CFG::in_pixel_t& pixel) {
    for (int j = 0; j < CFG::q; ++j) {
      in_t block[K];
      for (int t = 0; t < K; ++t) {
        BCNN_HLS_PRAGMA(HLS UNROLL)
        const int index = j * K + t;
        block[t] = index < CFG::in_channels ? pixel[index] : in_t(0);
      }
      fft_forward<K>(block, re[buffer_row][x][j], im[buffer_row][x][j], tw_re, tw_im);
    }
  }
};

// The body of bc_conv2d, with the ROMs as parameters so that the partitioning pragmas can name them.
template <class CFG, class IN_STREAM, class OUT_STREAM>
void bc_conv2d_rom(IN_STREAM& in, OUT_STREAM& out,
                   const typename CFG::weight_t w_re[CFG::p][CFG::q][CFG::kernel_h][CFG::kernel_w]
                                                    [CFG::block / 2 + 1],
                   const typename CFG::weight_t w_im[CFG::p][CFG::q][CFG::kernel_h][CFG::kernel_w]
                                                    [CFG::block / 2 + 1],
                   const typename CFG::bias_t bias[CFG::out_channels],
                   const typename CFG::twiddle_t tw_re[CFG::block / 2],
                   const typename CFG::twiddle_t tw_im[CFG::block / 2]) {
  typedef typename CFG::spec_t spec_t;
  typedef typename CFG::acc_t acc_t;
  typedef typename CFG::ifft_t ifft_t;
  typedef typename CFG::out_t out_t;
  typedef typename CFG::out_pixel_t out_pixel_t;
  constexpr int K = CFG::block;
  constexpr int bins = K / 2 + 1;
  constexpr int p = CFG::p;
  constexpr int q = CFG::q;
  constexpr int rows_parallel = CFG::block_rows_parallel;
  constexpr int bins_parallel = CFG::bins_parallel;
  static_assert(valid_window_geometry<CFG>(), "bcnn_hls::bc_conv2d: invalid window geometry");
  static_assert(is_supported_fft_length(K), "bcnn_hls::bc_conv2d: block must be 4, 8, ..., 256");
  static_assert(CFG::in_channels >= 1 && CFG::out_channels >= 1,
                "bcnn_hls::bc_conv2d: channel counts must be positive");
  static_assert(p == (CFG::out_channels + K - 1) / K, "bcnn_hls::bc_conv2d: p must be ceil(out_channels / block)");
  static_assert(q == (CFG::in_channels + K - 1) / K, "bcnn_hls::bc_conv2d: q must be ceil(in_channels / block)");
  static_assert(rows_parallel >= 1 && bins_parallel >= 1,
                "bcnn_hls::bc_conv2d: block_rows_parallel and bins_parallel must be >= 1");
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_re cyclic factor=rows_parallel dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_im cyclic factor=rows_parallel dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_re cyclic factor=bins_parallel dim=5)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_im cyclic factor=bins_parallel dim=5)

  // The spectral line buffer: X'_j of every pixel of the last kernel_h input rows.
  spec_t x_re[CFG::kernel_h][CFG::in_width][q][bins];
  spec_t x_im[CFG::kernel_h][CFG::in_width][q][bins];
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_re cyclic factor=bins_parallel dim=4)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_im cyclic factor=bins_parallel dim=4)
  store_spectra<CFG> store{x_re, x_im, tw_re, tw_im};

  // y[t] = y_i[t] / K: undo the 1/K exactly with an integer-typed K.
  const fixed<log2_exact(K) + 2, log2_exact(K) + 2> scale = K;
  int rows_read = 0;
  for (int oh = 0; oh < CFG::out_height; ++oh) {
    read_rows_until<CFG>(in, rows_read, window_last_row<CFG>(oh), store);
    for (int ow = 0; ow < CFG::out_width; ++ow) {
      out_pixel_t y_out;
      for (int i = 0; i < p; ++i) {
        BCNN_HLS_PRAGMA(HLS UNROLL factor=rows_parallel)
        acc_t acc_re[bins];
        acc_t acc_im[bins];
        BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc_re cyclic factor=bins_parallel)
        BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc_im cyclic factor=bins_parallel)
        for (int f = 0; f < bins; ++f) {
          BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
          acc_re[f] = acc_t(0);
          acc_im[f] = acc_t(0);
        }
        for (int a = 0; a < CFG::kernel_h; ++a) {
          const int ih = oh * CFG::stride_h + a - CFG::pad_top;
          if (ih < 0 || ih >= CFG::in_height) continue;
          const int row = ih % CFG::kernel_h;
          for (int b = 0; b < CFG::kernel_w; ++b) {
            const int iw = ow * CFG::stride_w + b - CFG::pad_left;
            if (iw < 0 || iw >= CFG::in_width) continue;
            // Bin f accumulates over (a, b, j) in order; the bins are independent, so each bin's
            // += is K/2 + 1 iterations after the previous one (II=1 without a stall).
            for (int j = 0; j < q; ++j) {
              for (int f = 0; f < bins; ++f) {
                BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
                BCNN_HLS_PRAGMA(HLS UNROLL factor=bins_parallel)
                const spec_t& xr = x_re[row][iw][j][f];
                const spec_t& xi = x_im[row][iw][j][f];
                acc_re[f] += w_re[i][j][a][b][f] * xr - w_im[i][j][a][b][f] * xi;
                acc_im[f] += w_re[i][j][a][b][f] * xi + w_im[i][j][a][b][f] * xr;
              }
            }
          }
        }

        ifft_t y_re[bins];
        ifft_t y_im[bins];
        for (int f = 0; f < bins; ++f) {
          BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
          y_re[f] = ifft_t(acc_re[f]);
          y_im[f] = ifft_t(acc_im[f]);
        }
        ifft_t y[K];
        fft_inverse<K>(y_re, y_im, y, tw_re, tw_im);

        // Add the bias exactly, convert once.
        for (int t = 0; t < K; ++t) {
          BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
          const int o = i * K + t;
          if (o < CFG::out_channels) y_out[o] = out_t(y[t] * scale + bias[o]);
        }
      }
      out.write(y_out);
    }
  }
  read_rows_until<CFG>(in, rows_read, CFG::in_height - 1, store);
}

}  // namespace detail

template <class CFG, int IN_DEPTH, int OUT_DEPTH>
void bc_conv2d(stream<typename CFG::in_pixel_t, IN_DEPTH>& in, stream<typename CFG::out_pixel_t, OUT_DEPTH>& out) {
  detail::bc_conv2d_rom<CFG>(in, out, CFG::w_re, CFG::w_im, CFG::bias, CFG::tw_re, CFG::tw_im);
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_BC_CONV2D_H

// Block-circulant fully connected layer (DESIGN.md section 2): n_in inputs, n_out outputs, block K,
// p = ceil(n_out / K) block rows, q = ceil(n_in / K) block columns; block (i, j) is the circulant
// matrix whose first column is w_ij. The kernel stores the weight spectra W_ij = DFT(w_ij)
// (unscaled) and computes, in this order (docs/fpga.md has every step's types):
//
//   x padded with zeros to q*K
//   X'_j   = fft_forward(x_j) = DFT(x_j) / K                      spec_t, once per block column
//   acc_i[f] = sum_j W_ij[f] * X'_j[f]  for j = 0 .. q-1 in order  acc_t (exact products and
//              sums, one conversion to acc_t per +=)
//   Y'_i[f] = ifft_t(acc_i[f])                                     (= DFT(y_i) / K)
//   y'_i   = fft_inverse(Y'_i) = IDFT_unnormalized(Y'_i) / K       ifft_t (= y_i / K)
//   out[i*K + t] = out_t(y'_i[t] * K + bias[i*K + t])  for i*K + t < n_out
//                  (* K and + bias exact; one conversion to out_t)
//
// CFG provides:
//   static const int n_in, n_out, block, p, q;
//   static const int fft_units, fft_lanes, block_rows_parallel, block_cols_parallel, bins_parallel,
//                    ifft_units, ifft_lanes;
//   typedefs in_t, spec_t, weight_t, acc_t, ifft_t, bias_t, out_t, twiddle_t;
//   static const weight_t w_re[p][q][block / 2 + 1], w_im[p][q][block / 2 + 1];  // DFT(w_ij)
//     (or, with weights_uram, none: the caller passes the spectra, arrays it holds in UltraRAM)
//   static const bias_t bias[n_out];
//   static const twiddle_t tw_re[block / 2], tw_im[block / 2];  // cos, -sin(2 pi j / block)
//
// Three processes in a DATAFLOW region, so that each works on the next image as soon as it is
// free and the layer's II is the slowest of the three:
//   forward   the q forward transforms, fft_lanes at a time on engines of fft_units butterfly
//             units (bcnn_hls/fft.h, "FFT engines"; the serial engine takes one lane);
//   mac       block_rows_parallel block rows x bins_parallel bins x block_cols_parallel block
//             columns of complex products per cycle;
//   inverse   the p inverse transforms and the outputs, ifft_lanes at a time on engines of
//             ifft_units units.
// The arithmetic, and so every bit of the result, does not depend on the knobs: the unrolled
// block columns are added in order, and the pipelined engines' butterflies at twiddles 1 and -i
// copy and negate in the product's exact type instead of multiplying (bcnn_hls/fft.h).
#ifndef BCNN_HLS_BC_DENSE_H
#define BCNN_HLS_BC_DENSE_H

#include "bcnn_hls/fft.h"
#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pragma.h"

namespace bcnn_hls {

namespace detail {

// Checks the CFG once (every process includes it).
template <class CFG>
constexpr bool bc_dense_cfg_ok() {
  constexpr int K = CFG::block;
  static_assert(is_supported_fft_length(K), "bcnn_hls::bc_dense: block must be 4, 8, ..., 256");
  static_assert(CFG::n_in >= 1 && CFG::n_out >= 1, "bcnn_hls::bc_dense: n_in and n_out must be positive");
  static_assert(CFG::p == (CFG::n_out + K - 1) / K, "bcnn_hls::bc_dense: p must be ceil(n_out / block)");
  static_assert(CFG::q == (CFG::n_in + K - 1) / K, "bcnn_hls::bc_dense: q must be ceil(n_in / block)");
  static_assert(spectral_knobs_ok<CFG>(), "");
  return true;
}

// X'_j = fft_forward(x_j) for block column j (x padded with zeros to q*K).
template <class CFG>
void bc_dense_forward_block(int j, const typename CFG::in_t in[CFG::n_in],
                            typename CFG::spec_t x_re[CFG::q][CFG::block / 2 + 1],
                            typename CFG::spec_t x_im[CFG::q][CFG::block / 2 + 1],
                            const typename CFG::twiddle_t tw_re[CFG::block / 2],
                            const typename CFG::twiddle_t tw_im[CFG::block / 2]) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  typedef typename CFG::in_t in_t;
  constexpr int K = CFG::block;
  in_t block[K];
  for (int t = 0; t < K; ++t) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    const int index = j * K + t;
    block[t] = index < CFG::n_in ? in[index] : in_t(0);
  }
  constexpr bool unrolled = fft_engine_ii(K, CFG::fft_units) > 0;  // pipelined (fft.h, "FFT engines")
  fft_forward<K, unrolled>(block, x_re[j], x_im[j], tw_re, tw_im);
}

// The forward process: X'_j for every block column, fft_lanes at a time.
template <class CFG>
void bc_dense_forward(const typename CFG::in_t in[CFG::n_in], typename CFG::spec_t x_re[CFG::q][CFG::block / 2 + 1],
                      typename CFG::spec_t x_im[CFG::q][CFG::block / 2 + 1],
                      const typename CFG::twiddle_t tw_re[CFG::block / 2],
                      const typename CFG::twiddle_t tw_im[CFG::block / 2]) {
  constexpr int K = CFG::block;
  constexpr int q = CFG::q;
  constexpr int lanes = CFG::fft_lanes;
  constexpr int ii = fft_engine_ii(K, CFG::fft_units);
  constexpr int group_ii = ii > 0 ? ii : 1;  // the pipelined loop's II (unused on the serial engine)
  static_assert(bc_dense_cfg_ok<CFG>(), "");
  if (ii == 0) {
    for (int j = 0; j < q; ++j) bc_dense_forward_block<CFG>(j, in, x_re, x_im, tw_re, tw_im);
  } else {
    constexpr int words = (K * lanes + group_ii - 1) / group_ii;  // input words per cycle
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=in cyclic factor=words)
    constexpr int bins_per_cycle = (K / 2 + group_ii) / group_ii;  // ceil((K/2 + 1) / II)
    static_assert(words >= 1 && bins_per_cycle >= 1, "bcnn_hls::bc_dense: partition factors");
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_re cyclic factor=lanes dim=1)
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_im cyclic factor=lanes dim=1)
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_re cyclic factor=bins_per_cycle dim=2)
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_im cyclic factor=bins_per_cycle dim=2)
    for (int j0 = 0; j0 < q; j0 += lanes) {
      BCNN_HLS_PRAGMA(HLS PIPELINE II=group_ii)
      for (int l = 0; l < lanes; ++l) {
        if (j0 + l < q) bc_dense_forward_block<CFG>(j0 + l, in, x_re, x_im, tw_re, tw_im);
      }
    }
  }
}

// The mac process: Y'_i[f] = ifft_t(sum_j W_ij[f] X'_j[f]), j in order, for every block row.
template <class CFG>
void bc_dense_mac(const typename CFG::spec_t x_re[CFG::q][CFG::block / 2 + 1],
                  const typename CFG::spec_t x_im[CFG::q][CFG::block / 2 + 1],
                  typename CFG::ifft_t y_re[CFG::p][CFG::block / 2 + 1],
                  typename CFG::ifft_t y_im[CFG::p][CFG::block / 2 + 1],
                  const typename CFG::weight_t w_re[CFG::p][CFG::q][CFG::block / 2 + 1],
                  const typename CFG::weight_t w_im[CFG::p][CFG::q][CFG::block / 2 + 1]) {
  typedef typename CFG::acc_t acc_t;
  typedef typename CFG::ifft_t ifft_t;
  constexpr int bins = CFG::block / 2 + 1;
  constexpr int p = CFG::p;
  constexpr int q = CFG::q;
  constexpr int rows = CFG::block_rows_parallel;
  constexpr int cols = CFG::block_cols_parallel;
  constexpr int bins_parallel = CFG::bins_parallel;
  static_assert(bc_dense_cfg_ok<CFG>() && bins_parallel >= 1, "");
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_re cyclic factor=rows dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_im cyclic factor=rows dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_re cyclic factor=cols dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_im cyclic factor=cols dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_re cyclic factor=bins_parallel dim=3)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_im cyclic factor=bins_parallel dim=3)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_re cyclic factor=cols dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_im cyclic factor=cols dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_re cyclic factor=bins_parallel dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_im cyclic factor=bins_parallel dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=y_re cyclic factor=rows dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=y_im cyclic factor=rows dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=y_re cyclic factor=bins_parallel dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=y_im cyclic factor=bins_parallel dim=2)

  for (int i0 = 0; i0 < p; i0 += rows) {
    acc_t acc_re[rows][bins];
    acc_t acc_im[rows][bins];
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc_re complete dim=1)
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc_im complete dim=1)
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc_re cyclic factor=bins_parallel dim=2)
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc_im cyclic factor=bins_parallel dim=2)
    for (int f = 0; f < bins; ++f) {
      BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
      BCNN_HLS_PRAGMA(HLS UNROLL factor=bins_parallel)
      for (int r = 0; r < rows; ++r) {
        acc_re[r][f] = acc_t(0);
        acc_im[r][f] = acc_t(0);
      }
    }
    // Bin f accumulates over j in order; the bins are independent, so the j loop runs outside
    // and each bin's += is ceil(bins / bins_parallel) iterations after the previous one.
    for (int j0 = 0; j0 < q; j0 += cols) {
      for (int f = 0; f < bins; ++f) {
        BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
        BCNN_HLS_PRAGMA(HLS UNROLL factor=bins_parallel)
        for (int r = 0; r < rows; ++r) {
          for (int c = 0; c < cols; ++c) {
            const int i = i0 + r;
            const int j = j0 + c;
            if (i < p && j < q) {
              acc_re[r][f] += w_re[i][j][f] * x_re[j][f] - w_im[i][j][f] * x_im[j][f];
              acc_im[r][f] += w_re[i][j][f] * x_im[j][f] + w_im[i][j][f] * x_re[j][f];
            }
          }
        }
      }
    }
    for (int f = 0; f < bins; ++f) {
      BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
      BCNN_HLS_PRAGMA(HLS UNROLL factor=bins_parallel)
      for (int r = 0; r < rows; ++r) {
        if (i0 + r < p) {
          y_re[i0 + r][f] = ifft_t(acc_re[r][f]);
          y_im[i0 + r][f] = ifft_t(acc_im[r][f]);
        }
      }
    }
  }
}

// y'_i = fft_inverse(Y'_i); out[i*K + t] = out_t(y'_i[t] * K + bias[i*K + t]) for i*K + t < n_out.
template <class CFG>
void bc_dense_inverse_block(int i, const typename CFG::ifft_t y_re[CFG::p][CFG::block / 2 + 1],
                            const typename CFG::ifft_t y_im[CFG::p][CFG::block / 2 + 1],
                            typename CFG::out_t out[CFG::n_out], const typename CFG::bias_t bias[CFG::n_out],
                            const typename CFG::twiddle_t tw_re[CFG::block / 2],
                            const typename CFG::twiddle_t tw_im[CFG::block / 2]) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  typedef typename CFG::ifft_t ifft_t;
  typedef typename CFG::out_t out_t;
  constexpr int K = CFG::block;
  ifft_t y[K];
  constexpr bool unrolled = fft_engine_ii(K, CFG::ifft_units) > 0;  // pipelined (fft.h, "FFT engines")
  fft_inverse<K, unrolled>(y_re[i], y_im[i], y, tw_re, tw_im);
  // y[t] = y_i[t] / K: undo the 1/K exactly with an integer-typed K, add the bias exactly,
  // convert once.
  const fixed<log2_exact(K) + 2, log2_exact(K) + 2> scale = K;
  for (int t = 0; t < K; ++t) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    const int o = i * K + t;
    if (o < CFG::n_out) out[o] = out_t(y[t] * scale + bias[o]);
  }
}

// The inverse process: every block row's outputs, ifft_lanes at a time.
template <class CFG>
void bc_dense_inverse(const typename CFG::ifft_t y_re[CFG::p][CFG::block / 2 + 1],
                      const typename CFG::ifft_t y_im[CFG::p][CFG::block / 2 + 1], typename CFG::out_t out[CFG::n_out],
                      const typename CFG::bias_t bias[CFG::n_out], const typename CFG::twiddle_t tw_re[CFG::block / 2],
                      const typename CFG::twiddle_t tw_im[CFG::block / 2]) {
  constexpr int K = CFG::block;
  constexpr int p = CFG::p;
  constexpr int lanes = CFG::ifft_lanes;
  constexpr int ii = fft_engine_ii(K, CFG::ifft_units);
  constexpr int group_ii = ii > 0 ? ii : 1;  // the pipelined loop's II (unused on the serial engine)
  static_assert(bc_dense_cfg_ok<CFG>(), "");
  if (ii == 0) {
    for (int i = 0; i < p; ++i) bc_dense_inverse_block<CFG>(i, y_re, y_im, out, bias, tw_re, tw_im);
  } else {
    constexpr int words = (K * lanes + group_ii - 1) / group_ii;  // outputs per cycle
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=out cyclic factor=words)
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=bias cyclic factor=words)
    constexpr int bins_per_cycle = (K / 2 + group_ii) / group_ii;  // ceil((K/2 + 1) / II)
    static_assert(words >= 1 && bins_per_cycle >= 1, "bcnn_hls::bc_dense: partition factors");
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=y_re cyclic factor=lanes dim=1)
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=y_im cyclic factor=lanes dim=1)
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=y_re cyclic factor=bins_per_cycle dim=2)
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=y_im cyclic factor=bins_per_cycle dim=2)
    for (int i0 = 0; i0 < p; i0 += lanes) {
      BCNN_HLS_PRAGMA(HLS PIPELINE II=group_ii)
      for (int l = 0; l < lanes; ++l) {
        if (i0 + l < p) bc_dense_inverse_block<CFG>(i0 + l, y_re, y_im, out, bias, tw_re, tw_im);
      }
    }
  }
}

}  // namespace detail

// The layer with the weight spectra w_re, w_im given (e.g. arrays in UltraRAM, loaded at run time).
template <class CFG>
void bc_dense(const typename CFG::in_t in[CFG::n_in], typename CFG::out_t out[CFG::n_out],
              const typename CFG::weight_t w_re[CFG::p][CFG::q][CFG::block / 2 + 1],
              const typename CFG::weight_t w_im[CFG::p][CFG::q][CFG::block / 2 + 1]) {
  BCNN_HLS_PRAGMA(HLS DATAFLOW)
  constexpr int bins = CFG::block / 2 + 1;
  typename CFG::spec_t x_re[CFG::q][bins];
  typename CFG::spec_t x_im[CFG::q][bins];
  typename CFG::ifft_t y_re[CFG::p][bins];
  typename CFG::ifft_t y_im[CFG::p][bins];
  detail::bc_dense_forward<CFG>(in, x_re, x_im, CFG::tw_re, CFG::tw_im);
  detail::bc_dense_mac<CFG>(x_re, x_im, y_re, y_im, w_re, w_im);
  detail::bc_dense_inverse<CFG>(y_re, y_im, out, CFG::bias, CFG::tw_re, CFG::tw_im);
}

// The layer with its ROMs CFG::w_re, CFG::w_im.
template <class CFG>
void bc_dense(const typename CFG::in_t in[CFG::n_in], typename CFG::out_t out[CFG::n_out]) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  bc_dense<CFG>(in, out, CFG::w_re, CFG::w_im);
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_BC_DENSE_H

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
//   static const int n_in, n_out, block, p, q, block_rows_parallel, bins_parallel;
//   typedefs in_t, spec_t, weight_t, acc_t, ifft_t, bias_t, out_t, twiddle_t;
//   static const weight_t w_re[p][q][block / 2 + 1], w_im[p][q][block / 2 + 1];  // DFT(w_ij)
//   static const bias_t bias[n_out];
//   static const twiddle_t tw_re[block / 2], tw_im[block / 2];  // cos, -sin(2 pi j / block)
// block_rows_parallel block rows and bins_parallel frequency bins are computed at once; the
// arithmetic (and so every bit of the result) does not depend on them.
#ifndef BCNN_HLS_BC_DENSE_H
#define BCNN_HLS_BC_DENSE_H

#include "bcnn_hls/fft.h"
#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pragma.h"

namespace bcnn_hls {

namespace detail {

// The body of bc_dense, with the ROMs as parameters so that the partitioning pragmas can name them.
template <class CFG>
void bc_dense_rom(const typename CFG::in_t in[CFG::n_in], typename CFG::out_t out[CFG::n_out],
                  const typename CFG::weight_t w_re[CFG::p][CFG::q][CFG::block / 2 + 1],
                  const typename CFG::weight_t w_im[CFG::p][CFG::q][CFG::block / 2 + 1],
                  const typename CFG::bias_t bias[CFG::n_out],
                  const typename CFG::twiddle_t tw_re[CFG::block / 2],
                  const typename CFG::twiddle_t tw_im[CFG::block / 2]) {
  typedef typename CFG::in_t in_t;
  typedef typename CFG::spec_t spec_t;
  typedef typename CFG::acc_t acc_t;
  typedef typename CFG::ifft_t ifft_t;
  typedef typename CFG::out_t out_t;
  constexpr int n_in = CFG::n_in;
  constexpr int n_out = CFG::n_out;
  constexpr int K = CFG::block;
  constexpr int bins = K / 2 + 1;
  constexpr int p = CFG::p;
  constexpr int q = CFG::q;
  constexpr int rows_parallel = CFG::block_rows_parallel;
  constexpr int bins_parallel = CFG::bins_parallel;
  static_assert(is_supported_fft_length(K), "bcnn_hls::bc_dense: block must be 4, 8, ..., 256");
  static_assert(n_in >= 1 && n_out >= 1, "bcnn_hls::bc_dense: n_in and n_out must be positive");
  static_assert(p == (n_out + K - 1) / K, "bcnn_hls::bc_dense: p must be ceil(n_out / block)");
  static_assert(q == (n_in + K - 1) / K, "bcnn_hls::bc_dense: q must be ceil(n_in / block)");
  static_assert(rows_parallel >= 1 && bins_parallel >= 1,
                "bcnn_hls::bc_dense: block_rows_parallel and bins_parallel must be >= 1");
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_re cyclic factor=rows_parallel dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_im cyclic factor=rows_parallel dim=1)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_re cyclic factor=bins_parallel dim=3)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=w_im cyclic factor=bins_parallel dim=3)

  // X'_j for every block column, reused by every block row.
  spec_t x_re[q][bins];
  spec_t x_im[q][bins];
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_re cyclic factor=bins_parallel dim=2)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=x_im cyclic factor=bins_parallel dim=2)
  for (int j = 0; j < q; ++j) {
    in_t block[K];
    for (int t = 0; t < K; ++t) {
      BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
      const int index = j * K + t;
      block[t] = index < n_in ? in[index] : in_t(0);
    }
    fft_forward<K>(block, x_re[j], x_im[j], tw_re, tw_im);
  }

  for (int i = 0; i < p; ++i) {
    BCNN_HLS_PRAGMA(HLS UNROLL factor=rows_parallel)
    // Bin f accumulates over j in order; the bins are independent, so the j loop runs outside
    // and each bin's += is K/2 + 1 iterations after the previous one (II=1 without a stall).
    acc_t acc_re[bins];
    acc_t acc_im[bins];
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc_re cyclic factor=bins_parallel)
    BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=acc_im cyclic factor=bins_parallel)
    for (int f = 0; f < bins; ++f) {
      BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
      acc_re[f] = acc_t(0);
      acc_im[f] = acc_t(0);
    }
    for (int j = 0; j < q; ++j) {
      for (int f = 0; f < bins; ++f) {
        BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
        BCNN_HLS_PRAGMA(HLS UNROLL factor=bins_parallel)
        acc_re[f] += w_re[i][j][f] * x_re[j][f] - w_im[i][j][f] * x_im[j][f];
        acc_im[f] += w_re[i][j][f] * x_im[j][f] + w_im[i][j][f] * x_re[j][f];
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

    // y[t] = y_i[t] / K: undo the 1/K exactly with an integer-typed K, add the bias exactly,
    // convert once.
    const fixed<log2_exact(K) + 2, log2_exact(K) + 2> scale = K;
    for (int t = 0; t < K; ++t) {
      BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
      const int o = i * K + t;
      if (o < n_out) out[o] = out_t(y[t] * scale + bias[o]);
    }
  }
}

}  // namespace detail

template <class CFG>
void bc_dense(const typename CFG::in_t in[CFG::n_in], typename CFG::out_t out[CFG::n_out]) {
  detail::bc_dense_rom<CFG>(in, out, CFG::w_re, CFG::w_im, CFG::bias, CFG::tw_re, CFG::tw_im);
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_BC_DENSE_H

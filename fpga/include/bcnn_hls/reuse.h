// The reuse architecture's engine set (bcnn-compile --architecture reuse; docs/fpga.md, "The
// reuse architecture"): one forward/inverse FFT, one complex MAC, one dense MAC and one ReLU,
// reused layer after layer under a small controller (firmware/bcnn_top.cpp of that architecture).
// Unlike the dataflow kernels, whose formats are C++ types, the engines compute on raw two's
// complement integers (long long) with every layer's formats, dimensions and parameter offsets
// read at run time from a descriptor table (reuse_layer) the compiler generates. Each conversion
// is the one the dataflow kernel and bcnn's emulator make, in the same order and into the same
// format, so the results are bit for bit those of `bcnn-eval --fixed`; the compiler refuses
// models whose exact intermediates need more than 62 bits (reuse_convert's domain).
//
// Parameters live in one flat table of raw integers (an AXI master port `params`), read block
// row by block row (a dense layer: output row by output row) and applied to every image of the
// batch before the next row is read: each weight is read once per batch.
//
// Synthesizable: fixed-size arrays of the largest layer, loop bounds from the descriptor with
// LOOP_TRIPCOUNT, no heap, no recursion.
#ifndef BCNN_HLS_REUSE_H
#define BCNN_HLS_REUSE_H

#include "bcnn_hls/pragma.h"

// Written before the engine set's memories in the top function: nothing in synthesis; in C
// simulation `static thread_local`, so that a batch's activations and spectra (megabytes for large
// batches) live neither on the stack nor on the heap, and test-bench threads do not share them.
#ifdef __SYNTHESIS__
#define BCNN_HLS_REUSE_STORAGE
#else
#define BCNN_HLS_REUSE_STORAGE static thread_local
#endif

namespace bcnn_hls {

// One format at run time: width, fraction bits, and the modes as the values of
// bcnn_hls::quant_mode and overflow_mode (fixed_core.h).
struct reuse_format {
  int width, fraction, q, o;
};

enum reuse_op { reuse_bc_dense = 1, reuse_dense = 2, reuse_relu = 3 };

// One layer of the controller's schedule.
struct reuse_layer {
  int op;                   // reuse_op
  int n_in, n_out;
  int block, log2_block;    // bc_dense: K and log2 K
  int p, q;                 // bc_dense: block rows, block columns
  reuse_format in, out;
  reuse_format spec, weight, acc, ifft, bias, twiddle;  // those the op has
  long long weights, biases, twiddles;                  // offsets into params
};

// convert_raw64 (fixed_core.h) in synthesizable form, for the same domain: raw with
// from_fraction fraction bits into `f`; |raw| < 2^62, and a left shift keeps it below 2^62.
// The values of q and o are those of quant_mode { trn, trn_zero, rnd, rnd_zero, rnd_inf,
// rnd_min_inf, rnd_conv } and overflow_mode { wrap, sat, sat_zero, sat_sym }.
inline long long reuse_convert(long long raw, int from_fraction, const reuse_format& f) {
  const int shift = from_fraction - f.fraction;
  long long value = raw;
  if (shift < 0) {
    value = static_cast<long long>(static_cast<unsigned long long>(raw) << -shift);
  } else if (shift > 0) {
    const long long floor_value = raw >> shift;
    const bool half_bit = ((raw >> (shift - 1)) & 1) != 0;
    const bool below_half_bits = shift >= 2 && (raw & ((1LL << (shift - 1)) - 1)) != 0;
    const bool negative = raw < 0;
    bool increment = false;
    switch (f.q) {
      case 1: increment = negative && (half_bit || below_half_bits); break;       // trn_zero
      case 2: increment = half_bit; break;                                         // rnd
      case 3: increment = half_bit && (negative || below_half_bits); break;        // rnd_zero
      case 4: increment = half_bit && (!negative || below_half_bits); break;       // rnd_inf
      case 5: increment = half_bit && below_half_bits; break;                      // rnd_min_inf
      case 6: increment = half_bit && ((floor_value & 1) != 0 || below_half_bits); break;  // rnd_conv
      default: break;                                                              // trn
    }
    value = floor_value + (increment ? 1 : 0);
  }
  if (f.width >= 63) return value;
  const long long max_value = (1LL << (f.width - 1)) - 1;
  const long long min_value = -max_value - 1;
  switch (f.o) {
    case 1: return value > max_value ? max_value : value < min_value ? min_value : value;  // sat
    case 2: return value > max_value || value < min_value ? 0 : value;                     // sat_zero
    case 3: {                                                                               // sat_sym
      const long long low_value = f.width == 1 ? min_value : -max_value;
      return value > max_value ? max_value : value < low_value ? low_value : value;
    }
    default: break;  // wrap
  }
  const unsigned long long mask = (1ULL << f.width) - 1;
  unsigned long long bits = static_cast<unsigned long long>(value) & mask;
  if ((bits >> (f.width - 1)) & 1) bits |= ~mask;
  return static_cast<long long>(bits);
}

// a * 2^-fa + b * 2^-fb exactly, with max(fa, fb) fraction bits (into *fraction): the sum of two
// exact fixed-point values (the compiler proved it below 2^62).
inline long long reuse_add(long long a, int fa, long long b, int fb, int* fraction) {
  const int f = fa > fb ? fa : fb;
  *fraction = f;
  return static_cast<long long>(static_cast<unsigned long long>(a) << (f - fa)) +
         static_cast<long long>(static_cast<unsigned long long>(b) << (f - fb));
}

// The working memories of the engine set, sized for the largest layer: MAX_N values per image,
// blocks of MAX_K (log2 MAX_LOG2K), MAX_Q block columns, a batch of BATCH images.
template <int MAX_N, int MAX_K, int MAX_Q, int BATCH>
struct reuse_memories {
  static const int max_bins = MAX_K / 2 + 1;
  long long act[2][BATCH][MAX_N];                  // ping-pong activations of the batch
  long long x_re[BATCH][MAX_Q * max_bins];         // the batch's input spectra X' (bc_dense)
  long long x_im[BATCH][MAX_Q * max_bins];
  long long w_re[MAX_Q * max_bins];                // one block row of weight spectra
  long long w_im[MAX_Q * max_bins];
  long long w_row[MAX_N];                          // one dense weight row
  long long b_row[MAX_K > 1 ? MAX_K : 1];          // the bias of a block row
  long long tw_re[MAX_K / 2], tw_im[MAX_K / 2];    // twiddles of the layer's K
  long long re[MAX_K], im[MAX_K];                  // the FFT's working arrays (bit-reversed)
};

// The low `bits` bits of i reversed.
inline int reuse_bit_reverse(int i, int bits, int max_bits) {
  int reversed = 0;
  for (int b = 0; b < max_bits; ++b) {
    BCNN_HLS_PRAGMA(HLS UNROLL)
    if (b < bits) reversed = (reversed << 1) | ((i >> b) & 1);
  }
  return reversed;
}

// fft.h's stage loop with run-time K: the radix-2 butterflies of re, im in place, in `data`.
template <int MAX_K>
void reuse_fft_stages(long long re[MAX_K], long long im[MAX_K], const long long tw_re[MAX_K / 2],
                      const long long tw_im[MAX_K / 2], const reuse_layer& l, bool inverse, const reuse_format& data) {
  const int k = l.block, bits = l.log2_block;
  const int sum_fraction = data.fraction + l.twiddle.fraction;
  constexpr int max_half = MAX_K / 2;  // pragma arguments: named constants
  static_assert(max_half >= 2, "bcnn_hls::reuse: MAX_K must be at least 4");
  for (int s = 0; s < bits; ++s) {
    BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=2 max=8)
    const int span = 1 << s;
    for (int b = 0; b < k / 2; ++b) {
      BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=2 max=max_half)
      BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
      const int j = b & (span - 1);
      const int top = ((b >> s) << (s + 1)) | j;
      const int bottom = top + span;
      const int w = j << (bits - 1 - s);
      const long long w_re = tw_re[w], w_im = tw_im[w];
      const long long b_re = re[bottom], b_im = im[bottom];
      const long long t_re = inverse ? b_re * w_re + b_im * w_im : b_re * w_re - b_im * w_im;
      const long long t_im = inverse ? b_im * w_re - b_re * w_im : b_re * w_im + b_im * w_re;
      const long long a_re = static_cast<long long>(static_cast<unsigned long long>(re[top]) << l.twiddle.fraction);
      const long long a_im = static_cast<long long>(static_cast<unsigned long long>(im[top]) << l.twiddle.fraction);
      re[top] = reuse_convert((a_re + t_re) >> 1, sum_fraction, data);
      im[top] = reuse_convert((a_im + t_im) >> 1, sum_fraction, data);
      re[bottom] = reuse_convert((a_re - t_re) >> 1, sum_fraction, data);
      im[bottom] = reuse_convert((a_im - t_im) >> 1, sum_fraction, data);
    }
  }
}

// Reads `count` words of params from `offset` into `to` (one burst).
inline void reuse_load(const long long* params, long long offset, long long* to, int count) {
  for (int i = 0; i < count; ++i) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    to[i] = params[offset + i];
  }
}

// bc_dense on the batch: the forward FFT of every block column of every image, then per block
// row: its weight spectra and bias read once, the MAC over the block columns, the inverse FFT and
// out(y * K + bias) for each image. Reads act[src], writes act[1 - src].
template <int MAX_N, int MAX_K, int MAX_Q, int BATCH>
void reuse_bc_dense_layer(reuse_memories<MAX_N, MAX_K, MAX_Q, BATCH>& m, const long long* params,
                          const reuse_layer& l, int src, int images) {
  const int k = l.block, bins = k / 2 + 1, bits = l.log2_block;
  // Pragma arguments: named constants.
  constexpr int max_bins = MAX_K / 2 + 1, max_rows = MAX_N / 4, max_row_words = MAX_Q * max_bins;
  static_assert(max_rows >= 1 && max_row_words >= 3, "bcnn_hls::reuse: MAX_N >= 4, MAX_K >= 4, MAX_Q >= 1");
  int max_bits = 0;
  while ((1 << max_bits) < MAX_K) ++max_bits;
  reuse_load(params, l.twiddles, m.tw_re, k / 2);
  reuse_load(params, l.twiddles + k / 2, m.tw_im, k / 2);

  // X' = FFT(x_j) / K of every block column of every image.
  for (int b = 0; b < images; ++b) {
    BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max=BATCH)
    for (int j = 0; j < l.q; ++j) {
      BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max=MAX_Q)
      for (int t = 0; t < k; ++t) {
        BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=4 max=MAX_K)
        BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
        const int index = j * k + t;
        const long long x = index < l.n_in ? m.act[src][b][index] : 0;
        const int r = reuse_bit_reverse(t, bits, max_bits);
        m.re[r] = reuse_convert(x, l.in.fraction, l.spec);
        m.im[r] = 0;
      }
      reuse_fft_stages<MAX_K>(m.re, m.im, m.tw_re, m.tw_im, l, false, l.spec);
      for (int f = 0; f < bins; ++f) {
        BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=3 max=max_bins)
        BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
        m.x_re[b][j * bins + f] = m.re[f];
        m.x_im[b][j * bins + f] = m.im[f];
      }
    }
  }

  const int product_fraction = l.weight.fraction + l.spec.fraction;
  const int row_words = l.q * bins;
  for (int i = 0; i < l.p; ++i) {
    BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max=max_rows)
    // The block row's weight spectra (re, im interleaved) and bias: read once per batch.
    const long long row = l.weights + 2LL * i * row_words;
    for (int w = 0; w < row_words; ++w) {
      BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=3 max=max_row_words)
      BCNN_HLS_PRAGMA(HLS PIPELINE II=2)
      m.w_re[w] = params[row + 2 * w];
      m.w_im[w] = params[row + 2 * w + 1];
    }
    for (int t = 0; t < k; ++t) {
      BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=4 max=MAX_K)
      BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
      const int o = i * k + t;
      m.b_row[t] = o < l.n_out ? params[l.biases + o] : 0;
    }
    for (int b = 0; b < images; ++b) {
      BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max=BATCH)
      // Y' = ifft_t(sum_j W_ij X'_j), bin by bin, in bit-reversed order with the upper half the
      // conjugates of the lower.
      for (int f = 0; f < bins; ++f) {
        BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=3 max=max_bins)
        long long acc_re = 0, acc_im = 0;
        for (int j = 0; j < l.q; ++j) {
          BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max=MAX_Q)
          BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
          const long long wr = m.w_re[j * bins + f], wi = m.w_im[j * bins + f];
          const long long xr = m.x_re[b][j * bins + f], xi = m.x_im[b][j * bins + f];
          int fraction = 0;
          const long long sum_re = reuse_add(acc_re, l.acc.fraction, wr * xr - wi * xi, product_fraction, &fraction);
          acc_re = reuse_convert(sum_re, fraction, l.acc);
          const long long sum_im = reuse_add(acc_im, l.acc.fraction, wr * xi + wi * xr, product_fraction, &fraction);
          acc_im = reuse_convert(sum_im, fraction, l.acc);
        }
        const long long y_re = reuse_convert(acc_re, l.acc.fraction, l.ifft);
        const long long y_im = reuse_convert(acc_im, l.acc.fraction, l.ifft);
        const int r = reuse_bit_reverse(f, bits, max_bits);
        m.re[r] = y_re;
        m.im[r] = f == 0 || f == k / 2 ? 0 : y_im;
        if (f > 0 && f < k / 2) {
          const int r_upper = reuse_bit_reverse(k - f, bits, max_bits);
          m.re[r_upper] = y_re;
          m.im[r_upper] = reuse_convert(-y_im, l.ifft.fraction, l.ifft);
        }
      }
      reuse_fft_stages<MAX_K>(m.re, m.im, m.tw_re, m.tw_im, l, true, l.ifft);
      // out(y * K + bias): y * K is y with log2 K more integer bits, exact.
      for (int t = 0; t < k; ++t) {
        BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=4 max=MAX_K)
        BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
        const int o = i * k + t;
        if (o < l.n_out) {
          int fraction = 0;
          const long long sum = reuse_add(m.re[t] * k, l.ifft.fraction, m.b_row[t], l.bias.fraction, &fraction);
          m.act[1 - src][b][o] = reuse_convert(sum, fraction, l.out);
        }
      }
    }
  }
}

// dense on the batch: per output, its weight row and bias read once, then acc = acc_t(bias),
// acc = acc_t(acc + w x) over the inputs, out_t(acc) for each image.
template <int MAX_N, int MAX_K, int MAX_Q, int BATCH>
void reuse_dense_layer(reuse_memories<MAX_N, MAX_K, MAX_Q, BATCH>& m, const long long* params,
                       const reuse_layer& l, int src, int images) {
  const int product_fraction = l.weight.fraction + l.in.fraction;
  for (int o = 0; o < l.n_out; ++o) {
    BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max=MAX_N)
    reuse_load(params, l.weights + static_cast<long long>(o) * l.n_in, m.w_row, l.n_in);
    const long long bias = params[l.biases + o];
    for (int b = 0; b < images; ++b) {
      BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max=BATCH)
      long long acc = reuse_convert(bias, l.bias.fraction, l.acc);
      for (int i = 0; i < l.n_in; ++i) {
        BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max=MAX_N)
        BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
        int fraction = 0;
        const long long sum = reuse_add(acc, l.acc.fraction, m.w_row[i] * m.act[src][b][i], product_fraction, &fraction);
        acc = reuse_convert(sum, fraction, l.acc);
      }
      m.act[1 - src][b][o] = reuse_convert(acc, l.acc.fraction, l.out);
    }
  }
}

// relu on the batch: out_t(x) for x > 0, else 0.
template <int MAX_N, int MAX_K, int MAX_Q, int BATCH>
void reuse_relu_layer(reuse_memories<MAX_N, MAX_K, MAX_Q, BATCH>& m, const reuse_layer& l, int src, int images) {
  for (int b = 0; b < images; ++b) {
    BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max=BATCH)
    for (int i = 0; i < l.n_in; ++i) {
      BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max=MAX_N)
      BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
      const long long x = m.act[src][b][i];
      m.act[1 - src][b][i] = x > 0 ? reuse_convert(x, l.in.fraction, l.out) : 0;
    }
  }
}

// One layer of the schedule on the batch in act[src]; the result is in act[1 - src].
template <int MAX_N, int MAX_K, int MAX_Q, int BATCH>
void reuse_run_layer(reuse_memories<MAX_N, MAX_K, MAX_Q, BATCH>& m, const long long* params, const reuse_layer& l,
                     int src, int images) {
  if (l.op == reuse_bc_dense)
    reuse_bc_dense_layer(m, params, l, src, images);
  else if (l.op == reuse_dense)
    reuse_dense_layer(m, params, l, src, images);
  else
    reuse_relu_layer(m, l, src, images);
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_REUSE_H

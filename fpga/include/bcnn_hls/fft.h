// Fixed-point real FFT of length K (a power of two, 4 <= K <= 256) for the block-circulant
// kernels, with the twiddle ROM passed in by the caller:
//   tw_re[j] = cos(2 pi j / K), tw_im[j] = -sin(2 pi j / K), j < K/2, already quantized.
//
//   fft_forward:  real in[K]        -> X'[f] = DFT(in)[f] / K,              f = 0 .. K/2
//   fft_inverse:  X[f], f <= K/2     -> out[t] = IDFT_unnormalized(X)[t] / K, t < K
//   fft_forward_pair, fft_inverse_pair: the same for two real blocks through one complex
//                 transform (half the transforms; one more rounding, see below)
//
// Both are radix-2 decimation in time over a complex array of length K loaded in bit-reversed
// order, log2(K) stages of K/2 butterflies. A butterfly on (a, b) with twiddle w (the inverse uses
// conj(w)) is, with every operation before the final conversion exact:
//   t  = b * w                        (complex product, exact)
//   a' = data_t((a + t) >> 1)         (exact sum; >> 1 on the sum's own type: raw floor;
//   b' = data_t((a - t) >> 1)          then one conversion with data_t's Q and O)
// Every stage halves, so |a'|, |b'| <= max(|a|, |b|) (up to the twiddle rounding): nothing grows,
// and the K-fold growth of the DFT is the 1/K. docs/fpga.md gives the exact sequence (which the
// emulator in src/quant/emulator.cpp repeats) and the error bound.
//
// The exact intermediates must fit in 64 bits: data_t width + twiddle_t width + 2 <= 64 when both
// have non-negative integer and fraction bits (in general: the format of a + b * w).
#ifndef BCNN_HLS_FFT_H
#define BCNN_HLS_FFT_H

#include "bcnn_hls/fixed.h"
#include "bcnn_hls/pragma.h"

// HLS pragmas, visible only to Vitis HLS synthesis: g++ -Wall warns about unknown pragmas.
// Defined identically in every kernel header so that each can be included alone.

namespace bcnn_hls {

// log2(k) for a power of two k (compile time only).
constexpr int log2_exact(int k) {
  int bits = 0;
  while ((1 << bits) < k) ++bits;
  return bits;
}

constexpr bool is_supported_fft_length(int k) {
  return k >= 4 && k <= 256 && (k & (k - 1)) == 0;
}

// The butterflies of one transform of length k: log2(k) stages of k/2.
constexpr int fft_butterflies(int k) { return k / 2 * log2_exact(k); }

// The butterflies of one transform whose twiddle index is neither 0 (w = 1) nor k/4 (w = -i): the
// only ones an unrolled engine builds with multipliers. Stage s pairs twiddle index j k / 2^(s+1)
// with j = b mod 2^s, so stage 0 has only index 0 and stage s >= 1 has k/2^s butterflies with
// j = 0 or j = 2^(s-1): k/2 - k/2^s with a multiplier. Summed over s = 1 .. log2(k) - 1:
// (log2(k) - 1) k/2 - k + 2 (0 for k = 4, 10 for k = 16, 98 for k = 64).
constexpr int fft_multiplier_butterflies(int k) { return (log2_exact(k) - 1) * (k / 2) - k + 2; }

// FFT engines. A kernel's transforms run on an engine of `units` butterfly units (the knob
// fft_units / ifft_units of the block-circulant kinds):
//   units == 1        the serial engine: the stage loop, one butterfly per cycle, a transform
//                     every fft_cycles (~ k/2 log2(k)) cycles;
//   units > 1         the transform unrolled (every index a constant: its butterflies provably
//                     independent) inside a loop over blocks pipelined at
//                     II = fft_engine_ii(k, units) = ceil(k/2 log2(k) / units): units = log2(k)
//                     is one butterfly unit per stage, a new block every k/2 cycles; units =
//                     k/2 log2(k) the fully parallel engine, a new block every cycle.
// The engines run the same C++ (fft_forward, fft_inverse), the pipelined ones with UNROLLED = true:
// there every twiddle index is a constant, and the butterflies with w = 1 (index 0) and w = -i
// (index k/4) form b * w by copying and negating b instead of multiplying (fft_multiplier_butterflies
// counts the others). They form it in the type of the generic product b * w, so the sums, their
// >> 1 and the conversion are the generic butterfly's: only the schedule and the multipliers
// differ, never a bit of the result. The twiddle ROM must hold 1 and -i exactly at those indices
// (bcnn-compile checks it: hw/fft_stage.cpp, choose_twiddles).
constexpr int fft_engine_ii(int k, int units) {
  return units <= 1 ? 0 : (fft_butterflies(k) + units - 1) / units;
}

// The low `BITS` bits of i in reverse order.
template <int BITS>
inline int bit_reverse(int i) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  int reversed = 0;
  for (int b = 0; b < BITS; ++b) {
    BCNN_HLS_PRAGMA(HLS UNROLL)
    reversed = (reversed << 1) | ((i >> b) & 1);
  }
  return reversed;
}

// The knobs of a block-circulant kernel's engines and MAC array (bc_dense, bc_conv2d), checked:
// CFG provides block, p, q, block_rows_parallel, bins_parallel, block_cols_parallel, fft_units,
// fft_lanes, ifft_units, ifft_lanes.
template <class CFG>
constexpr bool spectral_knobs_ok() {
  constexpr int K = CFG::block;
  static_assert(CFG::block_rows_parallel >= 1 && CFG::block_rows_parallel <= CFG::p,
                "bcnn_hls: block_rows_parallel must be in 1..p");
  static_assert(CFG::block_cols_parallel >= 1 && CFG::block_cols_parallel <= CFG::q,
                "bcnn_hls: block_cols_parallel must be in 1..q");
  static_assert(CFG::bins_parallel >= 1 && CFG::bins_parallel <= K / 2 + 1,
                "bcnn_hls: bins_parallel must be in 1..block/2+1");
  static_assert(CFG::fft_units >= 1 && CFG::fft_units <= fft_butterflies(K) && CFG::ifft_units >= 1 &&
                    CFG::ifft_units <= fft_butterflies(K),
                "bcnn_hls: fft_units and ifft_units must be in 1..block/2 log2(block)");
  static_assert(CFG::fft_lanes >= 1 && CFG::fft_lanes <= CFG::q && (CFG::fft_units > 1 || CFG::fft_lanes == 1),
                "bcnn_hls: fft_lanes must be in 1..q, and 1 on the serial engine");
  static_assert(CFG::ifft_lanes >= 1 && CFG::ifft_lanes <= CFG::p &&
                    (CFG::ifft_units > 1 || CFG::ifft_lanes == 1),
                "bcnn_hls: ifft_lanes must be in 1..p, and 1 on the serial engine");
  return true;
}

namespace detail {

// The second half of a radix-2 butterfly, in place: (a, b) <- ((a + t) >> 1, (a - t) >> 1). The sums
// are exact (their types are wide enough); the only rounding is the floor of >> 1 on the sum's own
// type and the conversion to data_t.
template <class data_t, class t_re_t, class t_im_t>
inline void butterfly_combine(data_t& a_re, data_t& a_im, data_t& b_re, data_t& b_im,
                              const t_re_t& t_re, const t_im_t& t_im) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  const auto sum_re = a_re + t_re;
  const auto sum_im = a_im + t_im;
  const auto difference_re = a_re - t_re;
  const auto difference_im = a_im - t_im;
  a_re = data_t(sum_re >> 1);
  a_im = data_t(sum_im >> 1);
  b_re = data_t(difference_re >> 1);
  b_im = data_t(difference_im >> 1);
}

// Forward butterfly: t = b * w, exact.
template <class data_t, class twiddle_t>
inline void butterfly_forward(data_t& a_re, data_t& a_im, data_t& b_re, data_t& b_im,
                              const twiddle_t& w_re, const twiddle_t& w_im) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  butterfly_combine(a_re, a_im, b_re, b_im, b_re * w_re - b_im * w_im, b_re * w_im + b_im * w_re);
}

// Inverse butterfly: t = b * conj(w), exact.
template <class data_t, class twiddle_t>
inline void butterfly_inverse(data_t& a_re, data_t& a_im, data_t& b_re, data_t& b_im,
                              const twiddle_t& w_re, const twiddle_t& w_im) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  butterfly_combine(a_re, a_im, b_re, b_im, b_re * w_re + b_im * w_im, b_im * w_re - b_re * w_im);
}

// The butterflies with twiddle 1 (forward and inverse: t = b) and -i (forward: t = b * -i =
// (b_im, -b_re); inverse: t = b * conj(-i) = b * i = (-b_im, b_re)), without a multiplier. t is
// built in the type of the generic t (decltype of its expression, never evaluated): a narrower
// type would not change t's value but the sums' type, and with it the fraction bit where >> 1
// floors, so the bits of the result.
template <class twiddle_t, class data_t>
inline void butterfly_by_one(data_t& a_re, data_t& a_im, data_t& b_re, data_t& b_im) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  typedef decltype(b_re * twiddle_t() - b_im * twiddle_t()) t_t;
  butterfly_combine(a_re, a_im, b_re, b_im, t_t(b_re), t_t(b_im));
}

template <class twiddle_t, class data_t>
inline void butterfly_forward_by_minus_i(data_t& a_re, data_t& a_im, data_t& b_re, data_t& b_im) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  typedef decltype(b_re * twiddle_t() - b_im * twiddle_t()) t_re_t;  // b_re w_re - b_im w_im
  typedef decltype(b_re * twiddle_t() + b_im * twiddle_t()) t_im_t;  // b_re w_im + b_im w_re
  butterfly_combine(a_re, a_im, b_re, b_im, t_re_t(b_im), t_im_t(-b_re));
}

template <class twiddle_t, class data_t>
inline void butterfly_inverse_by_minus_i(data_t& a_re, data_t& a_im, data_t& b_re, data_t& b_im) {
  BCNN_HLS_PRAGMA(HLS INLINE)
  typedef decltype(b_re * twiddle_t() + b_im * twiddle_t()) t_re_t;  // b_re w_re + b_im w_im
  typedef decltype(b_im * twiddle_t() - b_re * twiddle_t()) t_im_t;  // b_im w_re - b_re w_im
  butterfly_combine(a_re, a_im, b_re, b_im, t_re_t(-b_im), t_im_t(b_re));
}

// The log2(K) stages over a bit-reversed complex array, in place. Stage s (s = 0 .. log2(K)-1)
// pairs top = (b >> s) * 2^(s+1) + j and bottom = top + 2^s for butterfly b < K/2 with
// j = b mod 2^s, twiddle index j * K / 2^(s+1). UNROLLED (the pipelined engines): the loops are
// unrolled by the caller's PIPELINE, every index is a constant and the branches on the twiddle
// index fold away; the butterflies at index 0 and K/4 take w from their index, not from the ROM.
// The serial engine (UNROLLED = false) keeps one generic butterfly: a runtime branch would only add
// multiplexers.
template <int K, bool INVERSE, bool UNROLLED, class data_t, class twiddle_t>
void fft_stages(data_t re[K], data_t im[K], const twiddle_t tw_re[K / 2],
                const twiddle_t tw_im[K / 2]) {
  // 1 and -1 exact: at least two integer bits and no negative fraction bits (and the ROM values,
  // which only the caller can check).
  static_assert(!UNROLLED || (twiddle_t::iwidth >= 2 && twiddle_t::width >= twiddle_t::iwidth),
                "bcnn_hls::fft: the pipelined engines need a twiddle type holding 1 and -1 exactly");
  constexpr int stages = log2_exact(K);
  for (int s = 0; s < stages; ++s) {
    // The serial engine: one butterfly per cycle. A stage's butterflies touch disjoint pairs,
    // which HLS cannot prove through the computed indices: say so, and keep the stage loop
    // apart so that each stage drains before the next reads it.
    BCNN_HLS_PRAGMA(HLS LOOP_FLATTEN off)
    for (int b = 0; b < K / 2; ++b) {
      BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
      BCNN_HLS_PRAGMA(HLS DEPENDENCE variable=re type=inter false)
      BCNN_HLS_PRAGMA(HLS DEPENDENCE variable=im type=inter false)
      const int span = 1 << s;
      const int j = b & (span - 1);
      const int top = ((b >> s) << (s + 1)) | j;
      const int bottom = top + span;
      const int w = j << (stages - 1 - s);
      if (UNROLLED && w == 0) {
        butterfly_by_one<twiddle_t>(re[top], im[top], re[bottom], im[bottom]);
      } else if (UNROLLED && w == K / 4) {
        if (INVERSE) {
          butterfly_inverse_by_minus_i<twiddle_t>(re[top], im[top], re[bottom], im[bottom]);
        } else {
          butterfly_forward_by_minus_i<twiddle_t>(re[top], im[top], re[bottom], im[bottom]);
        }
      } else if (INVERSE) {
        butterfly_inverse(re[top], im[top], re[bottom], im[bottom], tw_re[w], tw_im[w]);
      } else {
        butterfly_forward(re[top], im[top], re[bottom], im[bottom], tw_re[w], tw_im[w]);
      }
    }
  }
}

}  // namespace detail

// X'[f] = DFT(in)[f] / K for f = 0 .. K/2, in data_t. The input is converted to data_t once, as
// it is loaded (imaginary parts 0). UNROLLED: called by a pipelined engine (fft_engine_ii > 0),
// whose trivial butterflies need no multiplier (same bits; see "FFT engines" above).
template <int K, bool UNROLLED = false, class in_t, class data_t, class twiddle_t>
void fft_forward(const in_t in[K], data_t out_re[K / 2 + 1], data_t out_im[K / 2 + 1],
                 const twiddle_t tw_re[K / 2], const twiddle_t tw_im[K / 2]) {
  static_assert(is_supported_fft_length(K), "bcnn_hls::fft_forward: K must be 4, 8, ..., 256");
  constexpr int bits = log2_exact(K);
  data_t re[K];
  data_t im[K];
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=re complete)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=im complete)
  for (int i = 0; i < K; ++i) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    const int r = bit_reverse<bits>(i);
    re[r] = data_t(in[i]);
    im[r] = data_t(0);
  }
  detail::fft_stages<K, false, UNROLLED>(re, im, tw_re, tw_im);
  for (int f = 0; f <= K / 2; ++f) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    out_re[f] = re[f];
    out_im[f] = im[f];
  }
}

// out[t] = IDFT_unnormalized(Z)[t] / K (real part), where Z is the conjugate-symmetric extension
// of the half spectrum: Z[f] = X[f] for f <= K/2 with the imaginary parts of Z[0] and Z[K/2] taken
// as 0 (as a real inverse FFT ignores them), Z[K - f] = conj(X[f]) = (X_re, data_t(-X_im)) for
// 0 < f < K/2. UNROLLED as for fft_forward.
template <int K, bool UNROLLED = false, class data_t, class twiddle_t>
void fft_inverse(const data_t in_re[K / 2 + 1], const data_t in_im[K / 2 + 1], data_t out[K],
                 const twiddle_t tw_re[K / 2], const twiddle_t tw_im[K / 2]) {
  static_assert(is_supported_fft_length(K), "bcnn_hls::fft_inverse: K must be 4, 8, ..., 256");
  constexpr int bits = log2_exact(K);
  data_t re[K];
  data_t im[K];
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=re complete)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=im complete)
  for (int f = 0; f < K; ++f) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    const int r = bit_reverse<bits>(f);
    if (f == 0 || f == K / 2) {
      re[r] = in_re[f];
      im[r] = data_t(0);
    } else if (f < K / 2) {
      re[r] = in_re[f];
      im[r] = in_im[f];
    } else {
      re[r] = in_re[K - f];
      im[r] = data_t(-in_im[K - f]);
    }
  }
  detail::fft_stages<K, true, UNROLLED>(re, im, tw_re, tw_im);
  for (int t = 0; t < K; ++t) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    out[t] = re[t];
  }
}

// Two real blocks through one complex transform. Z = fft of z = a + i b (the stages of
// fft_forward), then the halves of the Hermitian split, f = 0 .. K/2, g = (K - f) mod K:
//   A'[f] = (Z[f] + conj(Z[g])) / 2:  a_re = data_t((Z_re[f] + Z_re[g]) >> 1), a_im = data_t((Z_im[f] - Z_im[g]) >> 1)
//   B'[f] = (Z[f] - conj(Z[g])) / 2i: b_re = data_t((Z_im[f] + Z_im[g]) >> 1), b_im = data_t((Z_re[g] - Z_re[f]) >> 1)
// each sum exact, floored by >> 1 on its own type and converted once, as in a butterfly. So A' =
// DFT(a) / K and B' = DFT(b) / K up to the rounding, not bit for bit those of fft_forward.
template <int K, bool UNROLLED = false, class in_t, class data_t, class twiddle_t>
void fft_forward_pair(const in_t a[K], const in_t b[K], data_t a_re[K / 2 + 1], data_t a_im[K / 2 + 1],
                      data_t b_re[K / 2 + 1], data_t b_im[K / 2 + 1], const twiddle_t tw_re[K / 2],
                      const twiddle_t tw_im[K / 2]) {
  static_assert(is_supported_fft_length(K), "bcnn_hls::fft_forward_pair: K must be 4, 8, ..., 256");
  constexpr int bits = log2_exact(K);
  data_t re[K];
  data_t im[K];
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=re complete)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=im complete)
  for (int i = 0; i < K; ++i) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    const int r = bit_reverse<bits>(i);
    re[r] = data_t(a[i]);
    im[r] = data_t(b[i]);
  }
  detail::fft_stages<K, false, UNROLLED>(re, im, tw_re, tw_im);
  for (int f = 0; f <= K / 2; ++f) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    const int g = (K - f) & (K - 1);
    a_re[f] = data_t((re[f] + re[g]) >> 1);
    a_im[f] = data_t((im[f] - im[g]) >> 1);
    b_re[f] = data_t((im[f] + im[g]) >> 1);
    b_im[f] = data_t((re[g] - re[f]) >> 1);
  }
}

// The inverse of two real blocks through one complex transform: Z = (A + i B) / 2 over the whole
// spectrum, A and B conjugate-symmetric extensions of their halves as in fft_inverse (imaginary
// parts of bins 0 and K/2 taken as 0), each half a floor of the exact sum's >> 1 and one conversion:
//   f <= K/2:  Z_re = data_t((A_re - B_im) >> 1),  Z_im = data_t((A_im + B_re) >> 1)
//   f >  K/2:  Z_re = data_t((A_re + B_im) >> 1),  Z_im = data_t((B_re - A_im) >> 1)   (at K - f)
// then the stages of fft_inverse: out_a[t] = Re, out_b[t] = Im = IDFT_unnormalized(A or B)[t] / (2K).
// The halving keeps |Z| within data_t; the caller scales by 2K instead of K.
template <int K, bool UNROLLED = false, class data_t, class twiddle_t>
void fft_inverse_pair(const data_t a_re[K / 2 + 1], const data_t a_im[K / 2 + 1], const data_t b_re[K / 2 + 1],
                      const data_t b_im[K / 2 + 1], data_t out_a[K], data_t out_b[K], const twiddle_t tw_re[K / 2],
                      const twiddle_t tw_im[K / 2]) {
  static_assert(is_supported_fft_length(K), "bcnn_hls::fft_inverse_pair: K must be 4, 8, ..., 256");
  constexpr int bits = log2_exact(K);
  data_t re[K];
  data_t im[K];
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=re complete)
  BCNN_HLS_PRAGMA(HLS ARRAY_PARTITION variable=im complete)
  for (int f = 0; f < K; ++f) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    const int r = bit_reverse<bits>(f);
    const int h = f <= K / 2 ? f : K - f;
    const bool edge = f == 0 || f == K / 2;
    const data_t zero = data_t(0);
    const data_t ai = edge ? zero : a_im[h];
    const data_t bi = edge ? zero : b_im[h];
    if (f <= K / 2) {
      re[r] = data_t((a_re[h] - bi) >> 1);
      im[r] = data_t((ai + b_re[h]) >> 1);
    } else {
      re[r] = data_t((a_re[h] + bi) >> 1);
      im[r] = data_t((b_re[h] - ai) >> 1);
    }
  }
  detail::fft_stages<K, true, UNROLLED>(re, im, tw_re, tw_im);
  for (int t = 0; t < K; ++t) {
    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)
    out_a[t] = re[t];
    out_b[t] = im[t];
  }
}

}  // namespace bcnn_hls

#endif  // BCNN_HLS_FFT_H

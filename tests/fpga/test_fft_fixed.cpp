// The fixed-point FFT of the HLS library (fpga/include/bcnn_hls/fft.h) against a naive DFT in
// double, for every supported length, within the error bound derived from the formats
// (docs/fpga.md, "Error bound of the FFT"):
//
//   |computed - exact| <= g * (e0 + L * (A * eps / 2 + r)),   g = (1 + eps / 2)^L,
//
// for every output bin (forward, complex magnitude) or sample (inverse), where L = log2(K),
// A = the largest input magnitude, eps = sqrt(2) * (twiddle conversion error) bounds |w~ - w|,
// r = sqrt(2) * (data conversion error + 2^-(F_sum + 1)) is one butterfly output's rounding (the
// floor of >> 1 on the exact sum with F_sum fraction bits, then the conversion into the data type),
// and e0 the error of loading the input into the data type. Why: every stage maps errors
// (e_a, e_b) to (e_a + w~ e_b) / 2 + b (w~ - w) / 2 + rounding, so the largest error grows by at
// most a factor (1 + eps / 2) plus A eps / 2 + r per stage, because exact stage values never
// exceed A in magnitude (they are averages of the inputs times unit twiddles).
#include <doctest/doctest.h>

#include <cmath>
#include <complex>
#include <string>
#include <cstdint>
#include <vector>

#include "bcnn_hls/fft.h"
#include "core/random.h"
#include "fpga/fft_bounds.h"

namespace {

using bcnn_hls::fixed;
using bcnn_hls::format;
using bcnn_hls::format_of;
using bcnn_hls::quant_mode;

using bcnn_test::conversion_error;
using bcnn_test::fft_error_bound;
using bcnn_test::make_twiddles;
using bcnn_test::unit_root;

// Inputs of one trial: random in [-amplitude, amplitude), or an extreme pattern that drives the
// largest bins to the format's limits.
std::vector<double> trial_values(int k, int trial, double amplitude, double low, double high, bcnn::Rng& rng) {
  std::vector<double> x(k);
  for (int i = 0; i < k; ++i) {
    switch (trial) {
      case 0: x[i] = high; break;                      // all maximal: X'[0] = max
      case 1: x[i] = low; break;                       // all minimal: X'[0] = min
      case 2: x[i] = i % 2 == 0 ? high : low; break;   // alternating: X'[K/2] large
      case 3: x[i] = i == 0 ? low : 0.0; break;        // impulse: flat spectrum
      default: x[i] = amplitude * (2 * rng.uniform_double() - 1);
    }
  }
  return x;
}

template <class in_t, class data_t, class twiddle_t, int K>
void check_forward_and_round_trip(double& worst_forward, double& worst_inverse, double& worst_round_trip) {
  twiddle_t tw_re[K / 2], tw_im[K / 2];
  make_twiddles<K>(tw_re, tw_im);
  const double in_lsb = std::ldexp(1.0, -format_of<in_t>().fraction_bits());
  const double high = std::ldexp(static_cast<double>(format_of<in_t>().max_raw()), -format_of<in_t>().fraction_bits());
  const double low = -high - in_lsb;
  const double load_error =
      format_of<data_t>().fraction_bits() >= format_of<in_t>().fraction_bits() ? 0.0 : conversion_error<data_t>();
  bcnn::Rng rng(1000 + K);
  for (int trial = 0; trial < 24; ++trial) {
    CAPTURE(K);
    CAPTURE(trial);
    const std::vector<double> values = trial_values(K, trial, 1.0, low, high, rng);
    in_t in[K];
    std::vector<double> x(K);
    double largest = 0;
    for (int i = 0; i < K; ++i) {
      in[i] = in_t(values[i]);
      x[i] = in[i].to_double();
      largest = std::max(largest, std::fabs(x[i]));
    }
    data_t re[K / 2 + 1], im[K / 2 + 1];
    bcnn_hls::fft_forward<K>(in, re, im, tw_re, tw_im);

    const double forward_bound = fft_error_bound<data_t, twiddle_t>(K, largest, load_error);
    for (int f = 0; f <= K / 2; ++f) {
      std::complex<double> exact = 0;
      for (int i = 0; i < K; ++i) exact += x[i] * unit_root(f * i, K, -1);
      exact /= K;
      const double error = std::abs(std::complex<double>(re[f].to_double(), im[f].to_double()) - exact);
      CHECK(error <= forward_bound);
      worst_forward = std::max(worst_forward, error / forward_bound);
    }

    // inverse(forward(x)) = x / K: the forward error passes through the inverse at most unchanged
    // (each output averages K spectrum errors), and the inverse adds its own, so
    // |K * out - x| <= K * (forward bound + inverse bound).
    data_t out[K];
    bcnn_hls::fft_inverse<K>(re, im, out, tw_re, tw_im);
    const double round_trip_bound =
        K * (forward_bound + fft_error_bound<data_t, twiddle_t>(K, largest + forward_bound, 0.0));
    for (int t = 0; t < K; ++t) {
      const double error = std::fabs(K * out[t].to_double() - x[t]);
      CHECK(error <= round_trip_bound);
      worst_round_trip = std::max(worst_round_trip, error / round_trip_bound);
    }
  }

  // The inverse alone, on random half spectra (the imaginary parts of bins 0 and K/2 are random
  // too: the kernel must ignore them).
  for (int trial = 0; trial < 16; ++trial) {
    CAPTURE(K);
    CAPTURE(trial);
    data_t in_re[K / 2 + 1], in_im[K / 2 + 1];
    std::vector<std::complex<double>> z(K);
    double largest = 0;
    for (int f = 0; f <= K / 2; ++f) {
      in_re[f] = data_t(0.7 * (2 * rng.uniform_double() - 1));
      in_im[f] = data_t(0.7 * (2 * rng.uniform_double() - 1));
      const bool real_bin = f == 0 || f == K / 2;
      z[f] = {in_re[f].to_double(), real_bin ? 0.0 : in_im[f].to_double()};
      if (!real_bin) z[K - f] = std::conj(z[f]);
    }
    for (const auto& v : z) largest = std::max(largest, std::abs(v));
    data_t out[K];
    bcnn_hls::fft_inverse<K>(in_re, in_im, out, tw_re, tw_im);
    const double bound = fft_error_bound<data_t, twiddle_t>(K, largest, 0.0);
    for (int t = 0; t < K; ++t) {
      std::complex<double> exact = 0;
      for (int f = 0; f < K; ++f) exact += z[f] * unit_root(f * t, K, +1);
      const double error = std::fabs(out[t].to_double() - exact.real() / K);
      CHECK(error <= bound);
      worst_inverse = std::max(worst_inverse, error / bound);
    }
  }
}

template <class in_t, class data_t, class twiddle_t, int... Ks>
void check_all_sizes(const char* name) {
  CAPTURE(name);
  double worst_forward = 0, worst_inverse = 0, worst_round_trip = 0;
  (check_forward_and_round_trip<in_t, data_t, twiddle_t, Ks>(worst_forward, worst_inverse, worst_round_trip), ...);
  // The bound is not vacuous: errors come within a factor 50 of it.
  CHECK(worst_forward > 0.02);
  CHECK(worst_inverse > 0.02);
}

}  // namespace

TEST_CASE("hls fft fixed: forward and inverse match a double DFT within the format bound, K = 4 .. 256") {
  SUBCASE("rounding formats") {
    check_all_sizes<fixed<16, 1, AP_RND, AP_SAT>, fixed<26, 2, AP_RND_CONV, AP_SAT>, fixed<18, 2, AP_RND, AP_SAT>, 4,
                    8, 16, 32, 64, 128, 256>("rounding");
  }
  SUBCASE("truncating formats, input coarser than the stages") {
    check_all_sizes<fixed<12, 1>, fixed<20, 2, AP_TRN, AP_WRAP>, fixed<16, 2, AP_TRN_ZERO, AP_SAT>, 4, 8, 16, 32,
                    64, 128, 256>("truncating");
  }
  SUBCASE("stages coarser than the input (the load rounds)") {
    check_all_sizes<fixed<24, 1, AP_RND, AP_SAT>, fixed<16, 2, AP_RND_ZERO, AP_SAT>, fixed<14, 2, AP_RND_INF, AP_SAT>,
                    4, 8, 16, 32, 64, 128, 256>("coarse stages");
  }
}

TEST_CASE("hls fft fixed: the exact operation sequence on a K = 4 example") {
  // x = (1, 0.5, -0.25, 0); twiddles 1 and -i are exact. DIT over (x0, x2, x1, x3):
  // stage 0: (x0 + x2)/2 = 0.375, (x0 - x2)/2 = 0.625, (x1 + x3)/2 = 0.25, (x1 - x3)/2 = 0.25
  // stage 1: X'0 = (0.375 + 0.25)/2, X'2 = (0.375 - 0.25)/2, X'1 = (0.625 + (-i) 0.25)/2
  using data_t = fixed<16, 2>;
  using twiddle_t = fixed<12, 2>;
  const twiddle_t tw_re[2] = {twiddle_t(1.0), twiddle_t(0.0)}, tw_im[2] = {twiddle_t(0.0), twiddle_t(-1.0)};
  const fixed<8, 2> in[4] = {1.0, 0.5, -0.25, 0.0};
  data_t re[3], im[3];
  bcnn_hls::fft_forward<4>(in, re, im, tw_re, tw_im);
  CHECK(re[0].to_double() == 0.3125);
  CHECK(im[0].to_double() == 0.0);
  CHECK(re[1].to_double() == 0.3125);
  CHECK(im[1].to_double() == -0.125);
  CHECK(re[2].to_double() == 0.0625);
  CHECK(im[2].to_double() == 0.0);
  // The inverse divides by K again: inverse(forward(x)) = x / 4 exactly here.
  data_t out[4];
  bcnn_hls::fft_inverse<4>(re, im, out, tw_re, tw_im);
  CHECK(out[0].to_double() == 0.25);
  CHECK(out[1].to_double() == 0.125);
  CHECK(out[2].to_double() == -0.0625);
  CHECK(out[3].to_double() == 0.0);

  // The >> 1 floors the exact sum on its own type before the conversion: with integer twiddles
  // the sum keeps the data's single fraction bit, so 0.5 / 2 floors to 0 and -0.5 / 2 to -0.5,
  // although the data type itself rounds to nearest (it would give 0.5 for 0.25).
  using coarse_t = fixed<6, 5, AP_RND, AP_SAT>;  // LSB 0.5
  using integer_twiddle_t = fixed<3, 3>;
  const integer_twiddle_t int_re[2] = {1, 0}, int_im[2] = {0, -1};
  const coarse_t impulse_up[4] = {0.5, 0.0, 0.0, 0.0}, impulse_down[4] = {-0.5, 0.0, 0.0, 0.0};
  coarse_t up_re[3], up_im[3], down_re[3], down_im[3];
  bcnn_hls::fft_forward<4>(impulse_up, up_re, up_im, int_re, int_im);
  bcnn_hls::fft_forward<4>(impulse_down, down_re, down_im, int_re, int_im);
  for (int f = 0; f < 3; ++f) {
    CHECK(up_re[f].to_double() == 0.0);
    CHECK(down_re[f].to_double() == -0.5);
  }
}

TEST_CASE("hls fft fixed: fft_multiplier_butterflies counts the butterflies whose twiddle index is neither 0 nor "
          "K/4, K = 4 .. 256") {
  for (int k = 4; k <= 256; k *= 2) {
    CAPTURE(k);
    // bcnn_hls::detail::fft_stages' indices, counted one by one.
    const int stages = bcnn_hls::log2_exact(k);
    int multiplying = 0, all = 0;
    for (int s = 0; s < stages; ++s)
      for (int b = 0; b < k / 2; ++b) {
        const int w = (b & ((1 << s) - 1)) << (stages - 1 - s);
        multiplying += w != 0 && w != k / 4;
        ++all;
      }
    CHECK(bcnn_hls::fft_multiplier_butterflies(k) == multiplying);
    CHECK(bcnn_hls::fft_butterflies(k) == all);
  }
  static_assert(bcnn_hls::fft_multiplier_butterflies(4) == 0 && bcnn_hls::fft_multiplier_butterflies(16) == 10,
                "usable at compile time");
}

namespace {

// The unrolled transforms (the pipelined engines: twiddles 1 and -i without multipliers) against
// the rolled ones (the serial engine: every butterfly generic), raw bits, forward and inverse, on
// inputs at the formats' limits and random ones. The trivial butterflies form t in the generic
// product's type, so that the sums' >> 1 floors at the same fraction bit and the conversion into
// data_t rounds the same value: any narrower t, or a wrong sign, changes bits here.
template <class in_t, class data_t, class twiddle_t, int K>
void check_unrolled_is_rolled() {
  CAPTURE(K);
  twiddle_t tw_re[K / 2], tw_im[K / 2];
  make_twiddles<K>(tw_re, tw_im);
  const format in_format = format_of<in_t>(), data = format_of<data_t>();
  const double in_high = std::ldexp(static_cast<double>(in_format.max_raw()), -in_format.fraction_bits());
  const double in_low = std::ldexp(static_cast<double>(in_format.min_raw()), -in_format.fraction_bits());
  bcnn::Rng rng(2000 + K);
  long compared = 0, at_limits = 0;
  for (int trial = 0; trial < 40; ++trial) {
    CAPTURE(trial);
    // trial_values' patterns, then inputs each at the minimum or the maximum, then random ones.
    std::vector<double> values = trial_values(K, trial < 4 ? trial : 4, 1.0, in_low, in_high, rng);
    if (trial >= 4 && trial < 24)
      for (double& v : values) v = rng.uniform_double() < 0.5 ? in_low : in_high;
    in_t in[K];
    for (int i = 0; i < K; ++i) in[i] = in_t(values[i]);
    data_t rolled_re[K / 2 + 1], rolled_im[K / 2 + 1], unrolled_re[K / 2 + 1], unrolled_im[K / 2 + 1];
    bcnn_hls::fft_forward<K, false>(in, rolled_re, rolled_im, tw_re, tw_im);
    bcnn_hls::fft_forward<K, true>(in, unrolled_re, unrolled_im, tw_re, tw_im);
    for (int f = 0; f <= K / 2; ++f) {
      CAPTURE(f);
      CHECK(bcnn_hls::raw_bits(unrolled_re[f]) == bcnn_hls::raw_bits(rolled_re[f]));
      CHECK(bcnn_hls::raw_bits(unrolled_im[f]) == bcnn_hls::raw_bits(rolled_im[f]));
      compared += 2;
    }
    // The inverse on bins at data_t's limits (the -i butterflies negate them: -min needs one more
    // bit than data_t has), random mixtures of limits and values, and the forward's output.
    data_t bins_re[K / 2 + 1], bins_im[K / 2 + 1];
    for (int f = 0; f <= K / 2; ++f) {
      auto pick = [&](const data_t& forward_value) -> data_t {
        if (trial >= 24) return forward_value;
        const double r = rng.uniform_double();
        if (r < 0.4) return bcnn_hls::from_raw_bits<data_t>(data.min_raw());
        if (r < 0.8) return bcnn_hls::from_raw_bits<data_t>(data.max_raw());
        const double span = static_cast<double>(data.max_raw() - data.min_raw());
        return bcnn_hls::from_raw_bits<data_t>(data.min_raw() + static_cast<std::int64_t>(rng.uniform_double() * span));
      };
      bins_re[f] = pick(rolled_re[f]);
      bins_im[f] = pick(rolled_im[f]);
      at_limits += bcnn_hls::raw_bits(bins_re[f]) == data.min_raw() || bcnn_hls::raw_bits(bins_im[f]) == data.min_raw();
    }
    data_t rolled[K], unrolled[K];
    bcnn_hls::fft_inverse<K, false>(bins_re, bins_im, rolled, tw_re, tw_im);
    bcnn_hls::fft_inverse<K, true>(bins_re, bins_im, unrolled, tw_re, tw_im);
    for (int t = 0; t < K; ++t) {
      CAPTURE(t);
      CHECK(bcnn_hls::raw_bits(unrolled[t]) == bcnn_hls::raw_bits(rolled[t]));
      ++compared;
    }
  }
  CHECK(compared > 0);
  CHECK(at_limits > 0);
}

template <class in_t, class data_t, class twiddle_t>
void check_unrolled_is_rolled_4_16_64() {
  check_unrolled_is_rolled<in_t, data_t, twiddle_t, 4>();
  check_unrolled_is_rolled<in_t, data_t, twiddle_t, 16>();
  check_unrolled_is_rolled<in_t, data_t, twiddle_t, 64>();
}

}  // namespace

TEST_CASE("hls fft fixed: the unrolled engines' butterflies without multipliers give the serial engine's bits at "
          "the formats' limits, K = 4, 16, 64") {
  SUBCASE("rounding, saturating") {
    using in_t = fixed<10, 1, AP_RND, AP_SAT>;
    using data_t = fixed<12, 2, AP_RND, AP_SAT>;
    using twiddle_t = fixed<10, 2, AP_RND, AP_SAT>;
    check_unrolled_is_rolled_4_16_64<in_t, data_t, twiddle_t>();
  }
  SUBCASE("convergent rounding, wrap-around; the data coarser than the input") {
    using in_t = fixed<14, 1, AP_TRN, AP_WRAP>;
    using data_t = fixed<9, 1, AP_RND_CONV, AP_WRAP>;
    using twiddle_t = fixed<8, 2, AP_RND_ZERO, AP_SAT>;
    check_unrolled_is_rolled_4_16_64<in_t, data_t, twiddle_t>();
  }
  SUBCASE("truncation toward zero, symmetric saturation; integer twiddles") {
    using in_t = fixed<8, 3, AP_RND_INF, AP_SAT>;
    using data_t = fixed<10, 3, AP_TRN_ZERO, AP_SAT_SYM>;
    using twiddle_t = fixed<3, 3, AP_RND, AP_SAT>;  // F = 0: the sums keep data_t's fraction bits
    check_unrolled_is_rolled_4_16_64<in_t, data_t, twiddle_t>();
  }
}

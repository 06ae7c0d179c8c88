// Two real blocks through one complex transform (fpga/include/bcnn_hls/fft.h: fft_forward_pair,
// fft_inverse_pair): against a double DFT within the format bound, the serial and the unrolled
// engines bit for bit, and the emulator (hw::FftEmulator::forward_pair, inverse_pair) bit for bit.
//
// The bound: the pair's complex transform is fft_forward's on z = a + i b, whose stage values never
// exceed sqrt(2) A (A the largest input magnitude), so its error is fft_error_bound(K, sqrt(2) A);
// each split output is the average of two such errors plus one rounding, the floor of >> 1 and
// the conversion: r = sqrt(2) (conversion error + 2^-(F + 1)). The inverse's merge makes the same
// rounding r at the load, and its outputs are y / (2K).
#include <doctest/doctest.h>

#include <cmath>
#include <complex>
#include <cstdint>
#include <vector>

#include "bcnn_hls/fft.h"
#include "core/random.h"
#include "fpga/fft_bounds.h"
#include "hw/fft_stage.h"

namespace {

using bcnn_hls::fixed;
using bcnn_hls::format;
using bcnn_hls::format_of;
using bcnn_hls::quant_mode;

using bcnn_test::conversion_error;
using bcnn_test::fft_error_bound;
using bcnn_test::make_twiddles;
using bcnn_test::step_rounding;
using bcnn_test::unit_root;

// One split or merge output's rounding.
template <class data_t>
double split_rounding() {
  return step_rounding<data_t>(format_of<data_t>().fraction_bits());
}

template <class T>
std::vector<std::int64_t> raws(const T* v, int n) {
  std::vector<std::int64_t> out(n);
  for (int i = 0; i < n; ++i) out[i] = bcnn_hls::raw_bits(v[i]);
  return out;
}

// Against the double DFT, K = 4 .. 256 (rounding formats).
template <int K>
void check_against_dft(double& worst) {
  using in_t = fixed<16, 1, AP_RND, AP_SAT>;
  using data_t = fixed<26, 2, AP_RND_CONV, AP_SAT>;
  using twiddle_t = fixed<18, 2, AP_RND, AP_SAT>;
  CAPTURE(K);
  twiddle_t tw_re[K / 2], tw_im[K / 2];
  make_twiddles<K>(tw_re, tw_im);
  bcnn::Rng rng(3000 + K);
  for (int trial = 0; trial < 12; ++trial) {
    CAPTURE(trial);
    in_t a[K], b[K];
    double largest = 0;
    for (int i = 0; i < K; ++i) {
      a[i] = in_t(trial == 0 ? 0.99 : 2 * rng.uniform_double() - 1);
      b[i] = in_t(trial == 0 ? -1.0 : 2 * rng.uniform_double() - 1);
      largest = std::max({largest, std::fabs(a[i].to_double()), std::fabs(b[i].to_double())});
    }
    data_t a_re[K / 2 + 1], a_im[K / 2 + 1], b_re[K / 2 + 1], b_im[K / 2 + 1];
    bcnn_hls::fft_forward_pair<K>(a, b, a_re, a_im, b_re, b_im, tw_re, tw_im);
    const double forward_bound =
        fft_error_bound<data_t, twiddle_t>(K, std::sqrt(2.0) * largest, 0.0) + split_rounding<data_t>();
    for (int f = 0; f <= K / 2; ++f) {
      std::complex<double> exact_a = 0, exact_b = 0;
      for (int i = 0; i < K; ++i) {
        exact_a += a[i].to_double() * unit_root(f * i, K, -1);
        exact_b += b[i].to_double() * unit_root(f * i, K, -1);
      }
      const double error_a = std::abs(std::complex<double>(a_re[f].to_double(), a_im[f].to_double()) - exact_a / double(K));
      const double error_b = std::abs(std::complex<double>(b_re[f].to_double(), b_im[f].to_double()) - exact_b / double(K));
      CHECK(error_a <= forward_bound);
      CHECK(error_b <= forward_bound);
      worst = std::max({worst, error_a / forward_bound, error_b / forward_bound});
    }
    // The inverse of the pair's spectra: 2K * out = the real blocks, within K times the sum of the
    // forward bound and the inverse's (its input within half the spectra's magnitude plus the merge).
    data_t out_a[K], out_b[K];
    bcnn_hls::fft_inverse_pair<K>(a_re, a_im, b_re, b_im, out_a, out_b, tw_re, tw_im);
    const double inverse_bound =
        fft_error_bound<data_t, twiddle_t>(K, std::sqrt(2.0) * (largest + forward_bound), split_rounding<data_t>());
    const double round_trip_bound = 2 * K * (forward_bound + inverse_bound);
    for (int t = 0; t < K; ++t) {
      CHECK(std::fabs(2 * K * out_a[t].to_double() - a[t].to_double()) <= round_trip_bound);
      CHECK(std::fabs(2 * K * out_b[t].to_double() - b[t].to_double()) <= round_trip_bound);
    }
  }
}

// The serial engine, the unrolled one and the emulator give the same bits, at the formats' limits
// and on random values.
template <class in_t, class data_t, class twiddle_t, int K>
void check_engines_and_emulator() {
  CAPTURE(K);
  twiddle_t tw_re[K / 2], tw_im[K / 2];
  make_twiddles<K>(tw_re, tw_im);
  const format in_format = format_of<in_t>(), data = format_of<data_t>(), twiddle = format_of<twiddle_t>();
  const std::vector<std::int64_t> tw_re_raw = raws(tw_re, K / 2), tw_im_raw = raws(tw_im, K / 2);
  bcnn::hw::FftEmulator emulator(K, twiddle, tw_re_raw, tw_im_raw);
  bcnn::Rng rng(4000 + K);
  auto pick_raw = [&](const format& f, int trial) {
    const double r = rng.uniform_double();
    if (trial < 20 && r < 0.4) return f.min_raw();
    if (trial < 20 && r < 0.8) return f.max_raw();
    return f.min_raw() + static_cast<std::int64_t>(rng.uniform_double() * static_cast<double>(f.max_raw() - f.min_raw()));
  };
  long compared = 0;
  for (int trial = 0; trial < 40; ++trial) {
    CAPTURE(trial);
    in_t a[K], b[K];
    for (int i = 0; i < K; ++i) {
      a[i] = bcnn_hls::from_raw_bits<in_t>(pick_raw(in_format, trial));
      b[i] = bcnn_hls::from_raw_bits<in_t>(pick_raw(in_format, trial));
    }
    data_t s_re[2][K / 2 + 1], s_im[2][K / 2 + 1], u_re[2][K / 2 + 1], u_im[2][K / 2 + 1];
    bcnn_hls::fft_forward_pair<K, false>(a, b, s_re[0], s_im[0], s_re[1], s_im[1], tw_re, tw_im);
    bcnn_hls::fft_forward_pair<K, true>(a, b, u_re[0], u_im[0], u_re[1], u_im[1], tw_re, tw_im);
    std::vector<std::int64_t> e_re[2], e_im[2];
    for (int x = 0; x < 2; ++x) e_re[x].resize(K / 2 + 1), e_im[x].resize(K / 2 + 1);
    emulator.forward_pair(raws(a, K).data(), raws(b, K).data(), in_format, data, e_re[0].data(), e_im[0].data(),
                          e_re[1].data(), e_im[1].data());
    for (int x = 0; x < 2; ++x) {
      CHECK(raws(s_re[x], K / 2 + 1) == e_re[x]);
      CHECK(raws(s_im[x], K / 2 + 1) == e_im[x]);
      CHECK(raws(u_re[x], K / 2 + 1) == e_re[x]);
      CHECK(raws(u_im[x], K / 2 + 1) == e_im[x]);
      compared += 4 * (K / 2 + 1);
    }
    // The inverse on bins at data_t's limits and random ones (trials < 20), then on the forward's.
    data_t bins[4][K / 2 + 1];
    for (int f = 0; f <= K / 2; ++f) {
      const data_t* forward[4] = {s_re[0], s_im[0], s_re[1], s_im[1]};
      for (int n = 0; n < 4; ++n)
        bins[n][f] = trial < 20 ? bcnn_hls::from_raw_bits<data_t>(pick_raw(data, trial)) : forward[n][f];
    }
    data_t serial[2][K], unrolled[2][K];
    bcnn_hls::fft_inverse_pair<K, false>(bins[0], bins[1], bins[2], bins[3], serial[0], serial[1], tw_re, tw_im);
    bcnn_hls::fft_inverse_pair<K, true>(bins[0], bins[1], bins[2], bins[3], unrolled[0], unrolled[1], tw_re, tw_im);
    std::vector<std::int64_t> e_out[2] = {std::vector<std::int64_t>(K), std::vector<std::int64_t>(K)};
    emulator.inverse_pair(raws(bins[0], K / 2 + 1).data(), raws(bins[1], K / 2 + 1).data(),
                          raws(bins[2], K / 2 + 1).data(), raws(bins[3], K / 2 + 1).data(), data, e_out[0].data(),
                          e_out[1].data());
    for (int x = 0; x < 2; ++x) {
      CHECK(raws(serial[x], K) == e_out[x]);
      CHECK(raws(unrolled[x], K) == e_out[x]);
      compared += 2 * K;
    }
  }
  CHECK(compared > 0);
}

template <class in_t, class data_t, class twiddle_t>
void check_engines_and_emulator_4_16_64() {
  check_engines_and_emulator<in_t, data_t, twiddle_t, 4>();
  check_engines_and_emulator<in_t, data_t, twiddle_t, 16>();
  check_engines_and_emulator<in_t, data_t, twiddle_t, 64>();
}

}  // namespace

TEST_CASE("hls fft pair: two real blocks per complex transform match a double DFT within the format bound, "
          "K = 4 .. 256") {
  double worst = 0;
  check_against_dft<4>(worst);
  check_against_dft<8>(worst);
  check_against_dft<16>(worst);
  check_against_dft<32>(worst);
  check_against_dft<64>(worst);
  check_against_dft<128>(worst);
  check_against_dft<256>(worst);
  CHECK(worst > 0.02);  // the bound is not vacuous
}

TEST_CASE("hls fft pair: the serial and unrolled engines and the emulator give the same bits, K = 4, 16, 64") {
  SUBCASE("rounding, saturating") {
    check_engines_and_emulator_4_16_64<fixed<10, 1, AP_RND, AP_SAT>, fixed<12, 2, AP_RND, AP_SAT>,
                                       fixed<10, 2, AP_RND, AP_SAT>>();
  }
  SUBCASE("convergent rounding, wrap-around; the data coarser than the input") {
    check_engines_and_emulator_4_16_64<fixed<14, 1, AP_TRN, AP_WRAP>, fixed<9, 1, AP_RND_CONV, AP_WRAP>,
                                       fixed<8, 2, AP_RND_ZERO, AP_SAT>>();
  }
  SUBCASE("the compiler's formats: 16-bit data, 22-bit stages, 18-bit twiddles") {
    check_engines_and_emulator_4_16_64<fixed<16, 3, AP_RND, AP_SAT>, fixed<22, 4, AP_RND, AP_SAT>,
                                       fixed<18, 2, AP_RND, AP_SAT>>();
  }
}

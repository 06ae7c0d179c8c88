#pragma once
// The FFT's error bound and its reference helpers, shared by the kernel tests (docs/fpga.md,
// "Error bound of the FFT"; tests/fpga/test_fft_fixed.cpp derives and tests the bound).
#include <algorithm>
#include <cmath>
#include <complex>

#include "bcnn_hls/fft.h"

namespace bcnn_test {

// Largest error of one conversion into T without overflow: one LSB for the truncating modes, half
// an LSB for the rounding ones.
template <class T>
double conversion_error() {
  const bcnn_hls::format f = bcnn_hls::format_of<T>();
  const double lsb = std::ldexp(1.0, -f.fraction_bits());
  return f.q == bcnn_hls::quant_mode::trn || f.q == bcnn_hls::quant_mode::trn_zero ? lsb : lsb / 2;
}

// r: the largest error of one complex step that sums exact terms with sum_fraction fraction bits
// and converts the result to data_t (the exact sum's half LSB, then the conversion), per component
// times sqrt(2).
template <class data_t>
double step_rounding(int sum_fraction) {
  return std::sqrt(2.0) * (conversion_error<data_t>() + std::ldexp(1.0, -(sum_fraction + 1)));
}

// E = (1 + eps/2)^L (e0 + L (A eps / 2 + r)) for K = k, A = largest_input, e0 = load_error;
// 1e-12 covers the double-precision reference (cos, sin and the DFT sums in double).
template <class data_t, class twiddle_t>
double fft_error_bound(int k, double largest_input, double load_error) {
  const int stages = bcnn_hls::log2_exact(k);
  const bcnn_hls::format data = bcnn_hls::format_of<data_t>(), twiddle = bcnn_hls::format_of<twiddle_t>();
  const int sum_fraction = std::max(data.fraction_bits(), data.fraction_bits() + twiddle.fraction_bits());
  const double eps = std::sqrt(2.0) * conversion_error<twiddle_t>();
  const double r = step_rounding<data_t>(sum_fraction);
  return std::pow(1.0 + eps / 2, stages) * (load_error + stages * (largest_input * eps / 2 + r)) + 1e-12;
}

// The twiddle ROM: cos(2 pi j / K) and -sin(2 pi j / K), j < K/2, in twiddle_t.
template <int K, class twiddle_t>
void make_twiddles(twiddle_t tw_re[K / 2], twiddle_t tw_im[K / 2]) {
  for (int j = 0; j < K / 2; ++j) {
    tw_re[j] = twiddle_t(std::cos(2 * M_PI * j / K));
    tw_im[j] = twiddle_t(-std::sin(2 * M_PI * j / K));
  }
}

// exp(sign * 2 pi i m / k) with the index reduced mod k first, so the reference is accurate to a
// few ulps for every k.
inline std::complex<double> unit_root(int m, int k, int sign) {
  const double angle = 2 * M_PI * (m % k) / k;
  return {std::cos(angle), sign * std::sin(angle)};
}

}  // namespace bcnn_test

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "fft/vector_fft.h"

namespace {

constexpr int lanes = 16;
typedef float vf __attribute__((vector_size(lanes * sizeof(float))));
using Fft = bcnn::fft::VectorFft<vf>;

// Every lane holds its own sequence: forward against a double-precision DFT, inverse against the
// Hermitian sum (FFTW's c2r), and inverse(forward(x)) = K x.
template <int K>
void check_length() {
  CAPTURE(K);
  std::mt19937 rng(K);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  vf x[K], re[K / 2 + 1], im[K / 2 + 1], back[K];
  for (int u = 0; u < K; ++u)
    for (int l = 0; l < lanes; ++l) x[u][l] = uniform(rng);
  Fft::forward<K>(x, re, im);
  Fft::inverse<K>(re, im, back);
  const double tol = 1e-6 * K * (1 + std::log2(double(K)));
  double worst_forward = 0, worst_round_trip = 0;
  for (int l = 0; l < lanes; ++l) {
    for (int f = 0; f <= K / 2; ++f) {
      double sr = 0, si = 0;
      for (int u = 0; u < K; ++u) {
        const double angle = -2.0 * M_PI * f * u / K;
        sr += x[u][l] * std::cos(angle);
        si += x[u][l] * std::sin(angle);
      }
      worst_forward = std::max({worst_forward, std::abs(double(re[f][l]) - sr), std::abs(double(im[f][l]) - si)});
    }
    for (int u = 0; u < K; ++u)
      worst_round_trip = std::max(worst_round_trip, std::abs(double(back[u][l]) - K * double(x[u][l])));
  }
  CHECK(worst_forward < tol);
  CHECK(worst_round_trip < tol * K);
  for (int l = 0; l < lanes; ++l) {
    CHECK(im[0][l] == 0.0f);
    CHECK(im[K / 2][l] == 0.0f);
  }

  // The inverse of an arbitrary half spectrum is the Hermitian sum, and ignores im[0], im[K/2].
  for (int f = 0; f <= K / 2; ++f)
    for (int l = 0; l < lanes; ++l) {
      re[f][l] = uniform(rng);
      im[f][l] = uniform(rng);
    }
  Fft::inverse<K>(re, im, back);
  double worst_inverse = 0;
  for (int l = 0; l < lanes; ++l)
    for (int u = 0; u < K; ++u) {
      double s = 0;
      for (int f = 0; f < K; ++f) {
        const int h = f <= K / 2 ? f : K - f;  // X_f = conj(X_{K-f})
        double xr = re[h][l], xi = f <= K / 2 ? im[h][l] : -im[h][l];
        if (h == 0 || 2 * h == K) xi = 0;
        const double angle = 2.0 * M_PI * f * u / K;
        s += xr * std::cos(angle) - xi * std::sin(angle);
      }
      worst_inverse = std::max(worst_inverse, std::abs(double(back[u][l]) - s));
    }
  CHECK(worst_inverse < tol);
}

}  // namespace

TEST_CASE("vector FFT: every power-of-two length against the DFT, per lane") {
  check_length<1>();
  check_length<2>();
  check_length<4>();
  check_length<8>();
  check_length<16>();
  check_length<32>();
  check_length<64>();
}

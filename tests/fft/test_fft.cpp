#include <doctest/doctest.h>

#include <cmath>
#include <complex>

#include "core/blas.h"
#include "core/random.h"
#include "core/tensor.h"
#include "core/threads.h"
#include "fft/fft.h"

using namespace bcnn;

namespace {

// Naive DFT in double: X[f] = sum_i x[i] exp(-2 pi i f i / k).
std::complex<double> dft_bin(const float* x, int k, int f) {
  std::complex<double> s = 0;
  for (int i = 0; i < k; ++i) s += double(x[i]) * std::polar(1.0, -2.0 * M_PI * f * i / k);
  return s;
}

}  // namespace

TEST_CASE("fft: forward matches a naive DFT and inverse(forward(x)) = k x, in every layout bcnn uses") {
  for (int threads : {1, 2}) {
    set_threads(threads);
    for (int k : {1, 2, 3, 4, 6, 8, 16, 64, 256}) {
      for (int count : {1, 7, 300}) {  // 300 * 256 crosses the threading threshold; 7 is not a multiple of 8
        for (bool bin_major : {false, true}) {
          CAPTURE(threads);
          CAPTURE(k);
          CAPTURE(count);
          CAPTURE(bin_major);
          const int bins = fft::bins(k);
          const std::ptrdiff_t ld = count + 3;  // bin-major with a padded stride, as bc_dense lays it out
          fft::RealBatch b{k, count, k, bin_major ? 1 : bins, bin_major ? ld : 1};
          AlignedVector<float> x(static_cast<std::size_t>(count) * k), back(x.size());
          Rng rng(5);
          for (float& v : x) v = 2.0f * rng.uniform() - 1.0f;
          AlignedVector<fft::complex> X(static_cast<std::size_t>(bin_major ? ld * bins : count * bins));
          fft::forward(b, x.data(), X.data());
          double worst = 0;
          for (int t = 0; t < count; t += (count > 10 ? 37 : 1))
            for (int f = 0; f < bins; ++f) {
              auto expect = dft_bin(x.data() + t * k, k, f);
              auto got = X[t * b.complex_dist + f * b.complex_stride];
              worst = std::max(worst, std::abs(expect - std::complex<double>(got.real(), got.imag())));
            }
          CHECK(worst < 2e-6 * k);
          fft::inverse(b, X.data(), back.data());
          double worst_back = 0;
          for (std::size_t i = 0; i < x.size(); ++i) worst_back = std::max(worst_back, double(std::fabs(back[i] / k - x[i])));
          CHECK(worst_back < 2e-6 * (1 + std::log2(double(k))));
        }
      }
    }
  }
  set_threads(2);
}

TEST_CASE("fft: the inverse ignores the imaginary parts of the DC and Nyquist bins, as a real inverse must") {
  for (int k : {4, 8, 6, 5}) {
    CAPTURE(k);
    AlignedVector<float> x(static_cast<std::size_t>(k)), back(x.size()), back2(x.size());
    for (int i = 0; i < k; ++i) x[i] = float(i * i % 5) - 2.0f;
    const int bins = fft::bins(k);
    AlignedVector<fft::complex> X(static_cast<std::size_t>(bins)), Y;
    fft::RealBatch b{k, 1, k, bins, 1};
    fft::forward(b, x.data(), X.data());
    Y = X;
    Y[0] += fft::complex(0.0f, 3.0f);
    if (k % 2 == 0) Y[bins - 1] += fft::complex(0.0f, -2.0f);
    fft::inverse(b, X.data(), back.data());
    fft::inverse(b, Y.data(), back2.data());
    for (int i = 0; i < k; ++i) CHECK(back2[i] == doctest::Approx(back[i]).epsilon(1e-6));
  }
}

#pragma once
// The one owner of FFTW in bcnn. Every transform in the library is a batch of equal-length real
// transforms described by a RealBatch; plans are made once per distinct layout and reused.
//
// Plans use FFTW_ESTIMATE on purpose: FFTW_MEASURE picks algorithms by timing, so two runs could
// round differently and the "same seed, same threads, bit-identical model" guarantee would break.
// FFTW's transforms are unnormalized (inverse(forward(x)) = k * x); callers apply the 1/k.
#include <complex>
#include <cstddef>

namespace bcnn::fft {

using complex = std::complex<float>;

// `count` real vectors of length k: vector t is real[t * real_dist + i], i < k, and its bin f
// (f < k/2 + 1) is spectra[t * complex_dist + f * complex_stride].
struct RealBatch {
  int k = 0;
  int count = 0;
  std::ptrdiff_t real_dist = 0;
  std::ptrdiff_t complex_dist = 0;
  std::ptrdiff_t complex_stride = 1;
};

inline int bins(int k) { return k / 2 + 1; }

// Distance between consecutive bins in a bin-major buffer of `count` spectra ([bin][spectrum]).
// A power-of-two distance maps every bin of one transform to the same cache set (64 KiB apart at
// count = 4096, k = 64); an odd number of cache lines (8 complex floats each) does not.
inline std::ptrdiff_t bin_stride(std::ptrdiff_t count) {
  std::ptrdiff_t ld = (count + 7) / 8 * 8;
  if ((ld / 8) % 2 == 0) ld += 8;
  return ld;
}

// real -> spectra. `real` is left unchanged. Splits the batch over the OpenMP threads when called
// outside a parallel region.
void forward(const RealBatch& batch, const float* real, complex* spectra);
// spectra -> real (unnormalized). `spectra` is overwritten (FFTW's c2r destroys its input).
void inverse(const RealBatch& batch, complex* spectra, float* real);

// Number of distinct plans made so far (a test pins that plans are reused, not made per call).
std::size_t plan_count();

}  // namespace bcnn::fft

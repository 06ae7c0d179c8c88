#include "fft/fft.h"

#include <fftw3.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>
#include <vector>

#include "core/error.h"
#include "core/simd.h"
#include "core/threads.h"

namespace bcnn::fft {
namespace {

// Real transforms of even length k >= 4 run as one complex transform of length k/2 on the
// samples paired as z[j] = x[2j] + i x[2j+1], plus a split step (the classic "realft" of
// Numerical Recipes, section 12.3). FFTW_ESTIMATE picks scalar codelets for batched r2c/c2r but
// SIMD codelets for batched complex transforms, and the split step vectorizes across transforms
// in the bin-major layouts bcnn uses, so this runs about three times faster than plain r2c/c2r
// while staying deterministic.
enum class Kind { r2c, c2r, c2c_forward, c2c_backward };

using PlanKey = std::tuple<int, int, int, std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t, int, int>;

struct PlanCache {
  std::mutex mutex;  // FFTW's planner is not thread-safe; fftwf_execute_* is.
  std::map<PlanKey, fftwf_plan> plans;
  std::map<int, std::vector<float>> twiddles;  // k -> cos, sin of 2 pi f / k, f < k/2
  ~PlanCache() {
    for (auto& [key, plan] : plans) fftwf_destroy_plan(plan);
  }
};

PlanCache& cache() {
  static PlanCache instance;
  return instance;
}

// A plan for `count` transforms of length n (real length for r2c/c2r, complex length for c2c):
// input element i of transform t at in + t*in_dist + i*in_stride, likewise for the output.
// Plans are keyed by the arrays' SIMD alignment too (FFTW's SIMD codelets need it, and a plan may
// only run on arrays aligned as the ones it was made for); FFTW_ESTIMATE does not touch the arrays
// while planning.
fftwf_plan get_plan(Kind kind, int n, int count, std::ptrdiff_t in_stride, std::ptrdiff_t in_dist,
                    std::ptrdiff_t out_stride, std::ptrdiff_t out_dist, void* in, void* out) {
  PlanKey key{static_cast<int>(kind), n,        count,
              in_stride,              in_dist,  out_stride,
              out_dist,               fftwf_alignment_of(static_cast<float*>(in)),
              fftwf_alignment_of(static_cast<float*>(out))};
  PlanCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.plans.find(key);
  if (it != c.plans.end()) return it->second;
  int dims[1] = {n};
  const unsigned flags = FFTW_ESTIMATE;
  const int is = static_cast<int>(in_stride), id = static_cast<int>(in_dist);
  const int os = static_cast<int>(out_stride), od = static_cast<int>(out_dist);
  auto* cin = static_cast<fftwf_complex*>(in);
  auto* cout = static_cast<fftwf_complex*>(out);
  fftwf_plan plan = nullptr;
  switch (kind) {
    case Kind::r2c:
      plan = fftwf_plan_many_dft_r2c(1, dims, count, static_cast<float*>(in), nullptr, is, id, cout, nullptr, os, od,
                                     flags);
      break;
    case Kind::c2r:
      plan = fftwf_plan_many_dft_c2r(1, dims, count, cin, nullptr, is, id, static_cast<float*>(out), nullptr, os, od,
                                     flags);
      break;
    case Kind::c2c_forward:
    case Kind::c2c_backward:
      plan = fftwf_plan_many_dft(1, dims, count, cin, nullptr, is, id, cout, nullptr, os, od,
                                 kind == Kind::c2c_forward ? FFTW_FORWARD : FFTW_BACKWARD, flags);
      break;
  }
  if (!plan)
    throw Error("FFTW could not plan a batch of " + std::to_string(count) + " transforms of length " + std::to_string(n));
  c.plans.emplace(key, plan);
  return plan;
}

// cos(2 pi f / k) and sin(2 pi f / k) for f < k/2, interleaved, computed in double.
const float* twiddles(int k) {
  PlanCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto& t = c.twiddles[k];
  if (t.empty()) {
    t.resize(static_cast<std::size_t>(k));
    for (int f = 0; f < k / 2; ++f) {
      t[2 * f] = static_cast<float>(std::cos(2.0 * M_PI * f / k));
      t[2 * f + 1] = static_cast<float>(std::sin(2.0 * M_PI * f / k));
    }
    // Exact at the quarter turn: the split steps pair bin k/4 with itself.
    if (k % 4 == 0) {
      t[k / 2] = 0.0f;
      t[k / 2 + 1] = 1.0f;
    }
  }
  return t.data();
}

bool use_half_length(const RealBatch& b) { return b.k >= 4 && b.k % 2 == 0 && b.real_dist % 2 == 0; }

template <class Run>
void run_split(const RealBatch& batch, Run&& run) {
  int parts = split_count();
  // Below a few hundred small transforms the fork costs more than it saves.
  if (parts > 1 && static_cast<long>(batch.count) * batch.k < 16384) parts = 1;
  if (parts <= 1) {
    run(0, batch.count);
    return;
  }
  // One chunk per configured thread, whatever number of threads runs them (core/threads.h): FFTW
  // plans batches of other sizes, and nothing may depend on the load. Chunks start at multiples of
  // 8 transforms, so that they keep the SIMD alignment of the whole batch and share its plans.
#pragma omp parallel for schedule(static) num_threads(std::min(parts, active_threads()))
  for (int t = 0; t < parts; ++t) {
    const long units = (batch.count + 7) / 8;
    int begin = static_cast<int>(std::min<long>(batch.count, 8 * (units * t / parts)));
    int end = static_cast<int>(std::min<long>(batch.count, 8 * (units * (t + 1) / parts)));
    if (end > begin) run(begin, end);
  }
}

// The split steps on transforms that are adjacent within each bin (complex_dist = 1, as every
// caller in bcnn lays them out): 8 transforms' interleaved (re, im) pairs per 16-float vector.
using v16 = simd::vf16;
using simd::swap_pairs;
constexpr int pairs_per_vector = simd::lanes / 2;
inline v16 load16(const float* p) { return simd::load(p); }
inline void store16(float* p, v16 v) { simd::store(p, v); }
inline v16 real_parts(v16 v) {
  return __builtin_shufflevector(v, v, 0, 0, 2, 2, 4, 4, 6, 6, 8, 8, 10, 10, 12, 12, 14, 14);
}
constexpr v16 conj_sign = {1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1};  // (re, -im)
constexpr v16 flip_sign = {-1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, 1};  // (-re, im)
constexpr v16 keep_real = {1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0};

// The split steps pair bin f with bin N - f, f = 1 .. N/2 (bin N/2 with itself): calls
// pair(a, b, c, sn) with a, b the pair's bins (bin stride st floats) and w = c - i sn,
// c + i sn = exp(2 pi i f / k).
template <class Pair>
void for_bin_pairs(float* s, int N, std::ptrdiff_t st, const float* tw, Pair&& pair) {
  for (int f = 1; f <= N / 2; ++f) pair(s + f * st, s + (N - f) * st, tw[2 * f], tw[2 * f + 1]);
}

// Contiguous split_forward over transforms [0, count) with count a multiple of 8; st = bin stride
// in floats. The same arithmetic as the scalar loops below.
void split_forward_contiguous(float* s, int N, int count, std::ptrdiff_t st, const float* tw) {
  for (int t = 0; t < count; t += pairs_per_vector) {
    const v16 z = load16(s + 2 * t);
    store16(s + 2 * t, (z + swap_pairs(z)) * keep_real);       // X[0] = Re Z0 + Im Z0
    store16(s + N * st + 2 * t, (z - swap_pairs(z)) * keep_real);  // X[N] = Re Z0 - Im Z0
  }
  for_bin_pairs(s, N, st, tw, [&](float* a, float* b, float c, float sn) {
    for (int t = 0; t < count; t += pairs_per_vector) {
      const v16 A = load16(a + 2 * t), Bc = load16(b + 2 * t) * conj_sign;
      const v16 E = 0.5f * (A + Bc);                            // (Z[f] + conj Z[N-f]) / 2
      const v16 O = 0.5f * swap_pairs(A - Bc) * conj_sign;      // (Z[f] - conj Z[N-f]) / 2i
      const v16 W = c * O + sn * (swap_pairs(O) * conj_sign);   // w O, w = c - i sn
      store16(a + 2 * t, E + W);
      store16(b + 2 * t, (E - W) * conj_sign);
    }
  });
}

void split_inverse_contiguous(float* s, int N, int count, std::ptrdiff_t st, const float* tw) {
  for (int t = 0; t < count; t += pairs_per_vector) {
    const v16 r0 = real_parts(load16(s + 2 * t)), rn = real_parts(load16(s + N * st + 2 * t));
    store16(s + 2 * t, r0 + rn * conj_sign);  // (X0 + XN, X0 - XN)
  }
  for_bin_pairs(s, N, st, tw, [&](float* a, float* b, float c, float sn) {
    for (int t = 0; t < count; t += pairs_per_vector) {
      const v16 A = load16(a + 2 * t), Bc = load16(b + 2 * t) * conj_sign;
      const v16 E = A + Bc, D = A - Bc;                        // X[f] +- conj X[N-f]
      const v16 P = c * D + sn * (swap_pairs(D) * flip_sign);  // conj(w) D, conj(w) = c + i sn
      store16(a + 2 * t, E + swap_pairs(P) * flip_sign);       // Z[f] = E + i P
      store16(b + 2 * t, E * conj_sign + swap_pairs(P));       // Z[N-f] = conj(E) + i conj(P)
    }
  });
}

// Forward split step, in place over bins 0..N (N = k/2) of `count` transforms whose bins 0..N-1
// hold Z = DFT_N(z). With E = (Z[f] + conj Z[N-f]) / 2, O = (Z[f] - conj Z[N-f]) / 2i and
// w = exp(-2 pi i f / k): X[f] = E + w O and X[N-f] = conj(E - w O). X[N] = Re Z[0] - Im Z[0].
void split_forward(float* s, int k, int count, std::ptrdiff_t stride, std::ptrdiff_t dist) {
  const int N = k / 2;
  const float* tw = twiddles(k);
  const std::ptrdiff_t st = 2 * stride, d = 2 * dist;  // in floats
  if (dist == 1) {
    const int whole = count / pairs_per_vector * pairs_per_vector;
    split_forward_contiguous(s, N, whole, st, tw);
    s += 2 * whole;
    count -= whole;
  }
  for (int t = 0; t < count; ++t) {
    float* z0 = s + t * d;
    float re = z0[0], im = z0[1];
    z0[0] = re + im;
    z0[1] = 0.0f;
    z0[N * st] = re - im;
    z0[N * st + 1] = 0.0f;
  }
  for_bin_pairs(s, N, st, tw, [&](float* a, float* b, float c, float sn) {  // w = c - i sn
#pragma omp simd
    for (int t = 0; t < count; ++t) {
      const float ar = a[t * d], ai = a[t * d + 1], br = b[t * d], bi = b[t * d + 1];
      const float er = 0.5f * (ar + br), ei = 0.5f * (ai - bi);  // E = (Z[f] + conj Z[N-f]) / 2
      const float orr = 0.5f * (ai + bi), oi = -0.5f * (ar - br);  // O = (Z[f] - conj Z[N-f]) / 2i
      const float wr = c * orr + sn * oi, wi = c * oi - sn * orr;   // w O
      a[t * d] = er + wr;
      a[t * d + 1] = ei + wi;
      b[t * d] = er - wr;
      b[t * d + 1] = -(ei - wi);
    }
  });
}

// Inverse split step, in place: from bins X[0..N] to Z[0..N-1] with
// Z[f] = (X[f] + conj X[N-f]) + i conj(w) (X[f] - conj X[N-f]), so that the unnormalized inverse
// DFT_N of Z is k * z, matching an unnormalized c2r. Im X[0] and Im X[N] are ignored, as c2r does.
void split_inverse(float* s, int k, int count, std::ptrdiff_t stride, std::ptrdiff_t dist) {
  const int N = k / 2;
  const float* tw = twiddles(k);
  const std::ptrdiff_t st = 2 * stride, d = 2 * dist;
  if (dist == 1) {
    const int whole = count / pairs_per_vector * pairs_per_vector;
    split_inverse_contiguous(s, N, whole, st, tw);
    s += 2 * whole;
    count -= whole;
  }
  for (int t = 0; t < count; ++t) {
    float* x0 = s + t * d;
    const float r0 = x0[0], rn = x0[N * st];
    x0[0] = r0 + rn;   // E = (X0 + XN), i conj(w0) (X0 - XN) = i (X0 - XN)
    x0[1] = r0 - rn;
  }
  for_bin_pairs(s, N, st, tw, [&](float* a, float* b, float c, float sn) {  // conj(w) = c + i sn
#pragma omp simd
    for (int t = 0; t < count; ++t) {
      const float ar = a[t * d], ai = a[t * d + 1], br = b[t * d], bi = b[t * d + 1];
      const float er = ar + br, ei = ai - bi;      // X[f] + conj X[N-f]
      const float dr = ar - br, di = ai + bi;      // X[f] - conj X[N-f]
      const float pr = c * dr - sn * di, pi = c * di + sn * dr;  // conj(w) (X[f] - conj X[N-f])
      // Z[f] = E + i P; Z[N-f] = conj(E) + i conj(P) (the same formula at N-f).
      a[t * d] = er - pi;
      a[t * d + 1] = ei + pr;
      b[t * d] = er + pi;
      b[t * d + 1] = -ei + pr;
    }
  });
}

}  // namespace

void forward(const RealBatch& batch, const float* real, complex* spectra) {
  const int k = batch.k;
  run_split(batch, [&](int begin, int end) {
    const int count = end - begin;
    float* in = const_cast<float*>(real) + begin * batch.real_dist;  // neither path writes its input
    complex* out = spectra + begin * batch.complex_dist;
    if (!use_half_length(batch)) {
      fftwf_plan plan = get_plan(Kind::r2c, k, count, 1, batch.real_dist, batch.complex_stride, batch.complex_dist, in, out);
      fftwf_execute_dft_r2c(plan, in, reinterpret_cast<fftwf_complex*>(out));
      return;
    }
    fftwf_plan plan = get_plan(Kind::c2c_forward, k / 2, count, 1, batch.real_dist / 2, batch.complex_stride,
                               batch.complex_dist, in, out);
    fftwf_execute_dft(plan, reinterpret_cast<fftwf_complex*>(in), reinterpret_cast<fftwf_complex*>(out));
    split_forward(reinterpret_cast<float*>(out), k, count, batch.complex_stride, batch.complex_dist);
  });
}

void inverse(const RealBatch& batch, complex* spectra, float* real) {
  const int k = batch.k;
  run_split(batch, [&](int begin, int end) {
    const int count = end - begin;
    complex* in = spectra + begin * batch.complex_dist;
    float* out = real + begin * batch.real_dist;
    if (!use_half_length(batch)) {
      fftwf_plan plan = get_plan(Kind::c2r, k, count, batch.complex_stride, batch.complex_dist, 1, batch.real_dist, in, out);
      fftwf_execute_dft_c2r(plan, reinterpret_cast<fftwf_complex*>(in), out);
      return;
    }
    split_inverse(reinterpret_cast<float*>(in), k, count, batch.complex_stride, batch.complex_dist);
    fftwf_plan plan = get_plan(Kind::c2c_backward, k / 2, count, batch.complex_stride, batch.complex_dist, 1,
                               batch.real_dist / 2, in, out);
    fftwf_execute_dft(plan, reinterpret_cast<fftwf_complex*>(in), reinterpret_cast<fftwf_complex*>(out));
  });
}

std::size_t plan_count() {
  PlanCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.plans.size();
}

}  // namespace bcnn::fft

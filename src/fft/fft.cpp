#include "fft/fft.h"

#include <fftw3.h>
#include <omp.h>

#include <map>
#include <mutex>
#include <tuple>

#include "core/error.h"

namespace bcnn::fft {
namespace {

using PlanKey = std::tuple<int, int, int, std::ptrdiff_t, std::ptrdiff_t, std::ptrdiff_t>;

struct PlanCache {
  std::mutex mutex;  // FFTW's planner is not thread-safe; fftwf_execute_* is.
  std::map<PlanKey, fftwf_plan> plans;
  ~PlanCache() {
    for (auto& [key, plan] : plans) fftwf_destroy_plan(plan);
  }
};

PlanCache& cache() {
  static PlanCache instance;
  return instance;
}

// FFTW_UNALIGNED lets one plan serve every sub-range of a batch (threads start at arbitrary
// offsets); the buffers passed at planning time are not touched by FFTW_ESTIMATE.
fftwf_plan get_plan(bool is_forward, const RealBatch& b, float* real, complex* spectra) {
  PlanKey key{is_forward ? 1 : 0, b.k, b.count, b.real_dist, b.complex_dist, b.complex_stride};
  PlanCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  auto it = c.plans.find(key);
  if (it != c.plans.end()) return it->second;
  int n[1] = {b.k};
  auto* cx = reinterpret_cast<fftwf_complex*>(spectra);
  unsigned flags = FFTW_ESTIMATE | FFTW_UNALIGNED;
  fftwf_plan plan =
      is_forward
          ? fftwf_plan_many_dft_r2c(1, n, b.count, real, nullptr, 1, static_cast<int>(b.real_dist), cx, nullptr,
                                    static_cast<int>(b.complex_stride), static_cast<int>(b.complex_dist), flags)
          : fftwf_plan_many_dft_c2r(1, n, b.count, cx, nullptr, static_cast<int>(b.complex_stride),
                                    static_cast<int>(b.complex_dist), real, nullptr, 1,
                                    static_cast<int>(b.real_dist), flags);
  if (!plan) throw Error("FFTW could not plan a batch of " + std::to_string(b.count) + " transforms of length " +
                         std::to_string(b.k));
  c.plans.emplace(key, plan);
  return plan;
}

template <class Run>
void run_split(const RealBatch& batch, Run&& run) {
  int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  // Below a few hundred small transforms the fork costs more than it saves.
  if (threads > 1 && static_cast<long>(batch.count) * batch.k < 16384) threads = 1;
  if (threads <= 1) {
    run(0, batch.count);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    int t = omp_get_thread_num();
    int nt = omp_get_num_threads();
    int begin = static_cast<int>(static_cast<long>(batch.count) * t / nt);
    int end = static_cast<int>(static_cast<long>(batch.count) * (t + 1) / nt);
    if (end > begin) run(begin, end);
  }
}

}  // namespace

void forward(const RealBatch& batch, const float* real, complex* spectra) {
  run_split(batch, [&](int begin, int end) {
    RealBatch part = batch;
    part.count = end - begin;
    float* in = const_cast<float*>(real) + begin * batch.real_dist;  // r2c preserves its input
    complex* out = spectra + begin * batch.complex_dist;
    fftwf_plan plan = get_plan(true, part, in, out);
    fftwf_execute_dft_r2c(plan, in, reinterpret_cast<fftwf_complex*>(out));
  });
}

void inverse(const RealBatch& batch, complex* spectra, float* real) {
  run_split(batch, [&](int begin, int end) {
    RealBatch part = batch;
    part.count = end - begin;
    complex* in = spectra + begin * batch.complex_dist;
    float* out = real + begin * batch.real_dist;
    fftwf_plan plan = get_plan(false, part, out, in);
    fftwf_execute_dft_c2r(plan, reinterpret_cast<fftwf_complex*>(in), out);
  });
}

std::size_t plan_count() {
  PlanCache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return c.plans.size();
}

}  // namespace bcnn::fft

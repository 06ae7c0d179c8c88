#include "core/blas.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string>

#include "core/threads.h"

// OpenBLAS built with DYNAMIC_ARCH (Debian's) picks its kernels once, at load time, from the CPU,
// unless OPENBLAS_CORETYPE names them. The name of the kernels in use is reported (weak, so that a
// single-architecture OpenBLAS links too).
extern "C" __attribute__((weak)) char* gotoblas_corename(void);

namespace bcnn {
namespace {

bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
}

CBLAS_TRANSPOSE to_cblas(ComplexOp op) {
  switch (op) {
    case ComplexOp::none: return CblasNoTrans;
    case ComplexOp::trans: return CblasTrans;
    case ComplexOp::conj_trans: return CblasConjTrans;
    case ComplexOp::conj: return CblasConjNoTrans;  // OpenBLAS extension
  }
  return CblasNoTrans;
}

}  // namespace

void blas_single_threaded() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

std::string blas_kernels() {
  blas_single_threaded();
  return gotoblas_corename ? gotoblas_corename() : "single-architecture build";
}

// Debian 12's OpenBLAS (0.3.21) falls back to its Prescott (SSE3) kernels on CPU models it does not
// know, AVX-512 ones included (seen on a Xeon with AVX512-FP16); only OPENBLAS_CORETYPE helps then.
std::string blas_kernel_advice() {
  const std::string core = blas_kernels();
  const bool avx512_kernels = core == "SkylakeX" || core == "Cooperlake" || core == "SapphireRapids";
  if (!cpu_has_avx512() || avx512_kernels || core == "single-architecture build") return {};
  const bool avx2_kernels = core == "Haswell" || core == "Zen";
  const char* forced = std::getenv("OPENBLAS_CORETYPE");
  return "OpenBLAS runs its " + core + (avx2_kernels ? " (AVX2)" : "") + " kernels on this AVX-512 CPU" +
         (forced ? std::string(" because OPENBLAS_CORETYPE=") + forced + " is set"
                 : std::string(" because it does not know this CPU model")) +
         "; with OPENBLAS_CORETYPE=SkylakeX matrix products use AVX-512" +
         (avx2_kernels ? " (about 2x faster)" : "");
}

void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc) {
  blas_single_threaded();
  auto ta = trans_a ? CblasTrans : CblasNoTrans;
  auto tb = trans_b ? CblasTrans : CblasNoTrans;
  // OpenBLAS rounds a product of a part of the rows differently from the whole: the parts follow
  // the configured thread count, whatever number of threads runs them (core/threads.h).
  int parts = split_count();
  if (static_cast<long>(M) * N * K < (1L << 18)) parts = 1;
  if (parts <= 1) {
    cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  bool split_rows = M >= N;
#pragma omp parallel for schedule(static) num_threads(std::min(parts, active_threads()))
  for (int t = 0; t < parts; ++t) {
    int total = split_rows ? M : N;
    int begin = static_cast<int>(static_cast<long>(total) * t / parts);
    int end = static_cast<int>(static_cast<long>(total) * (t + 1) / parts);
    if (end > begin) {
      if (split_rows) {
        // Rows [begin, end) of op(A): row i of A, or column i of A when transposed.
        const float* a = trans_a ? A + begin : A + static_cast<long>(begin) * lda;
        cblas_sgemm(CblasRowMajor, ta, tb, end - begin, N, K, alpha, a, lda, B, ldb, beta,
                    C + static_cast<long>(begin) * ldc, ldc);
      } else {
        const float* b = trans_b ? B + static_cast<long>(begin) * ldb : B + begin;
        cblas_sgemm(CblasRowMajor, ta, tb, M, end - begin, K, alpha, A, lda, b, ldb, beta, C + begin, ldc);
      }
    }
  }
}

void cgemm(ComplexOp op_a, ComplexOp op_b, int M, int N, int K, const std::complex<float>* A, int lda,
           const std::complex<float>* B, int ldb, float beta, std::complex<float>* C, int ldc) {
  blas_single_threaded();
  const std::complex<float> one(1.0f, 0.0f), b(beta, 0.0f);
  cblas_cgemm(CblasRowMajor, to_cblas(op_a), to_cblas(op_b), M, N, K, &one, A, lda, B, ldb, &b, C, ldc);
}

}  // namespace bcnn

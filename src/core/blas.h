#pragma once
// Matrix products through OpenBLAS. OpenBLAS runs single-threaded here and bcnn splits the work
// over its own OpenMP threads: one thread pool for the whole program, a split that depends only
// on the configured thread count, not on how many threads the load leaves in use (so results are
// reproducible; core/threads.h), and no oversubscription when BLAS is called from inside a
// parallel loop.
#include <complex>
#include <string>

namespace bcnn {

// Row-major C(M x N) = alpha * op(A) * op(B) + beta * C, op(X) = X or X^T.
// Splits rows (or columns, when N > M) of C over the threads when called outside a parallel region.
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);

enum class ComplexOp { none, trans, conj_trans, conj };

// Row-major complex C(M x N) = op(A) * op(B) + beta * C, single-threaded (callers parallelize
// over independent products, e.g. frequency bins).
void cgemm(ComplexOp op_a, ComplexOp op_b, int M, int N, int K, const std::complex<float>* A, int lda,
           const std::complex<float>* B, int ldb, float beta, std::complex<float>* C, int ldc);

// OpenBLAS's kernel family in use ("Cooperlake", "SkylakeX", "Haswell", ...): chosen by OpenBLAS
// from the CPU, or by the environment variable OPENBLAS_CORETYPE.
std::string blas_kernels();
// A one-line hint when an AVX-512 CPU runs OpenBLAS's AVX2 kernels (as OPENBLAS_CORETYPE=Haswell
// forces; measured: half the sgemm speed on Zen 5), else empty.
std::string blas_kernel_advice();

// Keeps OpenBLAS single-threaded (once per process); every BLAS call here does it first.
void blas_single_threaded();

}  // namespace bcnn

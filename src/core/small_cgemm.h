#pragma once
// Complex matrix products too small for OpenBLAS to pay off: bc_dense's per-bin products (at
// k = 64 on the MNIST MLP, 128 x 13 by 13 x 16), where cgemm's zeroing and packing cost more than
// its multiply-adds. Row-major C (M x N) = A op(B), overwritten:
//   A's element (m, k) at a[m * a_row + k * a_col] (any strides: transposed A needs no copy),
//   B's element (k, n) at b[k * b_row + n * b_col], op(B) = B, or conj(B) when conj_b,
//   C's element (m, n) at c[m * ldc + n].
// op(B) is packed once per call (with i op(B) beside it, so that a complex multiply-add is two
// real ones); tiles of 4 rows of C by 16 complex columns stay in registers over the whole k loop.
// Single-threaded; the order of the sums over k is fixed, so results are reproducible.
#include <complex>
#include <cstddef>

namespace bcnn {

void small_cgemm(int M, int N, int K, const std::complex<float>* a, std::ptrdiff_t a_row, std::ptrdiff_t a_col,
                 const std::complex<float>* b, std::ptrdiff_t b_row, std::ptrdiff_t b_col, bool conj_b,
                 std::complex<float>* c, std::ptrdiff_t ldc);

}  // namespace bcnn

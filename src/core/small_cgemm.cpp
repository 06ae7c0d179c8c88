#include "core/small_cgemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/simd.h"
#include "core/tensor.h"

namespace bcnn {
namespace {

// A vector holds 8 complex numbers, interleaved (re, im).
using simd::lanes;
using simd::load;
using simd::store;
using vf = simd::vf16;
constexpr int per_vector = lanes / 2;

// Rows [m0, m0 + R) of C, complex columns [n0, n0 + 8 V): C(m, n) = sum_k a(m, k) op(B)(k, n),
// with op(B) and i op(B) packed as rows of `width` floats. Columns past `n_end` are not stored.
template <int R, int V>
void tile(int K, const std::complex<float>* a, std::ptrdiff_t a_row, std::ptrdiff_t a_col, const float* packed,
          const float* rotated, std::ptrdiff_t width, int n0, int n_end, std::complex<float>* c, std::ptrdiff_t ldc) {
  vf acc[R][V] = {};
  for (int k = 0; k < K; ++k) {
    vf bv[V], rv[V];
    for (int v = 0; v < V; ++v) {
      bv[v] = load(packed + k * width + 2 * n0 + v * lanes);
      rv[v] = load(rotated + k * width + 2 * n0 + v * lanes);
    }
    for (int r = 0; r < R; ++r) {
      const std::complex<float> x = a[r * a_row + k * a_col];
      for (int v = 0; v < V; ++v) acc[r][v] += x.real() * bv[v] + x.imag() * rv[v];
    }
  }
  for (int r = 0; r < R; ++r)
    for (int v = 0; v < V; ++v) {
      const int first = n0 + v * per_vector, count = std::min(per_vector, n_end - first);
      if (count <= 0) continue;
      float* out = reinterpret_cast<float*>(c + r * ldc + first);
      if (count == per_vector) {
        store(out, acc[r][v]);
      } else {
        alignas(64) float part[lanes];
        store(part, acc[r][v]);
        std::memcpy(out, part, 2 * count * sizeof(float));
      }
    }
}

template <int V>
void rows(int M, int K, const std::complex<float>* a, std::ptrdiff_t a_row, std::ptrdiff_t a_col, const float* packed,
          const float* rotated, std::ptrdiff_t width, int n0, int n_end, std::complex<float>* c, std::ptrdiff_t ldc) {
  int m = 0;
  for (; m + 4 <= M; m += 4)
    tile<4, V>(K, a + m * a_row, a_row, a_col, packed, rotated, width, n0, n_end, c + m * ldc, ldc);
  for (; m < M; ++m) tile<1, V>(K, a + m * a_row, a_row, a_col, packed, rotated, width, n0, n_end, c + m * ldc, ldc);
}

}  // namespace

void small_cgemm(int M, int N, int K, const std::complex<float>* a, std::ptrdiff_t a_row, std::ptrdiff_t a_col,
                 const std::complex<float>* b, std::ptrdiff_t b_row, std::ptrdiff_t b_col, bool conj_b,
                 std::complex<float>* c, std::ptrdiff_t ldc) {
  if (M <= 0 || N <= 0) return;
  // op(B) and i op(B) as K rows of `width` floats, zero past N: (x + iy) op(B) = x op(B) + y (i op(B)).
  const int n_pad = (N + per_vector - 1) / per_vector * per_vector;
  const std::ptrdiff_t width = 2 * n_pad;
  thread_local AlignedVector<float> buffer;
  if (buffer.size() < static_cast<std::size_t>(2 * K * width)) buffer.resize(static_cast<std::size_t>(2 * K * width));
  float* packed = buffer.data();
  float* rotated = packed + K * width;
  for (int k = 0; k < K; ++k) {
    float* p = packed + k * width;
    float* q = rotated + k * width;
    for (int n = 0; n < N; ++n) {
      const std::complex<float> v = b[k * b_row + n * b_col];
      const float re = v.real(), im = conj_b ? -v.imag() : v.imag();
      p[2 * n] = re;
      p[2 * n + 1] = im;
      q[2 * n] = -im;  // i (re + i im) = -im + i re
      q[2 * n + 1] = re;
    }
    std::fill(p + 2 * N, p + width, 0.0f);
    std::fill(q + 2 * N, q + width, 0.0f);
  }
  int n0 = 0;
  for (; n0 + 2 * per_vector <= n_pad; n0 += 2 * per_vector)
    rows<2>(M, K, a, a_row, a_col, packed, rotated, width, n0, N, c, ldc);
  if (n0 < n_pad) rows<1>(M, K, a, a_row, a_col, packed, rotated, width, n0, N, c, ldc);
}

}  // namespace bcnn

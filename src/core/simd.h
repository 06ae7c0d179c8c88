#pragma once
// A vector of 16 floats (GCC's vector extension): one AVX-512 register, or two AVX2 registers on
// targets with narrower vectors (the compiler splits the operations). Shared by the hand-tiled
// kernels (layers/freq_conv, core/small_cgemm) and the FFT split steps.
#include <cstring>

namespace bcnn::simd {

constexpr int lanes = 16;
typedef float vf16 __attribute__((vector_size(lanes * sizeof(float))));

// Unaligned load and store (memcpy of a fixed size compiles to one vector move).
inline vf16 load(const float* p) {
  vf16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, vf16 v) { std::memcpy(p, &v, sizeof v); }

// For 8 interleaved complex numbers (re, im, re, im, ...): each pair swapped, (im, re).
inline vf16 swap_pairs(vf16 v) {
  return __builtin_shufflevector(v, v, 1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14);
}

// The sum of a vector's lanes by halving: a fixed order, so results are reproducible.
inline float lane_sum(vf16 v) {
  typedef float v8 __attribute__((vector_size(8 * sizeof(float))));
  typedef float v4 __attribute__((vector_size(4 * sizeof(float))));
  const v8 h8 = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  const v4 h4 = __builtin_shufflevector(h8, h8, 0, 1, 2, 3) + __builtin_shufflevector(h8, h8, 4, 5, 6, 7);
  return (h4[0] + h4[2]) + (h4[1] + h4[3]);
}

// The sum of n floats in a fixed order (16 partial sums, then the tail).
inline float sum(const float* v, int n) {
  vf16 acc = {};
  int i = 0;
  for (; i + lanes <= n; i += lanes) acc += load(v + i);
  float total = lane_sum(acc);
  for (; i < n; ++i) total += v[i];
  return total;
}

}  // namespace bcnn::simd

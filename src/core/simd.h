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

}  // namespace bcnn::simd

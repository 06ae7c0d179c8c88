#pragma once
// Counter-based randomness: every random stream is a pure function of (seed, purpose, counters),
// so a run's randomness needs no saved generator state to resume exactly, and does not depend on
// the thread count or the order in which threads run.
#include <cstdint>
#include <vector>

namespace bcnn {

// SplitMix64 finalizer (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
inline std::uint64_t mix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline std::uint64_t hash_combine(std::uint64_t a, std::uint64_t b) { return mix64(a ^ mix64(b)); }

// Purposes keep the streams of one seed apart.
enum class Stream : std::uint64_t { init = 1, shuffle = 2, dropout = 3, split = 4, augment = 5 };

// A small sequential generator (SplitMix64) seeded from a counter-based key.
class Rng {
 public:
  explicit Rng(std::uint64_t key) : state_(key) {}
  Rng(std::uint64_t seed, Stream stream, std::uint64_t a = 0, std::uint64_t b = 0)
      : state_(hash_combine(hash_combine(hash_combine(seed, static_cast<std::uint64_t>(stream)), a), b)) {}

  std::uint64_t next() { return draw(state_++); }
  // The i-th value of Rng(key)'s sequence, without the sequence: SplitMix64 is counter-based, so
  // loops over i vectorize (Dropout draws its masks this way).
  static std::uint64_t nth(std::uint64_t key, std::uint64_t i) { return draw(key + i); }
  static float nth_uniform(std::uint64_t key, std::uint64_t i) { return to_uniform(nth(key, i)); }
  // Uniform in [0, 1) with 24 random bits (exactly representable as float).
  float uniform() { return to_uniform(next()); }
  double uniform_double() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
  // Uniform integer in [0, n) by Lemire's multiply-shift (bias < 2^-32 for n < 2^32).
  std::uint64_t below(std::uint64_t n) { return ((next() >> 32) * n) >> 32; }
  // Standard normal by Box-Muller.
  double normal();

 private:
  static std::uint64_t draw(std::uint64_t counter) { return mix64(counter * 0x2545f4914f6cdd1dULL + 1); }
  static float to_uniform(std::uint64_t bits) { return static_cast<float>(bits >> 40) * (1.0f / 16777216.0f); }
  std::uint64_t state_;
};

// A permutation of 0..n-1 (Fisher-Yates), a pure function of the generator.
std::vector<int> random_permutation(int n, Rng& rng);

}  // namespace bcnn

#pragma once
// Sizes from user input (shapes, units, batch sizes) are multiplied in checked 64-bit arithmetic:
// an overflow is reported, never wrapped into a small or negative size.
#include <cstdint>
#include <limits>
#include <optional>

namespace bcnn {

// a * b, or nothing when it overflows int64 (or either factor is negative).
inline std::optional<std::int64_t> checked_mul(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

inline std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// The largest number of values one sample may have anywhere in a network: layers index samples
// with int.
inline constexpr std::int64_t max_sample_values = std::numeric_limits<int>::max();

}  // namespace bcnn

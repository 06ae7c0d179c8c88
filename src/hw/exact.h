#pragma once
// The arithmetic of the fixed-point emulation. The bcnn_hls kernels' products and sums are exact,
// so an exact intermediate is kept here as a 128-bit raw integer with its number of fraction bits
// (the fixed<> result types carry the same value), and every place where a kernel converts into a
// declared type is one call of convert() with that type's format. Each kind validates its layer
// first, including that every exact intermediate fits in the 64 bits the compile-time types allow,
// so 128 bits never overflow.
#include <algorithm>
#include <cstdint>

#include "bcnn_hls/fixed.h"

namespace bcnn::hw {

// The value raw * 2^-fraction, exactly.
struct Exact {
  bcnn_hls::int128 raw;
  int fraction;
};

inline Exact exact(std::int64_t raw, const bcnn_hls::format& f) { return {raw, f.fraction_bits()}; }

inline bcnn_hls::int128 aligned(const Exact& x, int fraction) {
  return static_cast<bcnn_hls::int128>(static_cast<bcnn_hls::uint128>(x.raw) << (fraction - x.fraction));
}

inline Exact operator*(const Exact& a, const Exact& b) { return {a.raw * b.raw, a.fraction + b.fraction}; }

inline Exact operator+(const Exact& a, const Exact& b) {
  const int fraction = std::max(a.fraction, b.fraction);
  return {aligned(a, fraction) + aligned(b, fraction), fraction};
}

inline Exact operator-(const Exact& a, const Exact& b) {
  const int fraction = std::max(a.fraction, b.fraction);
  return {aligned(a, fraction) - aligned(b, fraction), fraction};
}

// fixed >> 1 on the exact result's own type: floor of the raw value, same fraction bits.
inline Exact half_floor(const Exact& x) { return {x.raw >> 1, x.fraction}; }

// T(x): the conversion into a declared type, with its quantization and overflow modes.
inline std::int64_t convert(const Exact& x, const bcnn_hls::format& f) {
  return bcnn_hls::quantize(x.raw, x.fraction, f);
}

}  // namespace bcnn::hw

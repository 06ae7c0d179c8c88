// Bit-accurate core of bcnn's fixed-point arithmetic: quantization and overflow of raw two's
// complement integers with exactly the semantics of Xilinx ap_fixed<W, I, Q, O> (N = 0), and the
// mode enums.
//
// A fixed-point value with F = W - I fraction bits is stored as the W-bit signed integer
// raw = value * 2^F. Every conversion in this library is
//
//     raw_out = overflow_O( quantize_Q( raw_in * 2^(F_out - F_in) ), W_out )
//
// where quantize_Q rounds the exact rational to an integer (see quantize_raw) and overflow_O fits
// that integer into W_out bits (see overflow_raw). This file is the single implementation used by
// bcnn_hls::fixed (C simulation with plain g++), by the runtime formats of bcnn-eval's fixed-point
// emulation, and by the tests; docs/fixed-point.md states the formulas and the vendor mapping.
//
// The core functions are not compiled under Vitis HLS synthesis (__SYNTHESIS__), where the
// vendor's ap_fixed is used instead; only the mode enums and their mapping are.
#ifndef BCNN_HLS_FIXED_CORE_H
#define BCNN_HLS_FIXED_CORE_H

// ---------------------------------------------------------------------------------------------
// The vendor's mode enums, spelled and numbered exactly as in ap_decl.h (Xilinx
// HLS_arbitrary_Precision_Types, include/ap_decl.h), so generated code can write
// bcnn_hls::fixed<16, 6, AP_RND, AP_SAT> and compile against either implementation.
//
// With BCNN_HLS_USE_AP_FIXED or under synthesis the vendor's header provides them. If the vendor's
// header was already included (it defines __AP_DECL_H__), its enums are reused. Otherwise they are
// defined here; then the vendor's ap_int.h / ap_fixed.h must not be included after this header
// (the enums would be defined twice): define BCNN_HLS_USE_AP_FIXED to use the vendor's types.
#if defined(__SYNTHESIS__) || defined(BCNN_HLS_USE_AP_FIXED)
#include <ap_fixed.h>
#elif !defined(__AP_DECL_H__)
#define BCNN_HLS_DEFINES_AP_MODES 1
enum ap_q_mode {
  AP_RND,          // round to nearest, ties toward plus infinity
  AP_RND_ZERO,     // round to nearest, ties toward zero
  AP_RND_MIN_INF,  // round to nearest, ties toward minus infinity
  AP_RND_INF,      // round to nearest, ties away from zero
  AP_RND_CONV,     // round to nearest, ties to even
  AP_TRN,          // truncate toward minus infinity (floor)
  AP_TRN_ZERO,     // truncate toward zero
};
enum ap_o_mode {
  AP_SAT,       // clamp to [min, max]
  AP_SAT_ZERO,  // out of range becomes 0
  AP_SAT_SYM,   // clamp to [-max, max]
  AP_WRAP,      // keep the low W bits (two's complement wrap)
  AP_WRAP_SM,   // sign-magnitude wrap: not supported by bcnn_hls
};
#endif

#ifndef __SYNTHESIS__
#include <cstdint>
#include <cstring>
#endif

// The bits of a double, and a double from its bits: __builtin_bit_cast where the compiler has it
// (GCC 11 and later, Clang 9 and later), so that conversions between double and fixed stay
// constexpr; std::memcpy elsewhere (GCC 9 and 10, as on Ubuntu 20.04 and RHEL 8), where those
// conversions are then computed at run time only (BCNN_HLS_CONSTEXPR_DOUBLE is `inline`). Defining
// BCNN_HLS_PORTABLE_BIT_CAST takes the memcpy path on any compiler (the tests build it).
#if defined(__has_builtin) && !defined(BCNN_HLS_PORTABLE_BIT_CAST)
#if __has_builtin(__builtin_bit_cast)
#define BCNN_HLS_HAS_BUILTIN_BIT_CAST 1
#endif
#endif
#ifdef BCNN_HLS_HAS_BUILTIN_BIT_CAST
#define BCNN_HLS_CONSTEXPR_DOUBLE constexpr
#else
#define BCNN_HLS_CONSTEXPR_DOUBLE inline
#endif

namespace bcnn_hls {

// bcnn's own names of the modes (the runtime formats of the emulator use these).
enum class quant_mode : int { trn, trn_zero, rnd, rnd_zero, rnd_inf, rnd_min_inf, rnd_conv };
enum class overflow_mode : int { wrap, sat, sat_zero, sat_sym };

constexpr quant_mode to_quant_mode(ap_q_mode q) {
  return q == AP_TRN           ? quant_mode::trn
         : q == AP_TRN_ZERO    ? quant_mode::trn_zero
         : q == AP_RND         ? quant_mode::rnd
         : q == AP_RND_ZERO    ? quant_mode::rnd_zero
         : q == AP_RND_INF     ? quant_mode::rnd_inf
         : q == AP_RND_MIN_INF ? quant_mode::rnd_min_inf
                               : quant_mode::rnd_conv;
}

// AP_WRAP_SM has no bcnn_hls equivalent: is_supported_overflow_mode says so, and bcnn_hls::fixed
// rejects it with a static_assert.
constexpr bool is_supported_overflow_mode(ap_o_mode o) { return o != AP_WRAP_SM; }

constexpr overflow_mode to_overflow_mode(ap_o_mode o) {
  return o == AP_SAT        ? overflow_mode::sat
         : o == AP_SAT_ZERO ? overflow_mode::sat_zero
         : o == AP_SAT_SYM  ? overflow_mode::sat_sym
                            : overflow_mode::wrap;
}

constexpr ap_q_mode to_ap_q_mode(quant_mode q) {
  return q == quant_mode::trn           ? AP_TRN
         : q == quant_mode::trn_zero    ? AP_TRN_ZERO
         : q == quant_mode::rnd         ? AP_RND
         : q == quant_mode::rnd_zero    ? AP_RND_ZERO
         : q == quant_mode::rnd_inf     ? AP_RND_INF
         : q == quant_mode::rnd_min_inf ? AP_RND_MIN_INF
                                        : AP_RND_CONV;
}

constexpr ap_o_mode to_ap_o_mode(overflow_mode o) {
  return o == overflow_mode::sat        ? AP_SAT
         : o == overflow_mode::sat_zero ? AP_SAT_ZERO
         : o == overflow_mode::sat_sym  ? AP_SAT_SYM
                                        : AP_WRAP;
}

// The vendor's spelling ("AP_RND", "AP_SAT", ...): what generated code writes.
constexpr const char* ap_name(quant_mode q) {
  return q == quant_mode::trn           ? "AP_TRN"
         : q == quant_mode::trn_zero    ? "AP_TRN_ZERO"
         : q == quant_mode::rnd         ? "AP_RND"
         : q == quant_mode::rnd_zero    ? "AP_RND_ZERO"
         : q == quant_mode::rnd_inf     ? "AP_RND_INF"
         : q == quant_mode::rnd_min_inf ? "AP_RND_MIN_INF"
                                        : "AP_RND_CONV";
}

constexpr const char* ap_name(overflow_mode o) {
  return o == overflow_mode::sat        ? "AP_SAT"
         : o == overflow_mode::sat_zero ? "AP_SAT_ZERO"
         : o == overflow_mode::sat_sym  ? "AP_SAT_SYM"
                                        : "AP_WRAP";
}

namespace detail {
constexpr bool names_equal(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    ++a;
    ++b;
  }
  return *a == *b;
}
}  // namespace detail

// Parses the vendor's spelling; returns false (and leaves `out` alone) for anything else.
constexpr bool parse_quant_mode(const char* name, quant_mode& out) {
  const quant_mode all[] = {quant_mode::trn,      quant_mode::trn_zero,    quant_mode::rnd,
                            quant_mode::rnd_zero, quant_mode::rnd_inf,     quant_mode::rnd_min_inf,
                            quant_mode::rnd_conv};
  for (quant_mode q : all) {
    if (detail::names_equal(name, ap_name(q))) {
      out = q;
      return true;
    }
  }
  return false;
}

constexpr bool parse_overflow_mode(const char* name, overflow_mode& out) {
  const overflow_mode all[] = {overflow_mode::wrap, overflow_mode::sat, overflow_mode::sat_zero,
                               overflow_mode::sat_sym};
  for (overflow_mode o : all) {
    if (detail::names_equal(name, ap_name(o))) {
      out = o;
      return true;
    }
  }
  return false;
}

#ifndef __SYNTHESIS__

__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;

// Widths and binary-point positions the core handles: 1 <= W <= 64, and the binary point close
// enough that every representable value and every LSB is a normal double
// (I <= max_integer_bits, W - I <= max_fraction_bits).
constexpr int max_width = 64;
constexpr int max_integer_bits = 1000;
constexpr int max_fraction_bits = 1000;

constexpr bool is_valid_format(int width, int integer_bits) {
  return width >= 1 && width <= max_width && integer_bits <= max_integer_bits &&
         width - integer_bits <= max_fraction_bits;
}

namespace detail {

constexpr int128 int128_min() { return static_cast<int128>(static_cast<uint128>(1) << 127); }

// x * 2^n for n >= 0. Exact whenever |x * 2^n| < 2^126; otherwise returns a stand-in with the same
// sign, the same low 64 bits and a magnitude >= 2^64, which is all overflow_raw looks at.
constexpr int128 shift_left(int128 x, long long n) {
  if (x == 0 || n == 0) return x;
  const int128 limit = n < 126 ? (static_cast<int128>(1) << (126 - n)) : 0;
  if (n < 126 && x < limit && x >= -limit) {
    return static_cast<int128>(static_cast<uint128>(x) << n);
  }
  const uint64_t low64 = n >= 64 ? 0 : static_cast<uint64_t>(static_cast<uint128>(x) << n);
  const int128 base = static_cast<int128>(1) << 120;
  return (x < 0 ? -base : base) + static_cast<int128>(low64);
}

}  // namespace detail

// Quantization: the value raw * 2^(-from_fraction_bits) expressed with to_fraction_bits fraction
// bits, rounded to an integer with mode q. With s = from - to > 0, f = floor(raw / 2^s) and the
// discarded fraction phi = raw / 2^s - f in [0, 1):
//   trn          f                                  (toward minus infinity)
//   trn_zero     f + (raw < 0 && phi > 0)           (toward zero)
//   rnd          f + (phi >= 1/2)                   (nearest, ties toward plus infinity)
//   rnd_zero     f + (phi > 1/2 || phi == 1/2 && raw < 0)
//   rnd_min_inf  f + (phi > 1/2)
//   rnd_inf      f + (phi > 1/2 || phi == 1/2 && raw >= 0)   (ties away from zero)
//   rnd_conv     f + (phi > 1/2 || phi == 1/2 && f odd)      (ties to even)
// These are ap_fixed_base::quantization_adjust's rules with qb = (phi >= 1/2) and
// r = (phi != 0 && phi != 1/2 after removing qb), s = sign of the source.
// With s <= 0 the result is raw * 2^(-s), exact (see detail::shift_left for huge results).
constexpr int128 quantize_raw(int128 raw, int from_fraction_bits, int to_fraction_bits,
                              quant_mode q) {
  const long long shift = static_cast<long long>(from_fraction_bits) - to_fraction_bits;
  if (raw == 0) return 0;
  if (shift <= 0) return detail::shift_left(raw, -shift);
  const bool negative = raw < 0;
  const int128 floor_value = raw >> (shift < 127 ? shift : 127);
  // Bit shift-1 of raw, sign-extended to infinity: the "half" bit.
  const bool half_bit = ((raw >> (shift - 1 < 127 ? shift - 1 : 127)) & 1) != 0;
  // Any of bits 0 .. shift-2 set: strictly more (or less) than the half.
  bool below_half_bits = false;
  if (shift >= 2) {
    const long long low_bits = shift - 1;
    if (low_bits >= 128) {
      below_half_bits = true;  // raw != 0, and every bit of it is below the half bit
    } else {
      const uint128 mask = (static_cast<uint128>(1) << low_bits) - 1;
      below_half_bits = (static_cast<uint128>(raw) & mask) != 0;
    }
  }
  bool increment = false;
  switch (q) {
    case quant_mode::trn:
      increment = false;
      break;
    case quant_mode::trn_zero:
      increment = negative && (half_bit || below_half_bits);
      break;
    case quant_mode::rnd:
      increment = half_bit;
      break;
    case quant_mode::rnd_zero:
      increment = half_bit && (negative || below_half_bits);
      break;
    case quant_mode::rnd_min_inf:
      increment = half_bit && below_half_bits;
      break;
    case quant_mode::rnd_inf:
      increment = half_bit && (!negative || below_half_bits);
      break;
    case quant_mode::rnd_conv:
      increment = half_bit && ((floor_value & 1) != 0 || below_half_bits);
      break;
  }
  return floor_value + (increment ? 1 : 0);
}

// Overflow: fits the integer `value` into `width` bits (1 <= width <= 64), with
// min = -2^(W-1), max = 2^(W-1) - 1:
//   wrap      value mod 2^W, read as two's complement (keep the low W bits)
//   sat       min(max(value, min), max)
//   sat_zero  value if min <= value <= max, else 0
//   sat_sym   min(max(value, -max), max), except W = 1: like sat (ap_fixed sets min | 1)
constexpr int64_t overflow_raw(int128 value, int width, overflow_mode o) {
  const int128 max_value = (static_cast<int128>(1) << (width - 1)) - 1;
  const int128 min_value = -max_value - 1;
  switch (o) {
    case overflow_mode::wrap:
      break;
    case overflow_mode::sat:
      return static_cast<int64_t>(value > max_value   ? max_value
                                  : value < min_value ? min_value
                                                      : value);
    case overflow_mode::sat_zero:
      return static_cast<int64_t>(value > max_value || value < min_value ? 0 : value);
    case overflow_mode::sat_sym: {
      // The vendor sets the bit pattern min | 1 on negative overflow: -max, except for W = 1
      // where min | 1 == min == -1 (and max == 0).
      const int128 low_value = width == 1 ? min_value : -max_value;
      return static_cast<int64_t>(value > max_value   ? max_value
                                  : value < low_value ? low_value
                                                      : value);
    }
  }
  uint64_t bits = static_cast<uint64_t>(static_cast<uint128>(value));
  if (width < 64) {
    const uint64_t mask = (uint64_t{1} << width) - 1;
    bits &= mask;
    if ((bits >> (width - 1)) & 1) bits |= ~mask;
  }
  return static_cast<int64_t>(bits);
}

// The whole conversion: raw with from_fraction_bits fraction bits into the format
// (width, to_fraction_bits, q, o). This is ap_fixed_base::operator= between two formats.
constexpr int64_t convert_raw(int128 raw, int from_fraction_bits, int width, int to_fraction_bits,
                              quant_mode q, overflow_mode o) {
  return overflow_raw(quantize_raw(raw, from_fraction_bits, to_fraction_bits, q), width, o);
}

// convert_raw in 64-bit arithmetic, bit for bit the same, where that is exact: for
// |raw| < 2^62 with 0 <= from_fraction_bits - to_fraction_bits <= 62, or a left shift that
// keeps |raw| * 2^shift below 2^62 (convert_fits_64 says which). The C simulation of the kernels
// and the emulator spend most of their time here, and 128-bit arithmetic is several times
// slower.
constexpr bool convert_fits_64(int from_width, int from_fraction_bits, int to_fraction_bits) {
  return from_fraction_bits >= to_fraction_bits
             ? from_width <= 62 && from_fraction_bits - to_fraction_bits <= 62
             : from_width + (to_fraction_bits - from_fraction_bits) <= 62;
}

constexpr int64_t convert_raw64(int64_t raw, int from_fraction_bits, int width, int to_fraction_bits,
                                quant_mode q, overflow_mode o) {
  const int shift = from_fraction_bits - to_fraction_bits;
  int64_t value = raw;
  if (shift < 0) {
    value = static_cast<int64_t>(static_cast<uint64_t>(raw) << -shift);
  } else if (shift > 0) {
    const int64_t floor_value = raw >> shift;
    const bool half_bit = ((raw >> (shift - 1)) & 1) != 0;
    const bool below_half_bits = shift >= 2 && (raw & ((int64_t{1} << (shift - 1)) - 1)) != 0;
    const bool negative = raw < 0;
    bool increment = false;
    switch (q) {
      case quant_mode::trn:
        break;
      case quant_mode::trn_zero:
        increment = negative && (half_bit || below_half_bits);
        break;
      case quant_mode::rnd:
        increment = half_bit;
        break;
      case quant_mode::rnd_zero:
        increment = half_bit && (negative || below_half_bits);
        break;
      case quant_mode::rnd_min_inf:
        increment = half_bit && below_half_bits;
        break;
      case quant_mode::rnd_inf:
        increment = half_bit && (!negative || below_half_bits);
        break;
      case quant_mode::rnd_conv:
        increment = half_bit && ((floor_value & 1) != 0 || below_half_bits);
        break;
    }
    value = floor_value + (increment ? 1 : 0);
  }
  if (width >= 63) return value;  // |value| <= 2^62: it fits
  const int64_t max_value = (int64_t{1} << (width - 1)) - 1;
  const int64_t min_value = -max_value - 1;
  switch (o) {
    case overflow_mode::wrap:
      break;
    case overflow_mode::sat:
      return value > max_value ? max_value : value < min_value ? min_value : value;
    case overflow_mode::sat_zero:
      return value > max_value || value < min_value ? 0 : value;
    case overflow_mode::sat_sym: {
      const int64_t low_value = width == 1 ? min_value : -max_value;
      return value > max_value ? max_value : value < low_value ? low_value : value;
    }
  }
  const uint64_t mask = (uint64_t{1} << width) - 1;
  uint64_t bits = static_cast<uint64_t>(value) & mask;
  if ((bits >> (width - 1)) & 1) bits |= ~mask;
  return static_cast<int64_t>(bits);
}

// A double into the format, as ap_fixed_base(double) does it: the double is read as
// (-1)^s * m * 2^(e - 52) with m = 2^52 | mantissa bits and e = biased exponent - 1023, then
// converted exactly like a fixed-point value with 54 bits and 52 - e fraction bits. No float
// arithmetic is involved, so there is no double rounding. ±0 gives 0. Like the vendor, the
// implicit bit is set for every exponent: subnormals are read as if normal (they still round to 0
// or ±1 LSB in every supported format), infinities as ±2^1024 and NaNs as ±(1.m) * 2^1024 (so they
// saturate under AP_SAT and mostly wrap to 0 under AP_WRAP).
namespace detail {

BCNN_HLS_CONSTEXPR_DOUBLE uint64_t bits_of_double(double d) {
#ifdef BCNN_HLS_HAS_BUILTIN_BIT_CAST
  return __builtin_bit_cast(uint64_t, d);
#else
  uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof bits);
  return bits;
#endif
}

BCNN_HLS_CONSTEXPR_DOUBLE double double_of_bits(uint64_t bits) {
#ifdef BCNN_HLS_HAS_BUILTIN_BIT_CAST
  return __builtin_bit_cast(double, bits);
#else
  double d = 0;
  std::memcpy(&d, &bits, sizeof d);
  return d;
#endif
}

}  // namespace detail

BCNN_HLS_CONSTEXPR_DOUBLE int64_t raw_from_double(double d, int width, int fraction_bits, quant_mode q,
                                                  overflow_mode o) {
  const uint64_t bits = detail::bits_of_double(d);
  if ((bits & ~(uint64_t{1} << 63)) == 0) return 0;
  const bool negative = (bits >> 63) != 0;
  const int exponent = static_cast<int>((bits >> 52) & 0x7ff) - 1023;
  const int64_t mantissa =
      static_cast<int64_t>((bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1} << 52));
  return convert_raw(negative ? -mantissa : mantissa, 52 - exponent, width, fraction_bits, q, o);
}

namespace detail {

// 2^e as a double, for -1022 <= e <= 1023 (always the case for valid formats).
BCNN_HLS_CONSTEXPR_DOUBLE double power_of_two(int e) { return double_of_bits(static_cast<uint64_t>(e + 1023) << 52); }

// Rounds |raw| * 2^(-fraction_bits) to `mantissa_bits` significant bits, ties to even (the only
// mode of ap_fixed_base::to_double / to_float), and returns it as a double (exact).
BCNN_HLS_CONSTEXPR_DOUBLE double round_to_significant_bits(int64_t raw, int fraction_bits, int mantissa_bits) {
  if (raw == 0) return 0.0;
  const bool negative = raw < 0;
  uint64_t magnitude = negative ? uint64_t{0} - static_cast<uint64_t>(raw) : static_cast<uint64_t>(raw);
  const int length = 64 - __builtin_clzll(magnitude);
  int exponent = -fraction_bits;
  if (length > mantissa_bits) {
    const int shift = length - mantissa_bits;
    const uint64_t rest = magnitude & ((uint64_t{1} << shift) - 1);
    const uint64_t half = uint64_t{1} << (shift - 1);
    magnitude >>= shift;
    if (rest > half || (rest == half && (magnitude & 1) != 0)) ++magnitude;
    exponent += shift;
  }
  // magnitude < 2^54 and exponent within the normal range: both factors and the product are exact
  // as long as the result is a normal double, which valid formats guarantee.
  const double value = static_cast<double>(magnitude) * power_of_two(exponent);
  return negative ? -value : value;
}

}  // namespace detail

// The value as a double, rounded to nearest with ties to even (ap_fixed_base::to_double).
BCNN_HLS_CONSTEXPR_DOUBLE double raw_to_double(int64_t raw, int fraction_bits) {
  return detail::round_to_significant_bits(raw, fraction_bits, 53);
}

// The value as a float, rounded once to 24 significant bits with ties to even
// (ap_fixed_base::to_float; not the same as (float)to_double() when W > 53).
// Exact for values in float's normal range.
BCNN_HLS_CONSTEXPR_DOUBLE float raw_to_float(int64_t raw, int fraction_bits) {
  return static_cast<float>(detail::round_to_significant_bits(raw, fraction_bits, 24));
}

// Exact three-way comparison of a * 2^(-a_fraction_bits) and b * 2^(-b_fraction_bits):
// -1, 0 or 1.
constexpr int compare_raw(int64_t a, int a_fraction_bits, int64_t b, int b_fraction_bits) {
  int128 left = a;
  int128 right = b;
  if (a_fraction_bits > b_fraction_bits) {
    right = detail::shift_left(right, static_cast<long long>(a_fraction_bits) - b_fraction_bits);
  } else if (b_fraction_bits > a_fraction_bits) {
    left = detail::shift_left(left, static_cast<long long>(b_fraction_bits) - a_fraction_bits);
  }
  // A stand-in from shift_left has magnitude >= 2^64 > |other|, so its sign decides correctly.
  return left < right ? -1 : (left > right ? 1 : 0);
}

#endif  // __SYNTHESIS__

}  // namespace bcnn_hls

#endif  // BCNN_HLS_FIXED_CORE_H

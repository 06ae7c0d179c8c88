// bcnn_hls::fixed<W, I, Q, O>: signed fixed-point numbers with exactly the semantics of Xilinx
// ap_fixed<W, I, Q, O> (N = 0) for W <= 64, for C simulation with plain g++ and for bcnn-eval's
// fixed-point emulation. Under Vitis HLS synthesis (__SYNTHESIS__) or with BCNN_HLS_USE_AP_FIXED
// defined, bcnn_hls::fixed is the vendor's ap_fixed itself.
//
// Write code against the subset that both implementations share:
//   - construction and assignment from another fixed format, double, float and integers
//     (this type's Q and O apply);
//   - a + b, a - b: exact, type fixed<max(I1, I2) + 1 + max(F1, F2), max(I1, I2) + 1>;
//     a * b: exact, type fixed<W1 + W2, I1 + I2>; -a: exact, type fixed<W + 1, I + 1>
//     (results have AP_TRN, AP_WRAP, like the vendor's);
//   - an integer operand of n bits acts as fixed<n, n>;
//   - +=, -=, *=: the exact result quantized back into the left operand's type;
//   - comparisons with fixed and integers (exact) and with double/float (via to_double());
//   - x << n, x >> n: same type, raw bits shifted (wrap, floor), 0 <= n < W;
//   - to_double(), to_float(), static_cast<double>(x), static_cast<float>(x);
//   - bcnn_hls::raw_bits(x) and bcnn_hls::from_raw_bits<T>(bits) for the raw two's complement
//     integer (value * 2^F).
// Conversions to double/float are explicit here (implicit in ap_fixed) so that code written for
// this type compiles with both.
//
// The runtime companion (struct format, quantize, from_double, ...) at the end of this file uses
// the same core functions (fixed_core.h), so the emulator's results are bit-identical to code
// using the compile-time types. docs/fixed-point.md has the exact semantics.
#ifndef BCNN_HLS_FIXED_H
#define BCNN_HLS_FIXED_H

#include "bcnn_hls/fixed_core.h"

#if defined(__SYNTHESIS__) || defined(BCNN_HLS_USE_AP_FIXED)

#include <stdint.h>

namespace bcnn_hls {

template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP>
using fixed = ap_fixed<W, I, Q, O>;

// The raw two's complement bits of x, sign-extended: x == value * 2^(W - I).
template <int W, int I, ap_q_mode Q, ap_o_mode O, int N>
inline int64_t raw_bits(const ap_fixed<W, I, Q, O, N>& x) {
  static_assert(W <= 64, "bcnn_hls::raw_bits: at most 64 bits");
  uint64_t bits = x.range(W - 1, 0).to_uint64();
  if (W < 64 && ((bits >> (W - 1)) & 1) != 0) bits |= ~uint64_t(0) << (W % 64);
  return static_cast<int64_t>(bits);
}

// The value of type T whose raw bits are the low W bits of `bits`.
template <class T>
inline T from_raw_bits(int64_t bits) {
  T result;
  result.range(T::width - 1, 0) = static_cast<unsigned long long>(bits);
  return result;
}

}  // namespace bcnn_hls

#else  // bcnn's own implementation

#include <type_traits>
#ifndef __SYNTHESIS__
#include <ostream>
#endif

namespace bcnn_hls {

template <int W, int I, ap_q_mode Q = AP_TRN, ap_o_mode O = AP_WRAP>
class fixed;

namespace detail {
constexpr int max_int(int a, int b) { return a > b ? a : b; }

// Result formats of ap_fixed_base::RType for two signed operands.
template <int W1, int I1, int W2, int I2>
struct result_formats {
  static constexpr int sum_integer = max_int(I1, I2) + 1;
  static constexpr int sum_width = sum_integer + max_int(W1 - I1, W2 - I2);
  static constexpr int product_integer = I1 + I2;
  static constexpr int product_width = W1 + W2;
};

// An integer operand of n bits behaves like fixed<n, n> (ap_fixed_base's operators with C
// integers). Only signed integers: the vendor treats unsigned ones as unsigned formats, whose result
// widths differ from any signed fixed.
template <class T>
using enable_if_signed_integer =
    typename std::enable_if<std::is_integral<T>::value && std::is_signed<T>::value, int>::type;
template <class T>
using enable_if_floating =
    typename std::enable_if<std::is_floating_point<T>::value, int>::type;
template <class T>
using integer_as_fixed = fixed<static_cast<int>(sizeof(T) * 8), static_cast<int>(sizeof(T) * 8)>;
}  // namespace detail

template <int W, int I, ap_q_mode Q, ap_o_mode O>
class fixed {
  static_assert(W >= 1 && W <= max_width,
                "bcnn_hls::fixed<W, I> holds at most 64 bits (1 <= W <= 64). If this is the result "
                "of +, - or * (widths add up), assign an operand to a narrower type first.");
  static_assert(I <= max_integer_bits && W - I <= max_fraction_bits,
                "bcnn_hls::fixed<W, I>: the binary point is too far out (I <= 1000 and "
                "W - I <= 1000 are supported)");
  static_assert(is_supported_overflow_mode(O),
                "bcnn_hls::fixed: AP_WRAP_SM is not supported (use AP_WRAP, AP_SAT, AP_SAT_ZERO or "
                "AP_SAT_SYM)");

 public:
  // The vendor's names for the parameters (ap_fixed_base::width, iwidth, qmode, omode).
  static constexpr int width = W;
  static constexpr int iwidth = I;
  static constexpr int fraction_bits = W - I;
  static constexpr ap_q_mode qmode = Q;
  static constexpr ap_o_mode omode = O;
  static constexpr quant_mode quantization = to_quant_mode(Q);
  static constexpr overflow_mode overflow = to_overflow_mode(O);

  // Zero (ap_fixed leaves it unspecified).
  constexpr fixed() : raw_(0) {}

  template <int W2, int I2, ap_q_mode Q2, ap_o_mode O2>
  constexpr fixed(const fixed<W2, I2, Q2, O2>& other)
      : raw_(convert_fits_64(W2, W2 - I2, W - I)
                 ? convert_raw64(other.raw(), W2 - I2, W, W - I, quantization, overflow)
                 : convert_raw(other.raw(), W2 - I2, W, W - I, quantization, overflow)) {}

  constexpr fixed(double value)
      : raw_(raw_from_double(value, W, W - I, quantization, overflow)) {}
  constexpr fixed(float value) : fixed(static_cast<double>(value)) {}

  // Any C integer, exactly (bool as 0 or 1).
  template <class T, typename std::enable_if<std::is_integral<T>::value, int>::type = 0>
  constexpr fixed(T value)
      : raw_(convert_raw(static_cast<int128>(value), 0, W, W - I, quantization, overflow)) {}

  // The value whose raw bits (value * 2^F) are the low W bits of `bits` (two's complement wrap,
  // like range(W - 1, 0) = bits).
  static constexpr fixed from_raw(int64_t bits) {
    fixed result;
    result.raw_ = overflow_raw(bits, W, overflow_mode::wrap);
    return result;
  }

  // The value whose raw bits are `raw`, which must already lie in -2^(W-1) .. 2^(W-1) - 1: the
  // exact results of +, - and * (their formats hold them by construction), without from_raw's
  // wrap, which the C simulation would pay on every operation.
  static constexpr fixed from_exact_raw(int64_t raw) {
    fixed result;
    result.raw_ = raw;
    return result;
  }

  // value * 2^F, sign-extended: -2^(W-1) <= raw() < 2^(W-1).
  constexpr int64_t raw() const { return raw_; }

  constexpr double to_double() const { return raw_to_double(raw_, W - I); }
  constexpr float to_float() const { return raw_to_float(raw_, W - I); }
  explicit constexpr operator double() const { return to_double(); }
  explicit constexpr operator float() const { return to_float(); }

  constexpr int wl() const { return W; }
  constexpr int iwl() const { return I; }
  constexpr ap_q_mode q_mode() const { return Q; }
  constexpr ap_o_mode o_mode() const { return O; }
  constexpr bool is_zero() const { return raw_ == 0; }
  constexpr bool is_neg() const { return raw_ < 0; }

  // --- arithmetic: exact, full-precision results ---------------------------------------------

  template <int W2, int I2, ap_q_mode Q2, ap_o_mode O2>
  constexpr auto operator*(const fixed<W2, I2, Q2, O2>& rhs) const {
    using formats = detail::result_formats<W, I, W2, I2>;
    // |raw_ * rhs.raw()| <= 2^(W + W2 - 2) < 2^63: no overflow once the result type exists.
    return fixed<formats::product_width, formats::product_integer>::from_exact_raw(raw_ * rhs.raw());
  }

  template <int W2, int I2, ap_q_mode Q2, ap_o_mode O2>
  constexpr auto operator+(const fixed<W2, I2, Q2, O2>& rhs) const {
    using formats = detail::result_formats<W, I, W2, I2>;
    using result = fixed<formats::sum_width, formats::sum_integer>;
    return result::from_exact_raw(aligned_raw<result::fraction_bits>() +
                                  rhs.template aligned_raw<result::fraction_bits>());
  }

  template <int W2, int I2, ap_q_mode Q2, ap_o_mode O2>
  constexpr auto operator-(const fixed<W2, I2, Q2, O2>& rhs) const {
    using formats = detail::result_formats<W, I, W2, I2>;
    using result = fixed<formats::sum_width, formats::sum_integer>;
    return result::from_exact_raw(aligned_raw<result::fraction_bits>() -
                                  rhs.template aligned_raw<result::fraction_bits>());
  }

  constexpr fixed<W + 1, I + 1> operator-() const { return fixed<W + 1, I + 1>::from_exact_raw(-raw_); }
  constexpr fixed operator+() const { return *this; }

  // --- compound assignment: exact result, then this type's Q and O ----------------------------

  template <int W2, int I2, ap_q_mode Q2, ap_o_mode O2>
  constexpr fixed& operator+=(const fixed<W2, I2, Q2, O2>& rhs) {
    *this = fixed(*this + rhs);
    return *this;
  }

  template <int W2, int I2, ap_q_mode Q2, ap_o_mode O2>
  constexpr fixed& operator-=(const fixed<W2, I2, Q2, O2>& rhs) {
    *this = fixed(*this - rhs);
    return *this;
  }

  // The 128-bit product is exact for any two operands, so *= has no 64-bit limit on W + W2.
  template <int W2, int I2, ap_q_mode Q2, ap_o_mode O2>
  constexpr fixed& operator*=(const fixed<W2, I2, Q2, O2>& rhs) {
    raw_ = convert_raw(static_cast<int128>(raw_) * rhs.raw(), (W - I) + (W2 - I2), W, W - I,
                       quantization, overflow);
    return *this;
  }

  template <class T, detail::enable_if_signed_integer<T> = 0>
  constexpr fixed& operator+=(T rhs) {
    return *this += detail::integer_as_fixed<T>(rhs);
  }
  template <class T, detail::enable_if_signed_integer<T> = 0>
  constexpr fixed& operator-=(T rhs) {
    return *this -= detail::integer_as_fixed<T>(rhs);
  }
  template <class T, detail::enable_if_signed_integer<T> = 0>
  constexpr fixed& operator*=(T rhs) {
    return *this *= detail::integer_as_fixed<T>(rhs);
  }

  // --- shifts: same type, no quantization or overflow handling (like ap_fixed) ----------------
  // x << n keeps the low W bits of raw * 2^n; x >> n is floor(raw / 2^n). A negative n shifts the
  // other way. Shifting by W or more gives 0 (<<) or the sign fill (>>); ap_fixed leaves that case
  // unspecified in synthesis, so generated code must not rely on it.
  constexpr fixed operator<<(int n) const {
    if (n < 0) return *this >> -n;
    return from_raw(n >= 64 ? 0 : static_cast<int64_t>(static_cast<uint64_t>(raw_) << n));
  }
  constexpr fixed operator>>(int n) const {
    if (n < 0) return *this << -n;
    return from_raw(raw_ >> (n >= 63 ? 63 : n));
  }
  constexpr fixed& operator<<=(int n) { return *this = *this << n; }
  constexpr fixed& operator>>=(int n) { return *this = *this >> n; }

 private:
  template <int W2, int I2, ap_q_mode Q2, ap_o_mode O2>
  friend class fixed;

  // raw * 2^(F_target - F); used by + and -, whose result type is wide enough to hold it.
  template <int target_fraction_bits>
  constexpr int64_t aligned_raw() const {
    static_assert(target_fraction_bits >= W - I, "aligned_raw only adds fraction bits");
    return static_cast<int64_t>(static_cast<uint64_t>(raw_) << (target_fraction_bits - (W - I)));
  }

  int64_t raw_;
};

// --- comparisons: fixed with fixed and with integers exactly; with floating point via to_double()
// (ap_fixed_base's DOUBLE_CMP_AF), so a double compares with the rounded value when W > 53.

#define BCNN_HLS_FIXED_COMPARISON(op)                                                              \
  template <int W1, int I1, ap_q_mode Q1, ap_o_mode O1, int W2, int I2, ap_q_mode Q2,             \
            ap_o_mode O2>                                                                          \
  constexpr bool operator op(const fixed<W1, I1, Q1, O1>& lhs, const fixed<W2, I2, Q2, O2>& rhs) { \
    return compare_raw(lhs.raw(), W1 - I1, rhs.raw(), W2 - I2) op 0;                               \
  }                                                                                                \
  template <int W1, int I1, ap_q_mode Q1, ap_o_mode O1, class T,                                   \
            detail::enable_if_signed_integer<T> = 0>                                               \
  constexpr bool operator op(const fixed<W1, I1, Q1, O1>& lhs, T rhs) {                            \
    return compare_raw(lhs.raw(), W1 - I1, static_cast<int64_t>(rhs), 0) op 0;                     \
  }                                                                                                \
  template <int W1, int I1, ap_q_mode Q1, ap_o_mode O1, class T,                                   \
            detail::enable_if_signed_integer<T> = 0>                                               \
  constexpr bool operator op(T lhs, const fixed<W1, I1, Q1, O1>& rhs) {                            \
    return compare_raw(static_cast<int64_t>(lhs), 0, rhs.raw(), W1 - I1) op 0;                     \
  }                                                                                                \
  template <int W1, int I1, ap_q_mode Q1, ap_o_mode O1, class T, detail::enable_if_floating<T> = 0> \
  constexpr bool operator op(const fixed<W1, I1, Q1, O1>& lhs, T rhs) {                            \
    return lhs.to_double() op static_cast<double>(rhs);                                            \
  }                                                                                                \
  template <int W1, int I1, ap_q_mode Q1, ap_o_mode O1, class T, detail::enable_if_floating<T> = 0> \
  constexpr bool operator op(T lhs, const fixed<W1, I1, Q1, O1>& rhs) {                            \
    return static_cast<double>(lhs) op rhs.to_double();                                            \
  }

BCNN_HLS_FIXED_COMPARISON(==)
BCNN_HLS_FIXED_COMPARISON(!=)
BCNN_HLS_FIXED_COMPARISON(<)
BCNN_HLS_FIXED_COMPARISON(<=)
BCNN_HLS_FIXED_COMPARISON(>)
BCNN_HLS_FIXED_COMPARISON(>=)
#undef BCNN_HLS_FIXED_COMPARISON

// --- arithmetic with signed integers: the integer acts as fixed<n, n> -----------------------------

#define BCNN_HLS_FIXED_INTEGER_ARITHMETIC(op)                                                   \
  template <int W1, int I1, ap_q_mode Q1, ap_o_mode O1, class T,                                \
            detail::enable_if_signed_integer<T> = 0>                                            \
  constexpr auto operator op(const fixed<W1, I1, Q1, O1>& lhs, T rhs) {                         \
    return lhs op detail::integer_as_fixed<T>(rhs);                                             \
  }                                                                                             \
  template <int W1, int I1, ap_q_mode Q1, ap_o_mode O1, class T,                                \
            detail::enable_if_signed_integer<T> = 0>                                            \
  constexpr auto operator op(T lhs, const fixed<W1, I1, Q1, O1>& rhs) {                         \
    return detail::integer_as_fixed<T>(lhs) op rhs;                                             \
  }

BCNN_HLS_FIXED_INTEGER_ARITHMETIC(+)
BCNN_HLS_FIXED_INTEGER_ARITHMETIC(-)
BCNN_HLS_FIXED_INTEGER_ARITHMETIC(*)
#undef BCNN_HLS_FIXED_INTEGER_ARITHMETIC

// The raw two's complement bits of x: x == value * 2^(W - I). Same function for ap_fixed.
template <int W, int I, ap_q_mode Q, ap_o_mode O>
constexpr int64_t raw_bits(const fixed<W, I, Q, O>& x) {
  return x.raw();
}

// The value of type T whose raw bits are the low W bits of `bits`. Same function for ap_fixed.
template <class T>
constexpr T from_raw_bits(int64_t bits) {
  return T::from_raw(bits);
}

#ifndef __SYNTHESIS__
// For people: prints to_double() with the stream's settings. Not the vendor's decimal printer, so
// compare raw_bits, never printed text, between C simulation and bcnn.
template <int W, int I, ap_q_mode Q, ap_o_mode O>
std::ostream& operator<<(std::ostream& out, const fixed<W, I, Q, O>& x) {
  return out << x.to_double();
}
#endif

}  // namespace bcnn_hls

#endif  // BCNN_HLS_USE_AP_FIXED || __SYNTHESIS__

#ifndef __SYNTHESIS__

namespace bcnn_hls {

// --- runtime formats for the emulator ----------------------------------------------------------
// A format known only at run time (read from a model file). quantize() and the helpers below call
// the same core functions as fixed<W, I, Q, O>, so for every W, I, Q, O and input:
//   quantize(raw, F_in, format_of<fixed<W, I, Q, O>>()) == fixed<W, I, Q, O>(x).raw()
// where x has raw bits `raw` with F_in fraction bits.
struct format {
  int width;      // W: total bits including the sign, 1..64
  int integer;    // I: integer bits including the sign; may be negative or larger than W
  quant_mode q;
  overflow_mode o;

  constexpr int fraction_bits() const { return width - integer; }
  constexpr int64_t min_raw() const { return -max_raw() - 1; }
  constexpr int64_t max_raw() const {
    return static_cast<int64_t>((uint64_t{1} << (width - 1)) - 1);
  }
};

constexpr bool operator==(const format& a, const format& b) {
  return a.width == b.width && a.integer == b.integer && a.q == b.q && a.o == b.o;
}
constexpr bool operator!=(const format& a, const format& b) { return !(a == b); }

constexpr bool is_valid(const format& f) { return is_valid_format(f.width, f.integer); }

// The format of a compile-time type (bcnn_hls::fixed or ap_fixed).
template <class T>
constexpr format format_of() {
  return format{T::width, T::iwidth, to_quant_mode(T::qmode), to_overflow_mode(T::omode)};
}

// raw (with from_fraction_bits fraction bits) into f: quantization with f.q, then overflow with
// f.o. raw may be any exact intermediate, e.g. a sum of 128-bit products.
constexpr int64_t quantize(int128 raw, int from_fraction_bits, const format& f) {
  return convert_raw(raw, from_fraction_bits, f.width, f.fraction_bits(), f.q, f.o);
}

BCNN_HLS_CONSTEXPR_DOUBLE int64_t from_double(double value, const format& f) {
  return raw_from_double(value, f.width, f.fraction_bits(), f.q, f.o);
}

BCNN_HLS_CONSTEXPR_DOUBLE double to_double(int64_t raw, const format& f) {
  return raw_to_double(raw, f.fraction_bits());
}

BCNN_HLS_CONSTEXPR_DOUBLE float to_float(int64_t raw, const format& f) {
  return raw_to_float(raw, f.fraction_bits());
}

// Formats of the exact results of a + b, a - b and a * b (AP_TRN, AP_WRAP), as the compile-time
// operators produce them. The width may exceed 64 (where the compile-time operators refuse);
// the emulator then keeps the raw value in 128 bits.
constexpr format sum_format(const format& a, const format& b) {
  const int integer = (a.integer > b.integer ? a.integer : b.integer) + 1;
  const int fraction = a.fraction_bits() > b.fraction_bits() ? a.fraction_bits() : b.fraction_bits();
  return format{integer + fraction, integer, quant_mode::trn, overflow_mode::wrap};
}

constexpr format product_format(const format& a, const format& b) {
  return format{a.width + b.width, a.integer + b.integer, quant_mode::trn, overflow_mode::wrap};
}

}  // namespace bcnn_hls

#endif  // __SYNTHESIS__

#endif  // BCNN_HLS_FIXED_H

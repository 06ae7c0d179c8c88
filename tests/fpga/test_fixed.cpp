// Tests of bcnn_hls::fixed (fpga/include/bcnn_hls/fixed.h) against an independent reference:
// exact rational arithmetic on 128-bit integers (floor division and remainders, no shifts or bit
// tricks), written here from the mathematical definitions of the ap_fixed modes, plus examples
// quoted from the Vitis HLS user guide.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

#include "bcnn_hls/fixed.h"

namespace {

using bcnn_hls::fixed;
using bcnn_hls::format;
using bcnn_hls::overflow_mode;
using bcnn_hls::quant_mode;
__extension__ typedef __int128 i128;

// ------------------------------------------------------------------------------------------------
// Reference

i128 power_of_two(int n) {
  i128 p = 1;
  for (int i = 0; i < n; ++i) p *= 2;
  return p;
}

i128 floor_div(i128 a, i128 b) {  // b > 0
  i128 q = a / b;
  if (a % b != 0 && a < 0) --q;
  return q;
}

// num / den (den > 0) rounded to an integer by the definition of each mode.
i128 reference_round(i128 num, i128 den, quant_mode q) {
  const i128 down = floor_div(num, den);
  const i128 twice_rest = 2 * (num - down * den);  // in [0, 2 den)
  const bool negative = num < 0;
  if (twice_rest == 0) return down;
  switch (q) {
    case quant_mode::trn:
      return down;
    case quant_mode::trn_zero:
      return negative ? down + 1 : down;
    default:
      break;
  }
  if (twice_rest < den) return down;
  if (twice_rest > den) return down + 1;
  switch (q) {  // exactly half way
    case quant_mode::rnd:
      return down + 1;
    case quant_mode::rnd_zero:
      return negative ? down + 1 : down;
    case quant_mode::rnd_min_inf:
      return down;
    case quant_mode::rnd_inf:
      return negative ? down : down + 1;
    case quant_mode::rnd_conv:
      return down % 2 == 0 ? down : down + 1;
    default:
      return 0;
  }
}

// v fitted into W bits. For AP_SAT_SYM with W = 1 the vendor writes the pattern min | 1 == min
// (ap_fixed_base::overflow_adjust in Xilinx/HLS_arbitrary_Precision_Types, ap_fixed_base.h).
i128 reference_overflow(i128 v, int width, overflow_mode o) {
  const i128 modulus = power_of_two(width);
  const i128 max_value = power_of_two(width - 1) - 1;
  const i128 min_value = -power_of_two(width - 1);
  const i128 sym_low = width == 1 ? min_value : -max_value;
  switch (o) {
    case overflow_mode::wrap:
      return ((v - min_value) % modulus + modulus) % modulus + min_value;
    case overflow_mode::sat:
      return v > max_value ? max_value : (v < min_value ? min_value : v);
    case overflow_mode::sat_zero:
      return v > max_value || v < min_value ? 0 : v;
    case overflow_mode::sat_sym:
      return v > max_value ? max_value : (v < sym_low ? sym_low : v);
  }
  return 0;
}

// raw * 2^-from_fraction into (width, to_fraction, q, o); |to - from| <= 60 and |raw| < 2^64.
int64_t reference_convert(i128 raw, int from_fraction, int width, int to_fraction, quant_mode q,
                          overflow_mode o) {
  const int shift = to_fraction - from_fraction;
  const i128 num = shift >= 0 ? raw * power_of_two(shift) : raw;
  const i128 den = shift >= 0 ? 1 : power_of_two(-shift);
  return static_cast<int64_t>(reference_overflow(reference_round(num, den, q), width, o));
}

// A finite normal double as mantissa * 2^exponent, via frexp (not the library's bit reading).
void split_double(double d, int64_t& mantissa, int& exponent) {
  int e = 0;
  const double m = std::frexp(d, &e);  // d = m * 2^e, 0.5 <= |m| < 1
  mantissa = static_cast<int64_t>(std::ldexp(m, 53));
  exponent = e - 53;
}

int64_t reference_from_double(double d, int width, int fraction, quant_mode q, overflow_mode o) {
  if (d == 0) return 0;
  int64_t mantissa = 0;
  int exponent = 0;
  split_double(d, mantissa, exponent);
  return reference_convert(mantissa, -exponent, width, fraction, q, o);
}

long double exact_value(int64_t raw, int fraction) {
  return std::ldexp(static_cast<long double>(raw), -fraction);
}

constexpr quant_mode all_quant_modes[] = {
    quant_mode::trn,     quant_mode::trn_zero,    quant_mode::rnd,     quant_mode::rnd_zero,
    quant_mode::rnd_inf, quant_mode::rnd_min_inf, quant_mode::rnd_conv};
constexpr overflow_mode all_overflow_modes[] = {overflow_mode::wrap, overflow_mode::sat,
                                                overflow_mode::sat_zero, overflow_mode::sat_sym};
constexpr ap_q_mode all_ap_q_modes[] = {AP_RND,      AP_RND_ZERO, AP_RND_MIN_INF, AP_RND_INF,
                                        AP_RND_CONV, AP_TRN,      AP_TRN_ZERO};
constexpr ap_o_mode all_ap_o_modes[] = {AP_SAT, AP_SAT_ZERO, AP_SAT_SYM, AP_WRAP};

std::string describe(const char* what, int64_t raw, int w_in, int i_in, int w_out, int i_out,
                     quant_mode q, overflow_mode o, int64_t got, int64_t expected) {
  std::ostringstream out;
  out << what << ": raw " << raw << " of <" << w_in << "," << i_in << "> into <" << w_out << ","
      << i_out << "," << bcnn_hls::ap_name(q) << "," << bcnn_hls::ap_name(o) << ">: got " << got
      << ", expected " << expected;
  return out.str();
}

// Counts mismatches and keeps the first, so a sweep reports one CHECK, not millions.
struct mismatch_log {
  long long checked = 0;
  long long mismatches = 0;
  std::string first;
  void record(bool ok, const std::string& description) {
    ++checked;
    if (!ok && mismatches++ == 0) first = description;
  }
};

// Calls f(std::integral_constant<ap_q_mode, Q>, std::integral_constant<ap_o_mode, O>) for every
// supported pair of modes.
template <class F, std::size_t... qi, std::size_t... oi>
void for_each_mode_pair(F&& f, std::index_sequence<qi...>, std::index_sequence<oi...>) {
  auto for_q = [&](auto q_constant) {
    (f(q_constant, std::integral_constant<ap_o_mode, all_ap_o_modes[oi]>{}), ...);
  };
  (for_q(std::integral_constant<ap_q_mode, all_ap_q_modes[qi]>{}), ...);
}
template <class F>
void for_each_mode_pair(F&& f) {
  for_each_mode_pair(f, std::make_index_sequence<7>{}, std::make_index_sequence<4>{});
}

}  // namespace

// ------------------------------------------------------------------------------------------------

TEST_CASE("fixed: mode enums have the vendor's values and names") {
  // Values of ap_q_mode / ap_o_mode in Xilinx/HLS_arbitrary_Precision_Types include/ap_decl.h.
  CHECK(static_cast<int>(AP_RND) == 0);
  CHECK(static_cast<int>(AP_RND_ZERO) == 1);
  CHECK(static_cast<int>(AP_RND_MIN_INF) == 2);
  CHECK(static_cast<int>(AP_RND_INF) == 3);
  CHECK(static_cast<int>(AP_RND_CONV) == 4);
  CHECK(static_cast<int>(AP_TRN) == 5);
  CHECK(static_cast<int>(AP_TRN_ZERO) == 6);
  CHECK(static_cast<int>(AP_SAT) == 0);
  CHECK(static_cast<int>(AP_SAT_ZERO) == 1);
  CHECK(static_cast<int>(AP_SAT_SYM) == 2);
  CHECK(static_cast<int>(AP_WRAP) == 3);
  CHECK(static_cast<int>(AP_WRAP_SM) == 4);
  CHECK_FALSE(bcnn_hls::is_supported_overflow_mode(AP_WRAP_SM));

  for (ap_q_mode q : all_ap_q_modes) {
    CHECK(bcnn_hls::to_ap_q_mode(bcnn_hls::to_quant_mode(q)) == q);
  }
  for (ap_o_mode o : all_ap_o_modes) {
    CHECK(bcnn_hls::to_ap_o_mode(bcnn_hls::to_overflow_mode(o)) == o);
  }
  for (quant_mode q : all_quant_modes) {
    quant_mode parsed = quant_mode::trn;
    REQUIRE(bcnn_hls::parse_quant_mode(bcnn_hls::ap_name(q), parsed));
    CHECK(parsed == q);
  }
  for (overflow_mode o : all_overflow_modes) {
    overflow_mode parsed = overflow_mode::wrap;
    REQUIRE(bcnn_hls::parse_overflow_mode(bcnn_hls::ap_name(o), parsed));
    CHECK(parsed == o);
  }
  CHECK(std::string(bcnn_hls::ap_name(quant_mode::rnd_conv)) == "AP_RND_CONV");
  CHECK(std::string(bcnn_hls::ap_name(overflow_mode::sat_sym)) == "AP_SAT_SYM");
  quant_mode unchanged = quant_mode::rnd;
  CHECK_FALSE(bcnn_hls::parse_quant_mode("AP_RND_", unchanged));
  CHECK_FALSE(bcnn_hls::parse_quant_mode("ap_rnd", unchanged));
  CHECK(unchanged == quant_mode::rnd);
  overflow_mode unchanged_o = overflow_mode::sat;
  CHECK_FALSE(bcnn_hls::parse_overflow_mode("AP_WRAP_SM", unchanged_o));
  CHECK(unchanged_o == overflow_mode::sat);
}

TEST_CASE("fixed: examples from the Vitis HLS user guide") {
  // AMD UG1399 (Vitis HLS User Guide, 2022.1 to 2024.1), "Quantization Modes":
  //   ap_fixed<3, 2, AP_RND, AP_SAT> UAPFixed4 = 1.25;          // Yields: 1.5
  //   ap_fixed<3, 2, AP_RND, AP_SAT> UAPFixed4 = -1.25;         // Yields: -1.0
  //   ap_fixed<3, 2, AP_RND_ZERO, AP_SAT> UAPFixed4 = 1.25;     // Yields: 1.0
  //   ap_fixed<3, 2, AP_RND_ZERO, AP_SAT> UAPFixed4 = -1.25;    // Yields: -1.0
  //   ap_fixed<3, 2, AP_RND_MIN_INF, AP_SAT> UAPFixed4 = 1.25;  // Yields: 1.0
  //   ap_fixed<3, 2, AP_RND_MIN_INF, AP_SAT> UAPFixed4 = -1.25; // Yields: -1.5
  //   ap_fixed<3, 2, AP_RND_INF, AP_SAT> UAPFixed4 = 1.25;      // Yields: 1.5
  //   ap_fixed<3, 2, AP_RND_INF, AP_SAT> UAPFixed4 = -1.25;     // Yields: -1.5
  CHECK(fixed<3, 2, AP_RND, AP_SAT>(1.25).to_double() == 1.5);
  CHECK(fixed<3, 2, AP_RND, AP_SAT>(-1.25).to_double() == -1.0);
  CHECK(fixed<3, 2, AP_RND_ZERO, AP_SAT>(1.25).to_double() == 1.0);
  CHECK(fixed<3, 2, AP_RND_ZERO, AP_SAT>(-1.25).to_double() == -1.0);
  CHECK(fixed<3, 2, AP_RND_MIN_INF, AP_SAT>(1.25).to_double() == 1.0);
  CHECK(fixed<3, 2, AP_RND_MIN_INF, AP_SAT>(-1.25).to_double() == -1.5);
  CHECK(fixed<3, 2, AP_RND_INF, AP_SAT>(1.25).to_double() == 1.5);
  CHECK(fixed<3, 2, AP_RND_INF, AP_SAT>(-1.25).to_double() == -1.5);
  // UG1399, "Overflow Modes":
  //   ap_fixed<4, 4, AP_RND, AP_SAT> UAPFixed4 = 19.0;       // Yields: 7.0
  //   ap_fixed<4, 4, AP_RND, AP_SAT> UAPFixed4 = -19.0;      // Yields: -8.0
  //   ap_fixed<4, 4, AP_RND, AP_SAT_ZERO> UAPFixed4 = 19.0;  // Yields: 0.0
  //   ap_fixed<4, 4, AP_RND, AP_SAT_ZERO> UAPFixed4 = -19.0; // Yields: 0.0
  //   ap_fixed<4, 4, AP_RND, AP_SAT_SYM> UAPFixed4 = 19.0;   // Yields: 7.0
  //   ap_fixed<4, 4, AP_RND, AP_SAT_SYM> UAPFixed4 = -19.0;  // Yields: -7.0
  CHECK(fixed<4, 4, AP_RND, AP_SAT>(19.0).to_double() == 7.0);
  CHECK(fixed<4, 4, AP_RND, AP_SAT>(-19.0).to_double() == -8.0);
  CHECK(fixed<4, 4, AP_RND, AP_SAT_ZERO>(19.0).to_double() == 0.0);
  CHECK(fixed<4, 4, AP_RND, AP_SAT_ZERO>(-19.0).to_double() == 0.0);
  CHECK(fixed<4, 4, AP_RND, AP_SAT_SYM>(19.0).to_double() == 7.0);
  CHECK(fixed<4, 4, AP_RND, AP_SAT_SYM>(-19.0).to_double() == -7.0);
  // UG1399, "Fixed-Point Identifier Summary": "ap_fixed<2, 0> a = -0.5; // a can be -0.5".
  CHECK(fixed<2, 0>(-0.5).to_double() == -0.5);
  CHECK(fixed<2, 0>(-0.5).raw() == -2);
  // ap_fixed_base.h, comment in to_ap_int_base: "ap_fixed<8,4> t = f; // -8 0 0 0 . 0.5" for
  // f = -7.5f, i.e. the bits 1000.1000.
  CHECK(fixed<8, 4>(-7.5f).raw() == -120);
  // Default modes truncate toward minus infinity and wrap (UG1399 identifier summary).
  CHECK(fixed<3, 2>(-1.25).to_double() == -1.5);
  CHECK(fixed<4, 4>(9.0).to_double() == -7.0);
}

TEST_CASE("fixed: conversion between formats, exhaustive over small formats") {
  // Every raw value of every source format with W <= 8, into targets with W <= 6, in every
  // quantization and overflow mode, through the runtime path (bcnn_hls::quantize).
  const int source_integer_bits[] = {-3, -1, 0, 1, 3, 5, 8, 10};
  const int target_integer_bits[] = {-2, 0, 1, 2, 4, 7, 9};
  mismatch_log log;
  for (int w_in = 1; w_in <= 8; ++w_in) {
    for (int i_in : source_integer_bits) {
      for (int w_out = 1; w_out <= 6; ++w_out) {
        for (int i_out : target_integer_bits) {
          for (quant_mode q : all_quant_modes) {
            for (overflow_mode o : all_overflow_modes) {
              const format target{w_out, i_out, q, o};
              for (int64_t raw = -(int64_t{1} << (w_in - 1)); raw < (int64_t{1} << (w_in - 1));
                   ++raw) {
                const int64_t got = bcnn_hls::quantize(raw, w_in - i_in, target);
                const int64_t expected =
                    reference_convert(raw, w_in - i_in, w_out, w_out - i_out, q, o);
                if (got != expected) {
                  log.record(false, describe("convert", raw, w_in, i_in, w_out, i_out, q, o, got,
                                             expected));
                } else {
                  ++log.checked;
                }
              }
            }
          }
        }
      }
    }
  }
  INFO(log.first);
  CHECK(log.mismatches == 0);
  CHECK(log.checked > 4000000);
}

namespace {

template <int w_in, int i_in, int w_out, int i_out>
void check_class_conversions(mismatch_log& log) {
  for_each_mode_pair([&](auto q_constant, auto o_constant) {
    constexpr ap_q_mode q = decltype(q_constant)::value;
    constexpr ap_o_mode o = decltype(o_constant)::value;
    using source = fixed<w_in, i_in, AP_RND_CONV, AP_SAT>;  // the source's modes play no role
    using target = fixed<w_out, i_out, q, o>;
    for (int64_t raw = -(int64_t{1} << (w_in - 1)); raw < (int64_t{1} << (w_in - 1)); ++raw) {
      const source x = source::from_raw(raw);
      const target constructed(x);
      target assigned;
      assigned = x;
      const int64_t expected =
          reference_convert(raw, w_in - i_in, w_out, w_out - i_out, bcnn_hls::to_quant_mode(q),
                            bcnn_hls::to_overflow_mode(o));
      log.record(constructed.raw() == expected && assigned.raw() == expected,
                 describe("class convert", raw, w_in, i_in, w_out, i_out,
                          bcnn_hls::to_quant_mode(q), bcnn_hls::to_overflow_mode(o),
                          constructed.raw(), expected));
    }
  });
}

}  // namespace

TEST_CASE("fixed: conversion constructor and assignment of the class template") {
  mismatch_log log;
  check_class_conversions<6, 3, 4, 2>(log);
  check_class_conversions<6, 3, 4, 4>(log);  // fewer fraction and integer bits
  check_class_conversions<5, -1, 3, -2>(log);
  check_class_conversions<4, 6, 6, 3>(log);  // I > W in the source
  check_class_conversions<8, 8, 3, 1>(log);
  check_class_conversions<7, 2, 1, 1>(log);  // 1-bit target
  check_class_conversions<1, 0, 5, 2>(log);  // 1-bit source
  check_class_conversions<8, 1, 8, 4>(log);  // only integer bits added
  INFO(log.first);
  CHECK(log.mismatches == 0);
  CHECK(log.checked == 28 * (64 + 64 + 32 + 16 + 256 + 128 + 2 + 256));
}

TEST_CASE("fixed: conversion between random wide formats") {
  std::mt19937_64 rng(20240611);
  mismatch_log log;
  for (int trial = 0; trial < 200000; ++trial) {
    const int w_in = 1 + static_cast<int>(rng() % 64);
    const int w_out = 1 + static_cast<int>(rng() % 64);
    const int f_in = static_cast<int>(rng() % 121) - 40;
    int f_out = f_in + static_cast<int>(rng() % 121) - 60;  // |f_out - f_in| <= 60
    if (trial % 5 == 0) f_out = f_in + static_cast<int>(rng() % 3) - 1;
    const int64_t raw = bcnn_hls::overflow_raw(static_cast<i128>(rng()), w_in, overflow_mode::wrap);
    const quant_mode q = all_quant_modes[rng() % 7];
    const overflow_mode o = all_overflow_modes[rng() % 4];
    const int64_t got = bcnn_hls::quantize(raw, f_in, format{w_out, w_out - f_out, q, o});
    const int64_t expected = reference_convert(raw, f_in, w_out, f_out, q, o);
    log.record(got == expected, describe("wide convert", raw, w_in, w_in - f_in, w_out,
                                         w_out - f_out, q, o, got, expected));
  }
  INFO(log.first);
  CHECK(log.mismatches == 0);
}

TEST_CASE("fixed: shifts of the binary point beyond 128 bits") {
  const format wrap16{16, 8, quant_mode::rnd, overflow_mode::wrap};
  const format sat16{16, 8, quant_mode::rnd, overflow_mode::sat};
  // 1 * 2^200 and -(2^63) * 2^150: multiples of 2^16 raw units, so they wrap to 0.
  CHECK(bcnn_hls::quantize(1, -200, wrap16) == 0);
  CHECK(bcnn_hls::quantize(std::numeric_limits<int64_t>::min(), -150, wrap16) == 0);
  // 3 * 2^60 raw units wraps to 0 too; under AP_SAT huge values saturate by their sign.
  CHECK(bcnn_hls::quantize(3, -52, wrap16) == 0);
  CHECK(bcnn_hls::quantize(1, -200, sat16) == 32767);
  CHECK(bcnn_hls::quantize(-1, -200, sat16) == -32768);
  CHECK(bcnn_hls::quantize(5, -5, sat16) == 32767);  // 5 * 2^5 = 160 > max value 2^7 - 2^-8
  CHECK(bcnn_hls::quantize(5, -5, wrap16) == 160 * 256 - 65536);
  // 128-bit intermediates shifted past 2^127 still wrap to their exact low bits.
  CHECK(bcnn_hls::quantize((static_cast<i128>(1) << 115) + 1, 0,
                           format{16, 4, quant_mode::rnd, overflow_mode::wrap}) == 4096);
  CHECK(bcnn_hls::quantize((static_cast<i128>(1) << 100) + 7, 0,
                           format{64, 24, quant_mode::trn, overflow_mode::wrap}) ==
        7 * (int64_t{1} << 40));
  CHECK(bcnn_hls::quantize(-(static_cast<i128>(1) << 100) - 7, 0,
                           format{64, 24, quant_mode::trn, overflow_mode::wrap}) ==
        -7 * (int64_t{1} << 40));
  CHECK(bcnn_hls::quantize(-(static_cast<i128>(1) << 100) - 7, 0,
                           format{64, 24, quant_mode::trn, overflow_mode::sat_sym}) ==
        -std::numeric_limits<int64_t>::max());
  // Values far below the LSB: floor gives 0 or -1, rounding gives 0, truncation toward zero 0.
  const i128 huge = static_cast<i128>(std::numeric_limits<int64_t>::max()) << 60;
  for (overflow_mode o : all_overflow_modes) {
    CHECK(bcnn_hls::quantize(huge, 300, format{16, 8, quant_mode::trn, o}) == 0);
    CHECK(bcnn_hls::quantize(-huge, 300, format{16, 8, quant_mode::trn, o}) == -1);
    CHECK(bcnn_hls::quantize(-huge, 300, format{16, 8, quant_mode::trn_zero, o}) == 0);
    CHECK(bcnn_hls::quantize(-huge, 300, format{16, 8, quant_mode::rnd, o}) == 0);
    CHECK(bcnn_hls::quantize(-huge, 300, format{16, 8, quant_mode::rnd_min_inf, o}) == 0);
  }
  // Exactly half an LSB away, with the half bit far out: 2^129 / 2^130 = 1/2.
  const i128 two_to_126 = static_cast<i128>(1) << 126;
  CHECK(bcnn_hls::quantize(-two_to_126, 127, format{8, 8, quant_mode::rnd, overflow_mode::wrap}) ==
        0);  // -1/2 rounds up to 0
  CHECK(bcnn_hls::quantize(-two_to_126, 127,
                           format{8, 8, quant_mode::rnd_min_inf, overflow_mode::wrap}) == -1);
  CHECK(bcnn_hls::quantize(two_to_126, 127, format{8, 8, quant_mode::rnd, overflow_mode::wrap}) ==
        1);
  CHECK(bcnn_hls::quantize(two_to_126, 127,
                           format{8, 8, quant_mode::rnd_conv, overflow_mode::wrap}) == 0);
  // -2^127 / 2^128 = -1/2: the half bit is the sign bit itself.
  const i128 minimum = bcnn_hls::detail::int128_min();
  CHECK(bcnn_hls::quantize(minimum, 128, format{8, 8, quant_mode::rnd, overflow_mode::wrap}) == 0);
  CHECK(bcnn_hls::quantize(minimum, 128, format{8, 8, quant_mode::rnd_conv, overflow_mode::wrap}) ==
        0);
  CHECK(bcnn_hls::quantize(minimum, 128, format{8, 8, quant_mode::rnd_inf, overflow_mode::wrap}) ==
        -1);
  CHECK(bcnn_hls::quantize(minimum, 129, format{8, 8, quant_mode::rnd_inf, overflow_mode::wrap}) ==
        0);
  CHECK(bcnn_hls::quantize(minimum, 129, format{8, 8, quant_mode::trn, overflow_mode::wrap}) == -1);
}

TEST_CASE("fixed: conversion from double is exact") {
  mismatch_log log;
  // Every representable value of small formats, the midpoints between them and their neighbours
  // one double ulp away, into every mode: this is where a float-rounding shortcut double-rounds.
  for (int w = 1; w <= 7; ++w) {
    for (int i : {-3, 0, 1, 3, 6, 9}) {
      const int f = w - i;
      for (quant_mode q : all_quant_modes) {
        for (overflow_mode o : all_overflow_modes) {
          for (int64_t half_steps = -(int64_t{1} << w) - 3; half_steps <= (int64_t{1} << w) + 3;
               ++half_steps) {
            const double center = std::ldexp(static_cast<double>(half_steps), -f - 1);
            for (double d : {center, std::nextafter(center, -1e300), std::nextafter(center, 1e300)}) {
              if (d != 0 && std::abs(d) < 1e-30) continue;  // subnormal neighbours of 0
              const int64_t got = bcnn_hls::raw_from_double(d, w, f, q, o);
              const int64_t expected = reference_from_double(d, w, f, q, o);
              log.record(got == expected,
                         describe("from double", half_steps, 64, 0, w, i, q, o, got, expected));
            }
          }
        }
      }
    }
  }
  // Random doubles of all magnitudes into random wide formats.
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 100000; ++trial) {
    const int w = 1 + static_cast<int>(rng() % 64);
    const int f = static_cast<int>(rng() % 101) - 30;
    const double magnitude = std::ldexp(1.0, static_cast<int>(rng() % 120) - 60);
    const double d = std::uniform_real_distribution<double>(-magnitude, magnitude)(rng);
    const quant_mode q = all_quant_modes[rng() % 7];
    const overflow_mode o = all_overflow_modes[rng() % 4];
    if (d == 0 || std::abs(std::ilogb(d) + f) > 55) continue;  // keep the reference in 128 bits
    const int64_t got = bcnn_hls::raw_from_double(d, w, f, q, o);
    const int64_t expected = reference_from_double(d, w, f, q, o);
    log.record(got == expected, describe("random double", static_cast<int64_t>(d), 64, 0, w, w - f,
                                         q, o, got, expected));
  }
  INFO(log.first);
  CHECK(log.mismatches == 0);

  // Classic double-rounding traps: floor(x + 0.5) rounds 0.49999999999999994 up, and
  // 2^52 + 0.5 is exactly half way between integers.
  CHECK(fixed<8, 8, AP_RND>(0.49999999999999994).raw() == 0);
  CHECK(fixed<8, 8, AP_RND>(0.5).raw() == 1);
  CHECK(fixed<64, 64, AP_RND_CONV>(4503599627370496.5).raw() == 4503599627370496);
  CHECK(fixed<64, 64, AP_RND_CONV>(4503599627370497.5).raw() == 4503599627370498);
  CHECK(fixed<64, 64, AP_RND>(-4503599627370496.5).raw() == -4503599627370496);
  // float goes through double exactly.
  CHECK(fixed<32, 8, AP_RND_CONV>(0.1f).raw() ==
        fixed<32, 8, AP_RND_CONV>(static_cast<double>(0.1f)).raw());
  CHECK(fixed<40, 4, AP_RND_CONV>(0.1f).raw() != fixed<40, 4, AP_RND_CONV>(0.1).raw());
  CHECK(fixed<32, 8, AP_RND_CONV>(0.1f).raw() ==
        reference_from_double(static_cast<double>(0.1f), 32, 24, quant_mode::rnd_conv,
                              overflow_mode::wrap));
}

TEST_CASE("fixed: special doubles behave like ap_fixed_base(double)") {
  // ap_fixed_base(double) sets the implicit mantissa bit for every exponent: +-0 give 0,
  // infinities act as +-2^1024, NaN as (1.m) * 2^1024 with its sign, subnormals as if normal.
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(fixed<16, 6, AP_RND, AP_SAT>(-0.0).raw() == 0);
  CHECK(fixed<16, 6, AP_RND, AP_SAT>(inf).raw() == 32767);
  CHECK(fixed<16, 6, AP_RND, AP_SAT>(-inf).raw() == -32768);
  CHECK(fixed<16, 6, AP_RND, AP_SAT_SYM>(-inf).raw() == -32767);
  CHECK(fixed<16, 6, AP_RND, AP_SAT_ZERO>(inf).raw() == 0);
  CHECK(fixed<16, 6, AP_RND, AP_WRAP>(inf).raw() == 0);
  CHECK(fixed<16, 6, AP_RND, AP_SAT>(nan).raw() == 32767);
  CHECK(fixed<16, 6, AP_RND, AP_SAT>(-nan).raw() == -32768);
  const double tiny = std::numeric_limits<double>::denorm_min();
  CHECK(fixed<8, 0>(tiny).raw() == 0);
  CHECK(fixed<8, 0>(-tiny).raw() == -1);  // floor
  CHECK(fixed<8, 0, AP_RND>(-tiny).raw() == 0);
  CHECK(fixed<8, 0, AP_TRN_ZERO>(-tiny).raw() == 0);
}

TEST_CASE("fixed: conversion from integers") {
  CHECK(fixed<8, 4>(3).raw() == 48);
  CHECK(fixed<8, 4>(-8).raw() == -128);
  CHECK(fixed<8, 4>(8).raw() == -128);  // wraps
  CHECK(fixed<8, 4, AP_TRN, AP_SAT>(1000).raw() == 127);
  CHECK(fixed<8, 4, AP_TRN, AP_SAT>(-1000L).raw() == -128);
  CHECK(fixed<8, 10, AP_RND>(3).raw() == 1);  // LSB 4: 3/4 rounds to 1
  CHECK(fixed<8, 10, AP_TRN>(-3).raw() == -1);
  CHECK(fixed<8, 4>(true).raw() == 16);
  CHECK(fixed<64, 64, AP_TRN, AP_SAT>(std::numeric_limits<unsigned long long>::max()).raw() ==
        std::numeric_limits<int64_t>::max());
  CHECK(fixed<64, 64>(std::numeric_limits<unsigned long long>::max()).raw() == -1);
}

TEST_CASE("fixed: to_double and to_float round to nearest, ties to even") {
  std::mt19937_64 rng(5);
  mismatch_log log;
  for (int trial = 0; trial < 100000; ++trial) {
    const int w = 1 + static_cast<int>(rng() % 64);
    const int f = static_cast<int>(rng() % 201) - 100;
    int64_t raw = bcnn_hls::overflow_raw(static_cast<i128>(rng()), w, overflow_mode::wrap);
    if (trial % 7 == 0) raw = bcnn_hls::overflow_raw((static_cast<i128>(rng() % 8) << 50) |
                                                         (static_cast<i128>(1) << 10),
                                                     w, overflow_mode::wrap);  // near ties
    const long double exact = exact_value(raw, f);  // exact: 64-bit significand
    const double as_double = bcnn_hls::raw_to_double(raw, f);
    const float as_float = bcnn_hls::raw_to_float(raw, f);
    log.record(as_double == static_cast<double>(exact) &&
                   as_float == static_cast<float>(exact),
               describe("to_double/to_float", raw, w, w - f, 0, 0, quant_mode::trn,
                        overflow_mode::wrap, 0, 0));
  }
  INFO(log.first);
  CHECK(log.mismatches == 0);
  // A tie at 54 bits: 2^53 + 1 is half way between 2^53 and 2^53 + 2; even wins.
  CHECK(fixed<64, 64>::from_raw((int64_t{1} << 53) + 1).to_double() == 9007199254740992.0);
  CHECK(fixed<64, 64>::from_raw((int64_t{1} << 53) + 3).to_double() == 9007199254740996.0);
  // to_float rounds once from the exact value, not through double: 2^24 + 1 + 2^-30 is just
  // above the tie between 2^24 and 2^24 + 2, so it goes up; via double it would tie and go down.
  const int64_t raw = ((int64_t{1} << 24) + 1) * (int64_t{1} << 30) + 1;  // F = 30
  CHECK(fixed<64, 34>::from_raw(raw).to_float() == 16777218.0f);
  CHECK(static_cast<float>(fixed<64, 34>::from_raw(raw).to_double()) == 16777216.0f);
  CHECK(fixed<64, 34>::from_raw(std::numeric_limits<int64_t>::min()).to_double() == -8589934592.0);
  CHECK(static_cast<double>(fixed<8, 4>(-2.5)) == -2.5);
  CHECK(static_cast<float>(fixed<8, 4>(-2.5)) == -2.5f);
}

namespace {

template <int w1, int i1, int w2, int i2>
void check_arithmetic(mismatch_log& log) {
  using left = fixed<w1, i1, AP_RND, AP_SAT>;  // operand modes do not matter for exact results
  using right = fixed<w2, i2, AP_TRN_ZERO, AP_SAT_SYM>;
  constexpr int f1 = w1 - i1;
  constexpr int f2 = w2 - i2;
  constexpr int sum_i = (i1 > i2 ? i1 : i2) + 1;
  constexpr int sum_f = f1 > f2 ? f1 : f2;
  static_assert(std::is_same<decltype(left() * right()), fixed<w1 + w2, i1 + i2>>::value,
                "product type is fixed<W1 + W2, I1 + I2>");
  static_assert(std::is_same<decltype(left() + right()), fixed<sum_i + sum_f, sum_i>>::value,
                "sum type is fixed<max(I) + 1 + max(F), max(I) + 1>");
  static_assert(std::is_same<decltype(left() - right()), fixed<sum_i + sum_f, sum_i>>::value,
                "difference type as the sum");
  static_assert(std::is_same<decltype(-left()), fixed<w1 + 1, i1 + 1>>::value,
                "negation type is fixed<W + 1, I + 1>");
  for (int64_t a = -(int64_t{1} << (w1 - 1)); a < (int64_t{1} << (w1 - 1)); ++a) {
    for (int64_t b = -(int64_t{1} << (w2 - 1)); b < (int64_t{1} << (w2 - 1)); ++b) {
      const left x = left::from_raw(a);
      const right y = right::from_raw(b);
      // Reference values scaled to a common denominator 2^(f1 + f2 + 64).
      const int scale = f1 + f2 + 64;
      const i128 va = static_cast<i128>(a) * power_of_two(scale - f1);
      const i128 vb = static_cast<i128>(b) * power_of_two(scale - f2);
      const auto product = x * y;
      const auto sum = x + y;
      const auto difference = x - y;
      const auto negated = -x;
      bool ok = static_cast<i128>(product.raw()) * power_of_two(scale - f1 - f2) ==
                static_cast<i128>(a) * b * power_of_two(64);
      ok = ok && static_cast<i128>(sum.raw()) * power_of_two(scale - sum_f) == va + vb;
      ok = ok && static_cast<i128>(difference.raw()) * power_of_two(scale - sum_f) == va - vb;
      ok = ok && static_cast<i128>(negated.raw()) == -static_cast<i128>(a);
      // Comparisons are exact across formats.
      ok = ok && (x < y) == (va < vb) && (x <= y) == (va <= vb) && (x > y) == (va > vb) &&
           (x >= y) == (va >= vb) && (x == y) == (va == vb) && (x != y) == (va != vb);
      // Compound assignment: the exact result quantized into the left type (AP_RND, AP_SAT).
      left accumulate = x;
      accumulate += y;
      const int64_t expected_sum =
          reference_convert(sum.raw(), sum_f, w1, f1, quant_mode::rnd, overflow_mode::sat);
      ok = ok && accumulate.raw() == expected_sum && accumulate.raw() == left(sum).raw();
      left subtract = x;
      subtract -= y;
      ok = ok && subtract.raw() == reference_convert(difference.raw(), sum_f, w1, f1,
                                                     quant_mode::rnd, overflow_mode::sat);
      left multiply = x;
      multiply *= y;
      ok = ok && multiply.raw() == reference_convert(static_cast<i128>(a) * b, f1 + f2, w1, f1,
                                                     quant_mode::rnd, overflow_mode::sat);
      std::ostringstream what;
      what << "arithmetic <" << w1 << "," << i1 << "> " << a << " with <" << w2 << "," << i2
           << "> " << b;
      log.record(ok, what.str());
    }
  }
}

}  // namespace

TEST_CASE("fixed: +, -, * exact with ap_fixed result types, compound assignment, comparisons") {
  mismatch_log log;
  check_arithmetic<5, 2, 5, 2>(log);
  check_arithmetic<6, 3, 4, -1>(log);
  check_arithmetic<4, 6, 6, 1>(log);
  check_arithmetic<1, 1, 7, 4>(log);
  check_arithmetic<7, 0, 3, 3>(log);
  check_arithmetic<8, 8, 8, -2>(log);
  INFO(log.first);
  CHECK(log.mismatches == 0);
  CHECK(log.checked == 32 * 32 + 64 * 16 + 16 * 64 + 2 * 128 + 128 * 8 + 256 * 256);

  // Random wide operands; *= past 64 bits keeps the 128-bit product exact.
  std::mt19937_64 rng(11);
  using wide = fixed<40, 10, AP_RND_CONV, AP_SAT>;
  using other = fixed<30, 5>;
  mismatch_log wide_log;
  for (int trial = 0; trial < 20000; ++trial) {
    const int64_t a = bcnn_hls::overflow_raw(static_cast<i128>(rng()), 40, overflow_mode::wrap);
    const int64_t b = bcnn_hls::overflow_raw(static_cast<i128>(rng()), 30, overflow_mode::wrap);
    wide x = wide::from_raw(a);
    x *= other::from_raw(b);
    wide y = wide::from_raw(a);
    y += other::from_raw(b);
    const bool ok =
        x.raw() == reference_convert(static_cast<i128>(a) * b, 30 + 25, 40, 30,
                                     quant_mode::rnd_conv, overflow_mode::sat) &&
        y.raw() == reference_convert(static_cast<i128>(a) + static_cast<i128>(b) * 32, 30, 40, 30,
                                     quant_mode::rnd_conv, overflow_mode::sat);
    wide_log.record(ok, "wide compound assignment a=" + std::to_string(a) +
                            " b=" + std::to_string(b));
  }
  INFO(wide_log.first);
  CHECK(wide_log.mismatches == 0);
}

TEST_CASE("fixed: integers as operands act as fixed<n, n>") {
  using value = fixed<16, 6, AP_RND, AP_SAT>;
  static_assert(std::is_same<decltype(value() * 3), fixed<48, 38>>::value, "int is fixed<32,32>");
  static_assert(std::is_same<decltype(3 + value()), fixed<43, 33>>::value, "sum with int");
  static_assert(std::is_same<decltype(value() - static_cast<short>(1)), fixed<27, 17>>::value,
                "short is fixed<16,16>");
  const value x = 2.75;
  CHECK((x * 3).to_double() == 8.25);
  CHECK((3 * x).to_double() == 8.25);
  CHECK((x + 1).to_double() == 3.75);
  CHECK((1 - x).to_double() == -1.75);
  CHECK((x - 5).to_double() == -2.25);
  value y = x;
  y += 30;  // 32.75 saturates at 2^5 - 2^-10
  CHECK(y.raw() == 32767);
  y = x;
  y *= -2;
  CHECK(y.to_double() == -5.5);
  y -= 1;
  CHECK(y.to_double() == -6.5);
  // Comparisons with integers are exact; with doubles they compare to_double() (exact here).
  CHECK(x > 2);
  CHECK(x < 3);
  CHECK(2 < x);
  CHECK_FALSE(x == 2);
  CHECK(value(2) == 2);
  CHECK(value(-0.5) < 0);
  CHECK(0 > value(-0.5));
  CHECK(x == 2.75);
  CHECK(x != 2.7);
  CHECK(2.7 < x);
  CHECK(x <= 2.75f);
  CHECK(x >= 2.75f);
  // A 64-bit integer compared exactly with a value whose double would round.
  const fixed<64, 64> big = fixed<64, 64>::from_raw((int64_t{1} << 53) + 1);
  CHECK(big != (int64_t{1} << 53));
  CHECK(big > (int64_t{1} << 53));
  CHECK(big == static_cast<double>(int64_t{1} << 53));  // via to_double(), as ap_fixed does
}

TEST_CASE("fixed: shifts keep the type, wrap on the left and floor on the right") {
  using value = fixed<8, 4, AP_RND, AP_SAT>;  // shifts ignore Q and O, as in ap_fixed
  const value x = value::from_raw(0x35);       // 3.3125
  CHECK((x << 1).raw() == 0x6a);
  CHECK((x << 2).raw() == static_cast<int8_t>(0xd4));  // wraps, no saturation
  CHECK((x >> 2).raw() == 0x0d);
  CHECK((value::from_raw(-3) >> 1).raw() == -2);  // floor
  CHECK((value::from_raw(-3) >> 20).raw() == -1);
  CHECK((value::from_raw(3) >> 20).raw() == 0);
  CHECK((x << 8).raw() == 0);
  CHECK((x << -1).raw() == (x >> 1).raw());
  CHECK((x >> -1).raw() == (x << 1).raw());
  value y = x;
  y <<= 1;
  CHECK(y.raw() == 0x6a);
  y >>= 3;
  CHECK(y.raw() == 0x0d);
  CHECK((fixed<64, 10>::from_raw(-1) << 63).raw() == std::numeric_limits<int64_t>::min());
}

TEST_CASE("fixed: raw access, limits and printing") {
  using value = fixed<6, 2, AP_RND, AP_SAT>;
  CHECK(value::from_raw(31).raw() == 31);
  CHECK(value::from_raw(32).raw() == -32);  // low W bits, like range(W - 1, 0) = bits
  CHECK(value::from_raw(-33).raw() == 31);
  CHECK(bcnn_hls::raw_bits(value::from_raw(-7)) == -7);
  CHECK(bcnn_hls::from_raw_bits<value>(-7).raw() == -7);
  CHECK(value().raw() == 0);
  CHECK(value::width == 6);
  CHECK(value::iwidth == 2);
  CHECK(value::fraction_bits == 4);
  CHECK(value::qmode == AP_RND);
  CHECK(value::omode == AP_SAT);
  CHECK(value(1.0).wl() == 6);
  CHECK(value(1.0).iwl() == 2);
  CHECK(fixed<64, 0>::from_raw(std::numeric_limits<int64_t>::min()).to_double() == -0.5);
  CHECK(fixed<1, 1>(-1).raw() == -1);
  CHECK(fixed<1, 1>(1).raw() == -1);  // wraps
  CHECK(fixed<1, 1, AP_TRN, AP_SAT>(1).raw() == 0);
  CHECK(fixed<1, 1, AP_TRN, AP_SAT_SYM>(-5).raw() == -1);  // W = 1: min | 1 == min
  std::ostringstream out;
  out << value(-1.25) << " " << fixed<8, 8>(5);
  CHECK(out.str() == "-1.25 5");
}

TEST_CASE("fixed: constexpr evaluation") {
  constexpr fixed<8, 4, AP_RND, AP_SAT> a = 1.53125;  // 24.5 LSBs, ties up
  static_assert(a.raw() == 25, "rounded at compile time");
  constexpr auto p = a * fixed<6, 2>(-0.75);
  static_assert(p.raw() == -25 * 12, "exact product");
  static_assert(fixed<4, 4, AP_RND, AP_SAT>(19.0).raw() == 7, "saturates");
  static_assert(bcnn_hls::quantize(-3, 1, format{4, 4, quant_mode::rnd_conv, overflow_mode::sat}) ==
                    -2,
                "-1.5 ties to even");
  static_assert(fixed<8, 4>(1.5) == fixed<5, 3>(1.5), "comparison");
  static_assert(fixed<16, 8>(0.25).to_double() == 0.25, "to_double");
  CHECK(a.raw() == 25);
}

TEST_CASE("fixed: compile-time types and runtime formats are bit-identical") {
  // One dense output as generated code writes it, and as the emulator replays it with formats
  // read at run time: data * weight products accumulated, then requantized.
  using data_t = fixed<16, 6, AP_RND, AP_SAT>;
  using weight_t = fixed<12, 2, AP_RND_CONV, AP_SAT_SYM>;
  using accumulator_t = fixed<32, 14, AP_TRN, AP_WRAP>;
  using output_t = fixed<10, 4, AP_RND_ZERO, AP_SAT>;
  const format data_f = bcnn_hls::format_of<data_t>();
  const format weight_f = bcnn_hls::format_of<weight_t>();
  const format accumulator_f = bcnn_hls::format_of<accumulator_t>();
  const format output_f = bcnn_hls::format_of<output_t>();
  CHECK(data_f == format{16, 6, quant_mode::rnd, overflow_mode::sat});
  CHECK(output_f != data_f);
  CHECK(bcnn_hls::is_valid(data_f));
  CHECK_FALSE(bcnn_hls::is_valid(format{65, 1, quant_mode::trn, overflow_mode::wrap}));
  CHECK_FALSE(bcnn_hls::is_valid(format{0, 0, quant_mode::trn, overflow_mode::wrap}));
  CHECK_FALSE(bcnn_hls::is_valid(format{8, -1000, quant_mode::trn, overflow_mode::wrap}));
  const format product_f = bcnn_hls::product_format(data_f, weight_f);
  CHECK(product_f == bcnn_hls::format_of<decltype(data_t() * weight_t())>());
  const format sum_f = bcnn_hls::sum_format(accumulator_f, product_f);
  CHECK(sum_f == bcnn_hls::format_of<decltype(accumulator_t() + data_t() * weight_t())>());

  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0.0, 3.0);
  mismatch_log log;
  for (int trial = 0; trial < 2000; ++trial) {
    constexpr int n = 16;
    accumulator_t accumulator = 0;
    int64_t accumulator_raw = bcnn_hls::quantize(0, 0, accumulator_f);
    bool inputs_agree = true;
    for (int k = 0; k < n; ++k) {
      const double x_value = normal(rng) * 4;  // sometimes saturates
      const double w_value = normal(rng) / 2;
      const data_t x = x_value;
      const weight_t w = w_value;
      const int64_t x_raw = bcnn_hls::from_double(x_value, data_f);
      const int64_t w_raw = bcnn_hls::from_double(w_value, weight_f);
      inputs_agree = inputs_agree && x.raw() == x_raw && w.raw() == w_raw;
      accumulator += x * w;
      // Runtime: exact product, exact sum in the sum format, then quantize into the accumulator.
      const i128 product_raw = static_cast<i128>(x_raw) * w_raw;
      const i128 sum_raw =
          static_cast<i128>(accumulator_raw) *
              (static_cast<i128>(1) << (sum_f.fraction_bits() - accumulator_f.fraction_bits())) +
          product_raw * (static_cast<i128>(1) << (sum_f.fraction_bits() - product_f.fraction_bits()));
      accumulator_raw = bcnn_hls::quantize(sum_raw, sum_f.fraction_bits(), accumulator_f);
    }
    const output_t y = accumulator;
    const int64_t y_raw =
        bcnn_hls::quantize(accumulator_raw, accumulator_f.fraction_bits(), output_f);
    const bool ok = inputs_agree && accumulator.raw() == accumulator_raw && y.raw() == y_raw &&
                    y.to_double() == bcnn_hls::to_double(y_raw, output_f) &&
                    y.to_float() == bcnn_hls::to_float(y_raw, output_f);
    log.record(ok, "dense trial " + std::to_string(trial));
  }
  INFO(log.first);
  CHECK(log.mismatches == 0);

  // Every mode pair: the class and the runtime quantize agree on random doubles.
  mismatch_log mode_log;
  for_each_mode_pair([&](auto q_constant, auto o_constant) {
    using target = fixed<9, 3, decltype(q_constant)::value, decltype(o_constant)::value>;
    const format f = bcnn_hls::format_of<target>();
    for (int trial = 0; trial < 500; ++trial) {
      const double d = normal(rng) * 2;
      mode_log.record(target(d).raw() == bcnn_hls::from_double(d, f),
                      std::string("mode pair ") + bcnn_hls::ap_name(f.q) + " " +
                          bcnn_hls::ap_name(f.o));
    }
  });
  INFO(mode_log.first);
  CHECK(mode_log.mismatches == 0);
  CHECK(mode_log.checked == 28 * 500);
}

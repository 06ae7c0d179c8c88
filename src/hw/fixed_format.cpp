#include "hw/fixed_format.h"

#include <charconv>
#include <cmath>

namespace bcnn::hw {

using bcnn_hls::overflow_mode;
using bcnn_hls::quant_mode;

FixedFormat data_format(int width, int integer) { return {width, integer, quant_mode::rnd, overflow_mode::sat}; }
FixedFormat exact_format(int width, int integer) { return {width, integer, quant_mode::trn, overflow_mode::wrap}; }

double format_min(const FixedFormat& f) { return -std::ldexp(1.0, f.integer - 1); }
double format_max(const FixedFormat& f) {
  return std::ldexp(static_cast<double>(f.max_raw()), -f.fraction_bits());
}

int width_for_raw_bound(int128 bound) {
  int w = 1;
  while (w < 127 && (static_cast<int128>(1) << (w - 1)) - 1 < bound) ++w;
  return w;
}

int128 abs128(std::int64_t v) { return v < 0 ? -static_cast<int128>(v) : static_cast<int128>(v); }

int log2_ceil(std::int64_t k) {
  int l = 0;
  while ((std::int64_t{1} << l) < k) ++l;
  return l;
}

// Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on chains of operator+
// over temporaries here.
std::string cpp_type(const FixedFormat& f) {
  std::string s = "bcnn_hls::fixed<";
  s += std::to_string(f.width);
  s += ", ";
  s += std::to_string(f.integer);
  s += ", ";
  s += bcnn_hls::ap_name(f.q);
  s += ", ";
  s += bcnn_hls::ap_name(f.o);
  s += '>';
  return s;
}

std::string short_format(const FixedFormat& f) {
  std::string s = "<";
  s += std::to_string(f.width);
  s += ',';
  s += std::to_string(f.integer);
  if (f.q == quant_mode::rnd && f.o == overflow_mode::sat) return s + ">";
  if (f.q == quant_mode::trn && f.o == overflow_mode::wrap) return s + " exact>";
  s += ',';
  s += bcnn_hls::ap_name(f.q);
  s += ',';
  s += bcnn_hls::ap_name(f.o);
  s += '>';
  return s;
}

void append_exact_literal(std::string& out, std::int64_t raw, const FixedFormat& f) {
  if (raw == 0) {
    out += '0';
    return;
  }
  const double value = std::ldexp(static_cast<double>(raw), -f.fraction_bits());
  char buffer[64];
  auto r = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, r.ptr);
}

}  // namespace bcnn::hw

#include "plot/axis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace bcnn::plot {
namespace {

// The nice number near `x`: 1, 2, 5 or 10 times a power of ten, rounded or the next above.
double nice_number(double x, bool round) {
  const double exponent = std::floor(std::log10(x));
  const double fraction = x / std::pow(10.0, exponent);
  double nice;
  if (round)
    nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  else
    nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * std::pow(10.0, exponent);
}

std::string printed(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

}  // namespace

double Axis::pixel(double value, double from, double to) const {
  const double span = max - min;
  return span > 0 ? from + (value - min) / span * (to - from) : (from + to) / 2;
}

std::string Axis::label(double value) const { return tick_label(value, step); }

Axis tight_axis(double lo, double hi, int target_ticks) {
  Axis axis = nice_axis(lo, hi, target_ticks);
  if (!(lo < hi)) return axis;
  axis.min = lo;
  axis.max = hi;
  std::erase_if(axis.ticks, [&](double t) { return t < lo - 1e-9 * axis.step || t > hi + 1e-9 * axis.step; });
  return axis;
}

Axis nice_axis(double lo, double hi, int target_ticks) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  if (hi - lo < 1e-12 * std::max(1.0, std::fabs(hi))) {
    const double pad = std::fabs(lo) > 0 ? std::fabs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  Axis axis;
  const double range = nice_number(hi - lo, false);
  axis.step = nice_number(range / std::max(1, target_ticks - 1), true);
  axis.min = std::floor(lo / axis.step) * axis.step;
  axis.max = std::ceil(hi / axis.step) * axis.step;
  const int count = static_cast<int>(std::llround((axis.max - axis.min) / axis.step));
  for (int i = 0; i <= count; ++i) {
    double tick = axis.min + i * axis.step;
    if (std::fabs(tick) < axis.step * 1e-9) tick = 0;  // no "-0" or 1e-17 from the sum
    axis.ticks.push_back(tick);
  }
  return axis;
}

std::string tick_label(double value, double step) {
  if (value == 0) return "0";
  const double magnitude = std::max(std::fabs(value), step);
  if (step >= 1e6 || (magnitude >= 1e6 && step >= 1e5))
    return printed(step >= 1e6 ? "%.0fM" : "%.1fM", value / 1e6);
  if (step >= 1e3 || (magnitude >= 1e4 && step >= 100))
    return printed(step >= 1e3 ? "%.0fk" : "%.1fk", value / 1e3);
  if (step >= 1) return printed("%.0f", value);
  if (step < 1e-3) {
    // As many significant digits as tell `value` from its neighbours: 1.5e-05 beside 2e-05.
    const int digits = std::max(1, static_cast<int>(std::ceil(std::log10(std::fabs(value) / step) - 1e-9)) + 1);
    char format[16];
    std::snprintf(format, sizeof format, "%%.%dg", digits);
    return printed(format, value);
  }
  const int decimals = static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  char format[16];
  std::snprintf(format, sizeof format, "%%.%df", decimals);
  return printed(format, value);
}

}  // namespace bcnn::plot

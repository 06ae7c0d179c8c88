#pragma once
// Axes of a chart: a linear map from data values to pixels, with "nice" ticks (1, 2 or 5 times a
// power of ten; Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990) and their labels.
#include <string>
#include <vector>

namespace bcnn::plot {

struct Axis {
  double min = 0, max = 1;       // the data range shown, widened to whole ticks
  std::vector<double> ticks;     // within [min, max]
  double step = 1;               // between ticks
  // The pixel of `value` when the axis spans pixels [from, to] (to < from for a y axis).
  double pixel(double value, double from, double to) const;
  std::string label(double value) const;
};

// An axis over [lo, hi] with about `target_ticks` ticks. lo == hi (one value) is widened around
// it; non-finite bounds give [0, 1].
Axis nice_axis(double lo, double hi, int target_ticks = 5);
// An axis over exactly [lo, hi] (lo < hi), with the nice ticks that fall inside it.
Axis tight_axis(double lo, double hi, int target_ticks = 5);

// `value` printed for a tick `step` apart from its neighbours: enough decimals to tell them apart,
// thousands as "12k" and millions as "3.5M", small steps in scientific notation ("2e-04").
std::string tick_label(double value, double step);

}  // namespace bcnn::plot

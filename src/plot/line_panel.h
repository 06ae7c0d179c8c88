#pragma once
// A line chart: series of (x, y) points against numeric axes, optionally as dots only (a scatter),
// with vertical markers (the best epoch) and a legend. A NaN y leaves a gap in its line.
#include <optional>
#include <string>
#include <vector>

#include "plot/figure.h"

namespace bcnn::plot {

struct Series {
  std::string name;
  std::vector<double> x, y;
  std::string color;  // empty: the palette's next color
  std::string dash;   // a stroke-dasharray; empty: solid
  bool dots = false;  // a dot at every point (always when a series has one point)
  bool dots_only = false;  // a scatter: dots, no line
  std::string unit;   // after y in the dots' tooltips, e.g. "%"
};

struct VerticalMarker {
  double x = 0;
  std::string label;
  std::string color = "#555555";
};

class LinePanel : public Panel {
 public:
  std::string title, x_label, y_label;
  std::vector<Series> series;
  std::vector<VerticalMarker> markers;
  // Ends the y axis must include (e.g. 0 for a loss); the data decides otherwise.
  std::optional<double> y_include_min, y_include_max;
  bool x_integer = false;  // epochs: ticks at whole numbers only

  void draw(Svg& svg, const Box& box) const override;
};

}  // namespace bcnn::plot

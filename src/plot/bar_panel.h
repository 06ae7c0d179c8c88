#pragma once
// A bar chart: one group of bars per category (a layer, a class, a pipeline stage), one bar per
// series, with the values printed above the bars, an optional horizontal reference line (a
// capacity) and one category highlighted (the bottleneck).
#include <optional>
#include <string>
#include <vector>

#include "plot/figure.h"

namespace bcnn::plot {

struct BarSeries {
  std::string name;
  std::vector<double> values;  // one per category
  std::string color;           // empty: the palette's next color
};

class BarPanel : public Panel {
 public:
  std::string title, y_label;
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
  // The top of the y axis when no value passes it (100 for percentages); otherwise the data's.
  std::optional<double> y_max;
  std::optional<double> reference;  // a horizontal line at this value
  std::string reference_label;
  int highlight = -1;               // the index of a category outlined in red, -1: none
  std::string highlight_label;      // written above it
  std::string value_suffix;         // after the values printed on the bars ("%")
  bool value_labels = true;

  void draw(Svg& svg, const Box& box) const override;
};

// `value` in at most 4 significant figures, thousands as "12.3k", millions as "1.2M".
std::string short_number(double value);

}  // namespace bcnn::plot

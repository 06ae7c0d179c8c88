#pragma once
// A heat map: a matrix of non-negative values (a confusion matrix's counts) as colored cells, the
// color's depth the square root of the value over the largest (so that the few off-diagonal
// counts beside a full diagonal stay visible), each cell annotated with its value.
#include <string>
#include <vector>

#include "plot/figure.h"

namespace bcnn::plot {

class HeatMapPanel : public Panel {
 public:
  std::string title, x_label, y_label;
  std::vector<std::string> row_labels, column_labels;
  std::vector<double> values;  // rows x columns, row-major
  std::string color = "#08519c";  // of the largest value; zero is white
  bool annotate = true;

  void draw(Svg& svg, const Box& box) const override;
};

// The color a fraction `t` in [0, 1] of the way from white to `color` ("#rrggbb").
std::string blend_from_white(const std::string& color, double t);

}  // namespace bcnn::plot

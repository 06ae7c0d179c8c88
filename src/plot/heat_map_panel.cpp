#include "plot/heat_map_panel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "plot/bar_panel.h"

namespace bcnn::plot {

std::string blend_from_white(const std::string& color, double t) {
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0);
  unsigned r = 0, g = 0, b = 0;
  if (color.size() != 7 || std::sscanf(color.c_str(), "#%02x%02x%02x", &r, &g, &b) != 3) return color;
  auto mix = [t](unsigned c) { return static_cast<unsigned>(std::lround(255 + (static_cast<double>(c) - 255) * t)); };
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "#%02x%02x%02x", mix(r) & 0xff, mix(g) & 0xff, mix(b) & 0xff);
  return buffer;
}

void HeatMapPanel::draw(Svg& svg, const Box& box) const {
  const Box inner = draw_panel_frame(svg, box, title, {});
  const std::size_t rows = row_labels.size(), columns = column_labels.size();
  double longest_row = 0, longest_column = 0;
  for (const std::string& l : row_labels) longest_row = std::max(longest_row, text_width_px(l, 11));
  for (const std::string& l : column_labels) longest_column = std::max(longest_column, text_width_px(l, 11));
  // Square cells, as large as the box allows after the labels.
  const double left_band = 22 + longest_row + 8, bottom_band = 22 + std::min(80.0, longest_column * 0.7) + 8;
  const double cell = std::max(
      4.0, std::min((inner.w - left_band - 14) / std::max<std::size_t>(1, columns),
                    (inner.h - bottom_band - 6) / std::max<std::size_t>(1, rows)));
  const double grid_w = cell * static_cast<double>(columns), grid_h = cell * static_cast<double>(rows);
  const double x0 = inner.x + left_band + std::max(0.0, (inner.w - left_band - 14 - grid_w) / 2), y0 = inner.y + 6;

  double largest = 0;
  for (double v : values)
    if (std::isfinite(v)) largest = std::max(largest, v);
  TextStyle cell_style;
  cell_style.size_px = std::clamp(cell * 0.3, 7.0, 12.0);
  cell_style.anchor = "middle";
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < columns; ++c) {
      const double v = r * columns + c < values.size() ? values[r * columns + c] : 0;
      const double t = largest > 0 ? std::sqrt(std::max(0.0, v) / largest) : 0;
      const double x = x0 + cell * static_cast<double>(c), y = y0 + cell * static_cast<double>(r);
      svg.rect(x, y, cell, cell, blend_from_white(color, t), {"#ffffff", 0.5},
               row_labels[r] + " as " + column_labels[c] + ": " + short_number(v));
      if (annotate && cell >= 14 && v != 0) {
        cell_style.color = t > 0.6 ? "#ffffff" : "#222222";
        svg.text(x + cell / 2, y + cell / 2 + cell_style.size_px * 0.35, short_number(v), cell_style);
      }
    }
  }
  svg.rect(x0, y0, grid_w, grid_h, "none", {"#444444", 1});
  TextStyle label_style;
  label_style.size_px = 11;
  label_style.color = "#333333";
  label_style.anchor = "end";
  for (std::size_t r = 0; r < rows; ++r)
    svg.text(x0 - 5, y0 + cell * (static_cast<double>(r) + 0.5) + 4, row_labels[r], label_style);
  const bool turned = longest_column > cell - 2;
  for (std::size_t c = 0; c < columns; ++c) {
    const double cx = x0 + cell * (static_cast<double>(c) + 0.5);
    if (turned) {
      label_style.anchor = "end";
      label_style.rotate_deg = -40;
      svg.text(cx + 3, y0 + grid_h + 12, column_labels[c], label_style);
    } else {
      label_style.anchor = "middle";
      svg.text(cx, y0 + grid_h + 15, column_labels[c], label_style);
    }
  }
  TextStyle axis_style;
  axis_style.size_px = 12;
  axis_style.anchor = "middle";
  svg.text(x0 + grid_w / 2, std::min(inner.bottom(), y0 + grid_h + bottom_band), x_label, axis_style);
  axis_style.rotate_deg = -90;
  svg.text(x0 - left_band + 12, y0 + grid_h / 2, y_label, axis_style);
}

}  // namespace bcnn::plot

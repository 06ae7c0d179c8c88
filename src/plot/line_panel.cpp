#include "plot/line_panel.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace bcnn::plot {

void LinePanel::draw(Svg& svg, const Box& box) const {
  std::vector<LegendEntry> legend;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    if (!s.name.empty())
      legend.push_back({s.name, s.color.empty() ? palette_color(i) : s.color, s.dots_only ? "" : s.dash, s.dots_only});
  }
  const Box inner = draw_panel_frame(svg, box, title, legend);
  const Box area = plot_area(inner, 38);

  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const Series& s : series) {
    for (std::size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      x_lo = std::min(x_lo, s.x[i]);
      x_hi = std::max(x_hi, s.x[i]);
      y_lo = std::min(y_lo, s.y[i]);
      y_hi = std::max(y_hi, s.y[i]);
    }
  }
  if (y_include_min) y_lo = std::min(y_lo, *y_include_min);
  if (y_include_max) y_hi = std::max(y_hi, *y_include_max);
  if (!std::isfinite(x_lo)) x_lo = 0, x_hi = 1;
  if (!std::isfinite(y_lo)) y_lo = 0, y_hi = 1;
  // Epochs: from 0 to the last one, ticks at whole numbers.
  Axis x_axis = x_integer ? tight_axis(std::min(0.0, x_lo), std::max(x_hi, 1.0), 7) : nice_axis(x_lo, x_hi, 7);
  if (x_integer && x_axis.step < 1) {
    x_axis.step = 1;
    x_axis.ticks.clear();
    for (double t = std::ceil(x_axis.min); t <= x_axis.max; ++t) x_axis.ticks.push_back(t);
  }
  const Axis y_axis = nice_axis(y_lo, y_hi, 6);

  draw_y_axis(svg, area, y_axis, y_label);
  TextStyle tick_style;
  tick_style.size_px = 11;
  tick_style.anchor = "middle";
  tick_style.color = "#444444";
  for (double tick : x_axis.ticks) {
    const double px = x_axis.pixel(tick, area.x, area.right());
    svg.line(px, area.bottom(), px, area.bottom() + 4, {"#444444", 1});
    svg.text(px, area.bottom() + 16, x_axis.label(tick), tick_style);
  }
  draw_x_label(svg, area, x_label, 32);

  for (const VerticalMarker& m : markers) {
    const double px = x_axis.pixel(m.x, area.x, area.right());
    svg.line(px, area.y, px, area.bottom(), {m.color, 1.2, "4 3"});
    TextStyle style;
    style.size_px = 10;
    style.color = m.color;
    style.anchor = px > area.x + area.w * 0.7 ? "end" : "start";
    svg.text(px + (style.anchor == "end" ? -4 : 4), area.y + 11, m.label, style);
  }

  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const std::string& color = s.color.empty() ? palette_color(k) : s.color;
    const std::size_t n = std::min(s.x.size(), s.y.size());
    std::vector<Point> run;
    auto flush = [&] {
      if (run.size() > 1 && !s.dots_only) svg.polyline(run, {color, 2, s.dash});
      run.clear();
    };
    for (std::size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
        flush();
        continue;
      }
      run.push_back({x_axis.pixel(s.x[i], area.x, area.right()), y_axis.pixel(s.y[i], area.bottom(), area.y)});
    }
    flush();
    if (s.dots || s.dots_only || n == 1) {
      for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
        const std::string tip = s.name + ": " + x_axis.label(s.x[i]) + (x_label.empty() ? "" : " " + x_label) +
                                ", " + tick_label(s.y[i], y_axis.step / 100) + s.unit;
        svg.circle(x_axis.pixel(s.x[i], area.x, area.right()), y_axis.pixel(s.y[i], area.bottom(), area.y),
                   s.dots_only ? 1.8 : 2.8, color, s.dots_only ? "" : tip);
      }
    }
  }
}

}  // namespace bcnn::plot

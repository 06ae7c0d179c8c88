#include "plot/bar_panel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace bcnn::plot {

std::string short_number(double value) {
  char buffer[64];
  const double a = std::fabs(value);
  if (a >= 1e6)
    std::snprintf(buffer, sizeof buffer, "%.3gM", value / 1e6);
  else if (a >= 1e4)
    std::snprintf(buffer, sizeof buffer, "%.3gk", value / 1e3);
  else
    std::snprintf(buffer, sizeof buffer, "%.4g", value);
  return buffer;
}

void BarPanel::draw(Svg& svg, const Box& box) const {
  std::vector<LegendEntry> legend;
  if (series.size() > 1 || reference) {
    for (std::size_t i = 0; i < series.size(); ++i)
      legend.push_back({series[i].name, series[i].color.empty() ? palette_color(i) : series[i].color, "", true});
    if (reference) legend.push_back({reference_label, "#d62728", "6 3", false});
  }
  const Box inner = draw_panel_frame(svg, box, title, legend);
  // Category labels turn by 35 degrees when they would not fit under their group.
  const double group_px = (inner.w - 78) / std::max<std::size_t>(1, categories.size());
  double longest = 0;
  for (const std::string& c : categories) longest = std::max(longest, text_width_px(c, 11));
  const bool turned = longest > group_px - 4;
  const double x_band = turned ? std::min(90.0, 18 + longest * 0.6) : 22;
  const Box area = plot_area(inner, x_band);

  double hi = reference ? *reference : 0, lo = 0;
  for (const BarSeries& s : series)
    for (double v : s.values)
      if (std::isfinite(v)) hi = std::max(hi, v), lo = std::min(lo, v);
  const Axis y = y_max && hi <= *y_max && lo >= 0 ? nice_axis(0, *y_max, 6)
                                                  : nice_axis(lo, hi * 1.08 + (hi == lo ? 1 : 0), 6);
  draw_y_axis(svg, area, y, y_label);

  const std::size_t n = categories.size(), k = std::max<std::size_t>(1, series.size());
  const double group = area.w / std::max<std::size_t>(1, n);
  const double bar = std::min(48.0, group * 0.8 / static_cast<double>(k));
  const double zero = y.pixel(0, area.bottom(), area.y);
  TextStyle value_style;
  value_style.size_px = bar >= 22 ? 10 : 8;
  value_style.anchor = "middle";
  value_style.color = "#333333";
  TextStyle category_style;
  category_style.size_px = 11;
  category_style.color = "#333333";
  for (std::size_t c = 0; c < n; ++c) {
    const double left = area.x + group * static_cast<double>(c) + (group - bar * static_cast<double>(k)) / 2;
    if (static_cast<int>(c) == highlight) {
      svg.rect(area.x + group * static_cast<double>(c) + 1, area.y, group - 2, area.h, "#fdecea",
               {"#d62728", 1.2, "3 2"});
      if (!highlight_label.empty()) {
        TextStyle style = value_style;
        style.color = "#d62728";
        style.size_px = 10;
        svg.text(area.x + group * (static_cast<double>(c) + 0.5), area.y + 11, highlight_label, style);
      }
    }
    for (std::size_t s = 0; s < series.size(); ++s) {
      const double v = c < series[s].values.size() ? series[s].values[c] : 0;
      if (!std::isfinite(v)) continue;
      const double top = y.pixel(v, area.bottom(), area.y);
      const std::string& color = series[s].color.empty() ? palette_color(s) : series[s].color;
      const double x = left + bar * static_cast<double>(s);
      const std::string text = short_number(v) + value_suffix;
      svg.rect(x, std::min(top, zero), bar - 1, std::fabs(zero - top), color, {},
               categories[c] + (series[s].name.empty() ? "" : ", " + series[s].name) + ": " + text);
      if (value_labels && bar >= 9) svg.text(x + bar / 2, std::min(top, zero) - 3, text, value_style);
    }
    const double cx = area.x + group * (static_cast<double>(c) + 0.5);
    if (turned) {
      category_style.anchor = "end";
      category_style.rotate_deg = -35;
      svg.text(cx + 4, area.bottom() + 12, categories[c], category_style);
    } else {
      category_style.anchor = "middle";
      svg.text(cx, area.bottom() + 15, categories[c], category_style);
    }
  }
  if (reference) {
    const double py = y.pixel(*reference, area.bottom(), area.y);
    svg.line(area.x, py, area.right(), py, {"#d62728", 1.5, "6 3"});
  }
}

}  // namespace bcnn::plot

#include "plot/figure.h"

#include <algorithm>
#include <cmath>

namespace bcnn::plot {
namespace {

constexpr double title_band_px = 26;
constexpr double legend_row_px = 18;
constexpr double legend_font_px = 11;
constexpr double tick_font_px = 11;
constexpr double label_font_px = 12;
constexpr double y_band_px = 64;  // tick labels and the rotated y label
constexpr double right_margin_px = 14;
const std::string axis_color = "#444444";
const std::string grid_color = "#e3e3e3";

}  // namespace

Figure::Figure(std::string title, int columns, double panel_width, double panel_height)
    : title_(std::move(title)), columns_(std::max(1, columns)), panel_width_(panel_width),
      panel_height_(panel_height) {}

std::string Figure::svg() const {
  const int columns = std::min<int>(columns_, std::max<std::size_t>(1, panels_.size()));
  const int rows = static_cast<int>((panels_.size() + columns - 1) / columns);
  const double top = title_.empty() ? 8 : 40;
  // Wide enough for the title too.
  const double width = std::max(columns * panel_width_, text_width_px(title_, 16) * 1.05 + 40);
  Svg svg(width, top + std::max(1, rows) * panel_height_ + 8);
  if (!title_.empty()) {
    TextStyle style;
    style.size_px = 16;
    style.bold = true;
    style.anchor = "middle";
    svg.text(svg.width() / 2, 26, title_, style);
  }
  for (std::size_t i = 0; i < panels_.size(); ++i) {
    const Box box{static_cast<double>(i % columns) * panel_width_,
                  top + static_cast<double>(i / columns) * panel_height_, panel_width_, panel_height_};
    panels_[i]->draw(svg, box);
  }
  return svg.str();
}

const std::vector<std::string>& palette() {
  static const std::vector<std::string> colors = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                                  "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return colors;
}

const std::string& palette_color(std::size_t index) { return palette()[index % palette().size()]; }

double text_width_px(const std::string& text, double size_px) {
  return 0.6 * size_px * static_cast<double>(text.size());
}

Box draw_panel_frame(Svg& svg, const Box& box, const std::string& title, const std::vector<LegendEntry>& legend) {
  TextStyle title_style;
  title_style.size_px = 13;
  title_style.bold = true;
  title_style.anchor = "middle";
  svg.text(box.x + box.w / 2, box.y + 17, title, title_style);

  // The legend's entries left to right, wrapped into rows, at the bottom of the box.
  const double usable = box.w - y_band_px - right_margin_px;
  std::vector<std::vector<const LegendEntry*>> rows(legend.empty() ? 0 : 1);
  double row_width = 0;
  for (const LegendEntry& entry : legend) {
    const double width = 30 + text_width_px(entry.name, legend_font_px) + 16;
    if (row_width > 0 && row_width + width > usable) {
      rows.emplace_back();
      row_width = 0;
    }
    rows.back().push_back(&entry);
    row_width += width;
  }
  const double legend_top = box.bottom() - 6 - static_cast<double>(rows.size()) * legend_row_px;
  TextStyle legend_style;
  legend_style.size_px = legend_font_px;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    double x = box.x + y_band_px;
    const double y = legend_top + static_cast<double>(r) * legend_row_px + legend_row_px / 2;
    for (const LegendEntry* entry : rows[r]) {
      if (entry->box)
        svg.rect(x + 6, y - 6, 12, 12, entry->color);
      else
        svg.line(x, y, x + 24, y, {entry->color, 2.5, entry->dash});
      svg.text(x + 30, y + 4, entry->name, legend_style);
      x += 30 + text_width_px(entry->name, legend_font_px) + 16;
    }
  }
  return Box{box.x, box.y + title_band_px, box.w, legend_top - 4 - (box.y + title_band_px)};
}

Box plot_area(const Box& inner, double x_band_px) {
  return Box{inner.x + y_band_px, inner.y + 6, inner.w - y_band_px - right_margin_px,
             std::max(10.0, inner.h - 6 - x_band_px)};
}

void draw_y_axis(Svg& svg, const Box& area, const Axis& y, const std::string& label) {
  TextStyle tick_style;
  tick_style.size_px = tick_font_px;
  tick_style.anchor = "end";
  tick_style.color = axis_color;
  for (double tick : y.ticks) {
    const double py = y.pixel(tick, area.bottom(), area.y);
    svg.line(area.x, py, area.right(), py, {grid_color, 1});
    svg.text(area.x - 6, py + 4, y.label(tick), tick_style);
  }
  svg.line(area.x, area.y, area.x, area.bottom(), {axis_color, 1});
  svg.line(area.x, area.bottom(), area.right(), area.bottom(), {axis_color, 1});
  TextStyle label_style;
  label_style.size_px = label_font_px;
  label_style.anchor = "middle";
  label_style.rotate_deg = -90;
  const double x = area.x - y_band_px + 14;
  svg.text(x, area.y + area.h / 2, label, label_style);
}

void draw_x_label(Svg& svg, const Box& area, const std::string& label, double offset_px) {
  TextStyle style;
  style.size_px = label_font_px;
  style.anchor = "middle";
  svg.text(area.x + area.w / 2, area.bottom() + offset_px, label, style);
}

}  // namespace bcnn::plot

#pragma once
// A picture of several panels (a line chart, a bar chart, a heat map) in a grid under one title,
// and the frame every chart panel shares: its title, y axis with grid lines, and legend.
#include <memory>
#include <string>
#include <vector>

#include "plot/axis.h"
#include "plot/svg.h"

namespace bcnn::plot {

struct Box {
  double x = 0, y = 0, w = 0, h = 0;
  double right() const { return x + w; }
  double bottom() const { return y + h; }
};

// A part of a figure that draws itself into the box it is given.
class Panel {
 public:
  virtual ~Panel() = default;
  virtual void draw(Svg& svg, const Box& box) const = 0;
};

class Figure {
 public:
  // Panels `panel_width` x `panel_height` pixels, `columns` to a row, under `title`.
  Figure(std::string title, int columns = 1, double panel_width = 560, double panel_height = 320);
  // Adds a panel after the others (left to right, then top to bottom).
  template <class P>
  P& add(P panel) {
    auto owned = std::make_unique<P>(std::move(panel));
    P& added = *owned;
    panels_.push_back(std::move(owned));
    return added;
  }
  // The whole SVG document.
  std::string svg() const;

 private:
  std::string title_;
  int columns_;
  double panel_width_, panel_height_;
  std::vector<std::unique_ptr<Panel>> panels_;
};

// A series' key in a legend: a short line (dashed or not) or a filled square.
struct LegendEntry {
  std::string name;
  std::string color;
  std::string dash;  // for a line; empty: solid
  bool box = false;  // a filled square (bars) instead of a line
};

// The categorical colors series take in turn (Tableau 10), and a color of it by index.
const std::vector<std::string>& palette();
const std::string& palette_color(std::size_t index);

// The panel frame: the title above, the legend in rows below; returns the box that remains for the
// plot and its axis labels.
Box draw_panel_frame(Svg& svg, const Box& box, const std::string& title, const std::vector<LegendEntry>& legend);

// The plot area inside `inner` (left of it: the y tick labels and the y label; below it:
// `x_band_px` for the x ticks and the x label).
Box plot_area(const Box& inner, double x_band_px);

// Horizontal grid lines at the y ticks, their labels left of `area`, the y label rotated beside
// them, and the axis line.
void draw_y_axis(Svg& svg, const Box& area, const Axis& y, const std::string& label);

// The x label centred under `area`, `offset_px` below it.
void draw_x_label(Svg& svg, const Box& area, const std::string& label, double offset_px);

// About how wide `text` is at `size_px` (0.6 em per character of a sans-serif font).
double text_width_px(const std::string& text, double size_px);

}  // namespace bcnn::plot

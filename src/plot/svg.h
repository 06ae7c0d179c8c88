#pragma once
// A small SVG 1.1 writer: the pictures bcnn draws (training curves, confusion matrices, resource
// charts) are built from rectangles, lines, polylines, circles and text in pixel coordinates, with
// the text escaped for XML and numbers printed to a hundredth of a pixel, so that the documents are
// small, valid and readable by any SVG viewer (browsers, rsvg-convert, Inkscape).
#include <string>
#include <string_view>
#include <vector>

namespace bcnn::plot {

struct Point {
  double x = 0, y = 0;
};

// How a shape is painted: colors are SVG colors ("#1f77b4", "none").
struct Stroke {
  Stroke(std::string color_ = "none", double width_ = 1, std::string dash_ = {})
      : color(std::move(color_)), width(width_), dash(std::move(dash_)) {}
  std::string color;
  double width;
  std::string dash;  // a stroke-dasharray, e.g. "6 3"; empty: solid
};

struct TextStyle {
  double size_px = 12;
  std::string anchor = "start";  // start, middle, end
  std::string color = "#222222";
  bool bold = false;
  double rotate_deg = 0;  // about the anchor point
};

class Svg {
 public:
  Svg(double width_px, double height_px);

  double width() const { return width_; }
  double height() const { return height_; }

  // `tooltip`, when given, becomes the shape's <title> (shown on hover by browsers).
  void rect(double x, double y, double w, double h, std::string_view fill, const Stroke& stroke = {},
            std::string_view tooltip = {});
  void line(double x1, double y1, double x2, double y2, const Stroke& stroke);
  void polyline(const std::vector<Point>& points, const Stroke& stroke);
  void circle(double cx, double cy, double r, std::string_view fill, std::string_view tooltip = {});
  void text(double x, double y, std::string_view text, const TextStyle& style = {});

  // The whole document: the XML declaration, the <svg> element with its viewBox, a white
  // background and the shapes in the order they were drawn.
  std::string str() const;

 private:
  double width_, height_;
  std::string body_;
};

// `text` with &, <, >, " and ' escaped, and control characters other than tab and newline dropped
// (XML 1.0 forbids them).
std::string xml_escape(std::string_view text);

// `value` with at most two decimals and no trailing zeros ("12.5", "3", "-0.25").
std::string svg_number(double value);

}  // namespace bcnn::plot

#include "plot/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace bcnn::plot {
namespace {

std::string stroke_attributes(const Stroke& stroke) {
  std::string s = " stroke=\"" + xml_escape(stroke.color) + "\"";
  if (stroke.color != "none") {
    s += " stroke-width=\"" + svg_number(stroke.width) + "\"";
    if (!stroke.dash.empty()) s += " stroke-dasharray=\"" + xml_escape(stroke.dash) + "\"";
  }
  return s;
}

// The element closed, with a <title> child when there is a tooltip.
std::string closed(std::string_view tooltip, std::string_view element) {
  if (tooltip.empty()) return "/>\n";
  return "><title>" + xml_escape(tooltip) + "</title></" + std::string(element) + ">\n";
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n') out += c;
    }
  }
  return out;
}

std::string svg_number(double value) {
  if (!std::isfinite(value)) return "0";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.2f", value);
  std::string s = buffer;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

Svg::Svg(double width_px, double height_px) : width_(width_px), height_(height_px) {}

void Svg::rect(double x, double y, double w, double h, std::string_view fill, const Stroke& stroke,
               std::string_view tooltip) {
  body_ += "<rect x=\"" + svg_number(x) + "\" y=\"" + svg_number(y) + "\" width=\"" + svg_number(std::max(0.0, w)) +
           "\" height=\"" + svg_number(std::max(0.0, h)) + "\" fill=\"" + xml_escape(fill) + "\"" +
           stroke_attributes(stroke) + closed(tooltip, "rect");
}

void Svg::line(double x1, double y1, double x2, double y2, const Stroke& stroke) {
  body_ += "<line x1=\"" + svg_number(x1) + "\" y1=\"" + svg_number(y1) + "\" x2=\"" + svg_number(x2) + "\" y2=\"" +
           svg_number(y2) + "\"" + stroke_attributes(stroke) + "/>\n";
}

void Svg::polyline(const std::vector<Point>& points, const Stroke& stroke) {
  if (points.empty()) return;
  body_ += "<polyline fill=\"none\"" + stroke_attributes(stroke) + " stroke-linejoin=\"round\" points=\"";
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (i) body_ += ' ';
    body_ += svg_number(points[i].x) + "," + svg_number(points[i].y);
  }
  body_ += "\"/>\n";
}

void Svg::circle(double cx, double cy, double r, std::string_view fill, std::string_view tooltip) {
  body_ += "<circle cx=\"" + svg_number(cx) + "\" cy=\"" + svg_number(cy) + "\" r=\"" + svg_number(r) + "\" fill=\"" +
           xml_escape(fill) + "\"" + closed(tooltip, "circle");
}

void Svg::text(double x, double y, std::string_view text, const TextStyle& style) {
  // Appended piece by piece (GCC 12 warns falsely, -Wrestrict, on "literal" + std::string&&).
  body_.append("<text x=\"").append(svg_number(x)).append("\" y=\"").append(svg_number(y));
  body_.append("\" font-size=\"").append(svg_number(style.size_px));
  body_.append("\" text-anchor=\"").append(xml_escape(style.anchor));
  body_.append("\" fill=\"").append(xml_escape(style.color)).append("\"");
  if (style.bold) body_.append(" font-weight=\"bold\"");
  if (style.rotate_deg != 0) {
    body_.append(" transform=\"rotate(").append(svg_number(style.rotate_deg)).append(" ").append(svg_number(x));
    body_.append(" ").append(svg_number(y)).append(")\"");
  }
  body_.append(">").append(xml_escape(text)).append("</text>\n");
}

std::string Svg::str() const {
  const std::string w = svg_number(width_), h = svg_number(height_);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" +
         w + "\" height=\"" + h + "\" viewBox=\"0 0 " + w + " " + h +
         "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
         "<rect x=\"0\" y=\"0\" width=\"" +
         w + "\" height=\"" + h + "\" fill=\"#ffffff\"/>\n" + body_ + "</svg>\n";
}

}  // namespace bcnn::plot

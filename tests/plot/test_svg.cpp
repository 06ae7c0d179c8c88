// plot/svg.h and plot/axis.h: escaping, numbers, nice ticks and their labels.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "cli.h"
#include "plot/axis.h"
#include "plot/svg.h"
#include "plot/svg_check.h"

using bcnn::testing::contains;

TEST_CASE("svg: text is escaped for XML, numbers printed to a hundredth") {
  CHECK(bcnn::plot::xml_escape("a<b & \"c\" 'd'>") == "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  CHECK(bcnn::plot::xml_escape(std::string("x\x01y\tz", 5)) == "xy\tz");
  CHECK(bcnn::plot::svg_number(12.5) == "12.5");
  CHECK(bcnn::plot::svg_number(3.0) == "3");
  CHECK(bcnn::plot::svg_number(-0.001) == "0");
  CHECK(bcnn::plot::svg_number(1.0 / 3) == "0.33");
  CHECK(bcnn::plot::svg_number(NAN) == "0");
}

TEST_CASE("svg: a document with every shape and awkward text is valid XML and renders") {
  bcnn::testing::TempDir tmp("svg");
  bcnn::plot::Svg svg(400, 200);
  svg.rect(10, 10, 100, 50, "#1f77b4", {"#000000", 1, "4 2"}, "a <tooltip> & more");
  svg.line(0, 0, 400, 200, {"#d62728", 2});
  svg.polyline({{0, 200}, {100, 50}, {200, 120}, {400, 0}}, {"#2ca02c", 2.5});
  svg.circle(300, 100, 20, "#ff7f0e", "dot");
  bcnn::plot::TextStyle style;
  style.size_px = 18;
  style.rotate_deg = -30;
  svg.text(150, 150, "class \"T-shirt/top\" & <coat>", style);
  const std::string text = svg.str();
  CHECK(contains(text, "viewBox=\"0 0 400 200\""));
  CHECK(contains(text, "&lt;coat&gt;"));
  bcnn::testing::write_text(tmp.file("shapes.svg"), text);
  bcnn::testing::check_svg_renders(tmp.file("shapes.svg"));
}

TEST_CASE("axis: nice ticks cover the data at 1, 2 or 5 times a power of ten") {
  auto check_nice = [](double lo, double hi) {
    const bcnn::plot::Axis axis = bcnn::plot::nice_axis(lo, hi, 6);
    INFO(lo, " .. ", hi, ": ", axis.min, " .. ", axis.max, " step ", axis.step);
    CHECK(axis.min <= lo);
    CHECK(axis.max >= hi);
    const double mantissa = axis.step / std::pow(10.0, std::floor(std::log10(axis.step)));
    CHECK((std::fabs(mantissa - 1) < 1e-9 || std::fabs(mantissa - 2) < 1e-9 || std::fabs(mantissa - 5) < 1e-9));
    CHECK(axis.ticks.size() >= 3);
    CHECK(axis.ticks.size() <= 12);
    CHECK(axis.ticks.front() == doctest::Approx(axis.min));
    CHECK(axis.ticks.back() == doctest::Approx(axis.max));
  };
  check_nice(0, 1);
  check_nice(0.0123, 0.0871);
  check_nice(84.2, 99.1);
  check_nice(-3.5, 17);
  check_nice(0, 1.4e6);
  check_nice(2e-5, 2e-3);
  check_nice(5, 5);  // one value: widened around it
  const bcnn::plot::Axis tight = bcnn::plot::tight_axis(0, 30, 7);
  CHECK(tight.min == 0);
  CHECK(tight.max == 30);
  CHECK(tight.ticks.back() <= 30);
}

TEST_CASE("axis: tick labels tell neighbours apart and stay short") {
  CHECK(bcnn::plot::tick_label(0, 0.5) == "0");
  CHECK(bcnn::plot::tick_label(2.5, 0.5) == "2.5");
  CHECK(bcnn::plot::tick_label(0.04, 0.01) == "0.04");
  CHECK(bcnn::plot::tick_label(15000, 5000) == "15k");
  CHECK(bcnn::plot::tick_label(2500000, 500000) == "2.5M");
  CHECK(bcnn::plot::tick_label(0.0015, 0.0005) == "0.0015");
  CHECK(bcnn::plot::tick_label(2e-5, 1e-5) == "2e-05");
  CHECK(bcnn::plot::tick_label(96, 2) == "96");
}

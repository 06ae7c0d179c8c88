#pragma once
// Checks that an SVG file is a picture: well-formed XML whose root is <svg> (Python's expat
// parser), and rendered by rsvg-convert (librsvg2-bin, which scripts/setup.sh installs) into a PNG
// that is not blank.
#include <string>

namespace bcnn::testing {

// Fails the current test (with the tools' messages) unless `svg_path` parses and renders; returns
// the PNG's size in bytes (0 on failure).
long check_svg_renders(const std::string& svg_path);

}  // namespace bcnn::testing

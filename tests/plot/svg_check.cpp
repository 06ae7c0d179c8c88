#include "plot/svg_check.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "cli.h"

namespace bcnn::testing {

long check_svg_renders(const std::string& svg_path) {
  const std::string dir = std::filesystem::path(svg_path).parent_path().string();
  const ToolResult xml = run_tool("/usr/bin/python3",
                                  {"-c",
                                   "import sys, xml.etree.ElementTree as E\n"
                                   "root = E.parse(sys.argv[1]).getroot()\n"
                                   "assert root.tag == '{http://www.w3.org/2000/svg}svg', root.tag\n",
                                   svg_path},
                                  dir, 60);
  INFO(svg_path, ": ", xml.err);
  CHECK(xml.status == 0);
  const std::string png = svg_path + ".png";
  const ToolResult render = run_tool("/usr/bin/rsvg-convert", {"-o", png, svg_path}, dir, 60);
  INFO(render.command, ": ", render.err, " (scripts/setup.sh installs rsvg-convert, librsvg2-bin)");
  REQUIRE(render.status == 0);
  std::ifstream in(png, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() > 8);
  CHECK(bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  // A blank page of this size compresses to a few hundred bytes; axes, text and data take more.
  CHECK(bytes.size() > 6000);
  std::filesystem::remove(png);
  return static_cast<long>(bytes.size());
}

}  // namespace bcnn::testing

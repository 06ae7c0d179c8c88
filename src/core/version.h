#pragma once
// The project's version, for the tools' --version (which help2man reads to write the man pages).
// Its one source is project(VERSION) in the top-level CMakeLists.txt, passed to version.cpp as the
// compile definition BCNN_VERSION (src/CMakeLists.txt).
#include <string>

namespace bcnn {

// "0.1.0".
const char* version();

// "<tool> (bcnn) 0.1.0": the GNU form of a --version line, which help2man parses.
std::string tool_version_line(const std::string& tool);

}  // namespace bcnn

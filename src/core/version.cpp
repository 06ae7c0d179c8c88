#include "core/version.h"

#ifndef BCNN_VERSION
#error "BCNN_VERSION must be defined by the build (src/CMakeLists.txt)"
#endif

namespace bcnn {

const char* version() { return BCNN_VERSION; }

std::string tool_version_line(const std::string& tool) { return tool + " (bcnn) " + version(); }

}  // namespace bcnn

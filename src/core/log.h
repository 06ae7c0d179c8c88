#pragma once
// Logging for the command-line tools: spdlog on stderr ("warning: ...", "info: ..."), so that
// stdout stays free for machine-readable output such as bcnn-eval --json.
#include <spdlog/spdlog.h>

namespace bcnn {

// Installs the stderr logger; `quiet` keeps only warnings and errors.
void init_logging(bool quiet);

}  // namespace bcnn

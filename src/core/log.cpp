#include "core/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace bcnn {

void init_logging(bool quiet) {
  auto logger = spdlog::stderr_color_st("bcnn");
  logger->set_pattern("%^%l%$: %v");
  logger->set_level(quiet ? spdlog::level::warn : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

}  // namespace bcnn

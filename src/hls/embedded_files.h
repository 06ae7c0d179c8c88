#pragma once
// Files of bcnn's fpga/ directory compiled into the library (src/hls/embed.cmake): the HLS
// library headers (include/bcnn_hls/*.h) and the templates of generated projects (templates/),
// so that bcnn-compile needs no source tree at run time.
#include <span>
#include <string_view>

namespace bcnn::embedded {

struct EmbeddedFile {
  std::string_view path;  // relative to fpga/, e.g. "include/bcnn_hls/fixed.h"
  std::string_view text;
};

std::span<const EmbeddedFile> files();

}  // namespace bcnn::embedded

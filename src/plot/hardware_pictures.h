#pragma once
// Pictures of a generated design's estimate (bcnn-compile's report.md): the resources of every
// pipeline stage and of the whole design against the part's capacity, and the pipeline's stages
// by latency and initiation interval with the bottleneck marked.
#include <string>

#include "hls/estimate.h"

namespace bcnn::plot {

std::string resources_svg(const DesignEstimate& estimate);
std::string pipeline_svg(const DesignEstimate& estimate);

}  // namespace bcnn::plot

#pragma once
// Pictures of an evaluation (bcnn-eval --svg DIR): the confusion matrix as a heat map beside the
// per-class accuracy, the per-layer parameters and forward time, and with --fixed or --hls the
// agreement of the fixed-point logits with the float ones. Drawn from bcnn-eval's JSON report.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace bcnn::plot {

struct Picture {
  std::string file_name;  // e.g. "confusion.svg"
  std::string svg;
};

// Logits of the same images (images x classes, row-major): the float model's and the fixed-point
// emulation's, in real units.
struct LogitPairs {
  std::vector<float> float_logits, fixed_logits;
};

// confusion.svg and layers.svg from `report` (bcnn-eval --json's object); fixed.svg too when the
// report has "fixed" and `pairs` is given.
std::vector<Picture> evaluation_pictures(const nlohmann::json& report, const LogitPairs* pairs);

}  // namespace bcnn::plot

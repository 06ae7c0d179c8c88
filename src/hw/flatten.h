#pragma once
// flatten in hardware (bcnn_hls/flatten.h): an array passes through unchanged (the values are in C
// order already); a pixel stream is written into an array in C order for the fully connected
// layer that follows, one pixel per cycle. Either way the values and their format do not change.
#include "hw/pass_through.h"

namespace bcnn::hw {

class HwFlatten : public HwPassThrough {
 public:
  std::string_view type() const override { return "flatten"; }
  Port output_port(Port /*input*/) const override { return Port::array; }
  bool has_hardware(const QuantLayer& q) const override { return q.in_pixels; }
  StageEstimate estimate(const QuantLayer& q, const FpgaPart& part) const override;
  std::string config_struct(const QuantLayer& q, const ProjectNames& names) const override;

 protected:
  std::string template_path() const override { return "layers/flatten.h"; }
};

}  // namespace bcnn::hw

#include "hw/flatten.h"

#include "hw/resources.h"

namespace bcnn::hw {

StageEstimate HwFlatten::estimate(const QuantLayer& q, const FpgaPart& /*part*/) const {
  StageEstimate s;
  s.name = q.name;
  s.type = "flatten";
  s.parallelism = "1 pixel per cycle";
  const int pixels = q.in_shape.size() == 3 ? q.in_shape[1] * q.in_shape[2] : q.n_in;
  s.latency_cycles = call_overhead + pixels + loop_depth;
  s.ii_cycles = s.latency_cycles;
  s.resources.lut = loop_control_lut;
  s.resources.ff = loop_control_ff;
  return s;
}

std::string HwFlatten::config_struct(const QuantLayer& q, const ProjectNames& names) const {
  return has_hardware(q) ? HwLayer::config_struct(q, names) : std::string();
}

}  // namespace bcnn::hw

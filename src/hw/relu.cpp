#include "hw/relu.h"

#include "hw/exact.h"
#include "hw/fixed_format.h"
#include "hw/resources.h"

namespace bcnn::hw {

void HwRelu::quantize(const Layer& /*layer*/, QuantLayer& q, QuantContext& ctx, const std::string& /*in_origin*/,
                      const std::optional<FixedFormat>& out_override) const {
  if (out_override) {
    const LayerRange& range = ctx.range_of(q.name);
    q.out = *out_override;
    ctx.record(q.name, "out", q.out, "override", format_min(q.out), format_max(q.out), true, range.output_min,
               range.output_max);
  } else {
    q.out = q.in;
  }
}

void HwRelu::validate(const QuantLayer& q) const {
  require(q.n_out == q.n_in, q, "n_out = " + std::to_string(q.n_out) + " must equal n_in = " + std::to_string(q.n_in));
}

std::vector<std::int64_t> HwRelu::emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const {
  std::vector<std::int64_t> out(q.n_out);
  for (int i = 0; i < q.n_out; ++i) out[i] = in[i] > 0 ? convert(exact(in[i], q.in), q.out) : 0;
  return out;
}

StageEstimate HwRelu::estimate(const QuantLayer& l, const FpgaPart& /*part*/) const {
  StageEstimate s;
  s.name = l.name;
  s.type = "relu";
  // On a pixel stream the channels of a pixel are computed side by side.
  const int lanes = l.in_pixels ? l.in_shape[0] : 1;
  s.parallelism = l.in_pixels ? "1 pixel per cycle" : "1 element per cycle";
  s.latency_cycles = call_overhead + l.n_in / lanes + loop_depth;
  s.ii_cycles = s.latency_cycles;
  s.resources.lut = lanes * (l.in.width + l.out.width) + loop_control_lut;
  s.resources.ff = lanes * l.out.width + loop_control_ff;
  return s;
}

}  // namespace bcnn::hw

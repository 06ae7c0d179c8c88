#include "hw/relu.h"

#include "hw/exact.h"
#include "hw/fixed_format.h"
#include "hw/lanes.h"
#include "hw/resources.h"

namespace bcnn::hw {

int relu_lanes(const QuantLayer& q) {
  const ReluParams* p = std::any_cast<ReluParams>(&q.params);
  return p ? p->lanes : 1;
}

void HwRelu::quantize(const Layer& /*layer*/, QuantLayer& q, QuantContext& ctx, const std::string& /*in_origin*/,
                      const std::optional<FixedFormat>& out_override) const {
  q.params.emplace<ReluParams>();
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

bool HwRelu::reuse_step(const QuantLayer& q, ReuseStep& step) const {
  step.op = ReuseStep::Op::relu;
  require_reuse_width(q, q.in, "in");
  require_reuse_convert(q, q.in, q.out, "out_t(x)");
  return true;
}

void HwRelu::apply_parallelism(const LayerParallelism& p, QuantLayer& q) const {
  int lanes = relu_lanes(q);
  apply_lanes(p, q, lanes);
  if (!std::any_cast<ReluParams>(&q.params)) q.params.emplace<ReluParams>();
  params_of<ReluParams>(q).lanes = lanes;
}

StageEstimate HwRelu::estimate(const QuantLayer& l, const FpgaPart& /*part*/) const {
  StageEstimate s;
  s.name = l.name;
  s.type = "relu";
  s.parallelism = lanes_cell(l, relu_lanes(l));
  s.assumes = {{"lanes", relu_lanes(l)}};
  Resources& r = s.resources;
  if (l.in_pixels) {
    // Per pixel, the channel loop: ceil(C / lanes) cycles on `lanes` comparators and conversions.
    const int C = lanes_channels(l), lanes = relu_lanes(l);
    const std::int64_t pixels = l.n_in / C;
    s.latency_cycles = call_overhead + lanes_pixel_cycles(pixels, C, lanes, loop_depth);
    r.lut = lanes * (l.in.width + l.out.width) + lanes_mux_lut(C, lanes, l.in.width) + 2 * loop_control_lut;
    r.ff = lanes * l.out.width + (lanes < C ? static_cast<std::int64_t>(C) * l.out.width : 0) + 2 * loop_control_ff;
  } else {
    // ceil(n / lanes) cycles on `lanes` comparators and conversions (the arrays in `lanes` banks).
    const int lanes = relu_lanes(l);
    s.latency_cycles = call_overhead + lanes_array_cycles(l.n_in, lanes, loop_depth);
    r.lut = lanes * (l.in.width + l.out.width) + loop_control_lut;
    r.ff = lanes * l.out.width + loop_control_ff;
  }
  s.ii_cycles = s.latency_cycles;
  return s;
}

void HwRelu::choose_parallelism(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii,
                                const std::function<void(std::int64_t)>& out_of_reach) const {
  choose_lanes(*this, q, part, target_ii, out_of_reach);
}

void HwRelu::balance(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii) const {
  balance_lanes(*this, q, part, target_ii);
}

std::map<std::string, std::string> HwRelu::table_cells(const QuantLayer& q) const {
  return {{"parallelism", lanes_cell(q, relu_lanes(q))}};
}

void HwRelu::describe(const QuantLayer& q, nlohmann::json& layer, nlohmann::json& /*formats*/) const {
  layer["lanes"] = relu_lanes(q);
}

TemplateValues HwRelu::template_values(const QuantLayer& q, const ProjectNames& names) const {
  TemplateValues v = HwLayer::template_values(q, names);
  v.set("lanes", relu_lanes(q));
  return v;
}

}  // namespace bcnn::hw

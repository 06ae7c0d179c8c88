#include "hw/global_avgpool.h"

#include "hw/exact.h"
#include "hw/fixed_format.h"
#include "hw/lanes.h"
#include "hw/resources.h"

namespace bcnn::hw {

void HwGlobalAvgPool::quantize(const Layer& /*layer*/, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                               const std::optional<FixedFormat>& out_override) const {
  GlobalAvgPoolParams& p = q.params.emplace<GlobalAvgPoolParams>();
  if (q.in_shape.size() != 3) ctx.fail("layer " + q.name + ": global_avgpool expects a (C, H, W) input");
  const std::int64_t pixels = static_cast<std::int64_t>(q.in_shape[1]) * q.in_shape[2];
  const LayerRange& range = ctx.range_of(q.name);
  ctx.record(q.name, "in", q.in, in_origin, format_min(q.in), format_max(q.in), false, range.input_min,
             range.input_max);
  p.acc = choose_sum_format(ctx, q, pixels);
  p.scale = choose_reciprocal(ctx, q, pixels, p.scale_raw);
  q.out = ctx.choose_output(q.name, out_override, range);
}

void HwGlobalAvgPool::check_widths(const QuantLayer& q, const QuantContext& ctx) const {
  const GlobalAvgPoolParams& p = params_of<GlobalAvgPoolParams>(q);
  require_average_widths(q, ctx, p.acc, p.scale);
}

void HwGlobalAvgPool::validate(const QuantLayer& q) const {
  const GlobalAvgPoolParams& p = params_of<GlobalAvgPoolParams>(q);
  require(q.in_shape.size() == 3 && q.in_shape[0] >= 1 && q.in_shape[1] >= 1 && q.in_shape[2] >= 1, q,
          "expected a (C, H, W) input");
  require(q.out_shape == std::vector<int>{q.in_shape[0]}, q, "expected the output shape (C) of its (C, H, W) input");
  require(q.n_in == q.in_shape[0] * q.in_shape[1] * q.in_shape[2] && q.n_out == q.in_shape[0], q,
          "n_in and n_out must match the shapes");
  require_average_formats(q, p.acc, p.scale, p.scale_raw);
}

std::vector<std::int64_t> HwGlobalAvgPool::emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const {
  const GlobalAvgPoolParams& p = params_of<GlobalAvgPoolParams>(q);
  const int C = q.in_shape[0], pixels = q.in_shape[1] * q.in_shape[2];
  const Exact scale = exact(p.scale_raw, p.scale);
  std::vector<std::int64_t> out(q.n_out);
  for (int c = 0; c < C; ++c) {
    std::int64_t acc = 0;
    // Raster order is C order within a channel.
    for (int i = 0; i < pixels; ++i)
      acc = convert(exact(acc, p.acc) + exact(in[static_cast<std::size_t>(c) * pixels + i], q.in), p.acc);
    out[c] = convert(exact(acc, p.acc) * scale, q.out);
  }
  return out;
}

StageEstimate HwGlobalAvgPool::estimate(const QuantLayer& q, const FpgaPart& part) const {
  const GlobalAvgPoolParams& p = params_of<GlobalAvgPoolParams>(q);
  StageEstimate s;
  s.name = q.name;
  s.type = "global_avgpool";
  s.parallelism = lanes_cell(q, p.lanes);
  s.assumes = {{"lanes", p.lanes}};
  const std::int64_t C = q.in_shape[0], pixels = static_cast<std::int64_t>(q.in_shape[1]) * q.in_shape[2];
  const std::int64_t lanes = p.lanes, banks_depth = ceil_div(C, lanes);
  // Clearing the accumulators; one loop over pixels and channel groups, ceil(C / lanes) cycles per
  // pixel on `lanes` adders (read, add, write back); then one output per cycle through one
  // multiplier (3 stages).
  s.latency_cycles = call_overhead + banks_depth + loop_depth + lanes_pixel_cycles(pixels, C, p.lanes, loop_depth + 1) +
                     C + loop_depth + 3;
  s.ii_cycles = s.latency_cycles;
  Resources& r = s.resources;
  r.dsp = dsp_per_multiplier(p.acc.width, p.scale.width, part);
  r.lut += lanes * p.acc.width + q.out.width;  // `lanes` adders, the output conversion
  r.lut += lanes_mux_lut(C, p.lanes, q.in.width);
  if (banks_depth == 1) {
    add_register_array(r, C, p.acc.width, 1);  // the accumulators, read by the output loop
  } else {
    add_memory(r, lanes, banks_depth, p.acc.width);  // `lanes` cyclic banks of accumulators
  }
  r.lut += 4 * loop_control_lut;
  r.ff += 4 * loop_control_ff;
  return s;
}

void HwGlobalAvgPool::apply_parallelism(const LayerParallelism& p, QuantLayer& q) const {
  apply_lanes(p, q, params_of<GlobalAvgPoolParams>(q).lanes);
}

void HwGlobalAvgPool::choose_parallelism(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii,
                                const std::function<void(std::int64_t)>& out_of_reach) const {
  choose_lanes(*this, q, part, target_ii, out_of_reach);
}

void HwGlobalAvgPool::balance(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii) const {
  balance_lanes(*this, q, part, target_ii);
}

std::map<std::string, std::string> HwGlobalAvgPool::table_cells(const QuantLayer& q) const {
  const GlobalAvgPoolParams& p = params_of<GlobalAvgPoolParams>(q);
  return {{"weight", short_format(p.scale)}, {"acc", short_format(p.acc)}, {"parallelism", lanes_cell(q, p.lanes)}};
}

void HwGlobalAvgPool::describe(const QuantLayer& q, nlohmann::json& layer, nlohmann::json& formats) const {
  const GlobalAvgPoolParams& p = params_of<GlobalAvgPoolParams>(q);
  layer["lanes"] = p.lanes;
  formats["acc"] = format_name(p.acc);
  formats["scale"] = format_name(p.scale);
}

TemplateValues HwGlobalAvgPool::template_values(const QuantLayer& q, const ProjectNames& names) const {
  const GlobalAvgPoolParams& p = params_of<GlobalAvgPoolParams>(q);
  TemplateValues v = HwLayer::template_values(q, names);
  v.set("acc_t", cpp_type(p.acc)).set("scale_t", cpp_type(p.scale)).set("lanes", p.lanes);
  return v;
}

std::string HwGlobalAvgPool::parameter_tables(const QuantLayer& q, const ProjectNames& names) const {
  const GlobalAvgPoolParams& p = params_of<GlobalAvgPoolParams>(q);
  std::string scale;
  append_exact_literal(scale, p.scale_raw, p.scale);
  TemplateValues v = template_values(q, names);
  v.set("scale_format", format_name(p.scale)).set("scale", scale);
  return fill_part("tables", v);
}

}  // namespace bcnn::hw

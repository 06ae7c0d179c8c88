#include "hw/avgpool2d.h"

#include "hw/exact.h"
#include "hw/fixed_format.h"
#include "hw/lanes.h"
#include "hw/resources.h"
#include "layers/avgpool2d.h"

namespace bcnn::hw {

void HwAvgPool2d::check_supported(const Layer& layer, const QuantContext& ctx) const {
  pool_window_of(dynamic_cast<const AvgPool2d&>(layer).geometry(), layer.name(), ctx);
}

void HwAvgPool2d::quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                           const std::optional<FixedFormat>& out_override) const {
  AvgPool2dParams& p = q.params.emplace<AvgPool2dParams>();
  p.window = pool_window_of(dynamic_cast<const AvgPool2d&>(layer).geometry(), q.name, ctx);
  const LayerRange& range = ctx.range_of(q.name);
  ctx.record(q.name, "in", q.in, in_origin, format_min(q.in), format_max(q.in), false, range.input_min,
             range.input_max);
  p.acc = choose_sum_format(ctx, q, p.window.taps());
  p.scale = choose_reciprocal(ctx, q, p.window.taps(), p.scale_raw);
  q.out = ctx.choose_output(q.name, out_override, range);
}

void HwAvgPool2d::check_widths(const QuantLayer& q, const QuantContext& ctx) const {
  const AvgPool2dParams& p = params_of<AvgPool2dParams>(q);
  require_average_widths(q, ctx, p.acc, p.scale);
}

void HwAvgPool2d::validate(const QuantLayer& q) const {
  const AvgPool2dParams& p = params_of<AvgPool2dParams>(q);
  require_pool_shapes(q, p.window);
  require_average_formats(q, p.acc, p.scale, p.scale_raw);
}

std::vector<std::int64_t> HwAvgPool2d::emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const {
  const AvgPool2dParams& p = params_of<AvgPool2dParams>(q);
  const PoolWindow& w = p.window;
  const int C = q.in_shape[0], H = q.in_shape[1], W = q.in_shape[2];
  const int out_h = q.out_shape[1], out_w = q.out_shape[2];
  const Exact scale = exact(p.scale_raw, p.scale);
  std::vector<std::int64_t> out(q.n_out);
  for (int c = 0; c < C; ++c)
    for (int oh = 0; oh < out_h; ++oh)
      for (int ow = 0; ow < out_w; ++ow) {
        const std::int64_t* x = in.data() + (static_cast<std::size_t>(c) * H + oh * w.stride_h) * W + ow * w.stride_w;
        std::int64_t acc = 0;
        for (int a = 0; a < w.kernel_h; ++a)
          for (int b = 0; b < w.kernel_w; ++b) acc = convert(exact(acc, p.acc) + exact(x[a * W + b], q.in), p.acc);
        out[(static_cast<std::size_t>(c) * out_h + oh) * out_w + ow] = convert(exact(acc, p.acc) * scale, q.out);
      }
  return out;
}

StageEstimate HwAvgPool2d::estimate(const QuantLayer& q, const FpgaPart& part) const {
  const AvgPool2dParams& p = params_of<AvgPool2dParams>(q);
  // Per lane: an adder tree of taps - 1 adders, one multiplier by the scale (3), the conversion.
  StageEstimate s = pool_window_estimate(q, p.window, type(), p.lanes, loop_depth + log2_ceil(p.window.taps()) + 3);
  const std::int64_t lanes = p.lanes;
  s.resources.dsp += lanes * dsp_per_multiplier(p.acc.width, p.scale.width, part);
  s.resources.lut += lanes * ((p.window.taps() - 1) * p.acc.width + q.out.width);
  s.resources.ff += lanes * (p.acc.width + q.out.width);
  return s;
}

void HwAvgPool2d::apply_parallelism(const LayerParallelism& p, QuantLayer& q) const {
  apply_lanes(p, q, params_of<AvgPool2dParams>(q).lanes);
}

void HwAvgPool2d::choose_parallelism(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii,
                                const std::function<void(std::int64_t)>& out_of_reach) const {
  choose_lanes(*this, q, part, target_ii, out_of_reach);
}

void HwAvgPool2d::balance(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii) const {
  balance_lanes(*this, q, part, target_ii);
}

std::map<std::string, std::string> HwAvgPool2d::table_cells(const QuantLayer& q) const {
  const AvgPool2dParams& p = params_of<AvgPool2dParams>(q);
  return {{"weight", short_format(p.scale)},
          {"acc", short_format(p.acc)},
          {"parallelism", "window " + pool_window_spec(p.window) + ", " + lanes_cell(q, p.lanes)}};
}

void HwAvgPool2d::describe(const QuantLayer& q, nlohmann::json& layer, nlohmann::json& formats) const {
  const AvgPool2dParams& p = params_of<AvgPool2dParams>(q);
  layer["kernel"] = {p.window.kernel_h, p.window.kernel_w};
  layer["stride"] = {p.window.stride_h, p.window.stride_w};
  layer["lanes"] = p.lanes;
  formats["acc"] = format_name(p.acc);
  formats["scale"] = format_name(p.scale);
}

TemplateValues HwAvgPool2d::template_values(const QuantLayer& q, const ProjectNames& names) const {
  const AvgPool2dParams& p = params_of<AvgPool2dParams>(q);
  TemplateValues v = HwLayer::template_values(q, names);
  add_pool_window_values(v, p.window);
  v.set("acc_t", cpp_type(p.acc)).set("scale_t", cpp_type(p.scale)).set("lanes", p.lanes);
  return v;
}

std::string HwAvgPool2d::parameter_tables(const QuantLayer& q, const ProjectNames& names) const {
  const AvgPool2dParams& p = params_of<AvgPool2dParams>(q);
  std::string scale;
  append_exact_literal(scale, p.scale_raw, p.scale);
  TemplateValues v = template_values(q, names);
  v.set("scale_format", format_name(p.scale)).set("scale", scale);
  return fill_part("tables", v);
}

}  // namespace bcnn::hw

#include "hw/maxpool2d.h"

#include <algorithm>

#include "hw/exact.h"
#include "hw/fixed_format.h"
#include "hw/lanes.h"
#include "hw/resources.h"
#include "layers/maxpool2d.h"

namespace bcnn::hw {

void HwMaxPool2d::check_supported(const Layer& layer, const QuantContext& ctx) const {
  pool_window_of(dynamic_cast<const MaxPool2d&>(layer).geometry(), layer.name(), ctx);
}

void HwMaxPool2d::quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& /*in_origin*/,
                           const std::optional<FixedFormat>& out_override) const {
  MaxPool2dParams& p = q.params.emplace<MaxPool2dParams>();
  p.window = pool_window_of(dynamic_cast<const MaxPool2d&>(layer).geometry(), q.name, ctx);
  if (out_override) {
    const LayerRange& range = ctx.range_of(q.name);
    q.out = *out_override;
    ctx.record(q.name, "out", q.out, "override", format_min(q.out), format_max(q.out), true, range.output_min,
               range.output_max);
  } else {
    q.out = q.in;  // a maximum is one of the inputs
  }
}

void HwMaxPool2d::validate(const QuantLayer& q) const {
  require_pool_shapes(q, params_of<MaxPool2dParams>(q).window);
}

std::vector<std::int64_t> HwMaxPool2d::emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const {
  const PoolWindow& w = params_of<MaxPool2dParams>(q).window;
  const int C = q.in_shape[0], H = q.in_shape[1], W = q.in_shape[2];
  const int out_h = q.out_shape[1], out_w = q.out_shape[2];
  std::vector<std::int64_t> out(q.n_out);
  for (int c = 0; c < C; ++c)
    for (int oh = 0; oh < out_h; ++oh)
      for (int ow = 0; ow < out_w; ++ow) {
        const std::int64_t* x = in.data() + (static_cast<std::size_t>(c) * H + oh * w.stride_h) * W + ow * w.stride_w;
        std::int64_t m = x[0];
        for (int a = 0; a < w.kernel_h; ++a)
          for (int b = 0; b < w.kernel_w; ++b) m = std::max(m, x[a * W + b]);
        out[(static_cast<std::size_t>(c) * out_h + oh) * out_w + ow] = convert(exact(m, q.in), q.out);
      }
  return out;
}

StageEstimate HwMaxPool2d::estimate(const QuantLayer& q, const FpgaPart& /*part*/) const {
  const MaxPool2dParams& p = params_of<MaxPool2dParams>(q);
  const PoolWindow& w = p.window;
  // Per lane: taps - 1 comparators and multiplexers in a chain, and the output conversion.
  StageEstimate s = pool_window_estimate(q, w, type(), p.lanes, loop_depth + log2_ceil(w.taps()));
  s.resources.lut += static_cast<std::int64_t>(p.lanes) * ((w.taps() - 1) * 2 * q.in.width + q.out.width);
  s.resources.ff += static_cast<std::int64_t>(p.lanes) * (q.in.width + q.out.width);
  return s;
}

void HwMaxPool2d::apply_parallelism(const LayerParallelism& p, QuantLayer& q) const {
  apply_lanes(p, q, params_of<MaxPool2dParams>(q).lanes);
}

void HwMaxPool2d::choose_parallelism(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii,
                                const std::function<void(std::int64_t)>& out_of_reach) const {
  choose_lanes(*this, q, part, target_ii, out_of_reach);
}

void HwMaxPool2d::balance(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii) const {
  balance_lanes(*this, q, part, target_ii);
}

std::map<std::string, std::string> HwMaxPool2d::table_cells(const QuantLayer& q) const {
  const MaxPool2dParams& p = params_of<MaxPool2dParams>(q);
  return {{"parallelism", "window " + pool_window_spec(p.window) + ", " + lanes_cell(q, p.lanes)}};
}

void HwMaxPool2d::describe(const QuantLayer& q, nlohmann::json& layer, nlohmann::json& /*formats*/) const {
  const MaxPool2dParams& p = params_of<MaxPool2dParams>(q);
  layer["kernel"] = {p.window.kernel_h, p.window.kernel_w};
  layer["stride"] = {p.window.stride_h, p.window.stride_w};
  layer["lanes"] = p.lanes;
}

TemplateValues HwMaxPool2d::template_values(const QuantLayer& q, const ProjectNames& names) const {
  TemplateValues v = HwLayer::template_values(q, names);
  add_pool_window_values(v, params_of<MaxPool2dParams>(q).window);
  v.set("lanes", params_of<MaxPool2dParams>(q).lanes);
  return v;
}

}  // namespace bcnn::hw

#include "hw/batchnorm.h"

#include <algorithm>
#include <cmath>

#include "hw/exact.h"
#include "hw/fixed_format.h"
#include "hw/lanes.h"
#include "hw/resources.h"
#include "layers/batchnorm.h"

namespace bcnn::hw {
namespace {

// The channel count: the first dimension of the layer's input ((C, H, W), or (C) after a fully
// connected layer).
int channels_of(const QuantLayer& q) { return q.in_shape.empty() ? 0 : q.in_shape[0]; }

// The exact value x * scale + shift, as the kernel computes it before its one conversion.
FixedFormat exact_result_format(const QuantLayer& q, const BatchNormParams& p) {
  return bcnn_hls::sum_format(bcnn_hls::product_format(q.in, p.scale), p.shift);
}

}  // namespace

void HwBatchNorm::quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                           const std::optional<FixedFormat>& out_override) const {
  BatchNormParams& p = q.params.emplace<BatchNormParams>();
  const auto& bn = dynamic_cast<const BatchNorm&>(layer);
  const LayerRange& range = ctx.range_of(q.name);
  ctx.record(q.name, "in", q.in, in_origin, format_min(q.in), format_max(q.in), false, range.input_min,
             range.input_max);
  const auto gamma = layer.param(0), beta = layer.param(1), mean = layer.param(2), var = layer.param(3);
  const std::size_t C = gamma.size();
  std::vector<double> scale(C), shift(C);
  double scale_abs_max = 0, shift_abs_max = 0;
  for (std::size_t c = 0; c < C; ++c) {
    scale[c] = static_cast<double>(gamma[c]) / std::sqrt(static_cast<double>(var[c]) + bn.eps());
    shift[c] = static_cast<double>(beta[c]) - static_cast<double>(mean[c]) * scale[c];
    scale_abs_max = std::max(scale_abs_max, std::abs(scale[c]));
    shift_abs_max = std::max(shift_abs_max, std::abs(shift[c]));
  }
  const int width = ctx.options().weight_width;
  p.scale = ctx.choose_constant(
      q.name, "scale", data_format(width, integer_bits_for_range(-scale_abs_max, scale_abs_max, width)),
      "covers max |gamma / sqrt(var + eps)|", -scale_abs_max, scale_abs_max);
  p.shift = ctx.choose_constant(
      q.name, "shift", data_format(width, integer_bits_for_range(-shift_abs_max, shift_abs_max, width)),
      "covers max |beta - mean * scale|", -shift_abs_max, shift_abs_max);
  for (std::size_t c = 0; c < C; ++c) {
    p.scale_raw.push_back(bcnn_hls::from_double(scale[c], p.scale));
    p.shift_raw.push_back(bcnn_hls::from_double(shift[c], p.shift));
  }
  q.out = ctx.choose_output(q.name, out_override, range);
}

void HwBatchNorm::check_widths(const QuantLayer& q, const QuantContext& ctx) const {
  const BatchNormParams& p = params_of<BatchNormParams>(q);
  ctx.require_width(q.name, bcnn_hls::product_format(q.in, p.scale), "the product x * scale",
                    q.name + ".in or " + q.name + ".scale");
  ctx.require_width(q.name, exact_result_format(q, p), "x * scale + shift",
                    q.name + ".in, .scale or .shift");
}

void HwBatchNorm::validate(const QuantLayer& q) const {
  const BatchNormParams& p = params_of<BatchNormParams>(q);
  const int C = channels_of(q);
  require(C >= 1 && q.n_in % C == 0, q,
          "n_in = " + std::to_string(q.n_in) + " must be a positive multiple of the channel count " +
              std::to_string(C) + " (the first dimension of the input shape)");
  require(q.n_out == q.n_in, q, "n_out = " + std::to_string(q.n_out) + " must equal n_in = " + std::to_string(q.n_in));
  require_format(q, p.scale, "scale");
  require_format(q, p.shift, "shift");
  require_raw(q, p.scale_raw, C, p.scale, "scale");
  require_raw(q, p.shift_raw, C, p.shift, "shift");
  require_exact_width(q, exact_result_format(q, p), "x * scale + shift");
}

std::vector<std::int64_t> HwBatchNorm::emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const {
  const BatchNormParams& p = params_of<BatchNormParams>(q);
  // C order: channel c holds the n / C values c * n / C ... (c + 1) * n / C - 1.
  const int per_channel = q.n_in / channels_of(q);
  std::vector<std::int64_t> out(q.n_out);
  for (int i = 0; i < q.n_in; ++i) {
    const int c = i / per_channel;
    out[i] = convert(exact(in[i], q.in) * exact(p.scale_raw[c], p.scale) + exact(p.shift_raw[c], p.shift), q.out);
  }
  return out;
}

StageEstimate HwBatchNorm::estimate(const QuantLayer& q, const FpgaPart& part) const {
  const BatchNormParams& p = params_of<BatchNormParams>(q);
  StageEstimate s;
  s.name = q.name;
  s.type = "batchnorm";
  const int C = channels_of(q);
  // On a pixel stream, per pixel the channel loop: ceil(C / lanes) cycles on `lanes` multipliers;
  // on an array, ceil(n / lanes) cycles.
  const int lanes = p.lanes;
  s.parallelism = lanes_cell(q, p.lanes);
  s.assumes = {{"lanes", p.lanes}};
  const int depth = loop_depth + 3;  // multiply (3), add and convert
  s.latency_cycles = call_overhead + (q.in_pixels ? lanes_pixel_cycles(q.n_in / C, C, lanes, depth)
                                                  : lanes_array_cycles(q.n_in, lanes, depth));
  s.ii_cycles = s.latency_cycles;
  Resources& r = s.resources;
  r.dsp = lanes * dsp_per_multiplier(q.in.width, p.scale.width, part);
  r.lut += lanes * (exact_result_format(q, p).width + q.out.width) + loop_control_lut;
  r.ff += lanes * (q.in.width + p.scale.width + q.out.width) + loop_control_ff;
  if (q.in_pixels) {
    // The tables in `lanes` cyclic banks of ceil(C / lanes) words; the channels picked from the
    // pixel, the output pixel assembled in registers.
    add_memory(r, lanes, ceil_div(C, lanes), p.scale.width);
    add_memory(r, lanes, ceil_div(C, lanes), p.shift.width);
    r.lut += lanes_mux_lut(C, lanes, q.in.width) + loop_control_lut;
    r.ff += (lanes < C ? static_cast<std::int64_t>(C) * q.out.width : 0) + loop_control_ff;
  } else {
    // One table read per lane and cycle: the tables in registers when there are several lanes.
    if (lanes == 1) {
      add_memory(r, 1, C, p.scale.width);
      add_memory(r, 1, C, p.shift.width);
    } else {
      add_register_array(r, C, p.scale.width, lanes);
      add_register_array(r, C, p.shift.width, lanes);
    }
  }
  return s;
}

void HwBatchNorm::apply_parallelism(const LayerParallelism& p, QuantLayer& q) const {
  apply_lanes(p, q, params_of<BatchNormParams>(q).lanes);
}

void HwBatchNorm::choose_parallelism(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii,
                                const std::function<void(std::int64_t)>& out_of_reach) const {
  choose_lanes(*this, q, part, target_ii, out_of_reach);
}

void HwBatchNorm::balance(QuantLayer& q, const FpgaPart& part, std::int64_t target_ii) const {
  balance_lanes(*this, q, part, target_ii);
}

std::map<std::string, std::string> HwBatchNorm::table_cells(const QuantLayer& q) const {
  const BatchNormParams& p = params_of<BatchNormParams>(q);
  return {{"weight", short_format(p.scale)},
          {"bias", short_format(p.shift)},
          {"parallelism", lanes_cell(q, p.lanes)}};
}

void HwBatchNorm::describe(const QuantLayer& q, nlohmann::json& layer, nlohmann::json& formats) const {
  const BatchNormParams& p = params_of<BatchNormParams>(q);
  layer["channels"] = channels_of(q);
  layer["lanes"] = p.lanes;
  formats["scale"] = format_name(p.scale);
  formats["shift"] = format_name(p.shift);
}

TemplateValues HwBatchNorm::template_values(const QuantLayer& q, const ProjectNames& names) const {
  const BatchNormParams& p = params_of<BatchNormParams>(q);
  TemplateValues v = HwLayer::template_values(q, names);
  v.set("channels", channels_of(q)).set("scale_t", cpp_type(p.scale)).set("shift_t", cpp_type(p.shift)).set("lanes", p.lanes);
  return v;
}

std::string HwBatchNorm::parameter_tables(const QuantLayer& q, const ProjectNames& names) const {
  const BatchNormParams& p = params_of<BatchNormParams>(q);
  const int C = channels_of(q);
  TemplateValues v = template_values(q, names);
  v.set("scale_format", format_name(p.scale))
      .set("shift_format", format_name(p.shift))
      .set("scale", array_initializer(p.scale_raw, p.scale, {C}))
      .set("shift", array_initializer(p.shift_raw, p.shift, {C}));
  return fill_part("tables", v);
}

}  // namespace bcnn::hw

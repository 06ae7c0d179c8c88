#include "hw/conv2d.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.h"
#include "hw/exact.h"
#include "hw/fixed_format.h"
#include "hw/resources.h"
#include "layers/conv2d.h"

namespace bcnn::hw {
namespace {

int taps(const Conv2dParams& c) { return c.kernel_h * c.kernel_w; }

// The raw bound of |acc| over every output channel, in units of 2^-F_acc with
// F_acc = max(F_weight + F_in, F_bias): |bias| + sum |w| 2^(I_in - 1).
int128 accumulator_bound(const QuantLayer& q, const Conv2dParams& c, int acc_fraction) {
  const int channels_out = q.out_shape[0];
  const std::size_t per_output = c.weights.size() / static_cast<std::size_t>(channels_out);
  const int product_fraction = c.weight.fraction_bits() + q.in.fraction_bits();
  const int128 in_raw_max = static_cast<int128>(1) << (q.in.width - 1);
  int128 bound = 0;
  for (int o = 0; o < channels_out; ++o) {
    int128 sum = 0;
    for (std::size_t i = 0; i < per_output; ++i) sum += abs128(c.weights[o * per_output + i]) * in_raw_max;
    sum <<= (acc_fraction - product_fraction);
    sum += abs128(c.bias_raw[o]) << (acc_fraction - c.bias.fraction_bits());
    bound = std::max(bound, sum);
  }
  return bound;
}

}  // namespace

bool HwConv2d::folds(const Layer& /*layer*/, const Layer& next) const { return next.type() == "batchnorm"; }

void HwConv2d::quantize(const Layer& float_layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                        const std::optional<FixedFormat>& out_override) const {
  Conv2dParams& c = q.params.emplace<Conv2dParams>();
  const auto& layer = static_cast<const Conv2d&>(float_layer);
  const WindowGeometry& g = layer.geometry();
  c.kernel_h = g.kernel_h;
  c.kernel_w = g.kernel_w;
  c.stride_h = g.stride_h;
  c.stride_w = g.stride_w;
  c.pad_top = g.pad_top;
  c.pad_left = g.pad_left;
  const LayerRange& range = ctx.range_of(q.name);
  ctx.record(q.name, "in", q.in, in_origin, format_min(q.in), format_max(q.in), false, range.input_min,
             range.input_max);

  const int C_out = q.out_shape[0], C_in = q.in_shape[0], kh = c.kernel_h, kw = c.kernel_w;
  const auto w = layer.param(0);  // (C_out, C_in, kh, kw)
  const auto b = layer.param(1);  // (C_out)
  // The folded batchnorm: y = s (conv - mean) + beta per output channel.
  std::vector<double> scale(C_out, 1.0), shift(C_out, 0.0), mean(C_out, 0.0);
  if (const Layer* bn = ctx.folded()) {
    c.folded = bn->name();
    const double eps = bn->config().at("eps").get<double>();
    const auto gamma = bn->param(0), beta = bn->param(1), running_mean = bn->param(2), running_var = bn->param(3);
    for (int o = 0; o < C_out; ++o) {
      scale[o] = static_cast<double>(gamma[o]) / std::sqrt(static_cast<double>(running_var[o]) + eps);
      mean[o] = running_mean[o];
      shift[o] = beta[o];
    }
  }
  // Weights in the kernel's order (C_out, kh, kw, C_in) and the bias, folded, in double.
  std::vector<double> weights(static_cast<std::size_t>(C_out) * kh * kw * C_in), bias(C_out);
  double w_abs_max = 0, b_abs_max = 0;
  for (int o = 0; o < C_out; ++o) {
    for (int a = 0; a < kh; ++a)
      for (int bb = 0; bb < kw; ++bb)
        for (int i = 0; i < C_in; ++i) {
          const double v = static_cast<double>(w[((static_cast<std::size_t>(o) * C_in + i) * kh + a) * kw + bb]) *
                           scale[o];
          weights[((static_cast<std::size_t>(o) * kh + a) * kw + bb) * C_in + i] = v;
          w_abs_max = std::max(w_abs_max, std::abs(v));
        }
    bias[o] = (static_cast<double>(b[o]) - mean[o]) * scale[o] + shift[o];
    b_abs_max = std::max(b_abs_max, std::abs(bias[o]));
  }
  const int weight_width = ctx.options().weight_width;
  const std::string folded_note = c.folded.empty() ? "" : " (" + c.folded + " folded in)";
  c.weight = ctx.choose_constant(q.name, "weight",
                                 data_format(weight_width, integer_bits_for_range(-w_abs_max, w_abs_max, weight_width)),
                                 "covers max |w|" + folded_note, -w_abs_max, w_abs_max);
  c.weights.resize(weights.size());
  for (std::size_t i = 0; i < weights.size(); ++i) c.weights[i] = bcnn_hls::from_double(weights[i], c.weight);
  c.bias = ctx.choose_constant(q.name, "bias",
                               data_format(weight_width, integer_bits_for_range(-b_abs_max, b_abs_max, weight_width)),
                               "covers max |b|" + folded_note, -b_abs_max, b_abs_max);
  c.bias_raw.resize(C_out);
  for (int o = 0; o < C_out; ++o) c.bias_raw[o] = bcnn_hls::from_double(bias[o], c.bias);

  // acc: exact b + sum w x over the window, |x| <= 2^(I_in - 1); F = max(F_w + F_in, F_b).
  const int product_fraction = c.weight.fraction_bits() + q.in.fraction_bits();
  const int acc_fraction = std::max(product_fraction, c.bias.fraction_bits());
  const int128 bound = accumulator_bound(q, c, acc_fraction);
  const double acc_bound = std::ldexp(static_cast<double>(bound), -acc_fraction);
  if (auto o = ctx.override_of(q.name, "acc")) {
    c.acc = *o;
    ctx.record(q.name, "acc", c.acc, "override", format_min(*o), format_max(*o), true);
  } else {
    const int width = std::max(width_for_raw_bound(bound), acc_fraction + 1);
    if (width > 64)
      ctx.fail("layer " + q.name + " acc: impossible format: the exact accumulator needs " + std::to_string(width) +
               " bits (" + std::to_string(acc_fraction) + " fraction bits), at most 64 are possible: narrow " +
               q.name + ".weight or the input format");
    c.acc = exact_format(width, width - acc_fraction);
    ctx.record(q.name, "acc", c.acc,
               "exact: F = F_weight + F_in, |acc| <= max_o sum_window |w| 2^(I_in-1) + |b_o|", -acc_bound, acc_bound,
               false);
  }
  // The value written is the folded batchnorm's output when there is one.
  q.out = ctx.choose_output(q.name, out_override, c.folded.empty() ? range : ctx.range_of(c.folded));
}

void HwConv2d::check_widths(const QuantLayer& q, const QuantContext& ctx) const {
  const Conv2dParams& c = params_of<Conv2dParams>(q);
  const FixedFormat product = bcnn_hls::product_format(c.weight, q.in);
  ctx.require_width(q.name, product, "the product w * x", q.name + ".weight or " + q.name + ".in");
  ctx.require_width(q.name, bcnn_hls::sum_format(c.acc, product), "acc + w * x", q.name + ".acc, .weight or .in");
}

void HwConv2d::validate(const QuantLayer& q) const {
  const Conv2dParams& c = params_of<Conv2dParams>(q);
  require(q.in_shape.size() == 3 && q.out_shape.size() == 3, q, "expected (C, H, W) input and output shapes");
  for (auto [f, name] : {std::pair{c.weight, "weight"}, {c.acc, "acc"}, {c.bias, "bias"}}) require_format(q, f, name);
  require(c.kernel_h >= 1 && c.kernel_w >= 1 && c.stride_h >= 1 && c.stride_w >= 1 && c.pad_top >= 0 &&
              c.pad_left >= 0,
          q, "invalid window geometry");
  const int C_out = q.out_shape[0], C_in = q.in_shape[0];
  require((q.out_shape[1] - 1) * c.stride_h - c.pad_top < q.in_shape[1] &&
              (q.out_shape[2] - 1) * c.stride_w - c.pad_left < q.in_shape[2],
          q, "the output map does not match the input map and the window");
  require_raw(q, c.weights, static_cast<std::size_t>(C_out) * taps(c) * C_in, c.weight, "weights");
  require_raw(q, c.bias_raw, C_out, c.bias, "bias");
  require_exact_width(q, bcnn_hls::sum_format(c.acc, bcnn_hls::product_format(c.weight, q.in)),
                      "the accumulation (acc + weight * in)");
}

std::vector<std::int64_t> HwConv2d::emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const {
  const Conv2dParams& c = params_of<Conv2dParams>(q);
  const int C_in = q.in_shape[0], H = q.in_shape[1], W = q.in_shape[2];
  const int C_out = q.out_shape[0], OH = q.out_shape[1], OW = q.out_shape[2];
  const int kh = c.kernel_h, kw = c.kernel_w;
  // When acc holds every partial sum exactly (its fraction bits cover the products' and the
  // bias's, and the proven bound fits), each += converts nothing: sum in int64 and convert once.
  const int product_fraction = c.weight.fraction_bits() + q.in.fraction_bits();
  const int acc_fraction = c.acc.fraction_bits();
  const bool exact_acc = acc_fraction >= product_fraction && acc_fraction >= c.bias.fraction_bits() &&
                         accumulator_bound(q, c, acc_fraction) <= static_cast<int128>(c.acc.max_raw());
  const int product_shift = acc_fraction - product_fraction;
  std::vector<std::int64_t> out(static_cast<std::size_t>(C_out) * OH * OW);
  std::vector<std::int64_t> window(static_cast<std::size_t>(kh) * kw * C_in);
  for (int oh = 0; oh < OH; ++oh)
    for (int ow = 0; ow < OW; ++ow) {
      // The window in the kernel's order (a, b, ci), zero in the padding.
      for (int a = 0; a < kh; ++a)
        for (int b = 0; b < kw; ++b) {
          const int ih = oh * c.stride_h + a - c.pad_top, iw = ow * c.stride_w + b - c.pad_left;
          const bool inside = ih >= 0 && ih < H && iw >= 0 && iw < W;
          for (int ci = 0; ci < C_in; ++ci)
            window[(static_cast<std::size_t>(a) * kw + b) * C_in + ci] =
                inside ? in[(static_cast<std::size_t>(ci) * H + ih) * W + iw] : 0;
        }
      for (int co = 0; co < C_out; ++co) {
        const std::int64_t* w = c.weights.data() + static_cast<std::size_t>(co) * window.size();
        std::int64_t result;
        if (exact_acc) {
          std::int64_t sum = 0;
          for (std::size_t t = 0; t < window.size(); ++t) sum += w[t] * window[t];
          const std::int64_t acc = (sum << product_shift) + (c.bias_raw[co] << (acc_fraction - c.bias.fraction_bits()));
          result = convert(Exact{acc, acc_fraction}, q.out);
        } else {
          std::int64_t acc = convert(exact(c.bias_raw[co], c.bias), c.acc);
          for (std::size_t t = 0; t < window.size(); ++t)
            acc = convert(exact(acc, c.acc) + exact(w[t], c.weight) * exact(window[t], q.in), c.acc);
          result = convert(exact(acc, c.acc), q.out);
        }
        out[(static_cast<std::size_t>(co) * OH + oh) * OW + ow] = result;
      }
    }
  return out;
}

void HwConv2d::apply_parallelism(const LayerParallelism& p, QuantLayer& q) const {
  Conv2dParams& c = params_of<Conv2dParams>(q);
  if (auto it = p.knobs.find("outputs"); it != p.knobs.end())
    c.outputs_parallel = parallelism_in_range(q, it->second, q.out_shape[0], "output channels in parallel");
  if (auto it = p.knobs.find("inputs"); it != p.knobs.end())
    c.inputs_parallel = parallelism_in_range(q, it->second, q.in_shape[0], "input channels per cycle");
  if (auto it = p.knobs.find("taps"); it != p.knobs.end()) {
    c.taps_parallel = parallelism_in_range(q, it->second, c.kernel_h * c.kernel_w, "kernel taps per cycle");
    if (c.taps_parallel > c.kernel_w && c.taps_parallel % c.kernel_w != 0)
      throw Error("--knob " + q.name + ".taps: expected at most kernel_w = " + std::to_string(c.kernel_w) +
                  " (columns of a kernel row) or a multiple of it (whole rows), found " +
                  std::to_string(c.taps_parallel));
  }
  if (p.units) c.outputs_parallel = parallelism_in_range(q, *p.units, q.out_shape[0], "output channels in parallel");
  if (c.taps_parallel > 1 && c.inputs_parallel < q.in_shape[0])
    throw Error("--knob " + q.name + ".taps: expected 1 unless every input channel is computed at once (" + q.name +
                ".inputs = " + std::to_string(q.in_shape[0]) + ", so that the sums keep their order), found " +
                std::to_string(c.taps_parallel) + " with inputs = " + std::to_string(c.inputs_parallel));
}

StageEstimate HwConv2d::estimate(const QuantLayer& l, const FpgaPart& part) const {
  const Conv2dParams& c = params_of<Conv2dParams>(l);
  StageEstimate s;
  s.name = l.name;
  s.type = "conv2d";
  const int C_in = l.in_shape[0], H = l.in_shape[1], W = l.in_shape[2];
  const int C_out = l.out_shape[0], OH = l.out_shape[1], OW = l.out_shape[2];
  const int Po = c.outputs_parallel, Pi = c.inputs_parallel, Pt = c.taps_parallel;
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "%d of %d outputs x %d of %d inputs x %d of %d taps", Po, C_out, Pi, C_in, Pt,
                c.kernel_h * c.kernel_w);
  s.parallelism = buffer;
  s.assumes = {{"outputs_parallel", Po}, {"inputs_parallel", Pi}, {"taps_parallel", Pt}};
  // One pipelined loop (bcnn_hls/window.h, window_schedule): a cycle per input pixel stored; per
  // output pixel ceil(C_out / Po) groups of ceil(kernel_h / Tr) * ceil(kernel_w / Tc) *
  // ceil(C_in / Pi) MAC steps of Tr rows x Tc columns of taps (Pt = Tr Tc: Pt columns of a row, or
  // Pt / kernel_w whole rows); one pipeline depth.
  const int Tc = std::min(Pt, c.kernel_w), Tr = Pt < c.kernel_w ? 1 : Pt / c.kernel_w;
  const std::int64_t iterations = ceil_div(c.kernel_h, Tr) * ceil_div(c.kernel_w, Tc) * ceil_div(C_in, Pi);
  const std::int64_t per_pixel = ceil_div(C_out, Po) * iterations;
  s.latency_cycles = call_overhead + static_cast<std::int64_t>(H) * W + static_cast<std::int64_t>(OH) * OW * per_pixel +
                     mac_depth + loop_depth;
  s.ii_cycles = s.latency_cycles;

  Resources& r = s.resources;
  const std::int64_t lanes = static_cast<std::int64_t>(Po) * Pi * Pt;
  r.dsp += lanes * dsp_per_multiplier(l.in.width, c.weight.width, part);
  r.lut += lanes * (c.acc.width + l.in.width) + Po * (c.acc.width + l.out.width);
  r.ff += lanes * (l.in.width + c.weight.width) + Po * 2 * c.acc.width;
  // Line buffer: kernel_h rows of W pixels of C_in channels (one bank per row), read Pi channels
  // at a time; the weight ROM in Po x Pi banks; the bias.
  add_pixel_memory(r, static_cast<std::int64_t>(c.kernel_h) * Tc, ceil_div(W, Tc), C_in * l.in.width);
  add_memory(r, lanes, ceil_div(C_out, Po) * iterations, c.weight.width);
  add_memory(r, 1, C_out, c.bias.width);
  r.lut += 6 * loop_control_lut;  // rows, output row, column, group, tap and channel loops
  r.ff += 6 * loop_control_ff;
  return s;
}

void HwConv2d::choose_parallelism(QuantLayer& l, const FpgaPart& part, std::int64_t target_ii,
                                  const std::function<void(std::int64_t)>& out_of_reach) const {
  std::vector<std::map<std::string, int>> settings;
  const int kernel_h = params_of<Conv2dParams>(l).kernel_h, kernel_w = params_of<Conv2dParams>(l).kernel_w;
  for (int po : powers_of_two_and(l.out_shape[0]))
    for (int pi : powers_of_two_and(l.in_shape[0])) {
      settings.push_back({{"outputs", po}, {"inputs", pi}, {"taps", 1}});
      if (pi == l.in_shape[0]) {
        for (int pt : powers_of_two_and(kernel_w))
          if (pt > 1) settings.push_back({{"outputs", po}, {"inputs", pi}, {"taps", pt}});
        for (int rows : powers_of_two_and(kernel_h))  // whole kernel rows: 2, 4, ... and all
          if (rows > 1) settings.push_back({{"outputs", po}, {"inputs", pi}, {"taps", rows * kernel_w}});
      }
    }
  choose_cheapest_knobs(*this, l, part, target_ii, settings, out_of_reach);
}

std::map<std::string, std::string> HwConv2d::table_cells(const QuantLayer& l) const {
  const Conv2dParams& c = params_of<Conv2dParams>(l);
  return {{"weight", short_format(c.weight)},
          {"acc", short_format(c.acc)},
          {"bias", short_format(c.bias)},
          {"parallelism", std::to_string(c.outputs_parallel) + " outputs x " + std::to_string(c.inputs_parallel) +
                              " inputs x " + std::to_string(c.taps_parallel) + " taps"}};
}

void HwConv2d::describe(const QuantLayer& l, nlohmann::json& j, nlohmann::json& formats) const {
  const Conv2dParams& c = params_of<Conv2dParams>(l);
  j["kernel"] = {c.kernel_h, c.kernel_w};
  j["stride"] = {c.stride_h, c.stride_w};
  j["padding"] = {c.pad_top, c.pad_left};
  j["outputs_parallel"] = c.outputs_parallel;
  j["inputs_parallel"] = c.inputs_parallel;
  j["taps_parallel"] = c.taps_parallel;
  if (!c.folded.empty()) j["folded"] = c.folded;
  for (const auto& [k, f] : {std::pair{"weight", c.weight}, {"acc", c.acc}, {"bias", c.bias}})
    formats[k] = format_name(f);
}

TemplateValues HwConv2d::template_values(const QuantLayer& l, const ProjectNames& names) const {
  const Conv2dParams& c = params_of<Conv2dParams>(l);
  TemplateValues v = HwLayer::template_values(l, names);
  v.set("kernel_h", c.kernel_h)
      .set("kernel_w", c.kernel_w)
      .set("stride_h", c.stride_h)
      .set("stride_w", c.stride_w)
      .set("pad_top", c.pad_top)
      .set("pad_left", c.pad_left)
      .set("outputs_parallel", c.outputs_parallel)
      .set("inputs_parallel", c.inputs_parallel)
      .set("taps_parallel", c.taps_parallel)
      .set("weight_t", cpp_type(c.weight))
      .set("bias_t", cpp_type(c.bias))
      .set("acc_t", cpp_type(c.acc))
      .set("folded", c.folded.empty() ? std::string() : ", " + c.folded + " folded in");
  return v;
}

std::string HwConv2d::parameter_tables(const QuantLayer& l, const ProjectNames& names) const {
  const Conv2dParams& c = params_of<Conv2dParams>(l);
  TemplateValues v = template_values(l, names);
  v.set("weight_format", format_name(c.weight))
      .set("bias_format", format_name(c.bias))
      .set("weights", array_initializer(c.weights, c.weight, {l.out_shape[0], c.kernel_h, c.kernel_w, l.in_shape[0]}))
      .set("bias", array_initializer(c.bias_raw, c.bias, {l.out_shape[0]}));
  return fill_part("tables", v);
}

}  // namespace bcnn::hw

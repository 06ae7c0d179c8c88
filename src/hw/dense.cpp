#include "hw/dense.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "hw/exact.h"
#include "hw/fixed_format.h"
#include "hw/resources.h"

namespace bcnn::hw {
namespace {

// The smallest reuse factor with the same number of multipliers as R: ceil(n_in / M).
int canonical_reuse(int n_in, int R) {
  const std::int64_t multipliers = ceil_div(n_in, R);
  return static_cast<int>(ceil_div(n_in, multipliers));
}

}  // namespace

void HwDense::quantize(const Layer& layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                       const std::optional<FixedFormat>& out_override) const {
  DenseParams& d = q.params.emplace<DenseParams>();
  const LayerRange& range = ctx.range_of(q.name);
  ctx.record(q.name, "in", q.in, in_origin, format_min(q.in), format_max(q.in), false, range.input_min,
             range.input_max);
  const auto w = layer.param(0);  // (n_out, n_in)
  const auto b = layer.param(1);
  const int weight_width = ctx.options().weight_width;
  double w_abs_max = 0, b_abs_max = 0;
  for (float v : w) w_abs_max = std::max(w_abs_max, std::abs(static_cast<double>(v)));
  for (float v : b) b_abs_max = std::max(b_abs_max, std::abs(static_cast<double>(v)));

  d.weight = ctx.choose_constant(q.name, "weight",
                                 data_format(weight_width, integer_bits_for_range(-w_abs_max, w_abs_max, weight_width)),
                                 "covers max |w|", -w_abs_max, w_abs_max);
  d.weights.resize(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) d.weights[i] = bcnn_hls::from_double(w[i], d.weight);

  d.bias = ctx.choose_constant(q.name, "bias",
                               data_format(weight_width, integer_bits_for_range(-b_abs_max, b_abs_max, weight_width)),
                               "covers max |b|", -b_abs_max, b_abs_max);
  d.bias_raw.resize(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) d.bias_raw[i] = bcnn_hls::from_double(b[i], d.bias);

  // acc: exact b_i + sum_j w_ij x_j with |x_j| <= 2^(I_in - 1); F = max(F_w + F_in, F_b).
  const int product_fraction = d.weight.fraction_bits() + q.in.fraction_bits();
  const int acc_fraction = std::max(product_fraction, d.bias.fraction_bits());
  int128 bound = 0;  // units of 2^-acc_fraction
  {
    const int128 in_raw_max = static_cast<int128>(1) << (q.in.width - 1);
    for (int i = 0; i < q.n_out; ++i) {
      int128 sum = 0;
      for (int j = 0; j < q.n_in; ++j) sum += abs128(d.weights[static_cast<std::size_t>(i) * q.n_in + j]) * in_raw_max;
      sum <<= (acc_fraction - product_fraction);
      sum += abs128(d.bias_raw[i]) << (acc_fraction - d.bias.fraction_bits());
      bound = std::max(bound, sum);
    }
  }
  const double acc_bound = std::ldexp(static_cast<double>(bound), -acc_fraction);
  if (auto o = ctx.override_of(q.name, "acc")) {
    d.acc = *o;
    ctx.record(q.name, "acc", d.acc, "override", format_min(*o), format_max(*o), true);
  } else {
    int width = std::max(width_for_raw_bound(bound), acc_fraction + 1);
    if (width > 64)
      ctx.fail("layer " + q.name + " acc: impossible format: the exact accumulator needs " + std::to_string(width) +
               " bits (" + std::to_string(acc_fraction) + " fraction bits = weight " +
               std::to_string(d.weight.fraction_bits()) + " + in " + std::to_string(q.in.fraction_bits()) +
               "), at most 64 are possible: narrow " + q.name + ".weight or the input format");
    d.acc = exact_format(width, width - acc_fraction);
    ctx.record(q.name, "acc", d.acc, "exact: F = F_weight + F_in, |acc| <= max_i sum_j |w_ij| 2^(I_in-1) + |b_i|",
               -acc_bound, acc_bound, false);
  }
  q.out = ctx.choose_output(q.name, out_override, range);
}

void HwDense::check_widths(const QuantLayer& q, const QuantContext& ctx) const {
  const DenseParams& d = params_of<DenseParams>(q);
  const FixedFormat product = bcnn_hls::product_format(d.weight, q.in);
  ctx.require_width(q.name, product, "the product w * x", q.name + ".weight or " + q.name + ".in");
  ctx.require_width(q.name, bcnn_hls::sum_format(d.acc, product), "acc + w * x", q.name + ".acc, .weight or .in");
}

void HwDense::validate(const QuantLayer& q) const {
  const DenseParams& d = params_of<DenseParams>(q);
  for (auto [f, name] : {std::pair{d.weight, "weight"}, {d.acc, "acc"}, {d.bias, "bias"}}) require_format(q, f, name);
  require_raw(q, d.weights, static_cast<std::size_t>(q.n_out) * q.n_in, d.weight, "weights");
  require_raw(q, d.bias_raw, q.n_out, d.bias, "bias");
  require_exact_width(q, bcnn_hls::sum_format(d.acc, bcnn_hls::product_format(d.weight, q.in)),
                      "the accumulation (acc + weight * in)");
}

std::vector<std::int64_t> HwDense::emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const {
  const DenseParams& d = params_of<DenseParams>(q);
  std::vector<std::int64_t> out(q.n_out);
  for (int o = 0; o < q.n_out; ++o) {
    std::int64_t acc = convert(exact(d.bias_raw[o], d.bias), d.acc);
    const std::int64_t* w = d.weights.data() + static_cast<std::size_t>(o) * q.n_in;
    for (int i = 0; i < q.n_in; ++i)
      acc = convert(exact(acc, d.acc) + exact(w[i], d.weight) * exact(in[i], q.in), d.acc);
    out[o] = convert(exact(acc, d.acc), q.out);
  }
  return out;
}

// bcnn_hls::reuse_dense_layer: acc_t(bias), acc_t(acc + w x), out_t(acc), in 62 bits.
bool HwDense::reuse_step(const QuantLayer& q, ReuseStep& step) const {
  const DenseParams& d = params_of<DenseParams>(q);
  step.op = ReuseStep::Op::dense;
  step.weight = d.weight;
  step.acc = d.acc;
  step.bias = d.bias;
  step.weights = d.weights;
  step.biases = d.bias_raw;
  require_reuse_convert(q, d.bias, d.acc, "acc_t(bias)");
  const FixedFormat sum = bcnn_hls::sum_format(d.acc, bcnn_hls::product_format(d.weight, q.in));
  require_reuse_width(q, sum, "acc + w * x");
  require_reuse_convert(q, sum, d.acc, "acc_t(acc + w * x)");
  require_reuse_convert(q, d.acc, q.out, "out_t(acc)");
  return true;
}

// Each output's n_in products take R cycles on ceil(n_in / R) multipliers.
void HwDense::apply_parallelism(const LayerParallelism& p, QuantLayer& q) const {
  DenseParams& d = params_of<DenseParams>(q);
  if (auto it = p.knobs.find("reuse"); it != p.knobs.end())
    d.reuse_factor = parallelism_in_range(q, it->second, q.n_in, "a reuse factor");
  // About `units` multipliers: R = ceil(n_in / units).
  if (p.units) d.reuse_factor = parallelism_in_range(q, static_cast<int>(ceil_div(q.n_in, *p.units)), q.n_in,
                                                     "a reuse factor");
}

StageEstimate HwDense::estimate(const QuantLayer& l, const FpgaPart& part) const {
  const DenseParams& d = params_of<DenseParams>(l);
  StageEstimate s;
  s.name = l.name;
  s.type = "dense";
  const std::int64_t R = d.reuse_factor;
  const std::int64_t M = ceil_div(l.n_in, R);  // multipliers
  const std::int64_t trip = ceil_div(l.n_in, M);
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "reuse %lld (%lld multiplier%s)", static_cast<long long>(R),
                static_cast<long long>(M), M == 1 ? "" : "s");
  s.parallelism = buffer;
  s.assumes = {{"reuse_factor", R}};
  // One loop pipelined over outputs x steps (bcnn_hls/dense.h): no drain between outputs.
  s.latency_cycles = call_overhead + static_cast<std::int64_t>(l.n_out) * trip + dense_depth + log2_ceil(M);
  s.ii_cycles = s.latency_cycles;

  Resources& r = s.resources;
  r.dsp = M * dsp_per_multiplier(l.in.width, d.weight.width, part);
  r.lut += M * d.acc.width + d.acc.width + l.out.width;  // adder tree, output conversion
  r.ff += M * (l.in.width + d.weight.width) + 2 * d.acc.width;
  add_memory(r, M, static_cast<std::int64_t>(l.n_out) * trip, d.weight.width);
  add_memory(r, 1, l.n_out, d.bias.width);
  r.lut += 2 * loop_control_lut;
  r.ff += 2 * loop_control_ff;
  return s;
}

void HwDense::choose_parallelism(QuantLayer& l, const FpgaPart& part, std::int64_t target_ii,
                                 const std::function<void(std::int64_t)>& out_of_reach) const {
  DenseParams& d = params_of<DenseParams>(l);
  int chosen = 1;
  bool found = false;
  for (int R = l.n_in; R >= 1; --R) {
    QuantLayer trial = l;
    params_of<DenseParams>(trial).reuse_factor = R;
    if (estimate(trial, part).ii_cycles <= target_ii) {
      chosen = R;
      found = true;
      break;
    }
  }
  d.reuse_factor = canonical_reuse(l.n_in, chosen);
  if (!found) out_of_reach(estimate(l, part).ii_cycles);
}

void HwDense::balance(QuantLayer& l, const FpgaPart& part, std::int64_t target_ii) const {
  DenseParams& d = params_of<DenseParams>(l);
  for (int R = l.n_in; R >= 1; --R) {
    QuantLayer trial = l;
    params_of<DenseParams>(trial).reuse_factor = R;
    if (estimate(trial, part).ii_cycles <= target_ii || R == 1) {
      d.reuse_factor = canonical_reuse(l.n_in, R);
      break;
    }
  }
}

std::map<std::string, std::string> HwDense::table_cells(const QuantLayer& l) const {
  const DenseParams& d = params_of<DenseParams>(l);
  return {{"weight", short_format(d.weight)},
          {"acc", short_format(d.acc)},
          {"bias", short_format(d.bias)},
          {"parallelism", "reuse " + std::to_string(d.reuse_factor)}};
}

void HwDense::describe(const QuantLayer& l, nlohmann::json& j, nlohmann::json& formats) const {
  const DenseParams& d = params_of<DenseParams>(l);
  j["reuse_factor"] = d.reuse_factor;
  for (const auto& [k, f] : {std::pair{"weight", d.weight}, {"acc", d.acc}, {"bias", d.bias}})
    formats[k] = format_name(f);
}

TemplateValues HwDense::template_values(const QuantLayer& l, const ProjectNames& names) const {
  const DenseParams& d = params_of<DenseParams>(l);
  TemplateValues v = HwLayer::template_values(l, names);
  v.set("reuse_factor", d.reuse_factor)
      .set("weight_t", cpp_type(d.weight))
      .set("bias_t", cpp_type(d.bias))
      .set("acc_t", cpp_type(d.acc));
  return v;
}

std::string HwDense::parameter_tables(const QuantLayer& l, const ProjectNames& names) const {
  const DenseParams& d = params_of<DenseParams>(l);
  TemplateValues v = template_values(l, names);
  v.set("weight_format", format_name(d.weight))
      .set("bias_format", format_name(d.bias))
      .set("weights", array_initializer(d.weights, d.weight, {l.n_out, l.n_in}))
      .set("bias", array_initializer(d.bias_raw, d.bias, {l.n_out}));
  return fill_part("tables", v);
}

}  // namespace bcnn::hw

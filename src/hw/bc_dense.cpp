#include "hw/bc_dense.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <tuple>

#include "core/error.h"
#include "hw/exact.h"
#include "hw/fft_stage.h"
#include "hw/fixed_format.h"
#include "hw/resources.h"
#include "layers/bc_dense.h"

namespace bcnn::hw {
std::vector<std::string> HwBcDense::format_fields() const { return spectral_format_fields(); }

void HwBcDense::check_supported(const Layer& layer, const QuantContext& ctx) const {
  if (!is_supported_fft_block(layer.block_size()))
    ctx.fail("unsupported layer " + layer.name() + " (bc_dense with block " + std::to_string(layer.block_size()) +
             "): the HLS FFT supports power-of-two blocks 4..256");
}

void HwBcDense::quantize(const Layer& float_layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                         const std::optional<FixedFormat>& out_override) const {
  BcDenseParams& bc = q.params.emplace<BcDenseParams>();
  const auto& layer = static_cast<const BcDense&>(float_layer);
  const LayerRange& range = ctx.range_of(q.name);
  ctx.record(q.name, "in", q.in, in_origin, format_min(q.in), format_max(q.in), false, range.input_min,
             range.input_max);

  const int K = layer.block_size(), P = layer.block_rows(), Q = layer.block_cols(), bins = K / 2 + 1;
  bc.block = K;
  bc.p = P;
  bc.q = Q;
  const auto w = layer.param(0);  // (P, Q, K)
  const auto b = layer.param(1);  // (m)

  // Weight spectra DFT(w_ij) of the (P, Q, K) weight, in a format covering them.
  choose_weight_spectra(q.name, w, K, "w_ij", ctx, bc);

  bc.spec = choose_spec_format(q.name, q.in, K, ctx);

  // acc: exact sum over j of W_ij[f] X'_j[f]. Re = sum Wr Xr - Wi Xi, Im = sum Wr Xi + Wi Xr,
  // with |Xr|, |Xi| <= 2^(I_spec - 1): |Re|, |Im| <= max_{i,f} sum_j (|Wr| + |Wi|) 2^(I_spec - 1).
  int128 acc_raw_bound = 0;  // in units of 2^-(F_weight + F_spec)
  {
    const int128 spec_raw_max = static_cast<int128>(1) << (bc.spec.width - 1);
    for (int i = 0; i < P; ++i)
      for (int f = 0; f < bins; ++f) {
        int128 sum = 0;
        for (int j = 0; j < Q; ++j) {
          const std::size_t idx = (static_cast<std::size_t>(i) * Q + j) * bins + f;
          sum += (abs128(bc.weight_re[idx]) + abs128(bc.weight_im[idx])) * spec_raw_max;
        }
        acc_raw_bound = std::max(acc_raw_bound, sum);
      }
  }
  double acc_bound = 0;
  bc.acc = choose_spectral_acc(q.name, acc_raw_bound, bc.weight, bc.spec,
                               "exact: F = F_weight + F_spec, |acc| <= max_{i,f} sum_j (|Wr|+|Wi|) 2^(I_spec-1)", ctx,
                               &acc_bound);

  choose_bias_and_ifft(q.name, b, range, acc_bound, K, ctx, bc.bias, bc.bias_raw, bc.ifft);
  bc.twiddle = choose_twiddles(q.name, K, ctx, bc.twiddle_re, bc.twiddle_im);
  q.out = ctx.choose_output(q.name, out_override, range);
}

void HwBcDense::check_widths(const QuantLayer& q, const QuantContext& ctx) const {
  const BcDenseParams& bc = params_of<BcDenseParams>(q);
  check_fft_widths(q.name, bc.spec, bc.ifft, bc.twiddle, ctx);
  check_spectral_widths(q.name, bc.weight, bc.spec, bc.acc, bc.ifft, bc.bias, bc.block, ctx);
}

void HwBcDense::validate(const QuantLayer& q) const {
  const BcDenseParams& bc = params_of<BcDenseParams>(q);
  const int k = bc.block;
  require(is_supported_fft_block(k), q, "block " + std::to_string(k) + " is not supported (expected 4, 8, ..., 256)");
  require(bc.p == (q.n_out + k - 1) / k && bc.q == (q.n_in + k - 1) / k, q,
          "p = " + std::to_string(bc.p) + ", q = " + std::to_string(bc.q) +
              " do not match ceil(n_out / block), ceil(n_in / block)");
  for (auto [f, name] : {std::pair{bc.spec, "spec"}, {bc.weight, "weight"}, {bc.acc, "acc"}, {bc.ifft, "ifft"},
                         {bc.bias, "bias"}, {bc.twiddle, "twiddle"}})
    require_format(q, f, name);
  const std::size_t spectra = static_cast<std::size_t>(bc.p) * bc.q * (k / 2 + 1);
  require_raw(q, bc.weight_re, spectra, bc.weight, "weight_re");
  require_raw(q, bc.weight_im, spectra, bc.weight, "weight_im");
  require_raw(q, bc.bias_raw, q.n_out, bc.bias, "bias");
  validate_fft(q, k, bc.spec, bc.ifft, bc.twiddle, bc.twiddle_re, bc.twiddle_im);
  validate_spectral_widths(q, bc.weight, bc.spec, bc.acc, bc.ifft, bc.bias, k);
}

std::vector<std::int64_t> HwBcDense::emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const {
  const BcDenseParams& bc = params_of<BcDenseParams>(q);
  const int k = bc.block, bins = k / 2 + 1;
  FftEmulator fft(k, bc.twiddle, bc.twiddle_re, bc.twiddle_im);
  std::vector<std::int64_t> block(k);
  std::vector<std::int64_t> x_re(static_cast<std::size_t>(bc.q) * bins), x_im(x_re.size());
  for (int j = 0; j < bc.q; ++j) {
    for (int t = 0; t < k; ++t) {
      const int index = j * k + t;
      block[t] = index < q.n_in ? in[index] : 0;
    }
    fft.forward(block.data(), q.in, bc.spec, x_re.data() + j * bins, x_im.data() + j * bins);
  }

  const Exact scale{k, 0};
  std::vector<std::int64_t> out(q.n_out);
  std::vector<std::int64_t> y_re(bins), y_im(bins), y(k);
  for (int i = 0; i < bc.p; ++i) {
    for (int f = 0; f < bins; ++f) {
      std::int64_t acc_re = 0, acc_im = 0;
      for (int j = 0; j < bc.q; ++j) {
        const std::size_t w_index = (static_cast<std::size_t>(i) * bc.q + j) * bins + f;
        const Exact w_re = exact(bc.weight_re[w_index], bc.weight);
        const Exact w_im = exact(bc.weight_im[w_index], bc.weight);
        const Exact xr = exact(x_re[j * bins + f], bc.spec);
        const Exact xi = exact(x_im[j * bins + f], bc.spec);
        acc_re = convert(exact(acc_re, bc.acc) + (w_re * xr - w_im * xi), bc.acc);
        acc_im = convert(exact(acc_im, bc.acc) + (w_re * xi + w_im * xr), bc.acc);
      }
      y_re[f] = convert(exact(acc_re, bc.acc), bc.ifft);
      y_im[f] = convert(exact(acc_im, bc.acc), bc.ifft);
    }
    fft.inverse(y_re.data(), y_im.data(), bc.ifft, y.data());
    for (int t = 0; t < k; ++t) {
      const int o = i * k + t;
      if (o < q.n_out) out[o] = convert(exact(y[t], bc.ifft) * scale + exact(bc.bias_raw[o], bc.bias), q.out);
    }
  }
  return out;
}

// bcnn_hls::reuse_bc_dense_layer: the conversions of emulate() above, each in 62 bits.
bool HwBcDense::reuse_step(const QuantLayer& q, ReuseStep& step) const {
  const BcDenseParams& bc = params_of<BcDenseParams>(q);
  const int k = bc.block;
  step.op = ReuseStep::Op::bc_dense;
  step.block = k;
  step.p = bc.p;
  step.q = bc.q;
  step.spec = bc.spec;
  step.weight = bc.weight;
  step.acc = bc.acc;
  step.ifft = bc.ifft;
  step.bias = bc.bias;
  step.twiddle = bc.twiddle;
  step.weights.resize(2 * bc.weight_re.size());
  for (std::size_t w = 0; w < bc.weight_re.size(); ++w) {
    step.weights[2 * w] = bc.weight_re[w];
    step.weights[2 * w + 1] = bc.weight_im[w];
  }
  step.biases = bc.bias_raw;
  step.twiddles = bc.twiddle_re;
  step.twiddles.insert(step.twiddles.end(), bc.twiddle_im.begin(), bc.twiddle_im.end());

  using bcnn_hls::product_format;
  using bcnn_hls::sum_format;
  require_reuse_convert(q, q.in, bc.spec, "spec_t(x)");
  if (bc.twiddle.fraction_bits() < 0)
    throw Error("--architecture reuse: layer '" + q.name + "' (bc_dense): twiddle: expected a format with 0 or more "
                "fraction bits, found " + std::to_string(bc.twiddle.fraction_bits()));
  for (const auto& [data, name] : {std::pair{bc.spec, std::string("forward")}, std::pair{bc.ifft, std::string("inverse")}}) {
    const FixedFormat product = product_format(data, bc.twiddle);
    const FixedFormat butterfly = sum_format(data, sum_format(product, product));
    require_reuse_width(q, butterfly, "the " + name + " FFT butterfly a + b * w");
    require_reuse_convert(q, butterfly, data, "the " + name + " FFT butterfly's conversion");
  }
  const FixedFormat product = product_format(bc.weight, bc.spec);
  const FixedFormat mac = sum_format(bc.acc, sum_format(product, product));
  require_reuse_width(q, mac, "acc + W * X'");
  require_reuse_convert(q, mac, bc.acc, "acc_t(acc + W * X')");
  require_reuse_convert(q, bc.acc, bc.ifft, "ifft_t(acc)");
  const FixedFormat output = sum_format(product_format(bc.ifft, block_scale_format(k)), bc.bias);
  require_reuse_width(q, output, "y * K + bias");
  require_reuse_convert(q, output, q.out, "out_t(y * K + bias)");
  return true;
}

void HwBcDense::apply_parallelism(const LayerParallelism& p, QuantLayer& q) const {
  BcDenseParams& bc = params_of<BcDenseParams>(q);
  apply_spectral_knobs(p, q, bc);
  const int all_units = bc.block / 2 * log2_ceil(bc.block);
  auto knob = [&](const char* name, int max, const char* what, int& value) {
    if (auto it = p.knobs.find(name); it != p.knobs.end()) value = parallelism_in_range(q, it->second, max, what);
  };
  knob("block_cols", bc.q, "block columns in parallel", bc.block_cols_parallel);
  knob("fft_units", all_units, "butterfly units of the forward FFT engine", bc.fft_units);
  knob("fft_lanes", bc.q, "forward FFT lanes", bc.fft_lanes);
  knob("ifft_units", all_units, "butterfly units of the inverse FFT engine", bc.ifft_units);
  knob("ifft_lanes", bc.p, "inverse FFT lanes", bc.ifft_lanes);
  for (auto [lanes, units, name] : {std::tuple{bc.fft_lanes, bc.fft_units, "fft"}, {bc.ifft_lanes, bc.ifft_units, "ifft"}})
    if (lanes > 1 && units == 1)
      throw Error("--knob " + q.name + "." + name + "_lanes: expected 1 on the serial engine (" + name +
                  "_units = 1), found " + std::to_string(lanes) + ": give " + q.name + "." + name +
                  "_units a pipelined engine (" + std::to_string(log2_ceil(bc.block)) + " or more units) for lanes");
}

namespace {

// One dataflow process of the kernel: its cycles per image and its resources.
struct Phase {
  std::int64_t cycles = 0;
  Resources resources;
};

// The forward process: q transforms on fft_lanes engines.
Phase forward_phase(const BcDenseParams& bc, const FpgaPart& part) {
  const int K = bc.block;
  Phase ph;
  ph.cycles = fft_engine_cycles(K, bc.fft_units, bc.fft_lanes, bc.q, K / 2 + 1);
  ph.resources = fft_engines(K, bc.fft_units, bc.fft_lanes, bc.spec.width, bc.twiddle.width, part);
  ph.resources.lut += loop_control_lut;  // the block loop
  ph.resources.ff += loop_control_ff;
  return ph;
}

// The MAC process: per group of block_rows rows, clear the accumulators, ceil(q / block_cols) x
// ceil(bins / bins_parallel) MAC iterations, convert to ifft_t.
Phase mac_phase(const BcDenseParams& bc, const FpgaPart& part) {
  const int bins = bc.block / 2 + 1, Pr = bc.block_rows_parallel, Pb = bc.bins_parallel,
            Pc = bc.block_cols_parallel;
  const std::int64_t bin_groups = ceil_div(bins, Pb);
  Phase ph;
  ph.cycles = ceil_div(bc.p, Pr) *
              ((bin_groups + loop_depth) + (ceil_div(bc.q, Pc) * bin_groups + mac_depth) + (bin_groups + loop_depth));
  Resources& r = ph.resources;
  const std::int64_t lanes = static_cast<std::int64_t>(Pr) * Pb * Pc;
  r.dsp += lanes * 4 * dsp_per_multiplier(bc.spec.width, bc.weight.width, part);
  const int product_width = bc.spec.width + bc.weight.width + 1;
  r.lut += lanes * (2 * product_width + 2 * bc.acc.width);
  r.ff += lanes * (4 * (bc.spec.width + bc.weight.width) + 2 * bc.acc.width);
  r.lut += static_cast<std::int64_t>(Pr) * Pb * (bc.ifft.width + 8);  // Y' = ifft_t(acc)
  // Weight spectra (re, im) in Pr x Pc x Pb banks; the accumulators, Pr x Pb banks.
  add_memory(r, 2 * lanes, ceil_div(bc.p, Pr) * ceil_div(bc.q, Pc) * bin_groups, bc.weight.width);
  add_memory(r, 2 * static_cast<std::int64_t>(Pr) * Pb, bin_groups, bc.acc.width);
  r.lut += 4 * loop_control_lut;  // row group, clear, MAC, convert
  r.ff += 4 * loop_control_ff;
  return ph;
}

// The inverse process: p transforms on ifft_lanes engines, each followed by its K outputs
// out_t(y * K + bias) (one conversion unit on the serial engine, K / II per lane on a pipelined one).
Phase inverse_phase(const BcDenseParams& bc, int n_out, int out_width, const FpgaPart& part) {
  const int K = bc.block, ii = fft_engine_ii(K, bc.ifft_units);
  Phase ph;
  ph.cycles = fft_engine_cycles(K, bc.ifft_units, bc.ifft_lanes, bc.p, K);
  if (ii == 0) ph.cycles += static_cast<std::int64_t>(bc.p) * (K + loop_depth);  // the output loop
  Resources& r = ph.resources;
  r = fft_engines(K, bc.ifft_units, bc.ifft_lanes, bc.ifft.width, bc.twiddle.width, part);
  const std::int64_t words = ii == 0 ? 1 : ceil_div(static_cast<std::int64_t>(K) * bc.ifft_lanes, ii);
  r.lut += words * (out_width + bc.ifft.width + 8);
  r.ff += words * (out_width + bc.ifft.width);
  add_memory(r, words, ceil_div(n_out, words), bc.bias.width);
  if (ii == 0) add_memory(r, 1, K, bc.ifft.width);  // y
  r.lut += 2 * loop_control_lut;
  r.ff += 2 * loop_control_ff;
  return ph;
}

// The ping-pong channels X' (forward -> mac) and Y' (mac -> inverse), (re, im), partitioned for
// both of their processes: by lanes or block columns (rows) in the first dimension, by the bins
// per cycle in the second.
Resources spectral_channels(const BcDenseParams& bc) {
  const int K = bc.block, bins = K / 2 + 1;
  auto channel = [&](int blocks, int engine_units, int engine_lanes, int mac_ways, const FixedFormat& f) {
    const int ii = fft_engine_ii(K, engine_units);
    const std::int64_t ways1 = std::max(ii == 0 ? 1 : engine_lanes, mac_ways);
    const std::int64_t ways2 = std::max<std::int64_t>(ii == 0 ? 1 : ceil_div(bins, ii), bc.bins_parallel);
    Resources r;
    add_memory(r, 2 * 2 * ways1 * ways2, ceil_div(blocks, ways1) * ceil_div(bins, ways2), f.width);
    return r;
  };
  Resources r = channel(bc.q, bc.fft_units, bc.fft_lanes, bc.block_cols_parallel, bc.spec);
  r += channel(bc.p, bc.ifft_units, bc.ifft_lanes, bc.block_rows_parallel, bc.ifft);
  add_memory(r, 4, K / 2, bc.twiddle.width);  // the twiddle ROMs of both processes
  return r;
}

// Cheaper first: DSPs, then BRAMs, then LUTs.
bool cheaper(const Resources& x, const Resources& y) {
  if (x.dsp != y.dsp) return x.dsp < y.dsp;
  if (x.bram18 != y.bram18) return x.bram18 < y.bram18;
  return x.lut < y.lut;
}

// Of `settings` (each applied to a copy of bc by `apply`), the cheapest whose phase takes at most
// `budget` cycles; when none does, the cheapest within 5% of the fastest. Returns the fastest
// cycles found.
template <class Setting>
std::int64_t choose_phase(BcDenseParams& bc, std::int64_t budget, const std::vector<Setting>& settings,
                          const std::function<void(BcDenseParams&, const Setting&)>& apply,
                          const std::function<Phase(const BcDenseParams&)>& phase) {
  std::vector<std::pair<BcDenseParams, Phase>> trials;
  std::int64_t fastest = std::numeric_limits<std::int64_t>::max();
  for (const Setting& s : settings) {
    BcDenseParams trial = bc;
    apply(trial, s);
    trials.emplace_back(trial, phase(trial));
    fastest = std::min(fastest, trials.back().second.cycles);
  }
  const std::int64_t limit = fastest <= budget ? budget : fastest + fastest / 20;
  const std::pair<BcDenseParams, Phase>* chosen = nullptr;
  for (const auto& t : trials)
    if (t.second.cycles <= limit &&
        (!chosen || cheaper(t.second.resources, chosen->second.resources) ||
         (!cheaper(chosen->second.resources, t.second.resources) && t.second.cycles < chosen->second.cycles)))
      chosen = &t;
  bc = chosen->first;
  return fastest;
}

}  // namespace

StageEstimate HwBcDense::estimate(const QuantLayer& l, const FpgaPart& part) const {
  const BcDenseParams& bc = params_of<BcDenseParams>(l);
  StageEstimate s;
  s.name = l.name;
  s.type = "bc_dense";
  const int bins = bc.block / 2 + 1;
  s.parallelism = "fft " + fft_engine_cell(bc.block, bc.fft_units, bc.fft_lanes) + "; " +
                  std::to_string(bc.block_rows_parallel) + " of " + std::to_string(bc.p) + " block rows x " +
                  std::to_string(bc.bins_parallel) + " of " + std::to_string(bins) + " bins x " +
                  std::to_string(bc.block_cols_parallel) + " of " + std::to_string(bc.q) + " block columns; ifft " +
                  fft_engine_cell(bc.block, bc.ifft_units, bc.ifft_lanes);

  s.assumes = {{"block", bc.block},
               {"p", bc.p},
               {"q", bc.q},
               {"fft_units", bc.fft_units},
               {"fft_lanes", bc.fft_lanes},
               {"block_rows_parallel", bc.block_rows_parallel},
               {"bins_parallel", bc.bins_parallel},
               {"block_cols_parallel", bc.block_cols_parallel},
               {"ifft_units", bc.ifft_units},
               {"ifft_lanes", bc.ifft_lanes}};

  // Three dataflow processes: the layer takes a new image every max(phase) cycles; an image
  // passes through all three.
  const Phase forward = forward_phase(bc, part);
  const Phase mac = mac_phase(bc, part);
  const Phase inverse = inverse_phase(bc, l.n_out, l.out.width, part);
  s.latency_cycles = call_overhead + forward.cycles + mac.cycles + inverse.cycles;
  s.ii_cycles = call_overhead + std::max({forward.cycles, mac.cycles, inverse.cycles});
  s.resources += forward.resources;
  s.resources += mac.resources;
  s.resources += inverse.resources;
  s.resources += spectral_channels(bc);
  return s;
}

void HwBcDense::choose_parallelism(QuantLayer& l, const FpgaPart& part, std::int64_t target_ii,
                                   const std::function<void(std::int64_t)>& out_of_reach) const {
  BcDenseParams& bc = params_of<BcDenseParams>(l);
  const std::int64_t budget = target_ii - call_overhead;
  // The processes are independent: each gets the cheapest setting that meets the target.
  using Engine = std::pair<int, int>;  // units, lanes
  auto engines = [&](int blocks) {
    std::vector<Engine> v;
    for (int u : fft_engine_units(bc.block))
      for (int lanes : u == 1 ? std::vector<int>{1} : powers_of_two_and(blocks)) v.push_back({u, lanes});
    return v;
  };
  std::int64_t fastest = choose_phase<Engine>(
      bc, budget, engines(bc.q),
      [](BcDenseParams& t, const Engine& e) { std::tie(t.fft_units, t.fft_lanes) = e; },
      [&](const BcDenseParams& t) { return forward_phase(t, part); });
  using Array = std::tuple<int, int, int>;  // block rows, bins, block columns
  std::vector<Array> arrays;
  for (int r : powers_of_two_and(bc.p))
    for (int b : powers_of_two_and(bc.block / 2 + 1))
      for (int c : powers_of_two_and(bc.q)) arrays.push_back({r, b, c});
  fastest = std::max(fastest, choose_phase<Array>(
                                  bc, budget, arrays,
                                  [](BcDenseParams& t, const Array& a) {
                                    std::tie(t.block_rows_parallel, t.bins_parallel, t.block_cols_parallel) = a;
                                  },
                                  [&](const BcDenseParams& t) { return mac_phase(t, part); }));
  fastest = std::max(fastest, choose_phase<Engine>(
                                  bc, budget, engines(bc.p),
                                  [](BcDenseParams& t, const Engine& e) { std::tie(t.ifft_units, t.ifft_lanes) = e; },
                                  [&](const BcDenseParams& t) { return inverse_phase(t, l.n_out, l.out.width, part); }));
  if (fastest > budget) out_of_reach(call_overhead + fastest);
}

std::map<std::string, std::string> HwBcDense::table_cells(const QuantLayer& l) const {
  const BcDenseParams& bc = params_of<BcDenseParams>(l);
  std::map<std::string, std::string> cells = spectral_table_cells(bc);
  cells["parallelism"] = "fft " + fft_engine_cell(bc.block, bc.fft_units, bc.fft_lanes) + ", " +
                         std::to_string(bc.block_rows_parallel) + " rows x " + std::to_string(bc.bins_parallel) +
                         " bins x " + std::to_string(bc.block_cols_parallel) + " cols, ifft " +
                         fft_engine_cell(bc.block, bc.ifft_units, bc.ifft_lanes);
  return cells;
}

void HwBcDense::describe(const QuantLayer& l, nlohmann::json& j, nlohmann::json& formats) const {
  const BcDenseParams& bc = params_of<BcDenseParams>(l);
  describe_spectral(bc, j, formats);
  j["block_cols_parallel"] = bc.block_cols_parallel;
  j["fft_units"] = bc.fft_units;
  j["fft_lanes"] = bc.fft_lanes;
  j["ifft_units"] = bc.ifft_units;
  j["ifft_lanes"] = bc.ifft_lanes;
}

TemplateValues HwBcDense::template_values(const QuantLayer& l, const ProjectNames& names) const {
  TemplateValues v = HwLayer::template_values(l, names);
  const BcDenseParams& bc = params_of<BcDenseParams>(l);
  set_spectral_values(bc, v);
  v.set("block_cols_parallel", bc.block_cols_parallel)
      .set("fft_units", bc.fft_units)
      .set("fft_lanes", bc.fft_lanes)
      .set("ifft_units", bc.ifft_units)
      .set("ifft_lanes", bc.ifft_lanes);
  return v;
}

std::string HwBcDense::parameter_tables(const QuantLayer& l, const ProjectNames& names) const {
  const BcDenseParams& bc = params_of<BcDenseParams>(l);
  const int bins = bc.block / 2 + 1;
  TemplateValues v = template_values(l, names);
  v.set("weight_format", format_name(bc.weight))
      .set("bias_format", format_name(bc.bias))
      .set("twiddle_format", format_name(bc.twiddle))
      .set("w_re", array_initializer(bc.weight_re, bc.weight, {bc.p, bc.q, bins}))
      .set("w_im", array_initializer(bc.weight_im, bc.weight, {bc.p, bc.q, bins}))
      .set("bias", array_initializer(bc.bias_raw, bc.bias, {l.n_out}))
      .set("tw_re", array_initializer(bc.twiddle_re, bc.twiddle, {bc.block / 2}))
      .set("tw_im", array_initializer(bc.twiddle_im, bc.twiddle, {bc.block / 2}));
  return fill_part("tables", v);
}

}  // namespace bcnn::hw

#include "hw/bc_dense.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

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
  validate_fft(q, k, bc.spec, bc.ifft, bc.twiddle, bc.twiddle_re, bc.twiddle_im, bc.fft_units, bc.ifft_units);
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
  apply_spectral_knobs(p, q, params_of<BcDenseParams>(q));
}

namespace {

// The three processes of one image (bcnn_hls/bc_dense.h).
SpectralProcesses processes_of(const QuantLayer& l, const FpgaPart& part) {
  return {[&part](const SpectralParams& bc) { return forward_process(bc, 1, part); },
          [&part](const SpectralParams& bc) { return mac_process(bc, part); },
          [&l, &part](const SpectralParams& bc) { return inverse_process(bc, 1, l.n_out, l.out.width, part); }};
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
  return r;
}

}  // namespace

StageEstimate HwBcDense::estimate(const QuantLayer& l, const FpgaPart& part) const {
  const BcDenseParams& bc = params_of<BcDenseParams>(l);
  StageEstimate s = spectral_stage(l, "bc_dense", bc, processes_of(l, part));
  s.resources += spectral_channels(bc);
  return s;
}

void HwBcDense::choose_parallelism(QuantLayer& l, const FpgaPart& part, std::int64_t target_ii,
                                   const std::function<void(std::int64_t)>& out_of_reach) const {
  choose_spectral_knobs(params_of<BcDenseParams>(l), processes_of(l, part), target_ii, out_of_reach);
}

std::map<std::string, std::string> HwBcDense::table_cells(const QuantLayer& l) const {
  return spectral_table_cells(params_of<BcDenseParams>(l));
}

void HwBcDense::describe(const QuantLayer& l, nlohmann::json& j, nlohmann::json& formats) const {
  describe_spectral(params_of<BcDenseParams>(l), j, formats);
}

TemplateValues HwBcDense::template_values(const QuantLayer& l, const ProjectNames& names) const {
  TemplateValues v = HwLayer::template_values(l, names);
  const BcDenseParams& bc = params_of<BcDenseParams>(l);
  set_spectral_values(bc, v);
  v.set("weight_args", spectral_weight_args(bc, names.id));
  return v;
}

std::vector<RuntimeArray> HwBcDense::runtime_arrays(const QuantLayer& l, const ProjectNames& names) const {
  const BcDenseParams& bc = params_of<BcDenseParams>(l);
  return spectral_runtime_arrays(bc, names.id, {bc.p, bc.q, bc.block / 2 + 1});
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

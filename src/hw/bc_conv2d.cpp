#include "hw/bc_conv2d.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.h"
#include "hw/exact.h"
#include "hw/fft_stage.h"
#include "hw/fixed_format.h"
#include "hw/resources.h"
#include "layers/bc_conv2d.h"

namespace bcnn::hw {
namespace {

int taps_of(const BcConv2dParams& bc) { return bc.kernel_h * bc.kernel_w; }

// The proven bound of |acc| in raw units of 2^-(F_weight + F_spec): Re = sum Wr Xr - Wi Xi,
// Im = sum Wr Xi + Wi Xr over the taps and block columns, with |Xr|, |Xi| <= 2^(W_spec - 1) raw:
// max_{i,f} sum_{a,b,j} (|Wr| + |Wi|) 2^(W_spec - 1). Every partial sum is within it too.
int128 acc_raw_bound(const BcConv2dParams& bc) {
  const int bins = bc.block / 2 + 1, taps = taps_of(bc);
  const int128 spec_raw_max = static_cast<int128>(1) << (bc.spec.width - 1);
  int128 bound = 0;
  for (int i = 0; i < bc.p; ++i)
    for (int f = 0; f < bins; ++f) {
      int128 sum = 0;
      for (int j = 0; j < bc.q; ++j)
        for (int tap = 0; tap < taps; ++tap) {
          const std::size_t idx = ((static_cast<std::size_t>(i) * bc.q + j) * taps + tap) * bins + f;
          sum += (abs128(bc.weight_re[idx]) + abs128(bc.weight_im[idx])) * spec_raw_max;
        }
      bound = std::max(bound, sum);
    }
  return bound;
}

const std::vector<int>& checked_shape(const QuantLayer& q, const std::vector<int>& shape, const char* which) {
  require(shape.size() == 3, q, std::string(which) + " shape must be (C, H, W)");
  return shape;
}

// The fast path's sums for one output pixel: acc[f * P + i] = sum over the taps inside the map
// (`tap_index` into the weights, `tap_pixel` into the spectra) and j of W[tap][j][f][i] * X'[j][f],
// re and im, in plain int64. The weights are laid out [tap][j][f][i] so that the innermost loop
// runs over the block rows with one X' value (it vectorizes); T is int32_t when every weight and
// spectrum raw value fits (a widening 32 x 32 -> 64 multiply), else int64_t.
template <class T>
void accumulate_exact(const std::vector<T>& w_re, const std::vector<T>& w_im, const std::vector<T>& x_re,
                      const std::vector<T>& x_im, const std::vector<int>& tap_index, const std::vector<int>& tap_pixel,
                      int P, int Q, int bins, std::int64_t* acc_re, std::int64_t* acc_im) {
  std::fill(acc_re, acc_re + static_cast<std::size_t>(bins) * P, 0);
  std::fill(acc_im, acc_im + static_cast<std::size_t>(bins) * P, 0);
  for (std::size_t n = 0; n < tap_index.size(); ++n)
    for (int j = 0; j < Q; ++j) {
      const T* xr_at = x_re.data() + (static_cast<std::size_t>(tap_pixel[n]) * Q + j) * bins;
      const T* xi_at = x_im.data() + (static_cast<std::size_t>(tap_pixel[n]) * Q + j) * bins;
      const std::size_t w_at = (static_cast<std::size_t>(tap_index[n]) * Q + j) * bins * P;
      for (int f = 0; f < bins; ++f) {
        const T xr = xr_at[f], xi = xi_at[f];
        const T* __restrict wr = w_re.data() + w_at + static_cast<std::size_t>(f) * P;
        const T* __restrict wi = w_im.data() + w_at + static_cast<std::size_t>(f) * P;
        std::int64_t* __restrict ar = acc_re + static_cast<std::size_t>(f) * P;
        std::int64_t* __restrict ai = acc_im + static_cast<std::size_t>(f) * P;
        for (int i = 0; i < P; ++i) {
          ar[i] += static_cast<std::int64_t>(wr[i]) * xr - static_cast<std::int64_t>(wi[i]) * xi;
          ai[i] += static_cast<std::int64_t>(wr[i]) * xi + static_cast<std::int64_t>(wi[i]) * xr;
        }
      }
    }
}

// The fast path's operands in the layouts of accumulate_exact.
template <class T>
struct FastOperands {
  std::vector<T> w_re, w_im, x_re, x_im;
  void load(const BcConv2dParams& bc, const std::vector<std::int64_t>& spectra_re,
            const std::vector<std::int64_t>& spectra_im) {
    const int bins = bc.block / 2 + 1, taps = taps_of(bc), P = bc.p, Q = bc.q;
    w_re.resize(bc.weight_re.size());
    w_im.resize(bc.weight_im.size());
    for (int i = 0; i < P; ++i)
      for (int j = 0; j < Q; ++j)
        for (int tap = 0; tap < taps; ++tap)
          for (int f = 0; f < bins; ++f) {
            const std::size_t from = ((static_cast<std::size_t>(i) * Q + j) * taps + tap) * bins + f;
            const std::size_t to = ((static_cast<std::size_t>(tap) * Q + j) * bins + f) * P + i;
            w_re[to] = static_cast<T>(bc.weight_re[from]);
            w_im[to] = static_cast<T>(bc.weight_im[from]);
          }
    x_re.assign(spectra_re.begin(), spectra_re.end());
    x_im.assign(spectra_im.begin(), spectra_im.end());
  }
};

}  // namespace

std::vector<std::string> HwBcConv2d::format_fields() const { return spectral_format_fields(); }

void HwBcConv2d::check_supported(const Layer& layer, const QuantContext& ctx) const {
  if (!is_supported_fft_block(layer.block_size()))
    ctx.fail("unsupported layer " + layer.name() + " (bc_conv2d with block " + std::to_string(layer.block_size()) +
             "): the HLS FFT supports power-of-two blocks 4..256");
  const WindowGeometry& g = static_cast<const BcConv2d&>(layer).geometry();
  if (g.pad_top >= g.kernel_h || g.pad_left >= g.kernel_w)
    ctx.fail("unsupported layer " + layer.name() + " (bc_conv2d with padding " + std::to_string(g.pad_top) + ", " +
             std::to_string(g.pad_left) + " and kernel " + std::to_string(g.kernel_h) + "x" +
             std::to_string(g.kernel_w) + "): the line buffer needs padding smaller than the kernel");
}

void HwBcConv2d::quantize(const Layer& float_layer, QuantLayer& q, QuantContext& ctx, const std::string& in_origin,
                          const std::optional<FixedFormat>& out_override) const {
  BcConv2dParams& bc = q.params.emplace<BcConv2dParams>();
  const auto& layer = static_cast<const BcConv2d&>(float_layer);
  const LayerRange& range = ctx.range_of(q.name);
  ctx.record(q.name, "in", q.in, in_origin, format_min(q.in), format_max(q.in), false, range.input_min,
             range.input_max);

  const WindowGeometry& g = layer.geometry();
  const int K = layer.block_size(), P = layer.block_rows(), Q = layer.block_cols();
  bc.block = K;
  bc.p = P;
  bc.q = Q;
  bc.kernel_h = g.kernel_h;
  bc.kernel_w = g.kernel_w;
  bc.stride_h = g.stride_h;
  bc.stride_w = g.stride_w;
  bc.pad_top = g.pad_top;
  bc.pad_left = g.pad_left;
  const auto w = layer.param(0);  // (P, Q, kh, kw, K)
  const auto b = layer.param(1);  // (C_out)

  // Weight spectra DFT(w_ijab) of the (P, Q, kh, kw, K) weight, in a format covering them.
  choose_weight_spectra(q.name, w, K, "w_ijab", ctx, bc);

  bc.spec = choose_spec_format(q.name, q.in, K, ctx);

  // acc: exact sum over the taps and block columns (acc_raw_bound).
  double acc_bound = 0;
  bc.acc = choose_spectral_acc(q.name, acc_raw_bound(bc), bc.weight, bc.spec,
                               "exact: F = F_weight + F_spec, |acc| <= max_{i,f} sum_{a,b,j} (|Wr|+|Wi|) 2^(I_spec-1)",
                               ctx, &acc_bound);

  choose_bias_and_ifft(q.name, b, range, acc_bound, K, ctx, bc.bias, bc.bias_raw, bc.ifft);
  bc.twiddle = choose_twiddles(q.name, K, ctx, bc.twiddle_re, bc.twiddle_im);
  q.out = ctx.choose_output(q.name, out_override, range);
}

void HwBcConv2d::check_widths(const QuantLayer& q, const QuantContext& ctx) const {
  const BcConv2dParams& bc = params_of<BcConv2dParams>(q);
  check_fft_widths(q.name, bc.spec, bc.ifft, bc.twiddle, ctx);
  check_spectral_widths(q.name, bc.weight, bc.spec, bc.acc, bc.ifft, bc.bias, bc.block, ctx);
}

void HwBcConv2d::validate(const QuantLayer& q) const {
  const BcConv2dParams& bc = params_of<BcConv2dParams>(q);
  const int k = bc.block;
  const auto& in = checked_shape(q, q.in_shape, "input");
  const auto& out = checked_shape(q, q.out_shape, "output");
  require(in[0] >= 1 && in[1] >= 1 && in[2] >= 1 && out[0] >= 1 && out[1] >= 1 && out[2] >= 1, q,
          "shapes must be positive");
  require(q.n_in == in[0] * in[1] * in[2] && q.n_out == out[0] * out[1] * out[2], q,
          "n_in, n_out do not match the input and output shapes");
  require(is_supported_fft_block(k), q, "block " + std::to_string(k) + " is not supported (expected 4, 8, ..., 256)");
  require(bc.p == (out[0] + k - 1) / k && bc.q == (in[0] + k - 1) / k, q,
          "p = " + std::to_string(bc.p) + ", q = " + std::to_string(bc.q) +
              " do not match ceil(out channels / block), ceil(in channels / block)");
  // bcnn_hls::valid_window_geometry.
  require(bc.kernel_h >= 1 && bc.kernel_w >= 1 && bc.stride_h >= 1 && bc.stride_w >= 1 && bc.pad_top >= 0 &&
              bc.pad_left >= 0 && bc.pad_top < bc.kernel_h && bc.pad_left < bc.kernel_w &&
              (out[1] - 1) * bc.stride_h - bc.pad_top < in[1] && (out[2] - 1) * bc.stride_w - bc.pad_left < in[2],
          q, "invalid window geometry (kernel, stride, padding and map sizes)");
  for (auto [f, name] : {std::pair{bc.spec, "spec"}, {bc.weight, "weight"}, {bc.acc, "acc"}, {bc.ifft, "ifft"},
                         {bc.bias, "bias"}, {bc.twiddle, "twiddle"}})
    require_format(q, f, name);
  const std::size_t spectra = static_cast<std::size_t>(bc.p) * bc.q * taps_of(bc) * (k / 2 + 1);
  require_raw(q, bc.weight_re, spectra, bc.weight, "weight_re");
  require_raw(q, bc.weight_im, spectra, bc.weight, "weight_im");
  require_raw(q, bc.bias_raw, out[0], bc.bias, "bias");
  validate_fft(q, k, bc.spec, bc.ifft, bc.twiddle, bc.twiddle_re, bc.twiddle_im, bc.fft_units, bc.ifft_units);
  validate_spectral_widths(q, bc.weight, bc.spec, bc.acc, bc.ifft, bc.bias, k);
}

bool HwBcConv2d::accumulator_is_exact(const QuantLayer& q) {
  const BcConv2dParams& bc = params_of<BcConv2dParams>(q);
  if (bc.acc.fraction_bits() != bc.weight.fraction_bits() + bc.spec.fraction_bits()) return false;
  const int128 bound = acc_raw_bound(bc);
  return bound <= bc.acc.max_raw() && -bound >= bc.acc.min_raw();
}

std::vector<std::int64_t> HwBcConv2d::emulate(const QuantLayer& q, const std::vector<std::int64_t>& in) const {
  return emulate_with(q, in, BcConv2dAccumulation::automatic);
}

std::vector<std::int64_t> HwBcConv2d::emulate_with(const QuantLayer& q, const std::vector<std::int64_t>& in,
                                                   BcConv2dAccumulation accumulation) const {
  const BcConv2dParams& bc = params_of<BcConv2dParams>(q);
  const int k = bc.block, bins = k / 2 + 1, P = bc.p, Q = bc.q, taps = taps_of(bc);
  const int c_in = q.in_shape[0], in_h = q.in_shape[1], in_w = q.in_shape[2];
  const int c_out = q.out_shape[0], out_h = q.out_shape[1], out_w = q.out_shape[2];
  const bool exact_acc = accumulator_is_exact(q);
  if (accumulation == BcConv2dAccumulation::fast && !exact_acc)
    throw Error("fixed-point emulator: layer '" + q.name + "': the fast accumulation needs an exact accumulator");
  const bool fast = accumulation == BcConv2dAccumulation::fast ||
                    (accumulation == BcConv2dAccumulation::automatic && exact_acc);

  // X'_j of every input pixel, transformed once (the kernel's line buffer holds the same values):
  // spectra_re/im[(pixel * q + j) * bins + f].
  FftEmulator fft(k, bc.twiddle, bc.twiddle_re, bc.twiddle_im);
  const int in_pixels = in_h * in_w;
  std::vector<std::int64_t> spectra_re(static_cast<std::size_t>(in_pixels) * Q * bins), spectra_im(spectra_re.size());
  std::vector<std::int64_t> block(k);
  for (int pixel = 0; pixel < in_pixels; ++pixel)
    for (int j = 0; j < Q; ++j) {
      for (int t = 0; t < k; ++t) {
        const int c = j * k + t;
        block[t] = c < c_in ? in[static_cast<std::size_t>(c) * in_pixels + pixel] : 0;
      }
      const std::size_t at = (static_cast<std::size_t>(pixel) * Q + j) * bins;
      fft.forward(block.data(), q.in, bc.spec, spectra_re.data() + at, spectra_im.data() + at);
    }

  // The fast path: every partial sum is within the proven bound, which fits acc
  // (accumulator_is_exact), so each conversion to acc_t the kernel makes is the identity, the
  // sums are plain int64 and their order does not matter.
  const bool narrow = bc.weight.width <= 32 && bc.spec.width <= 32;
  FastOperands<std::int32_t> fast32;
  FastOperands<std::int64_t> fast64;
  if (fast && narrow) fast32.load(bc, spectra_re, spectra_im);
  if (fast && !narrow) fast64.load(bc, spectra_re, spectra_im);

  const Exact scale{k, 0};
  const int acc_fraction = bc.acc.fraction_bits();
  const int out_pixels = out_h * out_w;
  std::vector<std::int64_t> out(q.n_out);
  std::vector<std::int64_t> acc_re(static_cast<std::size_t>(bins) * P), acc_im(acc_re.size());
  std::vector<std::int64_t> y_re(bins), y_im(bins), y(k);
  // The input pixels of the taps inside the map, in the kernel's order (a, then b).
  std::vector<int> tap_index, tap_pixel;
  for (int oh = 0; oh < out_h; ++oh)
    for (int ow = 0; ow < out_w; ++ow) {
      tap_index.clear();
      tap_pixel.clear();
      for (int a = 0; a < bc.kernel_h; ++a) {
        const int ih = oh * bc.stride_h + a - bc.pad_top;
        if (ih < 0 || ih >= in_h) continue;
        for (int b = 0; b < bc.kernel_w; ++b) {
          const int iw = ow * bc.stride_w + b - bc.pad_left;
          if (iw < 0 || iw >= in_w) continue;
          tap_index.push_back(a * bc.kernel_w + b);
          tap_pixel.push_back(ih * in_w + iw);
        }
      }

      if (fast && narrow)
        accumulate_exact(fast32.w_re, fast32.w_im, fast32.x_re, fast32.x_im, tap_index, tap_pixel, P, Q, bins,
                         acc_re.data(), acc_im.data());
      if (fast && !narrow)
        accumulate_exact(fast64.w_re, fast64.w_im, fast64.x_re, fast64.x_im, tap_index, tap_pixel, P, Q, bins,
                         acc_re.data(), acc_im.data());

      for (int i = 0; i < P; ++i) {
        for (int f = 0; f < bins; ++f) {
          std::int64_t sum_re = 0, sum_im = 0;
          if (fast) {
            sum_re = acc_re[static_cast<std::size_t>(f) * P + i];
            sum_im = acc_im[static_cast<std::size_t>(f) * P + i];
          } else {
            // acc += W * X' with one conversion to acc_t per +=, over (a, b, j) in order.
            for (std::size_t n = 0; n < tap_index.size(); ++n)
              for (int j = 0; j < Q; ++j) {
                const std::size_t w_index = ((static_cast<std::size_t>(i) * Q + j) * taps + tap_index[n]) * bins + f;
                const std::size_t x_index = (static_cast<std::size_t>(tap_pixel[n]) * Q + j) * bins + f;
                const Exact w_re = exact(bc.weight_re[w_index], bc.weight);
                const Exact w_im = exact(bc.weight_im[w_index], bc.weight);
                const Exact xr = exact(spectra_re[x_index], bc.spec);
                const Exact xi = exact(spectra_im[x_index], bc.spec);
                sum_re = convert(exact(sum_re, bc.acc) + (w_re * xr - w_im * xi), bc.acc);
                sum_im = convert(exact(sum_im, bc.acc) + (w_re * xi + w_im * xr), bc.acc);
              }
          }
          y_re[f] = convert(Exact{sum_re, acc_fraction}, bc.ifft);
          y_im[f] = convert(Exact{sum_im, acc_fraction}, bc.ifft);
        }
        fft.inverse(y_re.data(), y_im.data(), bc.ifft, y.data());
        for (int t = 0; t < k; ++t) {
          const int o = i * k + t;
          if (o < c_out)
            out[static_cast<std::size_t>(o) * out_pixels + oh * out_w + ow] =
                convert(exact(y[t], bc.ifft) * scale + exact(bc.bias_raw[o], bc.bias), q.out);
        }
      }
    }
  return out;
}

std::vector<std::string> HwBcConv2d::knob_names() const {
  std::vector<std::string> names = spectral_knob_names();
  names.push_back("taps");
  return names;
}

void HwBcConv2d::apply_parallelism(const LayerParallelism& p, QuantLayer& q) const {
  BcConv2dParams& bc = params_of<BcConv2dParams>(q);
  apply_spectral_knobs(p, q, bc);
  if (auto it = p.knobs.find("taps"); it != p.knobs.end())
    bc.taps_parallel = parallelism_in_range(q, it->second, taps_of(bc), "kernel taps per MAC step");
  if (bc.taps_parallel > 1 && bc.block_cols_parallel < bc.q)
    throw Error("--knob " + q.name + ".taps: expected 1 unless every block column is computed at once (" + q.name +
                ".block_cols = " + std::to_string(bc.q) + ", so that the sums keep their order), found " +
                std::to_string(bc.taps_parallel) + " with block_cols = " + std::to_string(bc.block_cols_parallel));
}

namespace {

// The three processes of one image (bcnn_hls/bc_conv2d.h): per input pixel the forward
// transforms; the MAC process's one pipelined loop over the input pixels stored and the output
// pixels' MAC steps (every tap, also those in the padding); per output pixel the inverse
// transforms.
SpectralProcesses processes_of(const QuantLayer& l, const FpgaPart& part) {
  const std::int64_t in_pixels = static_cast<std::int64_t>(l.in_shape[1]) * l.in_shape[2];
  const std::int64_t out_pixels = static_cast<std::int64_t>(l.out_shape[1]) * l.out_shape[2];
  const int taps = taps_of(params_of<BcConv2dParams>(l));
  return {[in_pixels, &part](const SpectralParams& bc) { return forward_process(bc, in_pixels, part); },
          [in_pixels, out_pixels, taps, &part](const SpectralParams& bc) {
            return window_mac_process(bc, in_pixels, out_pixels, taps, part);
          },
          [out_pixels, &l, &part](const SpectralParams& bc) {
            return inverse_process(bc, out_pixels, l.out_shape[0], l.out.width, part);
          },
          powers_of_two_and(taps)};
}

}  // namespace

StageEstimate HwBcConv2d::estimate(const QuantLayer& l, const FpgaPart& part) const {
  const BcConv2dParams& bc = params_of<BcConv2dParams>(l);
  StageEstimate s = spectral_stage(l, "bc_conv2d", bc, processes_of(l, part));
  s.parallelism += "; " + std::to_string(bc.taps_parallel) + " of " + std::to_string(taps_of(bc)) + " taps";
  s.assumes["taps_parallel"] = bc.taps_parallel;
  Resources& r = s.resources;
  // The spectral line buffer (re, im) of kernel_h rows, in block_cols x bins_parallel banks (and,
  // with several taps per step, kernel_h x kernel_w banks of rows and columns each); the FIFOs of
  // spectra (a row of input pixels) and of Y' (a row of output pixels) between the processes.
  const int bins = bc.block / 2 + 1;
  const std::int64_t tap_banks = bc.taps_parallel > 1 ? taps_of(bc) : 1;
  const std::int64_t banks = static_cast<std::int64_t>(bc.block_cols_parallel) * bc.bins_parallel * tap_banks;
  add_memory(r, 2 * banks,
             ceil_div(static_cast<std::int64_t>(bc.kernel_h) * l.in_shape[2], tap_banks) *
                 ceil_div(bc.q, bc.block_cols_parallel) * ceil_div(bins, bc.bins_parallel),
             bc.spec.width);
  add_pixel_memory(r, 1, l.in_shape[2], 2 * bc.q * bins * bc.spec.width);
  add_pixel_memory(r, 1, l.out_shape[2], 2 * bc.p * bins * bc.ifft.width);
  r.lut += 3 * loop_control_lut;  // rows, taps, pixels
  r.ff += 3 * loop_control_ff;
  return s;
}

void HwBcConv2d::choose_parallelism(QuantLayer& l, const FpgaPart& part, std::int64_t target_ii,
                                    const std::function<void(std::int64_t)>& out_of_reach) const {
  choose_spectral_knobs(params_of<BcConv2dParams>(l), processes_of(l, part), target_ii, out_of_reach);
}

std::map<std::string, std::string> HwBcConv2d::table_cells(const QuantLayer& l) const {
  const BcConv2dParams& bc = params_of<BcConv2dParams>(l);
  std::map<std::string, std::string> cells = spectral_table_cells(bc);
  cells["parallelism"] += ", " + std::to_string(bc.taps_parallel) + " taps";
  return cells;
}

void HwBcConv2d::describe(const QuantLayer& l, nlohmann::json& j, nlohmann::json& formats) const {
  const BcConv2dParams& bc = params_of<BcConv2dParams>(l);
  describe_spectral(bc, j, formats);
  j["taps_parallel"] = bc.taps_parallel;
  j["kernel"] = {bc.kernel_h, bc.kernel_w};
  j["stride"] = {bc.stride_h, bc.stride_w};
  j["padding"] = {bc.pad_top, bc.pad_left};
}

TemplateValues HwBcConv2d::template_values(const QuantLayer& l, const ProjectNames& names) const {
  const BcConv2dParams& bc = params_of<BcConv2dParams>(l);
  TemplateValues v = HwLayer::template_values(l, names);
  set_spectral_values(bc, v);
  v.set("weight_args", spectral_weight_args(bc, names.id));
  v.set("taps_parallel", bc.taps_parallel)
      .set("kernel_h", bc.kernel_h)
      .set("kernel_w", bc.kernel_w)
      .set("stride_h", bc.stride_h)
      .set("stride_w", bc.stride_w)
      .set("pad_top", bc.pad_top)
      .set("pad_left", bc.pad_left);
  return v;
}

std::vector<RuntimeArray> HwBcConv2d::runtime_arrays(const QuantLayer& l, const ProjectNames& names) const {
  const BcConv2dParams& bc = params_of<BcConv2dParams>(l);
  return spectral_runtime_arrays(bc, names.id, {bc.p, bc.q, bc.kernel_h, bc.kernel_w, bc.block / 2 + 1});
}

std::string HwBcConv2d::parameter_tables(const QuantLayer& l, const ProjectNames& names) const {
  const BcConv2dParams& bc = params_of<BcConv2dParams>(l);
  const int bins = bc.block / 2 + 1;
  TemplateValues v = template_values(l, names);
  const std::vector<int> dims{bc.p, bc.q, bc.kernel_h, bc.kernel_w, bins};
  v.set("weight_format", format_name(bc.weight))
      .set("bias_format", format_name(bc.bias))
      .set("twiddle_format", format_name(bc.twiddle))
      .set("w_re", array_initializer(bc.weight_re, bc.weight, dims))
      .set("w_im", array_initializer(bc.weight_im, bc.weight, dims))
      .set("bias", array_initializer(bc.bias_raw, bc.bias, {l.out_shape[0]}))
      .set("tw_re", array_initializer(bc.twiddle_re, bc.twiddle, {bc.block / 2}))
      .set("tw_im", array_initializer(bc.twiddle_im, bc.twiddle, {bc.block / 2}));
  return fill_part("tables", v);
}

}  // namespace bcnn::hw

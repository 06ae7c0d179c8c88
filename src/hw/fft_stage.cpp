#include "hw/fft_stage.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "bcnn_hls/fft.h"
#include "hw/exact.h"
#include "hw/fixed_format.h"
#include "hw/hw_layer.h"
#include "hw/resources.h"
#include "hw/spectral_engines.h"

namespace bcnn::hw {
namespace {

// Activation formats of the FFT stages are at most this wide: one DSP48E2 multiplier (27 x 18)
// per product with an 18-bit weight or twiddle.
constexpr int max_stage_width = 27;

// The butterfly's widest exact value: a + b * w.
FixedFormat butterfly_format(const FixedFormat& data, const FixedFormat& twiddle) {
  const FixedFormat product = bcnn_hls::product_format(data, twiddle);
  return bcnn_hls::sum_format(data, bcnn_hls::sum_format(product, product));
}

// bcnn_hls::bit_reverse<log2(k)>.
int bit_reverse(int i, int bits) {
  int reversed = 0;
  for (int b = 0; b < bits; ++b) reversed = (reversed << 1) | ((i >> b) & 1);
  return reversed;
}

// "w[0] = (re, im), w[block/4] = (re, im)" in value.
std::string twiddle_text(int block, const FixedFormat& f, const std::vector<std::int64_t>& re,
                         const std::vector<std::int64_t>& im) {
  auto value = [&](std::int64_t raw) {
    std::string text;
    append_exact_literal(text, raw, f);
    return text;
  };
  return "w[0] = (" + value(re[0]) + ", " + value(im[0]) + "), w[" + std::to_string(block / 4) + "] = (" +
         value(re[block / 4]) + ", " + value(im[block / 4]) + ")";
}

// bcnn_hls::quantize(raw, from_fraction, f) in 64-bit arithmetic (bcnn_hls::convert_raw64), for
// |raw| < 2^62 and 0 <= from_fraction - F_f <= 62 (the int64 butterflies).
inline std::int64_t quantize64(std::int64_t raw, int from_fraction, const FixedFormat& f) {
  return bcnn_hls::convert_raw64(raw, from_fraction, f.width, f.fraction_bits(), f.q, f.o);
}

}  // namespace

bool is_supported_fft_block(int block) { return block >= 4 && block <= 256 && (block & (block - 1)) == 0; }

int fft_stage_width(int data_width, int block) { return std::min(max_stage_width, data_width + log2_ceil(block)); }

void fft_angle_tables(int block, std::vector<double>& cos_table, std::vector<double>& sin_table) {
  cos_table.resize(block);
  sin_table.resize(block);
  for (int m = 0; m < block; ++m) {
    const double angle = 2 * std::numbers::pi * m / block;
    cos_table[m] = std::cos(angle);
    sin_table[m] = std::sin(angle);
  }
}

FixedFormat choose_spec_format(const std::string& layer, const FixedFormat& in, int block, QuantContext& ctx) {
  const double magnitude = std::ldexp(1.0, in.integer - 1);
  return ctx.choose_stage(layer, "spec", data_format(fft_stage_width(ctx.options().data_width, block), in.integer + 1),
                          "in's integer bits + 1 guard bit (|X'| <= max |x|); width = data width + log2(block)",
                          -2 * magnitude, 2 * magnitude);
}

FixedFormat choose_ifft_format(const std::string& layer, double cover, int block, QuantContext& ctx) {
  const int width = fft_stage_width(ctx.options().data_width, block);
  return ctx.choose_stage(layer, "ifft", data_format(width, integer_bits_for_range(-cover, cover, width) + 1),
                          "covers min(max|out| + max|b|, acc bound) + 1 guard bit (|Y'| <= max |y|); width = data "
                          "width + log2(block)",
                          -cover, cover);
}

FixedFormat choose_twiddles(const std::string& layer, int block, QuantContext& ctx, std::vector<std::int64_t>& re,
                            std::vector<std::int64_t>& im) {
  const FixedFormat f =
      ctx.choose_constant(layer, "twiddle", data_format(ctx.options().weight_width, 2), "covers [-1, 1] exactly",
                          -1, 1);
  std::vector<double> cos_table, sin_table;
  fft_angle_tables(block, cos_table, sin_table);
  re.resize(block / 2);
  im.resize(block / 2);
  for (int j = 0; j < block / 2; ++j) {
    re[j] = bcnn_hls::from_double(cos_table[j], f);
    im[j] = bcnn_hls::from_double(-sin_table[j], f);
  }
  if (!trivial_twiddles_exact(block, f, re, im)) {
    const std::string found = "found " + twiddle_text(block, f, re, im) + " in " + short_format(f);
    if (ctx.override_of(layer, "twiddle"))
      ctx.fail("layer " + layer + " twiddle: the pipelined FFT engines take the twiddles at index 0 and block/4 as "
               "exactly 1 and -i, " + found + ": give " + layer +
               ".twiddle at least 2 integer bits and no negative fraction bits");
    if (ctx.options().weight_width < 2)
      ctx.fail("layer " + layer + " twiddle: --weight-precision " + std::to_string(ctx.options().weight_width) +
               " cannot hold the twiddles 1 and -1 exactly (" + found + "): at least 2 bits are needed");
    ctx.fail("internal error: layer " + layer + " twiddle: the twiddles at index 0 and block/4 must be exactly 1 "
             "and -i (the pipelined FFT engines rely on it), " + found);
  }
  return f;
}

bool trivial_twiddles_exact(int block, const FixedFormat& twiddle, const std::vector<std::int64_t>& re,
                            const std::vector<std::int64_t>& im) {
  const int fraction = twiddle.fraction_bits();
  if (fraction < 0 || fraction > 61 || re.size() != static_cast<std::size_t>(block / 2) || re.size() != im.size())
    return false;
  const std::int64_t one = std::int64_t{1} << fraction;
  return re[0] == one && im[0] == 0 && re[block / 4] == 0 && im[block / 4] == -one;
}

void check_fft_widths(const std::string& layer, const FixedFormat& spec, const FixedFormat& ifft,
                      const FixedFormat& twiddle, const QuantContext& ctx) {
  for (const auto& [data, name] : {std::pair{spec, std::string("spec")}, std::pair{ifft, std::string("ifft")}})
    ctx.require_width(layer, butterfly_format(data, twiddle), "the " + name + " FFT butterfly a + b * w",
                      layer + "." + name + " or " + layer + ".twiddle");
}

void validate_fft(const QuantLayer& q, int block, const FixedFormat& spec, const FixedFormat& ifft,
                  const FixedFormat& twiddle, const std::vector<std::int64_t>& re,
                  const std::vector<std::int64_t>& im, int fft_units, int ifft_units) {
  require_raw(q, re, block / 2, twiddle, "twiddle_re");
  require_raw(q, im, block / 2, twiddle, "twiddle_im");
  const bool pipelined = fft_engine_ii(block, fft_units) > 0 || fft_engine_ii(block, ifft_units) > 0;
  if (pipelined && !trivial_twiddles_exact(block, twiddle, re, im))
    require(false, q,
            "the pipelined FFT engines need the twiddles at index 0 and " + std::to_string(block / 4) +
                " to be exactly 1 and -i, found " + twiddle_text(block, twiddle, re, im) + " in " +
                short_format(twiddle));
  require_exact_width(q, butterfly_format(spec, twiddle), "the forward FFT butterfly (spec + spec * twiddle)");
  require_exact_width(q, butterfly_format(ifft, twiddle), "the inverse FFT butterfly (ifft + ifft * twiddle)");
  require_exact_width(q, FixedFormat{ifft.width + 1, ifft.integer + 1, {}, {}}, "the conjugate (-ifft)");
}

FftEmulator::FftEmulator(int block, const FixedFormat& twiddle, const std::vector<std::int64_t>& twiddle_re,
                         const std::vector<std::int64_t>& twiddle_im)
    : block_(block),
      bits_(log2_ceil(block)),
      twiddle_(twiddle),
      twiddle_re_(twiddle_re),
      twiddle_im_(twiddle_im),
      re_(block),
      im_(block) {}

// bcnn_hls::detail::fft_stages: re_, im_ (bit-reversed, in `data`) in place.
void FftEmulator::stages(bool inverse, const FixedFormat& data) {
  const int k = block_;
  // The same arithmetic in int64 when a + b * w fits 62 bits (and the twiddle has no negative fraction
  // bits, so the sum aligns a to F_data + F_twiddle as Exact's + does): no 128-bit products.
  const int twiddle_fraction = twiddle_.fraction_bits();
  // The sums' conversion into data_t is quantize64 when its shift (F_twiddle) is at most 62.
  if (butterfly_format(data, twiddle_).width <= 62 && twiddle_fraction >= 0 && twiddle_fraction <= 62) {
    const int sum_fraction = data.fraction_bits() + twiddle_fraction;
    for (int s = 0; s < bits_; ++s) {
      const int span = 1 << s;
      for (int b = 0; b < k / 2; ++b) {
        const int j = b & (span - 1);
        const int top = ((b >> s) << (s + 1)) | j;
        const int bottom = top + span;
        const int w = j << (bits_ - 1 - s);
        const std::int64_t w_re = twiddle_re_[w], w_im = twiddle_im_[w];
        const std::int64_t b_re = re_[bottom], b_im = im_[bottom];
        const std::int64_t t_re = inverse ? b_re * w_re + b_im * w_im : b_re * w_re - b_im * w_im;
        const std::int64_t t_im = inverse ? b_im * w_re - b_re * w_im : b_re * w_im + b_im * w_re;
        const std::int64_t a_re = re_[top] * (std::int64_t{1} << twiddle_fraction);
        const std::int64_t a_im = im_[top] * (std::int64_t{1} << twiddle_fraction);
        re_[top] = quantize64((a_re + t_re) >> 1, sum_fraction, data);
        im_[top] = quantize64((a_im + t_im) >> 1, sum_fraction, data);
        re_[bottom] = quantize64((a_re - t_re) >> 1, sum_fraction, data);
        im_[bottom] = quantize64((a_im - t_im) >> 1, sum_fraction, data);
      }
    }
    return;
  }
  for (int s = 0; s < bits_; ++s) {
    const int span = 1 << s;
    for (int b = 0; b < k / 2; ++b) {
      const int j = b & (span - 1);
      const int top = ((b >> s) << (s + 1)) | j;
      const int bottom = top + span;
      const int w = j << (bits_ - 1 - s);
      const Exact w_re = exact(twiddle_re_[w], twiddle_);
      const Exact w_im = exact(twiddle_im_[w], twiddle_);
      const Exact a_re = exact(re_[top], data), a_im = exact(im_[top], data);
      const Exact b_re = exact(re_[bottom], data), b_im = exact(im_[bottom], data);
      const Exact t_re = inverse ? b_re * w_re + b_im * w_im : b_re * w_re - b_im * w_im;
      const Exact t_im = inverse ? b_im * w_re - b_re * w_im : b_re * w_im + b_im * w_re;
      re_[top] = convert(half_floor(a_re + t_re), data);
      im_[top] = convert(half_floor(a_im + t_im), data);
      re_[bottom] = convert(half_floor(a_re - t_re), data);
      im_[bottom] = convert(half_floor(a_im - t_im), data);
    }
  }
}

void FftEmulator::forward(const std::int64_t* in, const FixedFormat& in_format, const FixedFormat& spec,
                          std::int64_t* out_re, std::int64_t* out_im) {
  const int k = block_;
  std::fill(re_.begin(), re_.end(), 0);
  std::fill(im_.begin(), im_.end(), 0);
  for (int i = 0; i < k; ++i) re_[bit_reverse(i, bits_)] = convert(exact(in[i], in_format), spec);
  stages(false, spec);
  std::copy(re_.begin(), re_.begin() + k / 2 + 1, out_re);
  std::copy(im_.begin(), im_.begin() + k / 2 + 1, out_im);
}

void FftEmulator::forward_pair(const std::int64_t* a, const std::int64_t* b, const FixedFormat& in_format,
                               const FixedFormat& spec, std::int64_t* a_re, std::int64_t* a_im, std::int64_t* b_re,
                               std::int64_t* b_im) {
  const int k = block_;
  for (int i = 0; i < k; ++i) {
    re_[bit_reverse(i, bits_)] = convert(exact(a[i], in_format), spec);
    im_[bit_reverse(i, bits_)] = convert(exact(b[i], in_format), spec);
  }
  stages(false, spec);
  // The Hermitian split, each half the floor of the exact sum's >> 1 and one conversion.
  auto half = [&](std::int64_t x, std::int64_t y, bool add) {
    return convert(half_floor(add ? exact(x, spec) + exact(y, spec) : exact(x, spec) - exact(y, spec)), spec);
  };
  for (int f = 0; f <= k / 2; ++f) {
    const int g = (k - f) % k;
    a_re[f] = half(re_[f], re_[g], true);
    a_im[f] = half(im_[f], im_[g], false);
    b_re[f] = half(im_[f], im_[g], true);
    b_im[f] = half(re_[g], re_[f], false);
  }
}

void FftEmulator::inverse_pair(const std::int64_t* a_re, const std::int64_t* a_im, const std::int64_t* b_re,
                               const std::int64_t* b_im, const FixedFormat& ifft, std::int64_t* out_a,
                               std::int64_t* out_b) {
  const int k = block_;
  auto half = [&](std::int64_t x, std::int64_t y, bool add) {
    return convert(half_floor(add ? exact(x, ifft) + exact(y, ifft) : exact(x, ifft) - exact(y, ifft)), ifft);
  };
  for (int f = 0; f < k; ++f) {
    const int r = bit_reverse(f, bits_);
    const int h = f <= k / 2 ? f : k - f;
    const bool edge = f == 0 || f == k / 2;
    const std::int64_t ai = edge ? 0 : a_im[h], bi = edge ? 0 : b_im[h];
    if (f <= k / 2) {
      re_[r] = half(a_re[h], bi, false);
      im_[r] = half(ai, b_re[h], true);
    } else {
      re_[r] = half(a_re[h], bi, true);
      im_[r] = half(b_re[h], ai, false);
    }
  }
  stages(true, ifft);
  std::copy(re_.begin(), re_.end(), out_a);
  std::copy(im_.begin(), im_.end(), out_b);
}

void FftEmulator::inverse(const std::int64_t* in_re, const std::int64_t* in_im, const FixedFormat& ifft,
                          std::int64_t* out) {
  const int k = block_;
  for (int f = 0; f < k; ++f) {
    const int r = bit_reverse(f, bits_);
    if (f == 0 || f == k / 2) {
      re_[r] = in_re[f];
      im_[r] = 0;
    } else if (f < k / 2) {
      re_[r] = in_re[f];
      im_[r] = in_im[f];
    } else {
      // The upper half of a real signal's spectrum: the conjugates of the lower half.
      re_[r] = in_re[k - f];
      im_[r] = convert(Exact{-static_cast<int128>(in_im[k - f]), ifft.fraction_bits()}, ifft);
    }
  }
  stages(true, ifft);
  std::copy(re_.begin(), re_.end(), out);
}

Resources butterfly_unit(int block, int data_width, int twiddle_width, const FpgaPart& part) {
  Resources r;
  r.dsp = 4 * dsp_per_multiplier(data_width, twiddle_width, part);
  const int sum_width = data_width + twiddle_width + 2;
  r.lut += 4 * sum_width + 4 * (data_width + 4);  // 4 adders; 4 shift + round + saturate
  r.ff += 8 * sum_width;                          // pipeline registers
  add_register_array(r, block, data_width, 2);    // re[], im[]: two reads each (top, bottom)
  add_register_array(r, block, data_width, 2);
  r.lut += 6 * loop_control_lut;                  // load, stages (2), unload
  r.ff += 6 * loop_control_ff;
  return r;
}

std::int64_t fft_cycles(int block, int unload) {
  const int stages = log2_ceil(block);
  return (block + loop_depth) + stages * (block / 2 + butterfly_depth) + (unload + loop_depth);
}

std::vector<int> fft_engine_units(int block) {
  const int bits = log2_ceil(block), all = block / 2 * bits;
  std::vector<int> units{1};
  for (int u = bits; u < all; u *= 2) units.push_back(u);
  units.push_back(all);
  return units;
}

int fft_engine_ii(int block, int units) { return bcnn_hls::fft_engine_ii(block, units); }

std::int64_t fft_engine_cycles(int block, int units, int lanes, std::int64_t items, std::int64_t blocks,
                               int unload) {
  const int ii = fft_engine_ii(block, units);
  if (ii == 0) return items * blocks * ((block + loop_depth) + fft_cycles(block, unload));
  const std::int64_t fill = log2_ceil(block) * butterfly_depth + 2 * loop_depth;
  return items * ceil_div(blocks, lanes) * ii + fill;
}

Resources fft_engines(int block, int units, int lanes, int data_width, int twiddle_width, const FpgaPart& part) {
  const int ii = fft_engine_ii(block, units);
  if (ii == 0) {
    Resources r = butterfly_unit(block, data_width, twiddle_width, part);
    add_register_array(r, block, data_width, 1);  // the input block
    return r;
  }
  Resources r;
  const int sum_width = data_width + twiddle_width + 2;
  // Only butterflies with a twiddle other than 1 and -i multiply (bcnn_hls/fft.h, "FFT engines"):
  // M of them per transform, a new transform every II cycles, so ceil(M / II) multiplying units
  // suffice. The adders, rounding and registers stay per unit.
  const std::int64_t multiplying_units = ceil_div(bcnn_hls::fft_multiplier_butterflies(block), ii);
  r.dsp = multiplying_units * 4 * dsp_per_multiplier(data_width, twiddle_width, part);
  r.lut = static_cast<std::int64_t>(units) * (4 * sum_width + 4 * (data_width + 4));
  r.ff = static_cast<std::int64_t>(units) * 8 * sum_width;
  // A unit serving ii butterflies picks its operands (a, b: 4 words; w: 2) out of ii: an ii:1
  // multiplexer per bit, about (ii - 1) / 3 LUT6 (a LUT6 is a 4:1 multiplexer).
  if (ii > 1) r.lut += units * static_cast<std::int64_t>(4 * data_width + 2 * twiddle_width) * ceil_div(ii - 1, 3);
  // Stage registers: every stage's K complex results held for the next.
  r.ff += static_cast<std::int64_t>(log2_ceil(block)) * block * 2 * data_width;
  r.lut += 2 * loop_control_lut;
  r.ff += 2 * loop_control_ff;
  r.dsp *= lanes;
  r.lut *= lanes;
  r.ff *= lanes;
  return r;
}

std::string fft_engine_cell(int block, int units, int lanes) {
  const int all = block / 2 * log2_ceil(block);
  std::string engine = units <= 1 ? "serial" : units == all ? "parallel" : std::to_string(units) + "-unit";
  return lanes > 1 ? std::to_string(lanes) + " x " + engine : engine;
}

FixedFormat block_scale_format(int block) {
  const int bits = log2_ceil(block);
  return {bits + 2, bits + 2, bcnn_hls::quant_mode::trn, bcnn_hls::overflow_mode::wrap};
}

void choose_weight_spectra(const std::string& layer, std::span<const float> w, int block, const std::string& what,
                           QuantContext& ctx, SpectralParams& bc) {
  const int K = block, bins = K / 2 + 1;
  std::vector<double> cos_table, sin_table;
  fft_angle_tables(K, cos_table, sin_table);
  const std::size_t vectors = w.size() / static_cast<std::size_t>(K);
  std::vector<double> spec_re(vectors * bins), spec_im(spec_re.size());
  double spec_abs_max = 0;
  for (std::size_t v = 0; v < vectors; ++v) {
    const float* wv = w.data() + v * K;
    for (int f = 0; f < bins; ++f) {
      double re = 0, im = 0;
      for (int t = 0; t < K; ++t) {
        const int m = (f * t) % K;
        re += static_cast<double>(wv[t]) * cos_table[m];
        im -= static_cast<double>(wv[t]) * sin_table[m];
      }
      // DC and Nyquist bins of a real sequence are real.
      if (f == 0 || 2 * f == K) im = 0;
      spec_re[v * bins + f] = re;
      spec_im[v * bins + f] = im;
      spec_abs_max = std::max({spec_abs_max, std::abs(re), std::abs(im)});
    }
  }
  const int width = ctx.options().weight_width;
  bc.weight = ctx.choose_constant(layer, "weight",
                                  data_format(width, integer_bits_for_range(-spec_abs_max, spec_abs_max, width)),
                                  "covers max |Re|, |Im| of the weight spectra DFT(" + what + ")", -spec_abs_max,
                                  spec_abs_max);
  bc.weight_re.resize(spec_re.size());
  bc.weight_im.resize(spec_im.size());
  for (std::size_t i = 0; i < spec_re.size(); ++i) {
    bc.weight_re[i] = bcnn_hls::from_double(spec_re[i], bc.weight);
    bc.weight_im[i] = bcnn_hls::from_double(spec_im[i], bc.weight);
  }
}

FixedFormat choose_spectral_acc(const std::string& layer, int128 raw_bound, const FixedFormat& weight,
                                const FixedFormat& spec, const std::string& rule, QuantContext& ctx, double* bound) {
  const int fraction = weight.fraction_bits() + spec.fraction_bits();
  *bound = std::ldexp(static_cast<double>(raw_bound), -fraction);
  if (auto o = ctx.override_of(layer, "acc")) {
    ctx.record(layer, "acc", *o, "override", format_min(*o), format_max(*o), true);
    return *o;
  }
  const int width = std::max(width_for_raw_bound(raw_bound), fraction + 1);  // at least the sign bit
  if (width > 64)
    ctx.fail("layer " + layer + " acc: impossible format: the exact accumulator needs " + std::to_string(width) +
             " bits (" + std::to_string(fraction) + " fraction bits = weight " + std::to_string(weight.fraction_bits()) +
             " + spec " + std::to_string(spec.fraction_bits()) + "), at most 64 are possible: narrow " + layer +
             ".weight or " + layer + ".spec");
  const FixedFormat acc = exact_format(width, width - fraction);
  ctx.record(layer, "acc", acc, rule, -*bound, *bound, false);
  return acc;
}

void choose_bias_and_ifft(const std::string& layer, std::span<const float> b, const LayerRange& range,
                          double acc_bound, int block, QuantContext& ctx, FixedFormat& bias,
                          std::vector<std::int64_t>& bias_raw, FixedFormat& ifft) {
  double bias_abs_max = 0;
  for (float v : b) bias_abs_max = std::max(bias_abs_max, std::abs(static_cast<double>(v)));
  const int width = ctx.options().weight_width;
  bias = ctx.choose_constant(layer, "bias",
                             data_format(width, integer_bits_for_range(-bias_abs_max, bias_abs_max, width)),
                             "covers max |b|", -bias_abs_max, bias_abs_max);
  bias_raw.resize(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) bias_raw[i] = bcnn_hls::from_double(b[i], bias);
  const double pre_bias_observed = std::max(std::abs(range.output_min), std::abs(range.output_max)) + bias_abs_max;
  ifft = choose_ifft_format(layer, std::min(pre_bias_observed, acc_bound), block, ctx);
}

void check_spectral_widths(const std::string& layer, const FixedFormat& weight, const FixedFormat& spec,
                           const FixedFormat& acc, const FixedFormat& ifft, const FixedFormat& bias, int block,
                           const QuantContext& ctx) {
  using bcnn_hls::product_format;
  using bcnn_hls::sum_format;
  const FixedFormat product = product_format(weight, spec);
  const FixedFormat difference = sum_format(product, product);
  ctx.require_width(layer, difference, "the complex product W * X'", layer + ".weight or " + layer + ".spec");
  ctx.require_width(layer, sum_format(acc, difference), "acc + W * X'", layer + ".acc, .weight or .spec");
  const FixedFormat scaled = product_format(ifft, block_scale_format(block));
  ctx.require_width(layer, sum_format(scaled, bias), "y * K + bias", layer + ".ifft or " + layer + ".bias");
}

void validate_spectral_widths(const QuantLayer& q, const FixedFormat& weight, const FixedFormat& spec,
                              const FixedFormat& acc, const FixedFormat& ifft, const FixedFormat& bias, int block) {
  const FixedFormat product = bcnn_hls::product_format(weight, spec);
  require_exact_width(q, bcnn_hls::sum_format(acc, bcnn_hls::sum_format(product, product)),
                      "the accumulation (acc + weight * spec - weight * spec)");
  require_exact_width(q, bcnn_hls::sum_format(bcnn_hls::product_format(ifft, block_scale_format(block)), bias),
                      "the output (ifft * block + bias)");
}

std::vector<std::string> spectral_format_fields() {
  return {"in", "out", "spec", "weight", "acc", "ifft", "bias", "twiddle"};
}

std::map<std::string, std::string> spectral_table_cells(const SpectralParams& bc) {
  return {{"block", std::to_string(bc.block)},
          {"spec", short_format(bc.spec)},
          {"weight", short_format(bc.weight)},
          {"acc", short_format(bc.acc)},
          {"ifft", short_format(bc.ifft)},
          {"bias", short_format(bc.bias)},
          {"parallelism", spectral_parallelism_cell(bc)}};
}

void describe_spectral(const SpectralParams& bc, nlohmann::json& j, nlohmann::json& formats) {
  j["block"] = bc.block;
  j["p"] = bc.p;
  j["q"] = bc.q;
  j["block_rows_parallel"] = bc.block_rows_parallel;
  j["bins_parallel"] = bc.bins_parallel;
  j["block_cols_parallel"] = bc.block_cols_parallel;
  j["fft_units"] = bc.fft_units;
  j["fft_lanes"] = bc.fft_lanes;
  j["ifft_units"] = bc.ifft_units;
  j["ifft_lanes"] = bc.ifft_lanes;
  j["weights_memory"] = bc.weights_uram ? "uram" : "bram";
  for (const auto& [k, f] : {std::pair{"spec", bc.spec}, {"weight", bc.weight}, {"acc", bc.acc}, {"ifft", bc.ifft},
                             {"bias", bc.bias}, {"twiddle", bc.twiddle}})
    formats[k] = format_name(f);
}

void set_spectral_values(const SpectralParams& bc, TemplateValues& v) {
  v.set("block", bc.block)
      .set("p", bc.p)
      .set("q", bc.q)
      .set("bins", bc.block / 2 + 1)
      .set("half_block", bc.block / 2)
      .set("block_rows_parallel", bc.block_rows_parallel)
      .set("bins_parallel", bc.bins_parallel)
      .set("block_cols_parallel", bc.block_cols_parallel)
      .set("fft_units", bc.fft_units)
      .set("fft_lanes", bc.fft_lanes)
      .set("ifft_units", bc.ifft_units)
      .set("ifft_lanes", bc.ifft_lanes)
      .set("weights_uram", bc.weights_uram ? 1 : 0)
      .show("rom_weights", !bc.weights_uram)
      .set("spec_t", cpp_type(bc.spec))
      .set("weight_t", cpp_type(bc.weight))
      .set("acc_t", cpp_type(bc.acc))
      .set("ifft_t", cpp_type(bc.ifft))
      .set("bias_t", cpp_type(bc.bias))
      .set("twiddle_t", cpp_type(bc.twiddle));
}

std::vector<RuntimeArray> spectral_runtime_arrays(const SpectralParams& bc, const std::string& id,
                                                  const std::vector<int>& dims) {
  if (!bc.weights_uram) return {};
  const std::string type = id + "_config::weight_t";
  return {RuntimeArray{id + "_w_re", type, dims, bc.weight_re}, RuntimeArray{id + "_w_im", type, dims, bc.weight_im}};
}

std::string spectral_weight_args(const SpectralParams& bc, const std::string& id) {
  return bc.weights_uram ? ", " + id + "_w_re, " + id + "_w_im" : "";
}

}  // namespace bcnn::hw

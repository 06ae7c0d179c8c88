#include "quant/quantize.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <numbers>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/strings.h"
#include "data/dataset.h"
#include "data/normalize.h"
#include "eval/evaluate.h"
#include "layers/bc_dense.h"
#include "net/json_reader.h"
#include "train/config.h"

namespace bcnn {
namespace {

using bcnn_hls::int128;
using bcnn_hls::overflow_mode;
using bcnn_hls::quant_mode;

constexpr int max_constant_width = 53;  // constants are written as exact double literals
// Activation formats of the FFT stages are at most this wide: one DSP48E2 multiplier (27 x 18)
// per product with an 18-bit weight or twiddle.
constexpr int max_stage_width = 27;

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool parse_int(const std::string& text, int& out) {
  const std::string t = trim(text);
  if (t.empty() || t.size() > 9) return false;
  std::size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
  if (i == t.size()) return false;
  for (std::size_t k = i; k < t.size(); ++k)
    if (!std::isdigit(static_cast<unsigned char>(t[k]))) return false;
  out = std::stoi(t);
  return true;
}

FixedFormat data_format(int width, int integer) { return {width, integer, quant_mode::rnd, overflow_mode::sat}; }
FixedFormat exact_format(int width, int integer) { return {width, integer, quant_mode::trn, overflow_mode::wrap}; }

// Largest |value| of a format's range: 2^(I-1).
double format_magnitude(const FixedFormat& f) { return std::ldexp(1.0, f.integer - 1); }
double format_min(const FixedFormat& f) { return -format_magnitude(f); }
double format_max(const FixedFormat& f) { return std::ldexp(static_cast<double>(f.max_raw()), -f.fraction_bits()); }

// Smallest width w with -2^(w-1) <= -bound and bound <= 2^(w-1) - 1, for a raw magnitude.
int width_for_raw_bound(int128 bound) {
  int w = 1;
  while (w < 127 && (static_cast<int128>(1) << (w - 1)) - 1 < bound) ++w;
  return w;
}

int128 abs128(std::int64_t v) { return v < 0 ? -static_cast<int128>(v) : static_cast<int128>(v); }

int log2_exact(int k) {
  int l = 0;
  while ((1 << l) < k) ++l;
  return l;
}


// The fields a layer of each kind has formats for.
const std::vector<std::string>& layer_fields(QuantLayerKind kind) {
  static const std::vector<std::string> bc{"in", "out", "spec", "weight", "acc", "ifft", "bias", "twiddle"};
  static const std::vector<std::string> dense{"in", "out", "weight", "acc", "bias"};
  static const std::vector<std::string> activation{"in", "out"};
  switch (kind) {
    case QuantLayerKind::bc_dense: return bc;
    case QuantLayerKind::dense: return dense;
    default: return activation;
  }
}

// Everything quantize_model needs to know about one layer of the float network.
struct SourceLayer {
  QuantLayerKind kind;
  const Layer* layer;
};

class Quantizer {
 public:
  Quantizer(const LoadedModel& model, const QuantOptions& options, QuantReport* report)
      : model_(model), options_(options), report_(report) {}

  QuantizedModel run();

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(options_.model_path + ": " + what); }

  void check_options();
  void collect_layers();
  void parse_overrides();
  const LayerRange& range_of(const std::string& layer) const;

  // The override of layer.field, if any.
  std::optional<FixedFormat> override_of(const std::string& layer, const std::string& field) const {
    auto it = overrides_.find(layer + "." + field);
    if (it == overrides_.end()) return std::nullopt;
    return it->second;
  }
  // The format of an activation whose observed range is [lo, hi].
  FixedFormat activation_format(double lo, double hi, int width) const {
    if (options_.data_format) return *options_.data_format;
    return data_format(width, integer_bits_for_range(lo, hi, width));
  }
  void record(const std::string& layer, const std::string& field, const FixedFormat& f, const std::string& rule,
              double covered_min, double covered_max, bool overridden, double observed_min = NAN,
              double observed_max = NAN) {
    if (!report_) return;
    FormatChoice c;
    c.layer = layer;
    c.field = field;
    c.format = f;
    c.rule = rule;
    c.covered_min = covered_min;
    c.covered_max = covered_max;
    c.observed_min = observed_min;
    c.observed_max = observed_max;
    c.overridden = overridden;
    report_->choices.push_back(c);
  }
  void check_constant_format(const QuantLayer& q, const std::string& field, const FixedFormat& f) const {
    if (f.width > max_constant_width)
      fail("layer " + q.name + " " + field + ": impossible format " + format_name(f) +
           ": constants are written as exact double literals, so at most " + std::to_string(max_constant_width) +
           " bits are possible, found " + std::to_string(f.width));
  }

  void quantize_bc_dense(const BcDense& layer, QuantLayer& q);
  void quantize_dense(const Layer& layer, QuantLayer& q);
  void apply_parallelism(QuantLayer& q);
  void check_kernel_widths(const QuantLayer& q) const;

  const LoadedModel& model_;
  const QuantOptions& options_;
  QuantReport* report_;
  const Calibration* calibration_ = nullptr;
  std::vector<SourceLayer> layers_;
  std::map<std::string, FixedFormat> overrides_;  // "layer.field" -> format
};

void Quantizer::check_options() {
  auto check_width = [&](int w, const std::string& what) {
    if (w < 1 || w > 64)
      throw Error(what + ": impossible width " + std::to_string(w) + ": expected 1..64 bits");
  };
  check_width(options_.data_width, "--precision");
  check_width(options_.weight_width, "--weight-precision");
  if (options_.weight_width > max_constant_width)
    throw Error("--weight-precision: impossible width " + std::to_string(options_.weight_width) +
                ": constants are written as exact double literals, so at most " +
                std::to_string(max_constant_width) + " bits are possible");
}

void Quantizer::collect_layers() {
  const Network& net = *model_.network;
  if (net.layers().empty()) fail("expected a network with at least one layer, found none");
  for (const auto& l : net.layers()) {
    const std::string type(l->type());
    QuantLayerKind kind;
    if (type == "bc_dense") {
      kind = QuantLayerKind::bc_dense;
      if (!is_supported_hls_block(l->block_size()))
        fail("unsupported layer " + l->name() + " (bc_dense with block " + std::to_string(l->block_size()) +
             "): the HLS FFT supports power-of-two blocks 4..256");
    } else if (type == "dense") {
      kind = QuantLayerKind::dense;
    } else if (type == "relu") {
      kind = QuantLayerKind::relu;
    } else if (type == "flatten") {
      kind = QuantLayerKind::flatten;
    } else if (type == "dropout") {
      kind = QuantLayerKind::dropout;
    } else {
      fail("unsupported layer " + l->name() + " of type " + type +
           ": bcnn-compile supports dense, bc_dense, relu, dropout and flatten");
    }
    layers_.push_back({kind, l.get()});
  }
}

void Quantizer::parse_overrides() {
  std::map<std::string, QuantLayerKind> kinds;
  std::vector<std::string> names;
  for (const auto& s : layers_) {
    kinds[s.layer->name()] = s.kind;
    names.push_back(s.layer->name());
  }
  for (const auto& [key, text] : options_.layer_formats) {
    const std::string what = options_.layer_formats_origin + " " + key;
    const auto dot = key.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == key.size())
      throw Error(what + ": expected LAYER.FIELD=ap_fixed<W, I, Q, O>, found \"" + key + "\"");
    const std::string layer = key.substr(0, dot), field = key.substr(dot + 1);
    auto it = kinds.find(layer);
    if (it == kinds.end())
      throw Error(what + ": expected a layer of " + options_.model_path + " (" + join(names, ", ") + "), found \"" +
                  layer + "\"");
    const auto& fields = layer_fields(it->second);
    if (std::find(fields.begin(), fields.end(), field) == fields.end())
      throw Error(what + ": expected a field of " + layer_kind_name(it->second) + " layer " + layer + " (" +
                  join(fields, ", ") + "), found \"" + field + "\"");
    overrides_[key] = parse_format(text, what);
  }
  // Per-layer parallelism names must exist and fit the layer kind.
  for (const auto& [layer, par] : options_.parallelism) {
    auto it = kinds.find(layer);
    if (it == kinds.end())
      throw Error("--parallelism " + layer + ": expected a layer of " + options_.model_path + " (" +
                  join(names, ", ") + "), found \"" + layer + "\"");
    const bool bc = it->second == QuantLayerKind::bc_dense, dense = it->second == QuantLayerKind::dense;
    if ((par.block_rows_parallel || par.bins_parallel) && !bc)
      throw Error("--parallelism " + layer + ": block rows and bins in parallel apply to bc_dense layers, " + layer +
                  " is a " + layer_kind_name(it->second) + " layer");
    if (par.reuse_factor && !dense)
      throw Error("--parallelism " + layer + ": the reuse factor applies to dense layers, " + layer + " is a " +
                  layer_kind_name(it->second) + " layer");
  }
}

const LayerRange& Quantizer::range_of(const std::string& layer) const {
  auto it = calibration_->layers.find(layer);
  if (it == calibration_->layers.end())
    fail("the calibration has no ranges for layer " + layer + " (rerun with --calibrate DATA_DIR)");
  const LayerRange& r = it->second;
  for (double v : {r.input_min, r.input_max, r.output_min, r.output_max})
    if (!std::isfinite(v))
      fail("the calibration range of layer " + layer + " is not finite (rerun with --calibrate DATA_DIR)");
  return r;
}

void Quantizer::apply_parallelism(QuantLayer& q) {
  auto it = options_.parallelism.find(q.name);
  if (it == options_.parallelism.end()) return;
  const LayerParallelism& par = it->second;
  auto check = [&](int value, int max, const std::string& what) {
    if (value < 1 || value > max)
      throw Error("--parallelism " + q.name + ": expected " + what + " in 1.." + std::to_string(max) + ", found " +
                  std::to_string(value));
    return value;
  };
  if (par.block_rows_parallel) q.block_rows_parallel = check(*par.block_rows_parallel, q.p, "block rows in parallel");
  if (par.bins_parallel) q.bins_parallel = check(*par.bins_parallel, q.block / 2 + 1, "frequency bins in parallel");
  // dense: each output's n_in products take R cycles on ceil(n_in / R) multipliers.
  if (par.reuse_factor) q.reuse_factor = check(*par.reuse_factor, q.n_in, "a reuse factor");
}

void Quantizer::quantize_bc_dense(const BcDense& layer, QuantLayer& q) {
  const int K = layer.block_size(), P = layer.block_rows(), Q = layer.block_cols(), bins = K / 2 + 1;
  q.block = K;
  q.p = P;
  q.q = Q;
  const auto w = layer.param(0);  // (P, Q, K)
  const auto b = layer.param(1);  // (m)
  const LayerRange& range = range_of(q.name);
  const int stage_width = std::min(max_stage_width, options_.data_width + log2_exact(K));

  // Weight spectra DFT(w_ij)[f] = sum_t w[t] e^{-2 pi i f t / K}, in double from an exact table.
  std::vector<double> cos_table(K), sin_table(K);
  for (int m = 0; m < K; ++m) {
    const double angle = 2 * std::numbers::pi * m / K;
    cos_table[m] = std::cos(angle);
    sin_table[m] = std::sin(angle);
  }
  std::vector<double> spec_re(static_cast<std::size_t>(P) * Q * bins), spec_im(spec_re.size());
  double spec_abs_max = 0;
  for (int i = 0; i < P; ++i)
    for (int j = 0; j < Q; ++j) {
      const float* wij = w.data() + (static_cast<std::size_t>(i) * Q + j) * K;
      for (int f = 0; f < bins; ++f) {
        double re = 0, im = 0;
        for (int t = 0; t < K; ++t) {
          const int m = (f * t) % K;
          re += static_cast<double>(wij[t]) * cos_table[m];
          im -= static_cast<double>(wij[t]) * sin_table[m];
        }
        // DC and Nyquist bins of a real sequence are real.
        if (f == 0 || 2 * f == K) im = 0;
        const std::size_t idx = (static_cast<std::size_t>(i) * Q + j) * bins + f;
        spec_re[idx] = re;
        spec_im[idx] = im;
        spec_abs_max = std::max({spec_abs_max, std::abs(re), std::abs(im)});
      }
    }

  // weight: covers every real and imaginary part of the spectra.
  if (auto o = override_of(q.name, "weight")) {
    q.weight = *o;
    record(q.name, "weight", q.weight, "override", format_min(*o), format_max(*o), true);
  } else {
    q.weight = data_format(options_.weight_width,
                           integer_bits_for_range(-spec_abs_max, spec_abs_max, options_.weight_width));
    record(q.name, "weight", q.weight, "covers max |Re|, |Im| of the weight spectra DFT(w_ij)", -spec_abs_max,
           spec_abs_max, false);
  }
  check_constant_format(q, "weight", q.weight);
  q.weight_re.resize(spec_re.size());
  q.weight_im.resize(spec_im.size());
  for (std::size_t i = 0; i < spec_re.size(); ++i) {
    q.weight_re[i] = bcnn_hls::from_double(spec_re[i], q.weight);
    q.weight_im[i] = bcnn_hls::from_double(spec_im[i], q.weight);
  }

  // spec: X' = DFT(x)/K with halving stages never exceeds max |x| in magnitude; one guard bit
  // above the input format's integer bits covers the rounding of the stages.
  if (auto o = override_of(q.name, "spec")) {
    q.spec = *o;
    record(q.name, "spec", q.spec, "override", format_min(*o), format_max(*o), true);
  } else if (options_.data_format) {
    q.spec = *options_.data_format;
    record(q.name, "spec", q.spec, "--precision", format_min(q.spec), format_max(q.spec), false);
  } else {
    q.spec = data_format(stage_width, q.in.integer + 1);
    record(q.name, "spec", q.spec,
           "in's integer bits + 1 guard bit (|X'| <= max |x|); width = data width + log2(block)",
           -2 * format_magnitude(q.in), 2 * format_magnitude(q.in), false);
  }

  // acc: exact sum over j of W_ij[f] X'_j[f]. Re = sum Wr Xr - Wi Xi, Im = sum Wr Xi + Wi Xr,
  // with |Xr|, |Xi| <= 2^(I_spec - 1): |Re|, |Im| <= max_{i,f} sum_j (|Wr| + |Wi|) 2^(I_spec - 1).
  int128 acc_raw_bound = 0;  // in units of 2^-(F_weight + F_spec)
  {
    const int128 spec_raw_max = static_cast<int128>(1) << (q.spec.width - 1);
    for (int i = 0; i < P; ++i)
      for (int f = 0; f < bins; ++f) {
        int128 sum = 0;
        for (int j = 0; j < Q; ++j) {
          const std::size_t idx = (static_cast<std::size_t>(i) * Q + j) * bins + f;
          sum += (abs128(q.weight_re[idx]) + abs128(q.weight_im[idx])) * spec_raw_max;
        }
        acc_raw_bound = std::max(acc_raw_bound, sum);
      }
  }
  const int acc_fraction = q.weight.fraction_bits() + q.spec.fraction_bits();
  const double acc_bound = std::ldexp(static_cast<double>(acc_raw_bound), -acc_fraction);
  if (auto o = override_of(q.name, "acc")) {
    q.acc = *o;
    record(q.name, "acc", q.acc, "override", format_min(*o), format_max(*o), true);
  } else {
    int width = width_for_raw_bound(acc_raw_bound);
    width = std::max(width, acc_fraction + 1);  // at least one integer bit (the sign)
    if (width > 64)
      fail("layer " + q.name + " acc: impossible format: the exact accumulator needs " + std::to_string(width) +
           " bits (" + std::to_string(acc_fraction) + " fraction bits = weight " +
           std::to_string(q.weight.fraction_bits()) + " + spec " + std::to_string(q.spec.fraction_bits()) +
           "), at most 64 are possible: narrow " + q.name + ".weight or " + q.name + ".spec");
    q.acc = exact_format(width, width - acc_fraction);
    record(q.name, "acc", q.acc, "exact: F = F_weight + F_spec, |acc| <= max_{i,f} sum_j (|Wr|+|Wi|) 2^(I_spec-1)",
           -acc_bound, acc_bound, false);
  }

  // bias
  double bias_abs_max = 0;
  for (float v : b) bias_abs_max = std::max(bias_abs_max, std::abs(static_cast<double>(v)));
  if (auto o = override_of(q.name, "bias")) {
    q.bias = *o;
    record(q.name, "bias", q.bias, "override", format_min(*o), format_max(*o), true);
  } else {
    q.bias = data_format(options_.weight_width,
                         integer_bits_for_range(-bias_abs_max, bias_abs_max, options_.weight_width));
    record(q.name, "bias", q.bias, "covers max |b|", -bias_abs_max, bias_abs_max, false);
  }
  check_constant_format(q, "bias", q.bias);
  q.bias_raw.resize(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) q.bias_raw[i] = bcnn_hls::from_double(b[i], q.bias);

  // ifft: the inverse stages start from Y' = acc with |Y'[f]| <= max_t |y_t| (pre-bias output),
  // and halve; one guard bit like spec. max |y| is bounded by the observed output range plus
  // max |b|, and by the accumulator's exact bound.
  const double pre_bias_observed = std::max(std::abs(range.output_min), std::abs(range.output_max)) + bias_abs_max;
  const double ifft_cover = std::min(pre_bias_observed, acc_bound);
  if (auto o = override_of(q.name, "ifft")) {
    q.ifft = *o;
    record(q.name, "ifft", q.ifft, "override", format_min(*o), format_max(*o), true);
  } else if (options_.data_format) {
    q.ifft = *options_.data_format;
    record(q.name, "ifft", q.ifft, "--precision", format_min(q.ifft), format_max(q.ifft), false);
  } else {
    q.ifft = data_format(stage_width, integer_bits_for_range(-ifft_cover, ifft_cover, stage_width) + 1);
    record(q.name, "ifft", q.ifft,
           "covers min(max|out| + max|b|, acc bound) + 1 guard bit (|Y'| <= max |y|); width = data width + "
           "log2(block)",
           -ifft_cover, ifft_cover, false);
  }

  // twiddle: cos and -sin of 2 pi j / K, j < K/2; two integer bits so that 1 and -1 are exact.
  if (auto o = override_of(q.name, "twiddle")) {
    q.twiddle = *o;
    record(q.name, "twiddle", q.twiddle, "override", format_min(*o), format_max(*o), true);
  } else {
    q.twiddle = data_format(options_.weight_width, 2);
    record(q.name, "twiddle", q.twiddle, "covers [-1, 1] exactly", -1, 1, false);
  }
  check_constant_format(q, "twiddle", q.twiddle);
  q.twiddle_re.resize(K / 2);
  q.twiddle_im.resize(K / 2);
  for (int j = 0; j < K / 2; ++j) {
    q.twiddle_re[j] = bcnn_hls::from_double(cos_table[j], q.twiddle);
    q.twiddle_im[j] = bcnn_hls::from_double(-sin_table[j], q.twiddle);
  }
}

void Quantizer::quantize_dense(const Layer& layer, QuantLayer& q) {
  const auto w = layer.param(0);  // (n_out, n_in)
  const auto b = layer.param(1);
  double w_abs_max = 0, b_abs_max = 0;
  for (float v : w) w_abs_max = std::max(w_abs_max, std::abs(static_cast<double>(v)));
  for (float v : b) b_abs_max = std::max(b_abs_max, std::abs(static_cast<double>(v)));

  if (auto o = override_of(q.name, "weight")) {
    q.weight = *o;
    record(q.name, "weight", q.weight, "override", format_min(*o), format_max(*o), true);
  } else {
    q.weight = data_format(options_.weight_width, integer_bits_for_range(-w_abs_max, w_abs_max, options_.weight_width));
    record(q.name, "weight", q.weight, "covers max |w|", -w_abs_max, w_abs_max, false);
  }
  check_constant_format(q, "weight", q.weight);
  q.weights.resize(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) q.weights[i] = bcnn_hls::from_double(w[i], q.weight);

  if (auto o = override_of(q.name, "bias")) {
    q.bias = *o;
    record(q.name, "bias", q.bias, "override", format_min(*o), format_max(*o), true);
  } else {
    q.bias = data_format(options_.weight_width, integer_bits_for_range(-b_abs_max, b_abs_max, options_.weight_width));
    record(q.name, "bias", q.bias, "covers max |b|", -b_abs_max, b_abs_max, false);
  }
  check_constant_format(q, "bias", q.bias);
  q.bias_raw.resize(b.size());
  for (std::size_t i = 0; i < b.size(); ++i) q.bias_raw[i] = bcnn_hls::from_double(b[i], q.bias);

  // acc: exact b_i + sum_j w_ij x_j with |x_j| <= 2^(I_in - 1); F = max(F_w + F_in, F_b).
  const int product_fraction = q.weight.fraction_bits() + q.in.fraction_bits();
  const int acc_fraction = std::max(product_fraction, q.bias.fraction_bits());
  int128 bound = 0;  // units of 2^-acc_fraction
  {
    const int128 in_raw_max = static_cast<int128>(1) << (q.in.width - 1);
    for (int i = 0; i < q.n_out; ++i) {
      int128 sum = 0;
      for (int j = 0; j < q.n_in; ++j) sum += abs128(q.weights[static_cast<std::size_t>(i) * q.n_in + j]) * in_raw_max;
      sum <<= (acc_fraction - product_fraction);
      sum += abs128(q.bias_raw[i]) << (acc_fraction - q.bias.fraction_bits());
      bound = std::max(bound, sum);
    }
  }
  const double acc_bound = std::ldexp(static_cast<double>(bound), -acc_fraction);
  if (auto o = override_of(q.name, "acc")) {
    q.acc = *o;
    record(q.name, "acc", q.acc, "override", format_min(*o), format_max(*o), true);
  } else {
    int width = std::max(width_for_raw_bound(bound), acc_fraction + 1);
    if (width > 64)
      fail("layer " + q.name + " acc: impossible format: the exact accumulator needs " + std::to_string(width) +
           " bits (" + std::to_string(acc_fraction) + " fraction bits = weight " +
           std::to_string(q.weight.fraction_bits()) + " + in " + std::to_string(q.in.fraction_bits()) +
           "), at most 64 are possible: narrow " + q.name + ".weight or the input format");
    q.acc = exact_format(width, width - acc_fraction);
    record(q.name, "acc", q.acc, "exact: F = F_weight + F_in, |acc| <= max_i sum_j |w_ij| 2^(I_in-1) + |b_i|",
           -acc_bound, acc_bound, false);
  }
}

// The kernels compute their intermediates exactly in bcnn_hls::fixed types, which hold at most
// 64 bits (fft.h, bc_dense.h, dense.h); a format whose intermediates would be wider cannot be
// compiled, so it is refused here with the layer and the operation.
void Quantizer::check_kernel_widths(const QuantLayer& q) const {
  using bcnn_hls::product_format;
  using bcnn_hls::sum_format;
  auto require = [&](const FixedFormat& f, const std::string& operation, const std::string& fields) {
    if (f.width > 64)
      fail("layer " + q.name + ": impossible formats: " + operation + " needs " + std::to_string(f.width) +
           " bits, at most 64 are possible: narrow " + fields);
  };
  if (q.kind == QuantLayerKind::bc_dense) {
    for (const auto& [data, name] : {std::pair{q.spec, std::string("spec")}, std::pair{q.ifft, std::string("ifft")}}) {
      const FixedFormat product = product_format(data, q.twiddle);
      require(sum_format(data, sum_format(product, product)), "the " + name + " FFT butterfly a + b * w",
              q.name + "." + name + " or " + q.name + ".twiddle");
    }
    const FixedFormat product = product_format(q.weight, q.spec);
    const FixedFormat difference = sum_format(product, product);
    require(difference, "the complex product W * X'", q.name + ".weight or " + q.name + ".spec");
    require(sum_format(q.acc, difference), "acc + W * X'", q.name + ".acc, .weight or .spec");
    const int log2_block = log2_exact(q.block);
    const FixedFormat scaled = product_format(q.ifft, FixedFormat{log2_block + 2, log2_block + 2, quant_mode::trn,
                                                                  overflow_mode::wrap});
    require(sum_format(scaled, q.bias), "y * K + bias", q.name + ".ifft or " + q.name + ".bias");
  } else if (q.kind == QuantLayerKind::dense) {
    const FixedFormat product = product_format(q.weight, q.in);
    require(product, "the product w * x", q.name + ".weight or " + q.name + ".in");
    require(sum_format(q.acc, product), "acc + w * x", q.name + ".acc, .weight or .in");
  }
}

QuantizedModel Quantizer::run() {
  check_options();
  if (options_.calibration) {
    calibration_ = &*options_.calibration;
  } else {
    if (model_.calibration.layers.empty())
      fail("the model has no calibration ranges (/calibration): run bcnn-compile with --calibrate DATA_DIR");
    calibration_ = &model_.calibration;
  }
  if (report_) {
    report_->calibration_images = calibration_->images;
    if (report_->calibration_source.empty()) report_->calibration_source = options_.calibration ? "--calibrate" : "model file";
  }
  collect_layers();
  parse_overrides();

  const Network& net = *model_.network;
  QuantizedModel out;
  for (auto d : net.input_shape()) out.input_shape.push_back(static_cast<int>(d));
  out.n_in = static_cast<int>(shape_size(net.input_shape()));
  out.n_out = net.num_classes();

  // The value entering layer i is the value leaving layer i - 1; flatten and dropout pass their
  // value through, so their in and out are one value. value_override(i) is the override of the
  // value leaving layer i (i = -1: the network input), under any of the keys that name it.
  const std::string& first = layers_.front().layer->name();
  const LayerRange& input_range = range_of(first);
  auto is_passthrough = [&](std::size_t i) {
    return layers_[i].kind == QuantLayerKind::flatten || layers_[i].kind == QuantLayerKind::dropout;
  };
  auto value_override = [&](int producer) -> std::optional<std::pair<FixedFormat, std::string>> {
    std::vector<std::string> keys;
    if (producer >= 0) keys.push_back(layers_[producer].layer->name() + ".out");
    for (std::size_t k = static_cast<std::size_t>(producer + 1); k < layers_.size(); ++k) {
      keys.push_back(layers_[k].layer->name() + ".in");
      if (!is_passthrough(k)) break;
      keys.push_back(layers_[k].layer->name() + ".out");
    }
    std::optional<std::pair<FixedFormat, std::string>> found;
    for (const auto& key : keys) {
      auto it = overrides_.find(key);
      if (it == overrides_.end()) continue;
      if (found && found->first != it->second)
        fail(options_.layer_formats_origin + " " + key + " is " + format_name(it->second) + " but " + found->second +
             " (the same value) is " + format_name(found->first));
      if (!found) found = std::make_pair(it->second, key);
    }
    return found;
  };
  FixedFormat current{};
  if (auto o = value_override(-1)) {
    current = o->first;
    record("input", "in", current, "override (" + o->second + ")", format_min(current), format_max(current), true,
           input_range.input_min, input_range.input_max);
  } else {
    current = activation_format(input_range.input_min, input_range.input_max, options_.data_width);
    record("input", "in", current, options_.data_format ? "--precision" : "covers the observed range",
           input_range.input_min, input_range.input_max, false, input_range.input_min, input_range.input_max);
  }
  out.input = current;

  for (std::size_t li = 0; li < layers_.size(); ++li) {
    const SourceLayer& s = layers_[li];
    const Layer& layer = *s.layer;
    QuantLayer q;
    q.kind = s.kind;
    q.name = layer.name();
    q.n_in = static_cast<int>(shape_size(layer.input_shape()));
    q.n_out = static_cast<int>(shape_size(layer.output_shape()));
    q.in = current;
    const LayerRange& range = range_of(q.name);
    q.observed_in_min = range.input_min;
    q.observed_in_max = range.input_max;
    q.observed_out_min = range.output_min;
    q.observed_out_max = range.output_max;
    std::optional<FixedFormat> out_override;
    if (!is_passthrough(li))
      if (auto o = value_override(static_cast<int>(li))) out_override = o->first;

    switch (s.kind) {
      case QuantLayerKind::flatten:
      case QuantLayerKind::dropout:
        q.out = q.in;
        break;
      case QuantLayerKind::relu:
        if (out_override) {
          q.out = *out_override;
          record(q.name, "out", q.out, "override", format_min(q.out), format_max(q.out), true, range.output_min,
                 range.output_max);
        } else {
          q.out = q.in;
        }
        break;
      case QuantLayerKind::bc_dense:
      case QuantLayerKind::dense:
        record(q.name, "in", q.in, li == 0 ? "network input" : "from " + layers_[li - 1].layer->name() + ".out",
               format_min(q.in), format_max(q.in), false, range.input_min, range.input_max);
        if (s.kind == QuantLayerKind::bc_dense)
          quantize_bc_dense(static_cast<const BcDense&>(layer), q);
        else
          quantize_dense(layer, q);
        if (out_override) {
          q.out = *out_override;
          record(q.name, "out", q.out, "override", format_min(q.out), format_max(q.out), true, range.output_min,
                 range.output_max);
        } else {
          q.out = activation_format(range.output_min, range.output_max, options_.data_width);
          record(q.name, "out", q.out, options_.data_format ? "--precision" : "covers the observed range",
                 range.output_min, range.output_max, false, range.output_min, range.output_max);
        }
        break;
    }
    apply_parallelism(q);
    check_kernel_widths(q);
    current = q.out;
    out.layers.push_back(std::move(q));
  }
  return out;
}

}  // namespace

std::string format_name(const FixedFormat& f) {
  return "ap_fixed<" + std::to_string(f.width) + ", " + std::to_string(f.integer) + ", " + bcnn_hls::ap_name(f.q) +
         ", " + bcnn_hls::ap_name(f.o) + ">";
}

FixedFormat parse_format(const std::string& text, const std::string& what) {
  const std::string expected = "expected ap_fixed<W, I> or ap_fixed<W, I, Q, O> (e.g. ap_fixed<16, 6, AP_RND, AP_SAT>)";
  const std::string found = ", found \"" + text + "\"";
  std::string t = trim(text);
  if (t.rfind("ap_ufixed", 0) == 0)
    throw Error(what + ": " + expected + found + ": unsigned formats are not supported");
  if (t.rfind("ap_fixed", 0) != 0) throw Error(what + ": " + expected + found);
  t = trim(t.substr(8));
  if (t.size() < 2 || t.front() != '<' || t.back() != '>') throw Error(what + ": " + expected + found);
  std::vector<std::string> args;
  {
    std::string inner = t.substr(1, t.size() - 2);
    std::size_t start = 0;
    while (true) {
      const auto comma = inner.find(',', start);
      args.push_back(trim(inner.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (args.size() < 2 || args.size() > 5) throw Error(what + ": " + expected + found);
  FixedFormat f{0, 0, quant_mode::trn, overflow_mode::wrap};  // ap_fixed's defaults: AP_TRN, AP_WRAP
  if (!parse_int(args[0], f.width))
    throw Error(what + ": " + expected + found + ": the width W must be an integer, found \"" + args[0] + "\"");
  if (!parse_int(args[1], f.integer))
    throw Error(what + ": " + expected + found + ": the integer bits I must be an integer, found \"" + args[1] + "\"");
  if (args.size() >= 3 && !bcnn_hls::parse_quant_mode(args[2].c_str(), f.q))
    throw Error(what + ": " + expected + found +
                ": expected a quantization mode (AP_RND, AP_RND_ZERO, AP_RND_MIN_INF, AP_RND_INF, AP_RND_CONV, AP_TRN, "
                "AP_TRN_ZERO), found \"" + args[2] + "\"");
  if (args.size() >= 4 && !bcnn_hls::parse_overflow_mode(args[3].c_str(), f.o)) {
    if (args[3] == "AP_WRAP_SM")
      throw Error(what + ": impossible format \"" + text + "\": AP_WRAP_SM is not supported (use AP_WRAP, AP_SAT, "
                  "AP_SAT_ZERO or AP_SAT_SYM)");
    throw Error(what + ": " + expected + found +
                ": expected an overflow mode (AP_SAT, AP_SAT_ZERO, AP_SAT_SYM, AP_WRAP), found \"" + args[3] + "\"");
  }
  if (args.size() == 5) {
    int n = -1;
    if (!parse_int(args[4], n) || n != 0)
      throw Error(what + ": impossible format \"" + text + "\": only N = 0 saturation bits are supported, found \"" +
                  args[4] + "\"");
  }
  if (f.width < 1 || f.width > 64)
    throw Error(what + ": impossible format \"" + text + "\": expected a width W of 1..64 bits, found " +
                std::to_string(f.width));
  if (!bcnn_hls::is_valid_format(f.width, f.integer))
    throw Error(what + ": impossible format \"" + text + "\": expected integer bits I with I <= " +
                std::to_string(bcnn_hls::max_integer_bits) + " and W - I <= " +
                std::to_string(bcnn_hls::max_fraction_bits) + ", found I = " + std::to_string(f.integer));
  return f;
}

int integer_bits_for_range(double lo, double hi, int width) {
  int integer = 1;
  const double magnitude = std::max(std::abs(lo), std::abs(hi));
  if (magnitude > 0 && std::isfinite(magnitude)) integer = std::max(1, static_cast<int>(std::floor(std::log2(magnitude))) + 1);
  // Adjust for the exact edges: -2^(I-1) <= lo, hi <= 2^(I-1) - 2^(I-width).
  while (integer > 1 && -std::ldexp(1.0, integer - 2) <= lo &&
         hi <= std::ldexp(1.0, integer - 2) - std::ldexp(1.0, integer - 1 - width))
    --integer;
  while (integer < 1000 && (-std::ldexp(1.0, integer - 1) > lo ||
                            hi > std::ldexp(1.0, integer - 1) - std::ldexp(1.0, integer - width)))
    ++integer;
  return integer;
}

bool is_supported_hls_block(int block) { return block >= 4 && block <= 256 && (block & (block - 1)) == 0; }

QuantizedModel quantize_model(const LoadedModel& model, const QuantOptions& options, QuantReport* report) {
  Quantizer q(model, options, report);
  return q.run();
}

Calibration calibrate_model(LoadedModel& model, const std::string& data_dir, int max_images) {
  const std::string dataset = stored_train_data(model.config, "the model's stored configuration").dataset;
  Dataset data = load_dataset(dataset, data_dir, Split::train);
  Network& net = *model.network;
  if (data.sample_shape() != net.input_shape())
    throw Error(data_dir + ": expected " + dataset + " images of shape " + shape_string(net.input_shape()) +
                " for the model, found " + shape_string(data.sample_shape()));
  // The ranges must be those of the images the model sees: normalized as in training.
  normalize_dataset(data, stored_normalization(model.config, "the model's stored configuration",
                                               net.input_shape().empty() ? 1 : net.input_shape()[0]));
  return calibrate(net, data, max_images, 256);
}

void apply_precision_options(QuantOptions& options, const std::string& precision, int weight_width,
                             const std::vector<std::string>& layer_precisions) {
  if (precision.find('<') != std::string::npos || precision.rfind("ap_", 0) == 0) {
    options.data_format = parse_format(precision, "--precision");
    options.data_width = options.data_format->width;
  } else {
    std::size_t used = 0;
    long width = -1;
    try {
      width = std::stol(precision, &used);
    } catch (...) {
      used = 0;
    }
    if (used != precision.size() || precision.empty())
      throw Error("--precision: expected a width (e.g. 16) or ap_fixed<W, I, Q, O>, found \"" + precision + "\"");
    if (width < 1 || width > 64) throw Error("--precision: impossible width " + precision + ": expected 1..64 bits");
    options.data_width = static_cast<int>(width);
  }
  if (weight_width < 1 || weight_width > 53)
    throw Error("--weight-precision: impossible width " + std::to_string(weight_width) + ": expected 1..53 bits");
  options.weight_width = weight_width;
  for (const auto& text : layer_precisions) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
      throw Error("--layer-precision: expected LAYER.FIELD=ap_fixed<W,I,Q,O>, found \"" + text + "\"");
    const std::string key = text.substr(0, eq);
    if (options.layer_formats.count(key)) throw Error("--layer-precision " + key + ": given twice");
    options.layer_formats[key] = text.substr(eq + 1);
  }
}

QuantOptions options_from_project_report(const std::string& report_path, const std::string& model_path) {
  std::ifstream in(report_path);
  if (!in) throw Error(report_path + ": cannot open the project report (is the directory a bcnn-compile project?)");
  nlohmann::json report;
  try {
    in >> report;
  } catch (const nlohmann::json::exception& e) {
    throw Error(report_path + ": expected the JSON report of bcnn-compile, found text that does not parse");
  }
  if (!report.is_object() || !report.contains("layers") || !report["layers"].is_array())
    throw Error(report_path + ": /layers: expected the array of layers of a bcnn-compile report, found " +
                (report.is_object() && report.contains("layers") ? describe_json(report["layers"])
                                                                  : std::string("nothing")));
  QuantOptions options;
  options.model_path = model_path;
  options.layer_formats_origin = report_path;
  const auto& layers = report["layers"];
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string pointer = "/layers/" + std::to_string(i);
    const auto& layer = layers[i];
    if (!layer.is_object())
      throw Error(config_error(report_path, pointer, "a layer object", describe_json(layer)));
    if (!layer.contains("formats")) continue;
    if (!layer.contains("name") || !layer["name"].is_string())
      throw Error(config_error(report_path, pointer + "/name", "the layer's name (a string)",
                               layer.contains("name") ? describe_json(layer["name"]) : "nothing"));
    if (!layer["formats"].is_object())
      throw Error(
          config_error(report_path, pointer + "/formats", "an object of formats", describe_json(layer["formats"])));
    for (const auto& [field, spelling] : layer["formats"].items()) {
      if (!spelling.is_string())
        throw Error(config_error(report_path, pointer + "/formats/" + field, "a format such as \"ap_fixed<16,6>\"",
                                 describe_json(spelling)));
      options.layer_formats[layer["name"].get<std::string>() + "." + field] = spelling.get<std::string>();
    }
  }
  return options;
}

std::string layer_kind_name(QuantLayerKind kind) {
  switch (kind) {
    case QuantLayerKind::bc_dense: return "bc_dense";
    case QuantLayerKind::dense: return "dense";
    case QuantLayerKind::relu: return "relu";
    case QuantLayerKind::flatten: return "flatten";
    case QuantLayerKind::dropout: return "dropout";
  }
  return "?";
}

}  // namespace bcnn

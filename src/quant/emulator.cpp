#include "quant/emulator.h"

#include <algorithm>
#include <string>

#include "core/error.h"

// Every function here repeats one kernel of fpga/include/bcnn_hls operation for operation
// (docs/fpga.md): the kernels' products and sums are exact, so an exact intermediate is kept here as
// a 128-bit raw integer with its number of fraction bits (the fixed<> result types carry the same
// value), and every place where a kernel converts into a declared type is one call of
// bcnn_hls::quantize with that type's format. The model is validated first, including that every
// exact intermediate fits in the 64 bits the compile-time types allow, so 128 bits never overflow.

namespace bcnn {
namespace {

using bcnn_hls::format;
__extension__ typedef __int128 int128;
__extension__ typedef unsigned __int128 uint128;

// The value raw * 2^-fraction, exactly.
struct Exact {
  int128 raw;
  int fraction;
};

Exact exact(std::int64_t raw, const format& f) { return {raw, f.fraction_bits()}; }

int128 aligned(const Exact& x, int fraction) {
  return static_cast<int128>(static_cast<uint128>(x.raw) << (fraction - x.fraction));
}

Exact operator*(const Exact& a, const Exact& b) { return {a.raw * b.raw, a.fraction + b.fraction}; }

Exact operator+(const Exact& a, const Exact& b) {
  const int fraction = std::max(a.fraction, b.fraction);
  return {aligned(a, fraction) + aligned(b, fraction), fraction};
}

Exact operator-(const Exact& a, const Exact& b) {
  const int fraction = std::max(a.fraction, b.fraction);
  return {aligned(a, fraction) - aligned(b, fraction), fraction};
}

// fixed >> 1 on the exact result's own type: floor of the raw value, same fraction bits.
Exact half_floor(const Exact& x) { return {x.raw >> 1, x.fraction}; }

// T(x): the conversion into a declared type, with its quantization and overflow modes.
std::int64_t convert(const Exact& x, const format& f) {
  return bcnn_hls::quantize(x.raw, x.fraction, f);
}

// The format of fixed<log2(K) + 2, log2(K) + 2>, the integer type that holds K in bc_dense.
format block_scale_format(int block) {
  int bits = 0;
  while ((1 << bits) < block) ++bits;
  return {bits + 2, bits + 2, bcnn_hls::quant_mode::trn, bcnn_hls::overflow_mode::wrap};
}

// ---- validation ---------------------------------------------------------------------------------

std::string describe(const QuantLayer& layer) { return "layer '" + layer.name + "'"; }

void require(bool ok, const QuantLayer& layer, const std::string& what) {
  if (!ok) throw Error("fixed-point emulator: " + describe(layer) + ": " + what);
}

void require_format(const QuantLayer& layer, const format& f, const char* name) {
  require(bcnn_hls::is_valid(f), layer,
          std::string(name) + " format is invalid (width " + std::to_string(f.width) + ", " +
              std::to_string(f.integer) + " integer bits; expected 1 <= width <= 64)");
}

// An exact intermediate of the kernel must fit in 64 bits, or the compile-time types refuse it.
void require_exact_width(const QuantLayer& layer, const format& f, const std::string& what) {
  require(f.width <= 64, layer,
          what + " needs " + std::to_string(f.width) +
              " bits exactly, but the HLS kernel's exact intermediates are limited to 64 bits "
              "(narrow the formats involved)");
}

void require_raw(const QuantLayer& layer, const std::vector<std::int64_t>& values, std::size_t size,
                 const format& f, const char* name) {
  require(values.size() == size, layer,
          std::string(name) + " has " + std::to_string(values.size()) + " values, expected " +
              std::to_string(size));
  for (std::size_t i = 0; i < values.size(); ++i)
    require(values[i] >= f.min_raw() && values[i] <= f.max_raw(), layer,
            std::string(name) + "[" + std::to_string(i) + "] = " + std::to_string(values[i]) +
                " does not fit its " + std::to_string(f.width) + "-bit format");
}

bool is_supported_block(int k) { return k >= 4 && k <= 256 && (k & (k - 1)) == 0; }

// The butterfly's widest exact value: a + b * w.
format butterfly_format(const format& data, const format& twiddle) {
  const format product = bcnn_hls::product_format(data, twiddle);
  return bcnn_hls::sum_format(data, bcnn_hls::sum_format(product, product));
}

void validate_bc_dense(const QuantLayer& layer) {
  const int k = layer.block;
  require(is_supported_block(k), layer,
          "block " + std::to_string(k) + " is not supported (expected 4, 8, ..., 256)");
  require(layer.p == (layer.n_out + k - 1) / k && layer.q == (layer.n_in + k - 1) / k, layer,
          "p = " + std::to_string(layer.p) + ", q = " + std::to_string(layer.q) +
              " do not match ceil(n_out / block), ceil(n_in / block)");
  for (auto [f, name] : {std::pair{layer.spec, "spec"}, {layer.weight, "weight"}, {layer.acc, "acc"},
                         {layer.ifft, "ifft"}, {layer.bias, "bias"}, {layer.twiddle, "twiddle"}})
    require_format(layer, f, name);
  const std::size_t spectra = static_cast<std::size_t>(layer.p) * layer.q * (k / 2 + 1);
  require_raw(layer, layer.weight_re, spectra, layer.weight, "weight_re");
  require_raw(layer, layer.weight_im, spectra, layer.weight, "weight_im");
  require_raw(layer, layer.twiddle_re, k / 2, layer.twiddle, "twiddle_re");
  require_raw(layer, layer.twiddle_im, k / 2, layer.twiddle, "twiddle_im");
  require_raw(layer, layer.bias_raw, layer.n_out, layer.bias, "bias");

  require_exact_width(layer, butterfly_format(layer.spec, layer.twiddle),
                      "the forward FFT butterfly (spec + spec * twiddle)");
  require_exact_width(layer, butterfly_format(layer.ifft, layer.twiddle),
                      "the inverse FFT butterfly (ifft + ifft * twiddle)");
  require_exact_width(layer, format{layer.ifft.width + 1, layer.ifft.integer + 1, {}, {}},
                      "the conjugate (-ifft)");
  const format product = bcnn_hls::product_format(layer.weight, layer.spec);
  require_exact_width(layer, bcnn_hls::sum_format(layer.acc, bcnn_hls::sum_format(product, product)),
                      "the accumulation (acc + weight * spec - weight * spec)");
  require_exact_width(
      layer,
      bcnn_hls::sum_format(bcnn_hls::product_format(layer.ifft, block_scale_format(k)), layer.bias),
      "the output (ifft * block + bias)");
}

void validate_dense(const QuantLayer& layer) {
  for (auto [f, name] : {std::pair{layer.weight, "weight"}, {layer.acc, "acc"}, {layer.bias, "bias"}})
    require_format(layer, f, name);
  require_raw(layer, layer.weights, static_cast<std::size_t>(layer.n_out) * layer.n_in, layer.weight,
              "weights");
  require_raw(layer, layer.bias_raw, layer.n_out, layer.bias, "bias");
  require_exact_width(layer,
                      bcnn_hls::sum_format(layer.acc, bcnn_hls::product_format(layer.weight, layer.in)),
                      "the accumulation (acc + weight * in)");
}

void validate(const QuantizedModel& model) {
  if (model.layers.empty()) throw Error("fixed-point emulator: the quantized model has no layers");
  if (!bcnn_hls::is_valid(model.input))
    throw Error("fixed-point emulator: the input format is invalid (width " +
                std::to_string(model.input.width) + ")");
  int size = model.n_in;
  format previous = model.input;
  for (const QuantLayer& layer : model.layers) {
    require(layer.n_in == size, layer,
            "takes " + std::to_string(layer.n_in) + " inputs, but the previous layer (or the model "
                "input) gives " + std::to_string(size));
    require(layer.n_in >= 1 && layer.n_out >= 1, layer, "n_in and n_out must be positive");
    require_format(layer, layer.in, "in");
    require_format(layer, layer.out, "out");
    require(layer.in == previous, layer,
            "its input format differs from the previous layer's output format");
    switch (layer.kind) {
      case QuantLayerKind::bc_dense:
        validate_bc_dense(layer);
        break;
      case QuantLayerKind::dense:
        validate_dense(layer);
        break;
      case QuantLayerKind::relu:
      case QuantLayerKind::flatten:
      case QuantLayerKind::dropout:
        require(layer.n_out == layer.n_in, layer,
                "n_out = " + std::to_string(layer.n_out) + " must equal n_in = " +
                    std::to_string(layer.n_in));
        break;
    }
    size = layer.n_out;
    previous = layer.out;
  }
  if (size != model.n_out)
    throw Error("fixed-point emulator: the last layer gives " + std::to_string(size) +
                " outputs, the model declares n_out = " + std::to_string(model.n_out));
}

// ---- the kernels ------------------------------------------------------------------------------

// bcnn_hls::bit_reverse<log2(k)>.
int bit_reverse(int i, int bits) {
  int reversed = 0;
  for (int b = 0; b < bits; ++b) reversed = (reversed << 1) | ((i >> b) & 1);
  return reversed;
}

int log2_exact(int k) {
  int bits = 0;
  while ((1 << bits) < k) ++bits;
  return bits;
}

// bcnn_hls::detail::fft_stages: re, im (k values each, bit-reversed, in `data`) in place.
void fft_stages(int k, bool inverse, std::int64_t* re, std::int64_t* im, const format& data,
                const QuantLayer& layer) {
  const int stages = log2_exact(k);
  for (int s = 0; s < stages; ++s) {
    const int span = 1 << s;
    for (int b = 0; b < k / 2; ++b) {
      const int j = b & (span - 1);
      const int top = ((b >> s) << (s + 1)) | j;
      const int bottom = top + span;
      const int w = j << (stages - 1 - s);
      const Exact w_re = exact(layer.twiddle_re[w], layer.twiddle);
      const Exact w_im = exact(layer.twiddle_im[w], layer.twiddle);
      const Exact a_re = exact(re[top], data), a_im = exact(im[top], data);
      const Exact b_re = exact(re[bottom], data), b_im = exact(im[bottom], data);
      const Exact t_re = inverse ? b_re * w_re + b_im * w_im : b_re * w_re - b_im * w_im;
      const Exact t_im = inverse ? b_im * w_re - b_re * w_im : b_re * w_im + b_im * w_re;
      re[top] = convert(half_floor(a_re + t_re), data);
      im[top] = convert(half_floor(a_im + t_im), data);
      re[bottom] = convert(half_floor(a_re - t_re), data);
      im[bottom] = convert(half_floor(a_im - t_im), data);
    }
  }
}

// bcnn_hls::fft_forward: in (k values in `in_format`) -> out_re, out_im (k/2 + 1, in `spec`).
void fft_forward(int k, const std::int64_t* in, const format& in_format, std::int64_t* out_re,
                 std::int64_t* out_im, const QuantLayer& layer, std::vector<std::int64_t>& re,
                 std::vector<std::int64_t>& im) {
  const int bits = log2_exact(k);
  re.assign(k, 0);
  im.assign(k, 0);
  for (int i = 0; i < k; ++i) re[bit_reverse(i, bits)] = convert(exact(in[i], in_format), layer.spec);
  fft_stages(k, false, re.data(), im.data(), layer.spec, layer);
  std::copy(re.begin(), re.begin() + k / 2 + 1, out_re);
  std::copy(im.begin(), im.begin() + k / 2 + 1, out_im);
}

// bcnn_hls::fft_inverse: in_re, in_im (k/2 + 1, in `ifft`) -> out (k, in `ifft`).
void fft_inverse(int k, const std::int64_t* in_re, const std::int64_t* in_im, std::int64_t* out,
                 const QuantLayer& layer, std::vector<std::int64_t>& re,
                 std::vector<std::int64_t>& im) {
  const int bits = log2_exact(k);
  re.assign(k, 0);
  im.assign(k, 0);
  for (int f = 0; f < k; ++f) {
    const int r = bit_reverse(f, bits);
    if (f == 0 || f == k / 2) {
      re[r] = in_re[f];
      im[r] = 0;
    } else if (f < k / 2) {
      re[r] = in_re[f];
      im[r] = in_im[f];
    } else {
      re[r] = in_re[k - f];
      im[r] = convert(Exact{-static_cast<int128>(in_im[k - f]), layer.ifft.fraction_bits()}, layer.ifft);
    }
  }
  fft_stages(k, true, re.data(), im.data(), layer.ifft, layer);
  std::copy(re.begin(), re.end(), out);
}

// bcnn_hls::bc_dense.
std::vector<std::int64_t> run_bc_dense(const QuantLayer& layer, const std::vector<std::int64_t>& in) {
  const int k = layer.block, bins = k / 2 + 1, p = layer.p, q = layer.q;
  std::vector<std::int64_t> re, im;  // FFT work arrays
  std::vector<std::int64_t> block(k);
  std::vector<std::int64_t> x_re(static_cast<std::size_t>(q) * bins), x_im(x_re.size());
  for (int j = 0; j < q; ++j) {
    for (int t = 0; t < k; ++t) {
      const int index = j * k + t;
      block[t] = index < layer.n_in ? in[index] : 0;
    }
    fft_forward(k, block.data(), layer.in, x_re.data() + j * bins, x_im.data() + j * bins, layer, re, im);
  }

  const Exact scale{k, 0};
  std::vector<std::int64_t> out(layer.n_out);
  std::vector<std::int64_t> y_re(bins), y_im(bins), y(k);
  for (int i = 0; i < p; ++i) {
    for (int f = 0; f < bins; ++f) {
      std::int64_t acc_re = 0, acc_im = 0;
      for (int j = 0; j < q; ++j) {
        const std::size_t w_index = (static_cast<std::size_t>(i) * q + j) * bins + f;
        const Exact w_re = exact(layer.weight_re[w_index], layer.weight);
        const Exact w_im = exact(layer.weight_im[w_index], layer.weight);
        const Exact xr = exact(x_re[j * bins + f], layer.spec);
        const Exact xi = exact(x_im[j * bins + f], layer.spec);
        acc_re = convert(exact(acc_re, layer.acc) + (w_re * xr - w_im * xi), layer.acc);
        acc_im = convert(exact(acc_im, layer.acc) + (w_re * xi + w_im * xr), layer.acc);
      }
      y_re[f] = convert(exact(acc_re, layer.acc), layer.ifft);
      y_im[f] = convert(exact(acc_im, layer.acc), layer.ifft);
    }
    fft_inverse(k, y_re.data(), y_im.data(), y.data(), layer, re, im);
    for (int t = 0; t < k; ++t) {
      const int o = i * k + t;
      if (o < layer.n_out)
        out[o] = convert(exact(y[t], layer.ifft) * scale + exact(layer.bias_raw[o], layer.bias), layer.out);
    }
  }
  return out;
}

// bcnn_hls::dense.
std::vector<std::int64_t> run_dense(const QuantLayer& layer, const std::vector<std::int64_t>& in) {
  std::vector<std::int64_t> out(layer.n_out);
  for (int o = 0; o < layer.n_out; ++o) {
    std::int64_t acc = convert(exact(layer.bias_raw[o], layer.bias), layer.acc);
    const std::int64_t* w = layer.weights.data() + static_cast<std::size_t>(o) * layer.n_in;
    for (int i = 0; i < layer.n_in; ++i)
      acc = convert(exact(acc, layer.acc) + exact(w[i], layer.weight) * exact(in[i], layer.in), layer.acc);
    out[o] = convert(exact(acc, layer.acc), layer.out);
  }
  return out;
}

// bcnn_hls::relu.
std::vector<std::int64_t> run_relu(const QuantLayer& layer, const std::vector<std::int64_t>& in) {
  std::vector<std::int64_t> out(layer.n_out);
  for (int i = 0; i < layer.n_out; ++i) out[i] = in[i] > 0 ? convert(exact(in[i], layer.in), layer.out) : 0;
  return out;
}

// flatten and dropout (inference): out_t(in), a plain copy when the formats are equal.
std::vector<std::int64_t> run_identity(const QuantLayer& layer, const std::vector<std::int64_t>& in) {
  if (layer.in == layer.out) return in;
  std::vector<std::int64_t> out(layer.n_out);
  for (int i = 0; i < layer.n_out; ++i) out[i] = convert(exact(in[i], layer.in), layer.out);
  return out;
}

std::vector<std::int64_t> run_layer(const QuantLayer& layer, const std::vector<std::int64_t>& in) {
  switch (layer.kind) {
    case QuantLayerKind::bc_dense:
      return run_bc_dense(layer, in);
    case QuantLayerKind::dense:
      return run_dense(layer, in);
    case QuantLayerKind::relu:
      return run_relu(layer, in);
    case QuantLayerKind::flatten:
    case QuantLayerKind::dropout:
      return run_identity(layer, in);
  }
  throw Error("fixed-point emulator: " + describe(layer) + " has an unknown kind");
}

std::vector<std::int64_t> quantize_image(const QuantizedModel& model, const float* image) {
  std::vector<std::int64_t> raw(model.n_in);
  for (int i = 0; i < model.n_in; ++i) raw[i] = bcnn_hls::from_double(image[i], model.input);
  return raw;
}

}  // namespace

FixedEmulator::FixedEmulator(const QuantizedModel& model) : model_(model) { validate(model_); }

void FixedEmulator::run(const float* image, std::int64_t* logits_raw) const {
  std::vector<std::int64_t> values = quantize_image(model_, image);
  for (const QuantLayer& layer : model_.layers) values = run_layer(layer, values);
  std::copy(values.begin(), values.end(), logits_raw);
}

std::vector<std::vector<std::int64_t>> FixedEmulator::trace(const float* image) const {
  std::vector<std::vector<std::int64_t>> outputs;
  std::vector<std::int64_t> values = quantize_image(model_, image);
  for (const QuantLayer& layer : model_.layers) {
    values = run_layer(layer, values);
    outputs.push_back(values);
  }
  return outputs;
}

}  // namespace bcnn

// The HLS kernels (fpga/include/bcnn_hls) against their float counterparts within error bounds
// derived from the formats, and against bcnn::FixedEmulator bit for bit: the compile-time kernels
// run with CFG structs written here whose static arrays are filled from the raw values of a
// hand-built QuantizedModel, and the emulator runs that same model.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <new>
#include <regex>
#include <string>
#include <vector>

#include "bcnn_hls/bcnn_hls.h"
#include "core/error.h"
#include "core/random.h"
#include "fpga/fft_bounds.h"
#include "harness.h"
#include "layers/bc_dense.h"
#include "hw/bc_dense.h"
#include "hw/dense.h"
#include "quant/emulator.h"
#include "quant/quantized_model.h"

// ---- heap accounting --------------------------------------------------------------------------
// Replaces the global operator new for the whole test binary with the behaviour of the default
// one (malloc, new_handler, bad_alloc) plus a counter; array and nothrow forms route through it.
namespace {
std::atomic<long> heap_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  heap_allocations.fetch_add(1, std::memory_order_relaxed);
  for (;;) {
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}
// GCC cannot see that this operator new is malloc, and warns when delete's free() is inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace {

using bcnn::FixedEmulator;
using bcnn::QuantizedModel;
using bcnn::QuantLayer;
using bcnn_hls::fixed;
using bcnn_hls::format;
using bcnn_hls::format_of;
using bcnn_hls::from_raw_bits;
using bcnn_hls::quant_mode;
using bcnn_hls::raw_bits;

// ---- formats ------------------------------------------------------------------------------------

// Wide formats: the float comparisons need their error bounds well below the signal.
struct WideBc {
  using in_t = fixed<16, 1, AP_RND, AP_SAT>;
  using spec_t = fixed<28, 2, AP_RND, AP_SAT>;
  using weight_t = fixed<26, 7, AP_RND, AP_SAT>;
  using acc_t = fixed<32, 6, AP_RND, AP_SAT>;
  using ifft_t = fixed<32, 6, AP_RND_CONV, AP_SAT>;
  using bias_t = fixed<16, 4, AP_RND, AP_SAT>;
  using out_t = fixed<24, 8, AP_RND, AP_SAT>;
  using twiddle_t = fixed<24, 2, AP_RND, AP_SAT>;
};

// Narrow formats with every quantization and overflow mode: rounding ties, saturation and
// wrap-around happen often, and the emulator must still agree bit for bit. (Counted once with an
// instrumented emulator over the narrow network test: about 10% of the 790k conversions are exact
// ties, about 3100 wrap around, 840 saturate to zero, 16 saturate, 2 saturate symmetrically. The
// odd formats below: 46k wrap, 27k saturate symmetrically, 3.6k saturate.)
struct NarrowBc {
  using in_t = fixed<8, 1, AP_TRN, AP_WRAP>;
  using spec_t = fixed<12, 1, AP_RND_CONV, AP_WRAP>;
  using weight_t = fixed<10, 3, AP_RND_ZERO, AP_SAT_SYM>;
  using acc_t = fixed<14, 3, AP_TRN_ZERO, AP_WRAP>;
  using ifft_t = fixed<11, 1, AP_RND_MIN_INF, AP_SAT_ZERO>;
  using bias_t = fixed<10, 2, AP_RND_INF, AP_SAT>;  // finer than out_t: the single rounding matters
  using out_t = fixed<9, 3, AP_RND, AP_WRAP>;
  using twiddle_t = fixed<10, 2, AP_RND, AP_SAT>;
};

// Odd binary points: negative fraction bits, integer bits beyond the width, twiddle 1 not
// representable (it saturates to 1 - 2^-7).
struct OddBc {
  using in_t = fixed<10, 2, AP_RND, AP_SAT>;
  using spec_t = fixed<14, 0, AP_RND, AP_SAT_SYM>;
  using weight_t = fixed<8, 10, AP_RND_CONV, AP_SAT>;
  using acc_t = fixed<20, 12, AP_TRN, AP_SAT>;
  using ifft_t = fixed<16, -1, AP_RND_ZERO, AP_WRAP>;
  using bias_t = fixed<6, 7, AP_TRN_ZERO, AP_WRAP>;
  using out_t = fixed<12, 9, AP_RND_CONV, AP_SAT_ZERO>;
  using twiddle_t = fixed<8, 1, AP_RND, AP_SAT>;
};

struct WideDense {
  using in_t = fixed<20, 6, AP_RND, AP_SAT>;
  using weight_t = fixed<20, 2, AP_RND, AP_SAT>;
  using bias_t = fixed<16, 4, AP_RND, AP_SAT>;
  using acc_t = fixed<32, 8, AP_RND, AP_SAT>;
  using out_t = fixed<24, 8, AP_RND, AP_SAT>;
};

struct NarrowDense {
  using in_t = fixed<8, 3, AP_RND, AP_SAT>;
  using weight_t = fixed<9, 2, AP_RND_CONV, AP_SAT>;
  using bias_t = fixed<7, 3, AP_RND_ZERO, AP_WRAP>;
  using acc_t = fixed<12, 4, AP_TRN, AP_WRAP>;
  using out_t = fixed<10, 4, AP_RND_INF, AP_SAT_SYM>;
};

struct OddDense {
  using in_t = fixed<10, 6, AP_TRN, AP_SAT>;
  using weight_t = fixed<6, -1, AP_RND, AP_SAT>;
  using bias_t = fixed<8, 8, AP_RND, AP_SAT>;
  using acc_t = fixed<16, 9, AP_RND_MIN_INF, AP_SAT_SYM>;
  using out_t = fixed<9, 9, AP_TRN_ZERO, AP_WRAP>;
};

// ---- CFG structs, as a generated project writes them (arrays filled at run time here) ----------

// The engines: ENGINES = {fft_units, fft_lanes, ifft_units, ifft_lanes} (bcnn_hls/fft.h).
struct SerialEngines {
  static const int fft_units = 1, fft_lanes = 1, ifft_units = 1, ifft_lanes = 1;
};
template <int FFT_UNITS, int FFT_LANES, int IFFT_UNITS, int IFFT_LANES>
struct Engines {
  static const int fft_units = FFT_UNITS, fft_lanes = FFT_LANES, ifft_units = IFFT_UNITS, ifft_lanes = IFFT_LANES;
};

template <int N_IN, int N_OUT, int K, class F, int ROWS_PARALLEL = 1, int BINS_PARALLEL = 1, int COLS_PARALLEL = 1,
          class ENGINES = SerialEngines>
struct BcCfg {
  static const int n_in = N_IN, n_out = N_OUT, block = K;
  static const int p = (N_OUT + K - 1) / K, q = (N_IN + K - 1) / K;
  static const int block_rows_parallel = ROWS_PARALLEL, bins_parallel = BINS_PARALLEL;
  static const int block_cols_parallel = COLS_PARALLEL;
  static const int fft_units = ENGINES::fft_units, fft_lanes = ENGINES::fft_lanes;
  static const int ifft_units = ENGINES::ifft_units, ifft_lanes = ENGINES::ifft_lanes;
  typedef typename F::in_t in_t;
  typedef typename F::spec_t spec_t;
  typedef typename F::weight_t weight_t;
  typedef typename F::acc_t acc_t;
  typedef typename F::ifft_t ifft_t;
  typedef typename F::bias_t bias_t;
  typedef typename F::out_t out_t;
  typedef typename F::twiddle_t twiddle_t;
  static inline weight_t w_re[p][q][K / 2 + 1];
  static inline weight_t w_im[p][q][K / 2 + 1];
  static inline bias_t bias[N_OUT];
  static inline twiddle_t tw_re[K / 2];
  static inline twiddle_t tw_im[K / 2];
};

template <int N_IN, int N_OUT, int REUSE, class F>
struct DenseCfg {
  static const int n_in = N_IN, n_out = N_OUT, reuse_factor = REUSE;
  typedef typename F::in_t in_t;
  typedef typename F::weight_t weight_t;
  typedef typename F::bias_t bias_t;
  typedef typename F::acc_t acc_t;
  typedef typename F::out_t out_t;
  static inline weight_t weights[N_OUT][N_IN];
  static inline bias_t bias[N_OUT];
};

template <int N, class IN, class OUT>
struct ReluCfg {
  static const int n = N, lanes = 1;
  typedef IN in_t;
  typedef OUT out_t;
};

// ---- QuantLayers built by hand, and the CFG arrays loaded from them ----------------------------

std::vector<std::int64_t> quantize_all(const std::vector<double>& values, const format& f) {
  std::vector<std::int64_t> raw(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) raw[i] = bcnn_hls::from_double(values[i], f);
  return raw;
}

// A bc_dense layer from time-domain weights w (p, q, K): spectra DFT(w_ij) in double, then
// quantized; twiddles cos, -sin.
template <class CFG>
QuantLayer bc_dense_layer(const std::vector<float>& w, const std::vector<float>& bias) {
  constexpr int K = CFG::block, bins = K / 2 + 1;
  QuantLayer layer;
  layer.type = "bc_dense";
  layer.name = "fc_bc";
  layer.n_in = CFG::n_in;
  layer.n_out = CFG::n_out;
  layer.in = format_of<typename CFG::in_t>();
  layer.out = format_of<typename CFG::out_t>();
  auto& bc = layer.params.emplace<bcnn::hw::BcDenseParams>();
  bc.spec = format_of<typename CFG::spec_t>();
  bc.weight = format_of<typename CFG::weight_t>();
  bc.acc = format_of<typename CFG::acc_t>();
  bc.ifft = format_of<typename CFG::ifft_t>();
  bc.bias = format_of<typename CFG::bias_t>();
  bc.twiddle = format_of<typename CFG::twiddle_t>();
  bc.block = K;
  bc.p = CFG::p;
  bc.q = CFG::q;
  bc.block_rows_parallel = CFG::block_rows_parallel;
  bc.bins_parallel = CFG::bins_parallel;
  bc.block_cols_parallel = CFG::block_cols_parallel;
  bc.fft_units = CFG::fft_units;
  bc.fft_lanes = CFG::fft_lanes;
  bc.ifft_units = CFG::ifft_units;
  bc.ifft_lanes = CFG::ifft_lanes;
  std::vector<double> re, im;
  for (int b = 0; b < CFG::p * CFG::q; ++b)
    for (int f = 0; f < bins; ++f) {
      std::complex<double> s = 0;
      for (int t = 0; t < K; ++t) s += double(w[b * K + t]) * std::polar(1.0, -2 * M_PI * ((f * t) % K) / K);
      re.push_back(s.real());
      im.push_back(s.imag());
    }
  bc.weight_re = quantize_all(re, bc.weight);
  bc.weight_im = quantize_all(im, bc.weight);
  std::vector<double> c, s;
  for (int j = 0; j < K / 2; ++j) {
    c.push_back(std::cos(2 * M_PI * j / K));
    s.push_back(-std::sin(2 * M_PI * j / K));
  }
  bc.twiddle_re = quantize_all(c, bc.twiddle);
  bc.twiddle_im = quantize_all(s, bc.twiddle);
  bc.bias_raw = quantize_all(std::vector<double>(bias.begin(), bias.end()), bc.bias);
  return layer;
}

template <class CFG>
void load_bc_dense(const QuantLayer& layer) {
  const auto& bc = bcnn::hw::params_of<bcnn::hw::BcDenseParams>(layer);
  constexpr int bins = CFG::block / 2 + 1;
  for (int i = 0; i < CFG::p; ++i)
    for (int j = 0; j < CFG::q; ++j)
      for (int f = 0; f < bins; ++f) {
        const std::size_t index = (static_cast<std::size_t>(i) * CFG::q + j) * bins + f;
        CFG::w_re[i][j][f] = from_raw_bits<typename CFG::weight_t>(bc.weight_re[index]);
        CFG::w_im[i][j][f] = from_raw_bits<typename CFG::weight_t>(bc.weight_im[index]);
      }
  for (int o = 0; o < CFG::n_out; ++o) CFG::bias[o] = from_raw_bits<typename CFG::bias_t>(bc.bias_raw[o]);
  for (int j = 0; j < CFG::block / 2; ++j) {
    CFG::tw_re[j] = from_raw_bits<typename CFG::twiddle_t>(bc.twiddle_re[j]);
    CFG::tw_im[j] = from_raw_bits<typename CFG::twiddle_t>(bc.twiddle_im[j]);
  }
}

template <class CFG>
QuantLayer dense_layer(const std::vector<double>& weights, const std::vector<double>& bias) {
  QuantLayer layer;
  layer.type = "dense";
  layer.name = "fc_dense";
  layer.n_in = CFG::n_in;
  layer.n_out = CFG::n_out;
  layer.in = format_of<typename CFG::in_t>();
  layer.out = format_of<typename CFG::out_t>();
  auto& d = layer.params.emplace<bcnn::hw::DenseParams>();
  d.weight = format_of<typename CFG::weight_t>();
  d.bias = format_of<typename CFG::bias_t>();
  d.acc = format_of<typename CFG::acc_t>();
  d.reuse_factor = CFG::reuse_factor;
  d.weights = quantize_all(weights, d.weight);
  d.bias_raw = quantize_all(bias, d.bias);
  return layer;
}

template <class CFG>
void load_dense(const QuantLayer& layer) {
  const auto& d = bcnn::hw::params_of<bcnn::hw::DenseParams>(layer);
  for (int o = 0; o < CFG::n_out; ++o) {
    for (int i = 0; i < CFG::n_in; ++i)
      CFG::weights[o][i] =
          from_raw_bits<typename CFG::weight_t>(d.weights[static_cast<std::size_t>(o) * CFG::n_in + i]);
    CFG::bias[o] = from_raw_bits<typename CFG::bias_t>(d.bias_raw[o]);
  }
}

QuantLayer simple_layer(const char* type, const char* name, int n, const format& in, const format& out) {
  QuantLayer layer;
  layer.type = type;
  layer.name = name;
  layer.n_in = layer.n_out = n;
  layer.in = in;
  layer.out = out;
  return layer;
}

template <class T, int N>
std::vector<std::int64_t> raw_vector(const T (&values)[N]) {
  std::vector<std::int64_t> raw(N);
  for (int i = 0; i < N; ++i) raw[i] = raw_bits(values[i]);
  return raw;
}

std::vector<double> uniform(int n, double amplitude, bcnn::Rng& rng) {
  std::vector<double> v(n);
  for (double& x : v) x = amplitude * (2 * rng.uniform_double() - 1);
  return v;
}

// ---- error bounds (docs/fpga.md) ---------------------------------------------------------------

using bcnn_test::conversion_error;
using bcnn_test::fft_error_bound;  // tests/fpga/test_fft_fixed.cpp derives and tests it

// ---- one network through the kernels and through the emulator ---------------------------------

// flatten -> bc_dense -> relu -> dropout -> dense: the shape of the networks bcnn compiles.
template <class BC, class DENSE>
struct Network {
  typedef ReluCfg<BC::n_out, typename BC::out_t, typename DENSE::in_t> RELU;
  static const int n_in = BC::n_in, n_out = DENSE::n_out;
  static_assert(DENSE::n_in == BC::n_out, "layer sizes must chain");

  // The top-level function of a generated project: fixed-size arrays only.
  static int top(const typename BC::in_t in[n_in], typename BC::out_t h1[BC::n_out],
                 typename RELU::out_t h2[BC::n_out], typename DENSE::out_t logits[n_out]) {
    bcnn_hls::bc_dense<BC>(in, h1);
    bcnn_hls::relu<RELU>(h1, h2);
    bcnn_hls::dense<DENSE>(h2, logits);
    return bcnn_hls::argmax<n_out>(logits);
  }

  static QuantizedModel make_model(double bc_weight, double dense_weight, double bias, std::uint64_t seed) {
    bcnn::Rng rng(seed);
    const int p = BC::p, q = BC::q, K = BC::block;
    std::vector<float> w(static_cast<std::size_t>(p) * q * K), b(BC::n_out);
    for (float& v : w) v = static_cast<float>(bc_weight * (2 * rng.uniform_double() - 1));
    for (float& v : b) v = static_cast<float>(bias * (2 * rng.uniform_double() - 1));
    QuantizedModel model;
    model.input_shape = {1, 1, n_in};
    model.n_in = n_in;
    model.n_out = n_out;
    model.input = format_of<typename BC::in_t>();
    model.layers.push_back(simple_layer("flatten", "flatten", n_in, model.input, model.input));
    model.layers.push_back(bc_dense_layer<BC>(w, b));
    const format hidden = format_of<typename RELU::out_t>();
    model.layers.push_back(simple_layer("relu", "relu", BC::n_out, model.layers[1].out, hidden));
    model.layers.push_back(simple_layer("dropout", "dropout", BC::n_out, hidden, hidden));
    model.layers.push_back(dense_layer<DENSE>(uniform(DENSE::n_out * DENSE::n_in, dense_weight, rng),
                                              uniform(DENSE::n_out, bias, rng)));
    return model;
  }

  static void load(const QuantizedModel& model) {
    load_bc_dense<BC>(model.layers[1]);
    load_dense<DENSE>(model.layers[4]);
  }

  // Every layer's output through the kernels, in FixedEmulator::trace's layout.
  static std::vector<std::vector<std::int64_t>> trace(const float* image, int& argmax) {
    typename BC::in_t in[n_in];
    for (int i = 0; i < n_in; ++i) in[i] = typename BC::in_t(image[i]);
    typename BC::out_t h1[BC::n_out];
    typename RELU::out_t h2[BC::n_out];
    typename DENSE::out_t logits[n_out];
    argmax = top(in, h1, h2, logits);
    return {raw_vector(in), raw_vector(h1), raw_vector(h2), raw_vector(h2), raw_vector(logits)};
  }
};

// Runs `images` random inputs through both and requires every layer's output to be identical.
// Returns how many outputs of the bc_dense and dense layers sat at their format's limits (to show
// that the narrow formats do overflow).
template <class NET>
long check_bit_identical(const QuantizedModel& model, int images, double input_amplitude, std::uint64_t seed) {
  NET::load(model);
  const FixedEmulator emulator(model);
  bcnn::Rng rng(seed);
  std::vector<float> image(NET::n_in);
  long mismatches = 0, at_limits = 0;
  for (int n = 0; n < images; ++n) {
    for (float& v : image) v = static_cast<float>(input_amplitude * (2 * rng.uniform_double() - 1));
    int kernel_argmax = -1;
    const auto kernel = NET::trace(image.data(), kernel_argmax);
    const auto emulated = emulator.trace(image.data());
    REQUIRE(emulated.size() == kernel.size());
    for (std::size_t l = 0; l < kernel.size(); ++l)
      if (kernel[l] != emulated[l]) {
        if (mismatches++ < 3) {
          CAPTURE(n);
          CAPTURE(l);
          CHECK(kernel[l] == emulated[l]);
        }
      }
    std::vector<std::int64_t> logits(NET::n_out);
    emulator.run(image.data(), logits.data());
    CHECK(logits == emulated.back());
    const long emulated_argmax = std::max_element(logits.begin(), logits.end()) - logits.begin();
    CHECK(kernel_argmax == emulated_argmax);
    for (int l : {1, 4}) {
      const format f = model.layers[l].out;
      for (std::int64_t v : emulated[l]) at_limits += v == f.max_raw() || v == f.min_raw() || v == -f.max_raw();
    }
  }
  CHECK(mismatches == 0);
  return at_limits;
}

}  // namespace

// ---- kernels against floats ---------------------------------------------------------------------

namespace {

// extreme: every input at in_t's minimum or maximum (all maximal, all minimal, alternating, then
// random signs) instead of random values.
template <class CFG>
void check_bc_dense_against_float(std::uint64_t seed, bool extreme = false) {
  constexpr int K = CFG::block, n = CFG::n_in, m = CFG::n_out, p = CFG::p, q = CFG::q, bins = K / 2 + 1;
  CAPTURE(K);
  CAPTURE(n);
  CAPTURE(m);
  auto bound_layer = bcnn::testing::make_layer({{"type", "bc_dense"}, {"units", m}, {"block", K}}, {n}, seed);
  auto* layer = dynamic_cast<bcnn::BcDense*>(bound_layer.layer.get());
  REQUIRE(layer != nullptr);
  REQUIRE(layer->block_rows() == p);
  REQUIRE(layer->block_cols() == q);
  const std::vector<float> w(bound_layer.params[0].begin(), bound_layer.params[0].end());
  const std::vector<float> b(bound_layer.params[1].begin(), bound_layer.params[1].end());
  const std::vector<double> dense = bcnn::bc_dense_to_dense(w, p, q, K, m, n);

  const QuantLayer quant = bc_dense_layer<CFG>(w, b);
  load_bc_dense<CFG>(quant);
  QuantizedModel model;
  model.input_shape = {1, 1, n};
  model.n_in = n;
  model.n_out = m;
  model.input = quant.in;
  model.layers.push_back(quant);
  const FixedEmulator emulator(model);

  // Inputs quantized to in_t first: the float layer and the oracle see the kernel's input values.
  const int batch = 16;
  bcnn::Tensor x = bcnn::testing::random_tensor(batch, {n}, seed + 1), y;
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = typename CFG::in_t(x[i]).to_float();
  if (extreme) {
    const format f = format_of<typename CFG::in_t>();
    const float high = static_cast<float>(std::ldexp(static_cast<double>(f.max_raw()), -f.fraction_bits()));
    const float low = static_cast<float>(std::ldexp(static_cast<double>(f.min_raw()), -f.fraction_bits()));
    bcnn::Rng rng(seed + 2);
    for (int s = 0; s < batch; ++s)
      for (int c = 0; c < n; ++c) {
        const bool at_high = s == 0 || (s == 2 && c % 2 == 0) || (s > 2 && rng.uniform_double() < 0.5);
        x.sample(s)[c] = at_high ? high : low;
      }
  }
  layer->forward(x, y, {});

  double largest_weight_spectrum = 0;
  const auto& bc = bcnn::hw::params_of<bcnn::hw::BcDenseParams>(quant);
  for (std::size_t i = 0; i < bc.weight_re.size(); ++i)
    largest_weight_spectrum = std::max(
        largest_weight_spectrum, std::abs(std::complex<double>(bcnn_hls::to_double(bc.weight_re[i], bc.weight),
                                                               bcnn_hls::to_double(bc.weight_im[i], bc.weight))));
  double worst_ratio = 0, largest_output = 0;
  for (int s = 0; s < batch; ++s) {
    const float* xs = x.sample(s);
    std::vector<double> oracle(m);
    for (int r = 0; r < m; ++r) {
      double sum = 0;
      for (int c = 0; c < n; ++c) sum += dense[static_cast<std::size_t>(r) * n + c] * xs[c];
      oracle[r] = sum;
    }
    // Bound (docs/fpga.md): forward FFT error E_x per bin; each of the q terms of acc adds
    // |W~| E_x + |W~ - W| |X'| and one acc rounding; ifft_t's conversion; the inverse passes that
    // on and adds its own rounding (inputs up to max |Y'|); * K; bias and output conversions.
    double largest_input = 0;
    for (int c = 0; c < n; ++c) largest_input = std::max(largest_input, std::fabs(double(xs[c])));
    double largest_spectrum = 0;  // max |Y'_i[f]| = max |DFT(y_i)[f]| / K, y without bias
    for (int i = 0; i < p; ++i)
      for (int f = 0; f < bins; ++f) {
        std::complex<double> sum = 0;
        for (int t = 0; t < K && i * K + t < m; ++t) sum += oracle[i * K + t] * std::polar(1.0, -2 * M_PI * ((f * t) % K) / K);
        largest_spectrum = std::max(largest_spectrum, std::abs(sum) / K);
      }
    using F = CFG;
    const double load_error = format_of<typename F::spec_t>().fraction_bits() >= format_of<typename F::in_t>().fraction_bits()
                                  ? 0.0
                                  : conversion_error<typename F::spec_t>();
    const double spectrum_error = fft_error_bound<typename F::spec_t, typename F::twiddle_t>(K, largest_input, load_error);
    const double accumulated_error =
        q * (largest_weight_spectrum * spectrum_error + std::sqrt(2.0) * conversion_error<typename F::weight_t>() * largest_input +
             std::sqrt(2.0) * conversion_error<typename F::acc_t>()) +
        std::sqrt(2.0) * conversion_error<typename F::ifft_t>();
    const double inverse_error =
        fft_error_bound<typename F::ifft_t, typename F::twiddle_t>(K, largest_spectrum + accumulated_error, 0.0);
    const double bound =
        K * (accumulated_error + inverse_error) + conversion_error<typename F::bias_t>() + conversion_error<typename F::out_t>();

    typename CFG::in_t in[n];
    for (int c = 0; c < n; ++c) in[c] = typename CFG::in_t(xs[c]);
    typename CFG::out_t out[m];
    bcnn_hls::bc_dense<CFG>(in, out);
    std::vector<std::int64_t> emulated(m);
    emulator.run(xs, emulated.data());
    for (int r = 0; r < m; ++r) {
      const double expect = oracle[r] + double(b[r]);
      const double error = std::fabs(out[r].to_double() - expect);
      CHECK(error <= bound);
      CHECK(std::fabs(double(y.sample(s)[r]) - expect) <= 1e-4);  // the float layer is the oracle's twin
      CHECK(raw_bits(out[r]) == emulated[r]);
      worst_ratio = std::max(worst_ratio, error / bound);
      largest_output = std::max(largest_output, std::fabs(expect));
    }
    // The bound is useful: well below the outputs' size.
    CHECK(bound < 1e-3 * largest_output + 1e-3);
  }
  CHECK(worst_ratio > 0.02);  // and not vacuous: within a factor 50 of the worst error seen
}

}  // namespace

TEST_CASE("hls kernel bc_dense: matches the float BcDense layer and its dense oracle within the format bound") {
  check_bc_dense_against_float<BcCfg<10, 7, 4, WideBc>>(11);
  check_bc_dense_against_float<BcCfg<37, 23, 16, WideBc, 2, 3>>(12);
  check_bc_dense_against_float<BcCfg<100, 70, 64, WideBc, 1, 4>>(13);
  check_bc_dense_against_float<BcCfg<200, 130, 64, WideBc>>(14);
  check_bc_dense_against_float<BcCfg<64, 32, 16, WideBc>>(15);  // n, m divisible by K
}

namespace {

template <class CFG>
void check_dense_against_float(std::uint64_t seed) {
  constexpr int n = CFG::n_in, m = CFG::n_out;
  CAPTURE(n);
  CAPTURE(m);
  bcnn::Rng rng(seed);
  const std::vector<double> w = uniform(n * m, 0.8, rng), b = uniform(m, 1.0, rng);
  const QuantLayer quant = dense_layer<CFG>(w, b);
  load_dense<CFG>(quant);
  QuantizedModel model;
  model.input_shape = {1, 1, n};
  model.n_in = n;
  model.n_out = m;
  model.input = quant.in;
  model.layers.push_back(quant);
  const FixedEmulator emulator(model);
  double worst_ratio = 0;
  for (int s = 0; s < 20; ++s) {
    typename CFG::in_t in[n];
    std::vector<float> image(n);
    double largest_input = 0;
    for (int i = 0; i < n; ++i) {
      in[i] = typename CFG::in_t(4 * (2 * rng.uniform_double() - 1));
      image[i] = in[i].to_float();
      largest_input = std::max(largest_input, std::fabs(in[i].to_double()));
    }
    typename CFG::out_t out[m];
    bcnn_hls::dense<CFG>(in, out);
    std::vector<std::int64_t> emulated(m);
    emulator.run(image.data(), emulated.data());
    // acc = acc_t(bias_t(b)), n roundings of +=, weight rounding times |x|, the output conversion.
    const double bound = conversion_error<typename CFG::bias_t>() + (n + 1) * conversion_error<typename CFG::acc_t>() +
                         n * conversion_error<typename CFG::weight_t>() * largest_input +
                         conversion_error<typename CFG::out_t>() + 1e-12;
    for (int o = 0; o < m; ++o) {
      double expect = b[o];
      for (int i = 0; i < n; ++i) expect += w[static_cast<std::size_t>(o) * n + i] * in[i].to_double();
      const double error = std::fabs(out[o].to_double() - expect);
      CHECK(error <= bound);
      CHECK(raw_bits(out[o]) == emulated[o]);
      worst_ratio = std::max(worst_ratio, error / bound);
    }
  }
  CHECK(worst_ratio > 0.02);
}

}  // namespace

TEST_CASE("hls kernel bc_dense: every FFT engine and MAC array gives the same bits (each against the DFT oracle "
          "and the emulator)") {
  // One layer (seed 21), n = 100, m = 70, K = 64: the serial engines, pipelined ones (one unit
  // per stage: 6; two per stage: 12) with lanes, fully parallel ones (192 units), and MAC arrays
  // whose rows, bins and block columns do not divide p, 33 and q.
  check_bc_dense_against_float<BcCfg<100, 70, 64, WideBc>>(21);
  check_bc_dense_against_float<BcCfg<100, 70, 64, WideBc, 1, 4, 2, Engines<6, 1, 6, 1>>>(21);
  check_bc_dense_against_float<BcCfg<100, 70, 64, WideBc, 2, 33, 1, Engines<12, 2, 192, 1>>>(21);
  check_bc_dense_against_float<BcCfg<100, 70, 64, WideBc, 2, 5, 2, Engines<192, 2, 12, 2>>>(21);
  // K = 16 with 3 block columns and 2 block rows: lanes that do not divide them.
  check_bc_dense_against_float<BcCfg<37, 23, 16, WideBc, 2, 3, 3, Engines<32, 3, 4, 2>>>(22);
  check_bc_dense_against_float<BcCfg<37, 23, 16, WideBc, 1, 9, 2, Engines<8, 2, 1, 1>>>(22);
}

TEST_CASE("hls kernel bc_dense: log2(K)-unit and fully parallel engines, forward and inverse, with inputs at the "
          "format's limits (each against the DFT oracle and the emulator), K = 4, 16, 64") {
  // The pipelined engines build their butterflies at twiddles 1 and -i without multipliers
  // (bcnn_hls/fft.h); the emulator runs every butterfly generically: same bits. Each K has a
  // log2(K)-unit forward engine with a fully parallel inverse one, and the other way round.
  check_bc_dense_against_float<BcCfg<10, 7, 4, WideBc, 1, 1, 1, Engines<2, 1, 4, 1>>>(81, true);
  check_bc_dense_against_float<BcCfg<10, 7, 4, WideBc, 1, 1, 1, Engines<4, 1, 2, 1>>>(81, true);
  check_bc_dense_against_float<BcCfg<37, 23, 16, WideBc, 1, 1, 1, Engines<4, 1, 32, 1>>>(82, true);
  check_bc_dense_against_float<BcCfg<37, 23, 16, WideBc, 1, 1, 1, Engines<32, 1, 4, 1>>>(82, true);
  check_bc_dense_against_float<BcCfg<100, 70, 64, WideBc, 1, 1, 1, Engines<6, 1, 192, 1>>>(83, true);
  check_bc_dense_against_float<BcCfg<100, 70, 64, WideBc, 1, 1, 1, Engines<192, 1, 6, 1>>>(83, true);
}

TEST_CASE("hls kernel dense: matches y = W x + b within the format bound") {
  check_dense_against_float<DenseCfg<23, 10, 1, WideDense>>(21);
  check_dense_against_float<DenseCfg<100, 33, 4, WideDense>>(22);
  check_dense_against_float<DenseCfg<7, 1, 7, WideDense>>(23);
}

TEST_CASE("hls kernel relu: out = out_t(x) for x > 0, else 0") {
  using CFG = ReluCfg<64, fixed<16, 4, AP_RND, AP_SAT>, fixed<8, 2, AP_RND, AP_SAT>>;
  bcnn::Rng rng(31);
  CFG::in_t in[64];
  for (int i = 0; i < 64; ++i) in[i] = CFG::in_t(3 * (2 * rng.uniform_double() - 1));
  in[0] = CFG::in_t(0.0);
  in[1] = CFG::in_t(-0.0001);
  in[2] = CFG::in_t(5.0);  // saturates to the largest out_t
  CFG::out_t out[64];
  bcnn_hls::relu<CFG>(in, out);
  for (int i = 0; i < 64; ++i) {
    const double x = in[i].to_double();
    CAPTURE(x);
    CHECK(out[i].to_double() >= 0.0);
    if (x <= 0) CHECK(raw_bits(out[i]) == 0);
    else CHECK(raw_bits(out[i]) == raw_bits(CFG::out_t(in[i])));
    if (x < 1.9) CHECK(std::fabs(out[i].to_double() - std::max(0.0, x)) <= conversion_error<CFG::out_t>());
  }
  CHECK(out[2].to_double() == 2.0 - 1.0 / 64);
}

TEST_CASE("hls kernel argmax: index of the first maximum") {
  using T = fixed<8, 4>;
  const T a[5] = {-3.0, 1.5, -0.5, 1.5, 1.0};
  CHECK(bcnn_hls::argmax<5>(a) == 1);
  const T b[3] = {-2.0, -1.0, -1.5};
  CHECK(bcnn_hls::argmax<3>(b) == 1);
  const T c[1] = {-8.0};
  CHECK(bcnn_hls::argmax<1>(c) == 0);
  const T d[4] = {0.0, 0.0, 0.0, 0.0625};
  CHECK(bcnn_hls::argmax<4>(d) == 3);
}

// ---- kernels against the emulator, bit for bit -------------------------------------------------

TEST_CASE("hls kernel networks: compile-time kernels and FixedEmulator agree bit for bit") {
  SUBCASE("wide formats, K = 16") {
    using NET = Network<BcCfg<37, 23, 16, WideBc, 2, 3>, DenseCfg<23, 10, 3, WideDense>>;
    const QuantizedModel model = NET::make_model(0.3, 0.5, 0.2, 41);
    check_bit_identical<NET>(model, 500, 1.0, 42);
  }
  SUBCASE("wide formats, K = 4 and K = 64") {
    using NET4 = Network<BcCfg<10, 7, 4, WideBc>, DenseCfg<7, 3, 1, WideDense>>;
    check_bit_identical<NET4>(NET4::make_model(0.5, 0.5, 0.2, 43), 500, 1.0, 44);
    using NET64 = Network<BcCfg<100, 70, 64, WideBc, 1, 8>, DenseCfg<70, 10, 7, WideDense>>;
    check_bit_identical<NET64>(NET64::make_model(0.2, 0.3, 0.2, 45), 300, 1.0, 46);
  }
  SUBCASE("narrow formats: ties, saturation and wrap-around") {
    using NET = Network<BcCfg<37, 23, 16, NarrowBc>, DenseCfg<23, 10, 2, NarrowDense>>;
    const long at_limits = check_bit_identical<NET>(NET::make_model(1.0, 1.5, 1.0, 47), 2000, 1.5, 48);
    CHECK(at_limits > 0);
    using NET4 = Network<BcCfg<9, 6, 4, NarrowBc>, DenseCfg<6, 4, 1, NarrowDense>>;
    check_bit_identical<NET4>(NET4::make_model(1.0, 1.5, 1.0, 49), 1000, 1.5, 50);
  }
  SUBCASE("narrow formats on log2(K)-unit and fully parallel engines, inputs saturating, K = 4, 16, 64") {
    using NET4 = Network<BcCfg<9, 6, 4, NarrowBc, 1, 1, 1, Engines<2, 1, 4, 1>>, DenseCfg<6, 4, 1, NarrowDense>>;
    check_bit_identical<NET4>(NET4::make_model(1.0, 1.5, 1.0, 55), 1000, 1.5, 56);
    using NET16 = Network<BcCfg<37, 23, 16, NarrowBc, 1, 1, 1, Engines<32, 1, 4, 1>>, DenseCfg<23, 10, 2, NarrowDense>>;
    CHECK(check_bit_identical<NET16>(NET16::make_model(1.0, 1.5, 1.0, 57), 1000, 1.5, 58) > 0);
    using NET64 = Network<BcCfg<100, 70, 64, NarrowBc, 1, 1, 1, Engines<6, 1, 192, 1>>, DenseCfg<70, 10, 7, NarrowDense>>;
    check_bit_identical<NET64>(NET64::make_model(0.5, 1.0, 1.0, 59), 300, 1.5, 60);
  }
  SUBCASE("odd binary points") {
    using NET = Network<BcCfg<50, 40, 32, OddBc>, DenseCfg<40, 10, 5, OddDense>>;
    check_bit_identical<NET>(NET::make_model(200.0, 0.3, 40.0, 51), 500, 3.0, 52);
    using NET256 = Network<BcCfg<300, 260, 256, OddBc>, DenseCfg<260, 5, 20, OddDense>>;
    check_bit_identical<NET256>(NET256::make_model(100.0, 0.2, 40.0, 53), 50, 3.0, 54);
  }
}

TEST_CASE("hls kernel networks: a top-level call performs no heap allocation") {
  using NET = Network<BcCfg<37, 23, 16, NarrowBc>, DenseCfg<23, 10, 2, NarrowDense>>;
  const QuantizedModel model = NET::make_model(0.5, 0.5, 0.5, 61);
  NET::load(model);
  NarrowBc::in_t in[NET::n_in];
  for (int i = 0; i < NET::n_in; ++i) in[i] = NarrowBc::in_t(0.01 * i);
  NarrowBc::out_t h1[23];
  NarrowDense::in_t h2[23];
  NarrowDense::out_t logits[10];
  bcnn_hls::stream<NarrowDense::out_t, 10> logits_stream;

  // The counter does see allocations.
  const long before_probe = heap_allocations.load();
  void* probe = ::operator new(24);
  ::operator delete(probe);
  CHECK(heap_allocations.load() == before_probe + 1);

  const long before = heap_allocations.load();
  int classes = 0;
  for (int call = 0; call < 5; ++call) {
    classes += NET::top(in, h1, h2, logits);
    for (int o = 0; o < 10; ++o) logits_stream.write(logits[o]);
    while (!logits_stream.empty()) logits_stream.read();
  }
  const long after = heap_allocations.load();
  CHECK(after == before);
  CHECK(classes >= 0);
}

TEST_CASE("hls kernel stream: fixed-capacity FIFO") {
  bcnn_hls::stream<int, 3> s;
  CHECK(s.empty());
  CHECK(bcnn_hls::stream<int, 3>::capacity() == 3);
  for (int round = 0; round < 4; ++round) {  // the ring wraps around several times
    s.write(10 * round + 1);
    s.write(10 * round + 2);
    CHECK(s.size() == 2);
    CHECK(s.read() == 10 * round + 1);
    s.write(10 * round + 3);
    s.write(10 * round + 4);
    CHECK(s.full());
    CHECK_FALSE(s.write_nb(99));
    int v = 0;
    s.read(v);
    CHECK(v == 10 * round + 2);
    CHECK(s.read() == 10 * round + 3);
    CHECK(s.read_nb(v));
    CHECK(v == 10 * round + 4);
    CHECK(s.empty());
    CHECK_FALSE(s.read_nb(v));
  }
  CHECK(s.dropped_writes() == 0);
  CHECK(s.failed_reads() == 0);
  s.write(1);
  s.write(2);
  s.write(3);
  s.write(4);  // full: dropped and counted
  CHECK(s.dropped_writes() == 1);
  CHECK(s.read() == 1);
  CHECK(s.read() == 2);
  CHECK(s.read() == 3);
  CHECK(s.read() == 0);  // empty: T() and counted
  CHECK(s.failed_reads() == 1);
}

TEST_CASE("hls kernel headers: only the synthesizable subset") {
  // No heap, no exceptions, no standard library (and so no STL containers) in the kernels.
  const std::regex forbidden(R"(\bnew\b|\bdelete\b(?!\s*;)|malloc|\bfree\(|\bthrow\b|\btry\b|\bcatch\b|std::|#include\s*<[a-z_]+>)");
  for (const char* name : {"fft.h", "bc_dense.h", "dense.h", "relu.h", "argmax.h", "stream.h", "reuse.h", "bcnn_hls.h"}) {
    CAPTURE(name);
    std::ifstream file(std::string(BCNN_SOURCE_DIR) + "/fpga/include/bcnn_hls/" + name);
    REQUIRE(file.good());
    std::string line;
    int line_number = 0;
    while (std::getline(file, line)) {
      ++line_number;
      const std::string code = line.substr(0, line.find("//"));
      std::smatch match;
      const bool bad = std::regex_search(code, match, forbidden);
      CAPTURE(line_number);
      CAPTURE(line);
      CHECK_FALSE(bad);
    }
  }
}

TEST_CASE("hls kernel emulator: a malformed QuantizedModel is rejected with the layer named") {
  using NET = Network<BcCfg<37, 23, 16, WideBc>, DenseCfg<23, 10, 1, WideDense>>;
  const QuantizedModel good = NET::make_model(0.3, 0.3, 0.2, 71);
  CHECK_NOTHROW(FixedEmulator{good});
  auto message = [](const QuantizedModel& model) -> std::string {
    try {
      FixedEmulator emulator(model);
    } catch (const bcnn::Error& e) {
      return e.what();
    }
    return "";
  };
  {
    QuantizedModel bad = good;
    bcnn::hw::params_of<bcnn::hw::BcDenseParams>(bad.layers[1]).weight_re.pop_back();
    const std::string text = message(bad);
    CHECK(text.find("fc_bc") != std::string::npos);
    CHECK(text.find("weight_re") != std::string::npos);
  }
  {
    QuantizedModel bad = good;
    auto& bc = bcnn::hw::params_of<bcnn::hw::BcDenseParams>(bad.layers[1]);
    bc.spec = format{40, 2, quant_mode::rnd, bcnn_hls::overflow_mode::sat};
    bc.twiddle = format{30, 2, quant_mode::rnd, bcnn_hls::overflow_mode::sat};
    const std::string text = message(bad);
    CHECK(text.find("fc_bc") != std::string::npos);
    CHECK(text.find("64 bits") != std::string::npos);
  }
  {
    // The pipelined engines take twiddle index 0 as 1 and K/4 as -i without reading them; the serial
    // engine reads every twiddle, so only pipelined engines need them exact.
    QuantizedModel bad = good;
    auto& bc = bcnn::hw::params_of<bcnn::hw::BcDenseParams>(bad.layers[1]);
    bc.twiddle_im[4] += 1;
    CHECK_NOTHROW(FixedEmulator{bad});
    bc.ifft_units = 4;
    const std::string text = message(bad);
    CHECK(text.find("fc_bc") != std::string::npos);
    CHECK(text.find("twiddles at index 0 and 4 to be exactly 1 and -i") != std::string::npos);
  }
  {
    QuantizedModel bad = good;
    bcnn::hw::params_of<bcnn::hw::BcDenseParams>(bad.layers[1]).block = 12;
    CHECK(message(bad).find("block 12") != std::string::npos);
  }
  {
    QuantizedModel bad = good;
    bad.layers[4].in.width += 1;
    const std::string text = message(bad);
    CHECK(text.find("fc_dense") != std::string::npos);
    CHECK(text.find("input format") != std::string::npos);
  }
  {
    QuantizedModel bad = good;
    bcnn::hw::params_of<bcnn::hw::DenseParams>(bad.layers[4]).weights[5] = std::int64_t{1} << 40;
    const std::string text = message(bad);
    CHECK(text.find("weights[5]") != std::string::npos);
  }
  {
    QuantizedModel bad = good;
    bad.layers[1].params.reset();
    const std::string text = message(bad);
    CHECK(text.find("fc_bc") != std::string::npos);
    CHECK(text.find("bc_dense parameters are missing") != std::string::npos);
  }
  {
    QuantizedModel bad = good;
    bad.layers[3].type = "softmax";
    CHECK(message(bad).find("has type \"softmax\", which has no hardware") != std::string::npos);
  }
  {
    QuantizedModel bad = good;
    bad.n_out = 11;
    CHECK(message(bad).find("n_out = 11") != std::string::npos);
  }
}

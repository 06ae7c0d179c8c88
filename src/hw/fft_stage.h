#pragma once
// The FFT stage of the block-circulant kinds (bc_dense now, bc_conv2d later), once: the formats
// of its data (spec for the forward transform, ifft for the inverse) and of its twiddles, how
// calibration sets them, their width checks, the bit-exact emulation of bcnn_hls/fft.h, and the
// estimate of one butterfly unit (docs/fpga.md, "FFT"; docs/estimator.md).
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "hls/estimate.h"
#include "hw/hw_layer.h"
#include "hw/quant_context.h"

namespace bcnn::hw {

// The transform lengths of bcnn_hls/fft.h: powers of two 4..256.
bool is_supported_fft_block(int block);

// The stage formats' width: the data width plus log2(block) (the halving stages shift one bit
// each), at most one DSP48E2 port (27 bits) so that a product with an 18-bit weight or twiddle
// is one multiplier.
int fft_stage_width(int data_width, int block);

// cos(2 pi m / K) and sin(2 pi m / K), m < K, in double: the exact tables the weight spectra
// and the twiddles are computed from.
void fft_angle_tables(int block, std::vector<double>& cos_table, std::vector<double>& sin_table);

// spec: X' = DFT(x)/K with halving stages never exceeds max |x|; one guard bit above in's
// integer bits covers the stages' rounding.
FixedFormat choose_spec_format(const std::string& layer, const FixedFormat& in, int block, QuantContext& ctx);
// ifft: the inverse stages start from Y' with |Y'[f]| <= `cover` (a bound of the pre-bias
// output) and halve; one guard bit like spec.
FixedFormat choose_ifft_format(const std::string& layer, double cover, int block, QuantContext& ctx);
// twiddle: cos and -sin of 2 pi j / K, j < K/2, with two integer bits so that 1 and -1 are exact;
// their raw values into re and im. Fails unless trivial_twiddles_exact (e.g. an override with one
// integer bit, or --weight-precision 1).
FixedFormat choose_twiddles(const std::string& layer, int block, QuantContext& ctx, std::vector<std::int64_t>& re,
                            std::vector<std::int64_t>& im);
// The raw twiddles (block/2 each) at index 0 and block/4 are exactly (1, 0) and (0, -1) in
// `twiddle`: the pipelined engines' butterflies there use w = 1 and w = -i without reading them
// (bcnn_hls/fft.h, "FFT engines").
bool trivial_twiddles_exact(int block, const FixedFormat& twiddle, const std::vector<std::int64_t>& re,
                            const std::vector<std::int64_t>& im);

// The butterflies a + b * w of both transforms must fit in 64 bits (quantizer side).
void check_fft_widths(const std::string& layer, const FixedFormat& spec, const FixedFormat& ifft,
                      const FixedFormat& twiddle, const QuantContext& ctx);
// The same for the emulator, with the conjugate of the inverse's input, and the twiddle tables;
// when either engine is pipelined (fft_units or ifft_units > 1), trivial_twiddles_exact.
void validate_fft(const QuantLayer& q, int block, const FixedFormat& spec, const FixedFormat& ifft,
                  const FixedFormat& twiddle, const std::vector<std::int64_t>& re, const std::vector<std::int64_t>& im,
                  int fft_units, int ifft_units);

// --- the frequency-domain stage around the FFTs (bc_dense, bc_conv2d) ----------------------------
// acc += W * X' (complex, exact), Y' = ifft_t(acc), y = IFFT(Y'), out = out_t(y * K + bias).

// What the block-circulant kinds' layers have in common (their params structs derive from it).
struct SpectralParams {
  // spec (forward FFT stages and X'), weight (weight spectra), acc (frequency-domain
  // accumulator), ifft (inverse FFT stages), bias, twiddle.
  FixedFormat spec{}, weight{}, acc{}, ifft{}, bias{}, twiddle{};
  // Block K, p block rows, q block columns; the weight spectra re/im (raw in `weight`, in the
  // kind's shape); twiddles cos(2 pi j / K) and -sin(2 pi j / K), j < K/2, in `twiddle`; the bias
  // per output (channel).
  int block = 0, p = 0, q = 0;
  std::vector<std::int64_t> weight_re, weight_im, twiddle_re, twiddle_im, bias_raw;
  // Parallelism (hardware only; the arithmetic does not depend on it; hw/spectral_engines.h):
  // the MAC array's block rows, bins and block columns per cycle; the butterfly units and lanes of
  // the forward and inverse FFT engines (bcnn_hls/fft.h, "FFT engines").
  int block_rows_parallel = 1, bins_parallel = 1, block_cols_parallel = 1;
  int fft_units = 1, fft_lanes = 1, ifft_units = 1, ifft_lanes = 1;
  // bc_conv2d: kernel taps per MAC step (knob taps; more than 1 needs block_cols_parallel = q);
  // 1 for bc_dense, whose one "tap" is the layer.
  int taps_parallel = 1;
  // Knob uram: the weight spectra in UltraRAM (static arrays of the top function, loaded at run
  // time through its `params` port) instead of block RAM ROMs; the same banks either way.
  bool weights_uram = false;
};

// The format fields of a block-circulant kind, for --layer-precision.
std::vector<std::string> spectral_format_fields();
// The layer table's cells, report.json's fields and formats, and the template values
// (block, p, q, bins, half_block, knobs, the types) of the shared part.
std::map<std::string, std::string> spectral_table_cells(const SpectralParams& bc);
void describe_spectral(const SpectralParams& bc, nlohmann::json& layer, nlohmann::json& formats);
void set_spectral_values(const SpectralParams& bc, TemplateValues& v);
// The weight spectra as RuntimeArrays `<id>_w_re` and `<id>_w_im` of shape dims (knob uram), and
// the kernel's extra arguments that pass them (template value weight_args; empty without uram).
std::vector<RuntimeArray> spectral_runtime_arrays(const SpectralParams& bc, const std::string& id,
                                                  const std::vector<int>& dims);
std::string spectral_weight_args(const SpectralParams& bc, const std::string& id);

// The format of fixed<log2(K) + 2, log2(K) + 2>, the integer type that holds K in the kernels.
FixedFormat block_scale_format(int block);
// weight: the spectra DFT(w)[f] = sum_t w[t] e^{-2 pi i f t / K}, f < K/2 + 1, of `w`'s
// consecutive vectors of K values (in double from an exact angle table; the DC and Nyquist bins
// real), in a format covering every real and imaginary part (the weight width, or the override);
// their raw values into bc.weight_re and bc.weight_im, vector by vector. `what` names the vectors
// in the report ("w_ij").
void choose_weight_spectra(const std::string& layer, std::span<const float> w, int block, const std::string& what,
                           QuantContext& ctx, SpectralParams& bc);
// acc: the override, else the exact format with F = F_weight + F_spec whose integer bits hold
// `raw_bound` (in units of 2^-F, a proven bound of |acc|); fails above 64 bits. `rule` says how
// the bound was proven (report). *bound receives the bound as a value.
FixedFormat choose_spectral_acc(const std::string& layer, bcnn_hls::int128 raw_bound,
                                const FixedFormat& weight, const FixedFormat& spec, const std::string& rule,
                                QuantContext& ctx, double* bound);
// bias: covers max |b| (the weight width); its raw values into bias_raw. ifft: the inverse FFT's
// data, covering |y| (pre-bias) bounded by the observed output range plus max |b| and by the
// accumulator's bound `acc_bound`.
void choose_bias_and_ifft(const std::string& layer, std::span<const float> b, const LayerRange& range,
                          double acc_bound, int block, QuantContext& ctx, FixedFormat& bias,
                          std::vector<std::int64_t>& bias_raw, FixedFormat& ifft);
// The widths of W * X' - W * X', acc + W * X' and y * K + bias (quantizer side).
void check_spectral_widths(const std::string& layer, const FixedFormat& weight, const FixedFormat& spec,
                           const FixedFormat& acc, const FixedFormat& ifft, const FixedFormat& bias, int block,
                           const QuantContext& ctx);
// The same for the emulator.
void validate_spectral_widths(const QuantLayer& q, const FixedFormat& weight, const FixedFormat& spec,
                              const FixedFormat& acc, const FixedFormat& ifft, const FixedFormat& bias, int block);

// bcnn_hls::fft_forward and fft_inverse, operation for operation, for one block of K values.
class FftEmulator {
 public:
  FftEmulator(int block, const FixedFormat& twiddle, const std::vector<std::int64_t>& twiddle_re,
              const std::vector<std::int64_t>& twiddle_im);
  // in (K values in `in_format`) -> out_re, out_im (K/2 + 1 bins, in `spec`).
  void forward(const std::int64_t* in, const FixedFormat& in_format, const FixedFormat& spec, std::int64_t* out_re,
               std::int64_t* out_im);
  // in_re, in_im (K/2 + 1 bins, in `ifft`) -> out (K values, in `ifft`).
  void inverse(const std::int64_t* in_re, const std::int64_t* in_im, const FixedFormat& ifft, std::int64_t* out);
  // bcnn_hls::fft_forward_pair and fft_inverse_pair: two real blocks through one complex
  // transform. The pair's outputs are y / (2K), not y / K.
  void forward_pair(const std::int64_t* a, const std::int64_t* b, const FixedFormat& in_format, const FixedFormat& spec,
                    std::int64_t* a_re, std::int64_t* a_im, std::int64_t* b_re, std::int64_t* b_im);
  void inverse_pair(const std::int64_t* a_re, const std::int64_t* a_im, const std::int64_t* b_re,
                    const std::int64_t* b_im, const FixedFormat& ifft, std::int64_t* out_a, std::int64_t* out_b);

 private:
  void stages(bool inverse, const FixedFormat& data);

  int block_, bits_;
  FixedFormat twiddle_;
  const std::vector<std::int64_t>& twiddle_re_;
  const std::vector<std::int64_t>& twiddle_im_;
  std::vector<std::int64_t> re_, im_;  // work arrays, bit-reversed order
};

// One radix-2 butterfly unit of the FFT kernel over K-entry register arrays.
Resources butterfly_unit(int block, int data_width, int twiddle_width, const FpgaPart& part);
// Cycles of fft_forward / fft_inverse for length K: load K (bit-reversed), log2(K) stages of K/2
// butterflies (each stage drains its pipeline: the next reads what it wrote), unload.
std::int64_t fft_cycles(int block, int unload);

// --- FFT engines (bcnn_hls/fft.h, "FFT engines") -------------------------------------------------
// The butterfly units an engine may have for length K: 1 (serial), then log2(K) x 1, 2, 4, ... up
// to all K/2 log2(K) (fully parallel).
std::vector<int> fft_engine_units(int block);
// bcnn_hls::fft_engine_ii: the cycles between blocks of a pipelined engine (0 for the serial one).
int fft_engine_ii(int block, int units);
// `lanes` engines of `units` units transforming `blocks` blocks of K for each of `items` items
// (an image, a pixel); `unload` values leave each transform (K/2 + 1 bins forward, K outputs
// inverse). The serial engine (one lane) copies K values in, runs the stage loops and unloads,
// block after block; a pipelined one takes each item's blocks in groups of `lanes`, a group every
// II cycles, after one fill of log2(K) butterflies and the copy loops.
std::int64_t fft_engine_cycles(int block, int units, int lanes, std::int64_t items, std::int64_t blocks,
                               int unload);
// `lanes` engines of `units` units on `data_width`-bit data: the butterfly units; a pipelined
// engine's stage registers (K complex words per stage) and, when a unit serves several
// butterflies (II > 1), the multiplexers that feed it. A pipelined engine's multipliers are those
// of ceil(M / II) butterflies, M = bcnn_hls::fft_multiplier_butterflies(K) (the others, twiddle 1
// or -i, need none); the serial engine's one unit has its 4.
Resources fft_engines(int block, int units, int lanes, int data_width, int twiddle_width, const FpgaPart& part);
// The engines' cell of the layer table: "serial", "N units" or "parallel", times lanes.
std::string fft_engine_cell(int block, int units, int lanes);

}  // namespace bcnn::hw

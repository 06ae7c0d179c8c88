#pragma once
// The three dataflow processes of the block-circulant kinds (bc_dense, bc_conv2d) and their
// knobs, once: forward transforms on FFT engines, the frequency-domain MAC array, inverse
// transforms on FFT engines (bcnn_hls/fft.h, "FFT engines"; docs/fpga.md, "bc_dense"). Each
// process's cycles and resources are estimated apart, the kind's II is the slowest process, and
// the parallelism search gives each process the cheapest setting that meets the target.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hls/estimate.h"
#include "hw/fft_stage.h"
#include "hw/hw_layer.h"

namespace bcnn::hw {

// One dataflow process: its cycles per image and its resources.
struct Phase {
  std::int64_t cycles = 0;
  Resources resources;
};

// The knobs of the engines and the MAC array, in --knob order: block_rows, bins, block_cols,
// fft_units, fft_lanes, ifft_units, ifft_lanes.
std::vector<std::string> spectral_knob_names();
// Applies them (and --parallelism's units, block rows), range-checked: lanes need a pipelined
// engine (units > 1).
void apply_spectral_knobs(const LayerParallelism& p, const QuantLayer& q, SpectralParams& bc);

// The forward process over `items` items (one image of bc_dense, the input pixels of
// bc_conv2d), each q blocks: on the serial engine, per block the K inputs copied (`copy` cycles
// per block) and the stage loops; on a pipelined one, ceil(q / fft_lanes) x II per item.
Phase forward_process(const SpectralParams& bc, std::int64_t items, const FpgaPart& part);
// bc_dense's MAC process, per image: per group of block_rows rows, clear the accumulators,
// ceil(q / block_cols) x ceil(bins / bins_parallel) MAC iterations, convert to ifft_t.
Phase mac_process(const SpectralParams& bc, const FpgaPart& part);
// bc_conv2d's MAC process, one pipelined loop (bcnn_hls/window.h, window_schedule): per input
// pixel ceil(q / block_cols) x ceil(bins / bins_parallel) steps storing its spectra, per output
// pixel ceil(p / block_rows) x ceil(taps / taps_parallel) x as many MAC steps, one pipeline depth.
// The weight spectra ROMs hold `taps` spectra per block.
Phase window_mac_process(const SpectralParams& bc, std::int64_t in_pixels, std::int64_t out_pixels, int taps,
                         const FpgaPart& part);
// The inverse process over `items` items, each p blocks and the outputs out_t(y * K + bias)
// (`outputs` per item, `out_width` bits): serial, a transform and K outputs per block; pipelined,
// ceil(p / ifft_lanes) x II per item with K x lanes / II output conversions.
Phase inverse_process(const SpectralParams& bc, std::int64_t items, int outputs, int out_width,
                      const FpgaPart& part);

// The processes of a kind, as functions of its params (the kind adds its own memories).
struct SpectralProcesses {
  std::function<Phase(const SpectralParams&)> forward, mac, inverse;
  // The taps_parallel values the search may give the MAC array (bc_conv2d: 1, 2, 4, ... taps).
  std::vector<int> taps{1};
};
// choose_parallelism() of a block-circulant kind: each process gets the cheapest setting (DSPs,
// then BRAMs, then LUTs) whose cycles are at most target_ii - call_overhead; when none reaches,
// the cheapest within 5% of its fastest, and out_of_reach with the slowest process's best II.
void choose_spectral_knobs(SpectralParams& bc, const SpectralProcesses& processes, std::int64_t target_ii,
                           const std::function<void(std::int64_t)>& out_of_reach);

// The stage of a block-circulant layer `l` (its name, its kind `type`): the three processes
// estimated, latency = their sum, II = the slowest (each works on the next image as soon as it is
// free), their resources summed; the kind adds its own memories (channels, line buffers).
StageEstimate spectral_stage(const QuantLayer& l, std::string_view type, const SpectralParams& bc,
                             const SpectralProcesses& processes);

// The stage's parallelism description, the layer table's cell, and the generated config's
// constants the estimate assumes (StageEstimate::assumes).
std::string spectral_parallelism(const SpectralParams& bc);
std::string spectral_parallelism_cell(const SpectralParams& bc);
std::map<std::string, std::int64_t> spectral_assumes(const SpectralParams& bc);

// The base of the block-circulant kinds (P derives from SpectralParams): their weight spectra may
// live in UltraRAM (knob uram).
template <class P>
class SpectralKind : public HwLayer {
 public:
  bool can_use_uram(const QuantLayer& /*q*/) const override { return true; }
  bool weights_in_uram(const QuantLayer& q) const override { return params_of<P>(q).weights_uram; }
  void set_weights_in_uram(QuantLayer& q, bool uram) const override { params_of<P>(q).weights_uram = uram; }
};

}  // namespace bcnn::hw

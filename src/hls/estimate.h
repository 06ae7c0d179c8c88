#pragma once
// An analytical model of the hardware that bcnn-compile generates (fpga/include/bcnn_hls kernels
// in a DATAFLOW top function): per layer DSP, BRAM (18K), LUT, FF, latency and initiation
// interval; the whole design's latency, II and throughput at the clock; a check against the
// part's capacity. Every formula is in docs/estimator.md. It is a model, not synthesis: DSP and
// BRAM follow from the loop structure and array partitioning, LUT and FF from per-operator
// constants.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "quant/quantized_model.h"

namespace bcnn {

enum class HlsInterface { axis, m_axi };
std::string interface_name(HlsInterface i);

// The top function's ports (docs/compile.md, "The top function"): AXI4-Stream or m_axi, with
// data words of `axi_bits` bits carrying several values per beat (bcnn-compile --axi-bits).
constexpr int default_axi_bits = 512;
struct HlsPorts {
  HlsInterface interface = HlsInterface::m_axi;
  int axi_bits = default_axi_bits;
  // No --axi-bits: the parallelism search and the balancing estimate each design with the ports
  // choose_axi_bits gives it (axi_bits is then only a placeholder).
  bool auto_width = false;
  // Implicit from an HlsInterface alone: the default width.
  HlsPorts(HlsInterface i = HlsInterface::m_axi, int bits = default_axi_bits) : interface(i), axi_bits(bits) {}
};
// Bits of the C integer type that carries one raw value of `width` bits (8, 16, 32 or 64).
int interface_word_bits(int width);
// Values of `width` bits per beat of `axi_bits` bits (at least 1).
int values_per_beat(int axi_bits, int width);
// Throws bcnn::Error naming --axi-bits when `axi_bits` is not a power of two in 8..1024 or is
// narrower than the input's or the result's word (a beat holds at least one value).
void check_axi_bits(int axi_bits, int input_width, int result_width);
// The design bcnn-compile generates: one engine per layer in a DATAFLOW pipeline (the default),
// or one engine set reused layer after layer on a batch of images (hls/reuse.h).
enum class Architecture { dataflow, reuse };
std::string architecture_name(Architecture a);

// The latency of the first word of an m_axi burst from DDR/HBM (docs/estimator.md, "Constants").
constexpr int m_axi_burst_latency = 64;

// Capacities from the vendor data sheets (sources in estimate.cpp).
struct FpgaPart {
  std::string name;         // the part number Vitis HLS takes, e.g. "xczu7ev-ffvc1156-2-e"
  std::string description;  // e.g. "Zynq UltraScale+ ZU7EV (ZCU104)"
  std::int64_t dsp = 0, bram18 = 0, lut = 0, ff = 0;
  int multiplier_a_bits = 27;  // DSP multiplier port widths: 27 x 18 (DSP48E2), 25 x 18 (DSP48E1)
  int multiplier_b_bits = 18;
  // UltraRAM blocks (URAM288: 4K words of 72 bits, no initial contents on UltraScale+); 0 when
  // the part has none.
  std::int64_t uram = 0;
};

const std::vector<FpgaPart>& fpga_parts();
// The part with this name (case-insensitive); nullopt when unknown.
std::optional<FpgaPart> find_fpga_part(const std::string& name);

struct Resources {
  std::int64_t dsp = 0, bram18 = 0, lut = 0, ff = 0;
  std::int64_t uram = 0;  // URAM288 blocks
  Resources& operator+=(const Resources& r) {
    dsp += r.dsp;
    bram18 += r.bram18;
    lut += r.lut;
    ff += r.ff;
    uram += r.uram;
    return *this;
  }
};

struct StageEstimate {
  std::string name;  // layer name, or "read input" / "write output"
  std::string type;  // bc_dense, dense, relu, interface
  std::string parallelism;  // e.g. "2 block rows x 4 bins", "reuse 16 (64 multipliers)"
  Resources resources;
  std::int64_t latency_cycles = 0;  // one image through this stage
  std::int64_t ii_cycles = 0;       // cycles between two images entering this stage
  // The constants of the generated config struct (by name) that this estimate's unrolls,
  // partitions and pipeline IIs follow: the kernel derives every such pragma from them, and a
  // test checks them against the generated project (docs/estimator.md).
  std::map<std::string, std::int64_t> assumes;
};

struct DesignEstimate {
  FpgaPart part;
  HlsInterface interface = HlsInterface::m_axi;
  int axi_bits = default_axi_bits;  // data width of the ports
  int input_values_per_beat = 1, result_values_per_beat = 1;
  // The reuse architecture processes `batch` images per pass over the layers: its latency_cycles
  // and ii_cycles are those of a batch, and images_per_s = batch x clock / ii_cycles.
  Architecture architecture = Architecture::dataflow;
  int batch = 1;
  double clock_ns = 5;
  std::vector<StageEstimate> stages;
  Resources total;
  std::int64_t latency_cycles = 0;  // one image, input to output (sum over the dataflow stages)
  std::int64_t ii_cycles = 0;       // max over the stages
  double latency_us = 0;
  double images_per_s = 0;          // clock / II
  // Used / available per resource, and whether everything fits.
  double dsp_fraction = 0, bram_fraction = 0, lut_fraction = 0, ff_fraction = 0, uram_fraction = 0;
  bool fits = true;
  std::vector<std::string> warnings;  // e.g. "does not fit: DSP 2048 of 1728 (118%)"
  // What bounds the design: the stage with the largest II (the first of equals), and the most
  // used resource ("DSP", "BRAM18K", "LUT", "FF" or "URAM").
  std::string bottleneck_stage, busiest_resource;
  double busiest_fraction = 0;
};

DesignEstimate estimate_design(const QuantizedModel& model, const FpgaPart& part, double clock_ns,
                               const HlsPorts& ports);

// From d.total and d.part: the utilization fractions, the busiest resource, fits and the
// warnings (over 100%: does not fit; over 80%: placement may fail).
void check_fit(DesignEstimate& d);

// bcnn-compile's default width (no --axi-bits): the narrowest power of two that holds a word and
// keeps both interface stages within the II of the slowest layer stage (1024 when none does), so
// that the ports cost no more than the pipeline needs.
int choose_axi_bits(const QuantizedModel& model, const FpgaPart& part, double clock_ns, HlsInterface interface);

// Sets the parallelism of every layer with knobs (those not in `fixed_layers`) to the cheapest
// one whose II meets `images_per_s` at `clock_ns`; layers that cannot meet it get about their
// fastest. When that design does not fit the part, the fastest design found that fits instead (the
// smallest II that fits, by bisection), and a warning says so. Returns warnings when the target is
// out of reach.
std::vector<std::string> choose_parallelism(QuantizedModel& model, const FpgaPart& part, double clock_ns,
                                            const HlsPorts& ports, double images_per_s,
                                            const std::vector<std::string>& fixed_layers = {});

// The default of the kinds balanced by default (hw::HwLayer::balanced_by_default: dense, and relu,
// batchnorm and the pools on pixel streams), for the layers not in `fixed_layers`: the cheapest
// knob (dense the largest reuse factor, the lanes kinds the fewest lanes) that keeps the layer's
// II within the slowest other stage's II, so that these layers cost as little as possible without
// becoming the bottleneck of the dataflow pipeline.
void balance_layers(QuantizedModel& model, const FpgaPart& part, double clock_ns, const HlsPorts& ports,
                          const std::vector<std::string>& fixed_layers = {});

// The DSP slices one multiplier of a x b signed bits takes on the part.
int dsp_per_multiplier(int a_bits, int b_bits, const FpgaPart& part);
// 18K block RAMs for one memory of `depth` words of `width` bits (the best aspect ratio), 0 when
// it is small enough for LUTs (fewer than 1024 bits).
std::int64_t bram18_for(std::int64_t depth, int width);
// URAM288 blocks (4096 x 72, one aspect ratio) for one memory of `depth` words of `width` bits.
std::int64_t uram_for(std::int64_t depth, int width);

// Moves the weight spectra of layers not in `fixed_layers` from block RAM to UltraRAM while the
// design uses more than 80% of the part's block RAM and the part has UltraRAM to spare (within
// 80%): the layer that frees the most block RAMs per URAM first (hw::HwLayer::weights_in_uram).
// Only with m_axi ports, whose `params` port loads them at run time; a no-op on parts without
// UltraRAM.
void place_weights(QuantizedModel& model, const FpgaPart& part, double clock_ns, const HlsPorts& ports,
                   const std::vector<std::string>& fixed_layers = {});

}  // namespace bcnn

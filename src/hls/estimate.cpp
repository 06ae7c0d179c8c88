#include "hls/estimate.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

namespace bcnn {
namespace {

// --- model constants (docs/estimator.md, "Constants") ----------------------------------------
constexpr int loop_depth = 2;        // pipeline depth of a copy / convert loop
constexpr int butterfly_depth = 6;   // read, multiply (3), add, shift and convert
constexpr int mac_depth = 7;         // ROM read (2), multiply (3), add, accumulate
constexpr int dense_depth = 4;       // multiply (3), accumulate; plus the adder tree, log2(M)
constexpr int call_overhead = 2;     // ap_start to the first loop, last loop to ap_done
constexpr int m_axi_burst_latency = 64;  // first word of a burst from DDR/HBM
constexpr int loop_control_lut = 40, loop_control_ff = 40;
constexpr int lutram_threshold_bits = 1024;  // smaller memories go to LUTs (distributed ROM/RAM)
// AXI adapters (Vitis HLS m_axi with default burst settings; s_axilite control).
constexpr Resources m_axi_port{0, 2, 1200, 1600};
constexpr Resources s_axilite_port{0, 0, 300, 400};
constexpr Resources axis_port{0, 0, 50, 50};

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// The smallest reuse factor with the same number of multipliers as R: ceil(n_in / M).
int canonical_reuse(int n_in, int R) {
  const std::int64_t multipliers = ceil_div(n_in, R);
  return static_cast<int>(ceil_div(n_in, multipliers));
}

int log2_ceil(std::int64_t n) {
  int l = 0;
  while ((std::int64_t{1} << l) < n) ++l;
  return l;
}

// Distributed ROM/RAM: one LUT6 holds 64 x 1 bits.
std::int64_t lutram_luts(std::int64_t depth, int width) { return ceil_div(depth, 64) * width; }

// A memory of `banks` banks of depth x width: BRAM when a bank reaches the threshold, else LUTs.
void add_memory(Resources& r, std::int64_t banks, std::int64_t depth, int width) {
  const std::int64_t brams = bram18_for(depth, width);
  if (brams > 0) {
    r.bram18 += banks * brams;
    r.lut += banks * 20;  // address and output multiplexing
  } else {
    r.lut += banks * lutram_luts(depth, width);
  }
}

// A register array of `depth` words (complete partition) read at `reads` dynamic indices per
// cycle: depth * width flip-flops, and a depth:1 multiplexer per bit and read port (about
// depth / 3 LUT6 per bit: 4:1 per LUT plus the F7/F8 muxes and the next level).
void add_register_array(Resources& r, std::int64_t depth, int width, int reads) {
  r.ff += depth * width;
  r.lut += reads * width * std::max<std::int64_t>(1, depth / 3);
}

// One radix-2 butterfly unit of the FFT kernel (fft.h) over K-entry register arrays.
Resources butterfly_unit(int K, int data_width, int twiddle_width, const FpgaPart& part) {
  Resources r;
  r.dsp = 4 * dsp_per_multiplier(data_width, twiddle_width, part);
  const int sum_width = data_width + twiddle_width + 2;
  r.lut += 4 * sum_width + 4 * (data_width + 4);  // 4 adders; 4 shift + round + saturate
  r.ff += 8 * sum_width;                          // pipeline registers
  add_register_array(r, K, data_width, 2);        // re[], im[]: two reads each (top, bottom)
  add_register_array(r, K, data_width, 2);
  r.lut += 6 * loop_control_lut;                  // load, stages (2), unload
  r.ff += 6 * loop_control_ff;
  return r;
}

// Cycles of fft_forward / fft_inverse for length K: load K (bit-reversed), log2(K) stages of K/2
// butterflies (each stage drains its pipeline: the next reads what it wrote), unload.
std::int64_t fft_cycles(int K, int unload) {
  const int stages = log2_ceil(K);
  return (K + loop_depth) + stages * (K / 2 + butterfly_depth) + (unload + loop_depth);
}

StageEstimate estimate_bc_dense(const QuantLayer& l, const FpgaPart& part) {
  StageEstimate s;
  s.name = l.name;
  s.type = "bc_dense";
  const int K = l.block, bins = K / 2 + 1, Pr = l.block_rows_parallel, Pb = l.bins_parallel;
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "%d of %d block rows x %d of %d bins", Pr, l.p, Pb, bins);
  s.parallelism = buffer;

  // Latency: q forward FFTs, then ceil(p / Pr) groups of Pr block rows, each: clear the
  // accumulators, q * ceil(bins / Pb) MAC iterations, convert to ifft_t, inverse FFT, write.
  const std::int64_t forward = l.q * ((K + loop_depth) + fft_cycles(K, bins));
  const std::int64_t row_group = (bins + loop_depth) + (static_cast<std::int64_t>(l.q) * ceil_div(bins, Pb) + mac_depth) +
                                 (bins + loop_depth) + fft_cycles(K, K) + (K + loop_depth);
  s.latency_cycles = call_overhead + forward + ceil_div(l.p, Pr) * row_group;
  s.ii_cycles = s.latency_cycles;  // one call at a time

  Resources& r = s.resources;
  // Forward FFT: one butterfly unit; inverse: one per parallel block row.
  r += butterfly_unit(K, l.spec.width, l.twiddle.width, part);
  for (int i = 0; i < Pr; ++i) r += butterfly_unit(K, l.ifft.width, l.twiddle.width, part);
  // Complex MAC lanes: 4 real products each.
  const std::int64_t lanes = static_cast<std::int64_t>(Pr) * Pb;
  r.dsp += lanes * 4 * dsp_per_multiplier(l.spec.width, l.weight.width, part);
  const int product_width = l.spec.width + l.weight.width + 1;
  r.lut += lanes * (2 * product_width + 2 * l.acc.width);
  r.ff += lanes * (4 * (l.spec.width + l.weight.width) + 2 * l.acc.width);
  // Output conversion out_t(y * K + bias), one per parallel block row.
  r.lut += Pr * (l.out.width + l.ifft.width + 8);
  r.ff += Pr * (l.out.width + l.ifft.width);
  // Memories: weight spectra (re, im) partitioned Pr x Pb ways; X' (re, im) Pb ways; the
  // accumulators and Y' per parallel block row; the twiddle ROMs; bias; input block; output.
  add_memory(r, 2 * lanes, ceil_div(l.p, Pr) * l.q * ceil_div(bins, Pb), l.weight.width);
  add_memory(r, 2 * Pb, static_cast<std::int64_t>(l.q) * ceil_div(bins, Pb), l.spec.width);
  add_memory(r, 2 * lanes, ceil_div(bins, Pb), l.acc.width);
  add_memory(r, 2 * Pr, bins, l.ifft.width);
  add_memory(r, 2, K / 2, l.twiddle.width);
  add_memory(r, 1, l.n_out, l.bias.width);
  add_memory(r, 1, K, l.in.width);
  add_memory(r, Pr, K, l.ifft.width);
  r.lut += (4 + 5 * Pr) * loop_control_lut;  // block copy, j; clear, MAC, convert, write per row
  r.ff += (4 + 5 * Pr) * loop_control_ff;
  return s;
}

StageEstimate estimate_dense(const QuantLayer& l, const FpgaPart& part) {
  StageEstimate s;
  s.name = l.name;
  s.type = "dense";
  const std::int64_t R = l.reuse_factor;
  const std::int64_t M = ceil_div(l.n_in, R);  // multipliers
  const std::int64_t trip = ceil_div(l.n_in, M);
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "reuse %lld (%lld multiplier%s)", static_cast<long long>(R),
                static_cast<long long>(M), M == 1 ? "" : "s");
  s.parallelism = buffer;
  s.latency_cycles = call_overhead + static_cast<std::int64_t>(l.n_out) * (trip + dense_depth + log2_ceil(M));
  s.ii_cycles = s.latency_cycles;

  Resources& r = s.resources;
  r.dsp = M * dsp_per_multiplier(l.in.width, l.weight.width, part);
  r.lut += M * l.acc.width + l.acc.width + l.out.width;  // adder tree, output conversion
  r.ff += M * (l.in.width + l.weight.width) + 2 * l.acc.width;
  add_memory(r, M, static_cast<std::int64_t>(l.n_out) * trip, l.weight.width);
  add_memory(r, 1, l.n_out, l.bias.width);
  r.lut += 2 * loop_control_lut;
  r.ff += 2 * loop_control_ff;
  return s;
}

StageEstimate estimate_relu(const QuantLayer& l) {
  StageEstimate s;
  s.name = l.name;
  s.type = "relu";
  s.parallelism = "1 element per cycle";
  s.latency_cycles = call_overhead + l.n_in + loop_depth;
  s.ii_cycles = s.latency_cycles;
  s.resources.lut = l.in.width + l.out.width + loop_control_lut;
  s.resources.ff = l.out.width + loop_control_ff;
  return s;
}

// The buffer between two dataflow processes: a ping-pong pair of n-word arrays.
void add_channel(Resources& r, std::int64_t n, int width) { add_memory(r, 2, n, width); }

}  // namespace

std::string interface_name(HlsInterface i) { return i == HlsInterface::axis ? "axis" : "m_axi"; }

// Capacities: DSP slices, 18 Kb block RAMs (2 per 36 Kb block), CLB LUTs and flip-flops.
// Sources: Xilinx DS190 (Zynq-7000 product table), DS891 (Zynq UltraScale+ MPSoC product table),
// DS923 (Virtex UltraScale+ product table), DS965 (Alveo U50) and DS962 (Alveo U200/U250); the
// same figures are listed in the vendors' board files of public projects (e.g. Ultra96: 360 DSP,
// 432 BRAM18K, 70,560 LUT, 141,120 FF; ZCU104: 1,728 / 624 / 230,400 / 460,800). UltraRAM is
// not counted: the generated design does not use it.
const std::vector<FpgaPart>& fpga_parts() {
  static const std::vector<FpgaPart> parts{
      {"xc7z020clg400-1", "Zynq-7000 XC7Z020 (PYNQ-Z1/Z2, Zybo Z7-20)", 220, 280, 53200, 106400, 25, 18},
      {"xczu3eg-sbva484-1-e", "Zynq UltraScale+ ZU3EG (Ultra96)", 360, 432, 70560, 141120, 27, 18},
      {"xczu7ev-ffvc1156-2-e", "Zynq UltraScale+ ZU7EV (ZCU104)", 1728, 624, 230400, 460800, 27, 18},
      {"xczu9eg-ffvb1156-2-e", "Zynq UltraScale+ ZU9EG (ZCU102)", 2520, 1824, 274080, 548160, 27, 18},
      {"xcu50-fsvh2104-2-e", "Alveo U50 (XCU50)", 5952, 2688, 871680, 1743360, 27, 18},
      {"xcu250-figd2104-2L-e", "Alveo U250 (XCU250)", 12288, 5376, 1728000, 3456000, 27, 18},
      {"xcvu9p-flga2104-2L-e", "Virtex UltraScale+ VU9P (VCU118)", 6840, 4320, 1182240, 2364480, 27, 18},
  };
  return parts;
}

std::optional<FpgaPart> find_fpga_part(const std::string& name) {
  auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  for (const auto& p : fpga_parts())
    if (lower(p.name) == lower(name)) return p;
  return std::nullopt;
}

int dsp_per_multiplier(int a_bits, int b_bits, const FpgaPart& part) {
  const int wide = std::max(a_bits, b_bits), narrow = std::min(a_bits, b_bits);
  if (wide <= 10 && narrow <= 10) return 0;  // small products go to LUTs
  if (wide <= part.multiplier_a_bits && narrow <= part.multiplier_b_bits) return 1;
  // Wider operands are split into signed-port-sized pieces (one sign bit per port).
  return static_cast<int>(ceil_div(wide - 1, part.multiplier_a_bits - 1) * ceil_div(narrow - 1, part.multiplier_b_bits - 1));
}

std::int64_t bram18_for(std::int64_t depth, int width) {
  if (depth <= 0 || width <= 0) return 0;
  if (depth * width < lutram_threshold_bits) return 0;
  // RAMB18 aspect ratios: 16K x 1, 8K x 2, 4K x 4, 2K x 9, 1K x 18, 512 x 36.
  static const std::int64_t shapes[][2] = {{16384, 1}, {8192, 2}, {4096, 4}, {2048, 9}, {1024, 18}, {512, 36}};
  std::int64_t best = -1;
  for (const auto& shape : shapes) {
    const std::int64_t n = ceil_div(depth, shape[0]) * ceil_div(width, shape[1]);
    if (best < 0 || n < best) best = n;
  }
  return best;
}

DesignEstimate estimate_design(const QuantizedModel& model, const FpgaPart& part, double clock_ns,
                               HlsInterface interface) {
  DesignEstimate d;
  d.part = part;
  d.interface = interface;
  d.clock_ns = clock_ns;

  // Read: one input word per cycle into the first buffer.
  {
    StageEstimate s;
    s.name = "read input";
    s.type = "interface";
    s.parallelism = "1 word per cycle";
    const std::int64_t burst = interface == HlsInterface::m_axi ? m_axi_burst_latency : 0;
    s.latency_cycles = call_overhead + model.n_in + loop_depth + burst;
    s.ii_cycles = s.latency_cycles;
    s.resources += interface == HlsInterface::m_axi ? m_axi_port : axis_port;
    if (interface == HlsInterface::m_axi) s.resources += s_axilite_port;
    add_channel(s.resources, model.n_in, model.input.width);
    d.stages.push_back(s);
  }
  for (const auto& l : model.layers) {
    StageEstimate s;
    switch (l.kind) {
      case QuantLayerKind::bc_dense: s = estimate_bc_dense(l, part); break;
      case QuantLayerKind::dense: s = estimate_dense(l, part); break;
      case QuantLayerKind::relu: s = estimate_relu(l); break;
      case QuantLayerKind::flatten:
      case QuantLayerKind::dropout: continue;  // no hardware: the same buffer
    }
    add_channel(s.resources, l.n_out, l.out.width);
    d.stages.push_back(s);
  }
  {
    StageEstimate s;
    s.name = "write output";
    s.type = "interface";
    s.parallelism = "1 word per cycle";
    const std::int64_t burst = interface == HlsInterface::m_axi ? m_axi_burst_latency : 0;
    s.latency_cycles = call_overhead + model.n_out + loop_depth + burst;
    s.ii_cycles = s.latency_cycles;
    s.resources += interface == HlsInterface::m_axi ? m_axi_port : axis_port;
    d.stages.push_back(s);
  }

  for (const auto& s : d.stages) {
    d.total += s.resources;
    d.latency_cycles += s.latency_cycles;
    d.ii_cycles = std::max(d.ii_cycles, s.ii_cycles);
  }
  d.latency_us = d.latency_cycles * clock_ns / 1000.0;
  d.images_per_s = d.ii_cycles > 0 ? 1e9 / (clock_ns * static_cast<double>(d.ii_cycles)) : 0;
  auto fraction = [](std::int64_t used, std::int64_t available) {
    return available > 0 ? static_cast<double>(used) / static_cast<double>(available) : 0.0;
  };
  d.dsp_fraction = fraction(d.total.dsp, part.dsp);
  d.bram_fraction = fraction(d.total.bram18, part.bram18);
  d.lut_fraction = fraction(d.total.lut, part.lut);
  d.ff_fraction = fraction(d.total.ff, part.ff);

  std::vector<std::string> over, high;
  auto check = [&](const char* what, std::int64_t used, std::int64_t available, double f) {
    char buffer[160];
    std::snprintf(buffer, sizeof buffer, "%s %lld of %lld (%.0f%%)", what, static_cast<long long>(used),
                  static_cast<long long>(available), 100 * f);
    if (f > 1.0)
      over.push_back(buffer);
    else if (f > 0.8)
      high.push_back(buffer);
  };
  check("DSP", d.total.dsp, part.dsp, d.dsp_fraction);
  check("BRAM18K", d.total.bram18, part.bram18, d.bram_fraction);
  check("LUT", d.total.lut, part.lut, d.lut_fraction);
  check("FF", d.total.ff, part.ff, d.ff_fraction);
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s;
  };
  d.fits = over.empty();
  if (!over.empty())
    d.warnings.push_back("DOES NOT FIT on " + part.name + ": " + join(over) +
                         "; lower the parallelism, narrow the formats or choose a larger --part");
  if (!high.empty())
    d.warnings.push_back("above 80% of " + part.name + ": " + join(high) +
                         "; placement and routing may fail or miss the clock");
  return d;
}

std::vector<std::string> choose_parallelism(QuantizedModel& model, const FpgaPart& part, double clock_ns,
                                            HlsInterface interface, double images_per_s,
                                            const std::vector<std::string>& fixed_layers) {
  std::vector<std::string> warnings;
  const double cycles = 1e9 / (clock_ns * images_per_s);
  const std::int64_t target_ii = static_cast<std::int64_t>(std::floor(cycles));
  char buffer[256];
  auto out_of_reach = [&](const std::string& stage, std::int64_t ii) {
    std::snprintf(buffer, sizeof buffer,
                  "--target-images-per-s %.6g is out of reach: %s needs at least %lld cycles per image "
                  "(at most %.6g images/s at %.6g ns)",
                  images_per_s, stage.c_str(), static_cast<long long>(ii), 1e9 / (clock_ns * ii), clock_ns);
    warnings.push_back(buffer);
  };
  for (auto& l : model.layers) {
    if (std::find(fixed_layers.begin(), fixed_layers.end(), l.name) != fixed_layers.end()) continue;
    if (l.kind == QuantLayerKind::bc_dense) {
      const int bins = l.block / 2 + 1;
      std::vector<int> rows, bin_choices;
      for (int r = 1; r <= l.p; ++r)
        if (l.p % r == 0) rows.push_back(r);
      for (int b = 1; b < bins; b *= 2) bin_choices.push_back(b);
      bin_choices.push_back(bins);
      // Every candidate's estimate; the cheapest (DSP, then BRAM, then II) that meets the target.
      // When none does, the target is out of reach: the cheapest within 5% of the best II.
      struct Candidate {
        int rows, bins;
        StageEstimate estimate;
      };
      std::vector<Candidate> candidates;
      std::int64_t best_ii = std::numeric_limits<std::int64_t>::max();
      for (int r : rows)
        for (int b : bin_choices) {
          QuantLayer trial = l;
          trial.block_rows_parallel = r;
          trial.bins_parallel = b;
          candidates.push_back({r, b, estimate_bc_dense(trial, part)});
          best_ii = std::min(best_ii, candidates.back().estimate.ii_cycles);
        }
      const bool reachable = best_ii <= target_ii;
      const std::int64_t limit = reachable ? target_ii : best_ii + best_ii / 20;
      const Candidate* chosen = nullptr;
      for (const auto& c : candidates) {
        if (c.estimate.ii_cycles > limit) continue;
        const Resources& x = c.estimate.resources;
        if (!chosen) {
          chosen = &c;
          continue;
        }
        const Resources& y = chosen->estimate.resources;
        if (x.dsp < y.dsp || (x.dsp == y.dsp && (x.bram18 < y.bram18 ||
                                                 (x.bram18 == y.bram18 && c.estimate.ii_cycles < chosen->estimate.ii_cycles))))
          chosen = &c;
      }
      l.block_rows_parallel = chosen->rows;
      l.bins_parallel = chosen->bins;
      if (!reachable) out_of_reach("layer " + l.name, best_ii);
    } else if (l.kind == QuantLayerKind::dense) {
      int chosen = 1;
      bool found = false;
      for (int R = l.n_in; R >= 1; --R) {
        QuantLayer trial = l;
        trial.reuse_factor = R;
        if (estimate_dense(trial, part).ii_cycles <= target_ii) {
          chosen = R;
          found = true;
          break;
        }
      }
      l.reuse_factor = canonical_reuse(l.n_in, chosen);
      if (!found) out_of_reach("layer " + l.name, estimate_dense(l, part).ii_cycles);
    }
  }
  // Stages whose II no parallelism changes: relu and the interfaces.
  const DesignEstimate d = estimate_design(model, part, clock_ns, interface);
  for (const auto& s : d.stages)
    if ((s.type == "relu" || s.type == "interface") && s.ii_cycles > target_ii) out_of_reach(s.name, s.ii_cycles);
  return warnings;
}

void balance_dense_layers(QuantizedModel& model, const FpgaPart& part, double clock_ns, HlsInterface interface,
                          const std::vector<std::string>& fixed_layers) {
  auto is_free_dense = [&](const QuantLayer& l) {
    return l.kind == QuantLayerKind::dense &&
           std::find(fixed_layers.begin(), fixed_layers.end(), l.name) == fixed_layers.end();
  };
  const DesignEstimate d = estimate_design(model, part, clock_ns, interface);
  std::int64_t target_ii = 0;
  for (const auto& s : d.stages) {
    bool free_dense = false;
    for (const auto& l : model.layers)
      if (l.name == s.name && is_free_dense(l)) free_dense = true;
    if (!free_dense) target_ii = std::max(target_ii, s.ii_cycles);
  }
  for (auto& l : model.layers) {
    if (!is_free_dense(l)) continue;
    for (int R = l.n_in; R >= 1; --R) {
      QuantLayer trial = l;
      trial.reuse_factor = R;
      if (estimate_dense(trial, part).ii_cycles <= target_ii || R == 1) {
        l.reuse_factor = canonical_reuse(l.n_in, R);
        break;
      }
    }
  }
}

}  // namespace bcnn

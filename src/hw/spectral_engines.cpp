#include "hw/spectral_engines.h"

#include <algorithm>
#include <limits>
#include <tuple>
#include <utility>

#include "core/error.h"
#include "hw/fixed_format.h"
#include "hw/resources.h"

namespace bcnn::hw {

std::vector<std::string> spectral_knob_names() {
  return {"block_rows", "bins", "block_cols", "fft_units", "fft_lanes", "ifft_units", "ifft_lanes", "uram"};
}

void apply_spectral_knobs(const LayerParallelism& p, const QuantLayer& q, SpectralParams& bc) {
  const int all_units = bc.block / 2 * log2_ceil(bc.block);
  auto knob = [&](const char* name, int max, const char* what, int& value) {
    if (auto it = p.knobs.find(name); it != p.knobs.end()) value = parallelism_in_range(q, it->second, max, what);
  };
  knob("block_rows", bc.p, "block rows in parallel", bc.block_rows_parallel);
  knob("bins", bc.block / 2 + 1, "frequency bins in parallel", bc.bins_parallel);
  knob("block_cols", bc.q, "block columns in parallel", bc.block_cols_parallel);
  knob("fft_units", all_units, "butterfly units of the forward FFT engine", bc.fft_units);
  knob("fft_lanes", bc.q, "forward FFT lanes", bc.fft_lanes);
  knob("ifft_units", all_units, "butterfly units of the inverse FFT engine", bc.ifft_units);
  knob("ifft_lanes", bc.p, "inverse FFT lanes", bc.ifft_lanes);
  if (p.units) bc.block_rows_parallel = parallelism_in_range(q, *p.units, bc.p, "block rows in parallel");
  if (auto it = p.knobs.find("uram"); it != p.knobs.end()) {
    if (it->second != 0 && it->second != 1)
      throw Error("--knob " + q.name + ".uram: expected 0 (weight spectra in block RAM) or 1 (in UltraRAM), found " +
                  std::to_string(it->second));
    bc.weights_uram = it->second == 1;
  }
  for (auto [lanes, units, name] :
       {std::tuple{bc.fft_lanes, bc.fft_units, "fft"}, {bc.ifft_lanes, bc.ifft_units, "ifft"}})
    if (lanes > 1 && units == 1)
      throw Error("--knob " + q.name + "." + name + "_lanes: expected 1 on the serial engine (" + name +
                  "_units = 1), found " + std::to_string(lanes) + ": give " + q.name + "." + name +
                  "_units a pipelined engine (" + std::to_string(log2_ceil(bc.block)) + " or more units) for lanes");
}

Phase forward_process(const SpectralParams& bc, std::int64_t items, const FpgaPart& part) {
  const int K = bc.block;
  Phase ph;
  ph.cycles = fft_engine_cycles(K, bc.fft_units, bc.fft_lanes, items, bc.q, K / 2 + 1);
  ph.resources = fft_engines(K, bc.fft_units, bc.fft_lanes, bc.spec.width, bc.twiddle.width, part);
  add_memory(ph.resources, 2, K / 2, bc.twiddle.width);  // the twiddle ROMs
  ph.resources.lut += loop_control_lut;                  // the block loop
  ph.resources.ff += loop_control_ff;
  return ph;
}

namespace {

// The MAC array of block_rows x bins_parallel x block_cols x taps_parallel complex products, the
// weight spectra ROMs (`taps` spectra per block) in as many banks, the accumulators, and the
// conversion to Y'.
Resources mac_array(const SpectralParams& bc, int taps, const FpgaPart& part) {
  const int bins = bc.block / 2 + 1, Pr = bc.block_rows_parallel, Pb = bc.bins_parallel,
            Pc = bc.block_cols_parallel, Pt = bc.taps_parallel;
  const std::int64_t bin_groups = ceil_div(bins, Pb);
  Resources r;
  const std::int64_t lanes = static_cast<std::int64_t>(Pr) * Pb * Pc * Pt;
  r.dsp += lanes * 4 * dsp_per_multiplier(bc.spec.width, bc.weight.width, part);
  const int product_width = bc.spec.width + bc.weight.width + 1;
  r.lut += lanes * (2 * product_width + 2 * bc.acc.width);
  r.ff += lanes * (4 * (bc.spec.width + bc.weight.width) + 2 * bc.acc.width);
  r.lut += static_cast<std::int64_t>(Pr) * Pb * (bc.ifft.width + 8);  // Y' = ifft_t(acc)
  // Weight spectra (re, im) in Pr x Pc x Pb banks, times the taps when several are read per step
  // (bcnn_hls/bc_conv2d.h partitions them completely then); the accumulators, Pr x Pb banks.
  const std::int64_t tap_banks = Pt > 1 ? taps : 1;
  const std::int64_t weight_banks = 2 * static_cast<std::int64_t>(Pr) * Pb * Pc * tap_banks;
  const std::int64_t weight_depth = ceil_div(bc.p, Pr) * ceil_div(bc.q, Pc) * ceil_div(taps, tap_banks) * bin_groups;
  if (bc.weights_uram)
    add_uram_memory(r, weight_banks, weight_depth, bc.weight.width);
  else
    add_memory(r, weight_banks, weight_depth, bc.weight.width);
  add_memory(r, 2 * static_cast<std::int64_t>(Pr) * Pb, bin_groups, bc.acc.width);
  r.lut += 4 * loop_control_lut;  // row group, clear, MAC, convert
  r.ff += 4 * loop_control_ff;
  return r;
}

}  // namespace

Phase mac_process(const SpectralParams& bc, const FpgaPart& part) {
  const std::int64_t bin_groups = ceil_div(bc.block / 2 + 1, bc.bins_parallel);
  Phase ph;
  ph.cycles = ceil_div(bc.p, bc.block_rows_parallel) *
              ((bin_groups + loop_depth) + (ceil_div(bc.q, bc.block_cols_parallel) * bin_groups + mac_depth) +
               (bin_groups + loop_depth));
  ph.resources = mac_array(bc, 1, part);
  return ph;
}

Phase window_mac_process(const SpectralParams& bc, std::int64_t in_pixels, std::int64_t out_pixels, int taps,
                         const FpgaPart& part) {
  const std::int64_t slices = ceil_div(bc.q, bc.block_cols_parallel) * ceil_div(bc.block / 2 + 1, bc.bins_parallel);
  Phase ph;
  ph.cycles = slices * (in_pixels + out_pixels * ceil_div(bc.p, bc.block_rows_parallel) *
                                       ceil_div(taps, bc.taps_parallel)) +
              mac_depth + loop_depth;
  ph.resources = mac_array(bc, taps, part);
  return ph;
}

Phase inverse_process(const SpectralParams& bc, std::int64_t items, int outputs, int out_width,
                      const FpgaPart& part) {
  const int K = bc.block, ii = fft_engine_ii(K, bc.ifft_units);
  Phase ph;
  // On the serial engine the output loop (K values) takes the place of the forward copy loop.
  ph.cycles = fft_engine_cycles(K, bc.ifft_units, bc.ifft_lanes, items, bc.p, K);
  Resources& r = ph.resources;
  r = fft_engines(K, bc.ifft_units, bc.ifft_lanes, bc.ifft.width, bc.twiddle.width, part);
  const std::int64_t words = ii == 0 ? 1 : ceil_div(static_cast<std::int64_t>(K) * bc.ifft_lanes, ii);
  r.lut += words * (out_width + bc.ifft.width + 8);
  r.ff += words * (out_width + bc.ifft.width);
  add_memory(r, words, ceil_div(outputs, words), bc.bias.width);
  add_memory(r, 2, K / 2, bc.twiddle.width);  // the twiddle ROMs
  if (ii == 0) add_memory(r, 1, K, bc.ifft.width);  // y
  r.lut += 2 * loop_control_lut;
  r.ff += 2 * loop_control_ff;
  return ph;
}

namespace {

// Cheaper first: DSPs, then BRAMs, then LUTs.
bool cheaper(const Resources& x, const Resources& y) {
  if (x.dsp != y.dsp) return x.dsp < y.dsp;
  if (x.bram18 != y.bram18) return x.bram18 < y.bram18;
  return x.lut < y.lut;
}

// Of `settings` (each applied to a copy of bc by `apply`), the cheapest whose process takes at
// most `budget` cycles; when none does, the cheapest within 5% of the fastest. Returns the fastest
// cycles found.
template <class Setting, class Apply>
std::int64_t choose_process(SpectralParams& bc, std::int64_t budget, const std::vector<Setting>& settings,
                            Apply apply, const std::function<Phase(const SpectralParams&)>& process) {
  std::vector<std::pair<SpectralParams, Phase>> trials;
  std::int64_t fastest = std::numeric_limits<std::int64_t>::max();
  for (const Setting& s : settings) {
    SpectralParams trial = bc;
    apply(trial, s);
    trials.emplace_back(trial, process(trial));
    fastest = std::min(fastest, trials.back().second.cycles);
  }
  const std::int64_t limit = fastest <= budget ? budget : fastest + fastest / 20;
  const std::pair<SpectralParams, Phase>* chosen = nullptr;
  for (const auto& t : trials)
    if (t.second.cycles <= limit &&
        (!chosen || cheaper(t.second.resources, chosen->second.resources) ||
         (!cheaper(chosen->second.resources, t.second.resources) && t.second.cycles < chosen->second.cycles)))
      chosen = &t;
  bc = chosen->first;
  return fastest;
}

}  // namespace

void choose_spectral_knobs(SpectralParams& bc, const SpectralProcesses& processes, std::int64_t target_ii,
                           const std::function<void(std::int64_t)>& out_of_reach) {
  const std::int64_t budget = target_ii - call_overhead;
  using Engine = std::pair<int, int>;  // units, lanes
  auto engines = [&](int blocks) {
    std::vector<Engine> v;
    for (int u : fft_engine_units(bc.block))
      for (int lanes : u == 1 ? std::vector<int>{1} : powers_of_two_and(blocks)) v.push_back({u, lanes});
    return v;
  };
  std::int64_t fastest = choose_process(
      bc, budget, engines(bc.q), [](SpectralParams& t, const Engine& e) { std::tie(t.fft_units, t.fft_lanes) = e; },
      processes.forward);
  using Array = std::tuple<int, int, int, int>;  // block rows, bins, block columns, taps
  std::vector<Array> arrays;
  for (int r : powers_of_two_and(bc.p))
    for (int b : powers_of_two_and(bc.block / 2 + 1))
      for (int c : powers_of_two_and(bc.q))
        for (int t : processes.taps)
          if (t == 1 || c == bc.q) arrays.push_back({r, b, c, t});  // taps > 1 keep the sums' order
  fastest = std::max(fastest, choose_process(
                                  bc, budget, arrays,
                                  [](SpectralParams& t, const Array& a) {
                                    std::tie(t.block_rows_parallel, t.bins_parallel, t.block_cols_parallel,
                                             t.taps_parallel) = a;
                                  },
                                  processes.mac));
  fastest = std::max(fastest, choose_process(
                                  bc, budget, engines(bc.p),
                                  [](SpectralParams& t, const Engine& e) { std::tie(t.ifft_units, t.ifft_lanes) = e; },
                                  processes.inverse));
  if (fastest > budget) out_of_reach(call_overhead + fastest);
}

StageEstimate spectral_stage(const QuantLayer& l, std::string_view type, const SpectralParams& bc,
                             const SpectralProcesses& processes) {
  StageEstimate s;
  s.name = l.name;
  s.type = std::string(type);
  s.parallelism = spectral_parallelism(bc);
  s.assumes = spectral_assumes(bc);
  const Phase forward = processes.forward(bc), mac = processes.mac(bc), inverse = processes.inverse(bc);
  s.latency_cycles = call_overhead + forward.cycles + mac.cycles + inverse.cycles;
  s.ii_cycles = call_overhead + std::max({forward.cycles, mac.cycles, inverse.cycles});
  s.resources += forward.resources;
  s.resources += mac.resources;
  s.resources += inverse.resources;
  return s;
}

std::string spectral_parallelism(const SpectralParams& bc) {
  const int bins = bc.block / 2 + 1;
  return "fft " + fft_engine_cell(bc.block, bc.fft_units, bc.fft_lanes) + "; " + std::to_string(bc.block_rows_parallel) +
         " of " + std::to_string(bc.p) + " block rows x " + std::to_string(bc.bins_parallel) + " of " +
         std::to_string(bins) + " bins x " + std::to_string(bc.block_cols_parallel) + " of " + std::to_string(bc.q) +
         " block columns; ifft " + fft_engine_cell(bc.block, bc.ifft_units, bc.ifft_lanes) +
         (bc.weights_uram ? "; weights in URAM" : "");
}

std::string spectral_parallelism_cell(const SpectralParams& bc) {
  return "fft " + fft_engine_cell(bc.block, bc.fft_units, bc.fft_lanes) + ", " +
         std::to_string(bc.block_rows_parallel) + " rows x " + std::to_string(bc.bins_parallel) + " bins x " +
         std::to_string(bc.block_cols_parallel) + " cols, ifft " + fft_engine_cell(bc.block, bc.ifft_units, bc.ifft_lanes) +
         (bc.weights_uram ? ", URAM" : "");
}

std::map<std::string, std::int64_t> spectral_assumes(const SpectralParams& bc) {
  return {{"block", bc.block},
          {"p", bc.p},
          {"q", bc.q},
          {"fft_units", bc.fft_units},
          {"fft_lanes", bc.fft_lanes},
          {"block_rows_parallel", bc.block_rows_parallel},
          {"bins_parallel", bc.bins_parallel},
          {"block_cols_parallel", bc.block_cols_parallel},
          {"ifft_units", bc.ifft_units},
          {"ifft_lanes", bc.ifft_lanes},
          {"weights_uram", bc.weights_uram ? 1 : 0}};
}

}  // namespace bcnn::hw

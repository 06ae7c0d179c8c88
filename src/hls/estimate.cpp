#include "hls/estimate.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

#include "hw/registry.h"
#include "hw/resources.h"

namespace bcnn {
namespace {

using hw::call_overhead;
using hw::ceil_div;
using hw::loop_depth;

// --- interface constants (docs/estimator.md, "Constants") --------------------------------------
constexpr int lutram_threshold_bits = 1024;  // smaller memories go to LUTs (distributed ROM/RAM)
// AXI adapters (Vitis HLS m_axi with default burst settings; s_axilite control).
constexpr Resources m_axi_port{0, 2, 1200, 1600};
constexpr Resources s_axilite_port{0, 0, 300, 400};
constexpr Resources axis_port{0, 0, 50, 50};

bool is_fixed(const std::vector<std::string>& fixed_layers, const std::string& name) {
  return std::find(fixed_layers.begin(), fixed_layers.end(), name) != fixed_layers.end();
}

}  // namespace

std::string interface_name(HlsInterface i) { return i == HlsInterface::axis ? "axis" : "m_axi"; }

std::string architecture_name(Architecture a) { return a == Architecture::reuse ? "reuse" : "dataflow"; }

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
    hw::add_channel(s.resources, model.n_in, model.input.width);
    d.stages.push_back(s);
  }
  // A streaming network's input array becomes a pixel stream.
  if (!model.layers.empty() && model.layers.front().in_pixels && model.input_shape.size() == 3) {
    StageEstimate s;
    s.name = "input pixels";
    s.type = "interface";
    s.parallelism = "1 pixel per cycle";
    const int pixels = model.input_shape[1] * model.input_shape[2];
    s.latency_cycles = call_overhead + pixels + loop_depth;
    s.ii_cycles = s.latency_cycles;
    s.resources.lut = hw::loop_control_lut;
    s.resources.ff = hw::loop_control_ff;
    hw::add_pixel_fifo(s.resources, model.input_shape, model.input.width);
    d.stages.push_back(s);
  }
  for (const auto& l : model.layers) {
    const hw::HwLayer& kind = hw::hw_layer_of(l);
    if (!kind.has_hardware(l)) continue;  // the same buffer
    StageEstimate s = kind.estimate(l, part);
    if (l.out_pixels)
      hw::add_pixel_fifo(s.resources, l.out_shape, l.out.width);
    else
      hw::add_channel(s.resources, l.n_out, l.out.width);
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
    if (s.ii_cycles > d.ii_cycles) {
      d.ii_cycles = s.ii_cycles;
      d.bottleneck_stage = s.name;
    }
  }
  d.latency_us = d.latency_cycles * clock_ns / 1000.0;
  d.images_per_s = d.ii_cycles > 0 ? 1e9 / (clock_ns * static_cast<double>(d.ii_cycles)) : 0;
  check_fit(d);
  return d;
}

void check_fit(DesignEstimate& d) {
  const FpgaPart& part = d.part;
  auto fraction = [](std::int64_t used, std::int64_t available) {
    return available > 0 ? static_cast<double>(used) / static_cast<double>(available) : 0.0;
  };
  d.dsp_fraction = fraction(d.total.dsp, part.dsp);
  d.bram_fraction = fraction(d.total.bram18, part.bram18);
  d.lut_fraction = fraction(d.total.lut, part.lut);
  d.ff_fraction = fraction(d.total.ff, part.ff);
  for (const auto& [name, f] : {std::pair{"DSP", d.dsp_fraction}, {"BRAM18K", d.bram_fraction},
                                {"LUT", d.lut_fraction}, {"FF", d.ff_fraction}})
    if (f > d.busiest_fraction) {
      d.busiest_fraction = f;
      d.busiest_resource = name;
    }

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
    d.warnings.push_back("DOES NOT FIT on " + part.name + ": " + join(over) + "; " +
                         (d.architecture == Architecture::reuse ? "lower --reuse-batch" : "lower the parallelism") +
                         ", narrow the formats or choose a larger --part");
  if (!high.empty())
    d.warnings.push_back("above 80% of " + part.name + ": " + join(high) +
                         "; placement and routing may fail or miss the clock");
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
    if (is_fixed(fixed_layers, l.name)) continue;
    hw::hw_layer_of(l).choose_parallelism(l, part, target_ii,
                                           [&](std::int64_t best_ii) { out_of_reach("layer " + l.name, best_ii); });
  }
  // Stages whose II no parallelism changes: the kinds without knobs and the interfaces.
  const DesignEstimate d = estimate_design(model, part, clock_ns, interface);
  for (const auto& s : d.stages) {
    const hw::HwLayer* kind = hw::find_hw_layer(s.type);
    if ((s.type == "interface" || (kind && !kind->has_parallelism())) && s.ii_cycles > target_ii)
      out_of_reach(s.name, s.ii_cycles);
  }
  return warnings;
}

void balance_layers(QuantizedModel& model, const FpgaPart& part, double clock_ns, HlsInterface interface,
                          const std::vector<std::string>& fixed_layers) {
  // The layers whose default parallelism follows the pipeline (dense, the lanes kinds) and are not fixed.
  auto is_balanced = [&](const QuantLayer& l) {
    return hw::hw_layer_of(l).balanced_by_default() && !is_fixed(fixed_layers, l.name);
  };
  const DesignEstimate d = estimate_design(model, part, clock_ns, interface);
  std::int64_t target_ii = 0;
  for (const auto& s : d.stages) {
    bool balanced = false;
    for (const auto& l : model.layers)
      if (l.name == s.name && is_balanced(l)) balanced = true;
    if (!balanced) target_ii = std::max(target_ii, s.ii_cycles);
  }
  for (auto& l : model.layers)
    if (is_balanced(l)) hw::hw_layer_of(l).balance(l, part, target_ii);
}

}  // namespace bcnn

#include "hls/estimate.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/error.h"
#include "hw/registry.h"
#include "hw/resources.h"

namespace bcnn {
namespace {

// Used above this fraction of a resource, placement and routing may fail or miss the clock: the
// estimate warns, and choose_parallelism keeps its designs within it.
constexpr double routable_fraction = 0.8;

bool routable(const DesignEstimate& d) {
  return d.dsp_fraction <= routable_fraction && d.bram_fraction <= routable_fraction &&
         d.lut_fraction <= routable_fraction && d.ff_fraction <= routable_fraction &&
         d.uram_fraction <= routable_fraction;
}

using hw::call_overhead;
using hw::ceil_div;
using hw::loop_depth;

// --- interface constants (docs/estimator.md, "Constants") --------------------------------------
constexpr int lutram_threshold_bits = 1024;  // smaller memories go to LUTs (distributed ROM/RAM)
// AXI adapters (Vitis HLS m_axi with default burst settings; s_axilite control): a fixed part,
// plus per data bit the adapter's data path (LUT, FF) and its burst buffer (m_axi_buffer_words
// words of the port's width, in BRAM when large enough).
constexpr Resources m_axi_port_base{0, 0, 1200, 1600};
constexpr int m_axi_lut_per_bit = 2, m_axi_ff_per_bit = 3;
constexpr int m_axi_buffer_words = 64;
constexpr Resources s_axilite_port{0, 0, 300, 400};
constexpr Resources axis_port_base{0, 0, 50, 50};
constexpr int axis_lut_per_bit = 1, axis_ff_per_bit = 1;  // the beat's register and lane muxes

// One AXI port of `bits` data bits.
Resources port_resources(HlsInterface interface, int bits) {
  Resources r = interface == HlsInterface::m_axi ? m_axi_port_base : axis_port_base;
  if (interface == HlsInterface::m_axi) {
    r.lut += std::int64_t{m_axi_lut_per_bit} * bits;
    r.ff += std::int64_t{m_axi_ff_per_bit} * bits;
    r.bram18 += std::max<std::int64_t>(1, bram18_for(m_axi_buffer_words, bits));
  } else {
    r.lut += std::int64_t{axis_lut_per_bit} * bits;
    r.ff += std::int64_t{axis_ff_per_bit} * bits;
  }
  return r;
}

// The interface stage moving `n` values of `width` bits, values_per_beat of them per cycle:
// ceil(n / values_per_beat) beats per image. On m_axi the batch moves in one burst (the burst
// latency once per batch: in the latency, not the II) through a FIFO of two images' beats, from
// which each image's stage takes its beats.
StageEstimate interface_stage(const std::string& name, const HlsPorts& ports, std::int64_t n, int width) {
  const int lanes = values_per_beat(ports.axi_bits, width);
  StageEstimate s;
  s.name = name;
  s.type = "interface";
  s.parallelism = std::to_string(lanes) + (lanes == 1 ? " value" : " values") + " per beat (" +
                  std::to_string(ports.axi_bits) + "-bit " + interface_name(ports.interface) + ")";
  const std::int64_t beats = ceil_div(n, lanes);
  s.ii_cycles = call_overhead + beats + loop_depth;
  s.latency_cycles = s.ii_cycles;
  s.resources += port_resources(ports.interface, ports.axi_bits);
  if (ports.interface == HlsInterface::m_axi) {
    s.latency_cycles += m_axi_burst_latency + beats + loop_depth;  // the burst, then through the FIFO
    hw::add_pixel_memory(s.resources, 1, 2 * beats, ports.axi_bits);
  }
  return s;
}

bool is_fixed(const std::vector<std::string>& fixed_layers, const std::string& name) {
  return std::find(fixed_layers.begin(), fixed_layers.end(), name) != fixed_layers.end();
}

}  // namespace

std::string interface_name(HlsInterface i) { return i == HlsInterface::axis ? "axis" : "m_axi"; }

int interface_word_bits(int width) { return width <= 8 ? 8 : width <= 16 ? 16 : width <= 32 ? 32 : 64; }

int values_per_beat(int axi_bits, int width) { return std::max(1, axi_bits / interface_word_bits(width)); }

void check_axi_bits(int axi_bits, int input_width, int result_width) {
  if (axi_bits < 8 || axi_bits > 1024 || (axi_bits & (axi_bits - 1)) != 0)
    throw Error("--axi-bits: expected a power of two from 8 to 1024 bits, found " + std::to_string(axi_bits));
  const int widest = std::max(interface_word_bits(input_width), interface_word_bits(result_width));
  if (axi_bits < widest)
    throw Error("--axi-bits: expected at least " + std::to_string(widest) + " bits, the width of one " +
                (interface_word_bits(input_width) >= interface_word_bits(result_width) ? "input" : "result") +
                " word, found " + std::to_string(axi_bits));
}

int choose_axi_bits(const QuantizedModel& model, const FpgaPart& part, double clock_ns, HlsInterface interface) {
  const int result_width = model.layers.empty() ? model.input.width : model.layers.back().out.width;
  const int widest = std::max(interface_word_bits(model.input.width), interface_word_bits(result_width));
  for (int bits = widest; bits < 1024; bits *= 2) {
    const DesignEstimate d = estimate_design(model, part, clock_ns, HlsPorts(interface, bits));
    std::int64_t layers_ii = 0, interface_ii = 0;
    for (const auto& s : d.stages) {
      std::int64_t& ii = s.type == "interface" ? interface_ii : layers_ii;
      ii = std::max(ii, s.ii_cycles);
    }
    if (interface_ii <= layers_ii) return bits;
  }
  return 1024;
}
std::string architecture_name(Architecture a) { return a == Architecture::reuse ? "reuse" : "dataflow"; }

// Capacities: DSP slices, 18 Kb block RAMs (2 per 36 Kb block), CLB LUTs and flip-flops.
// Sources: Xilinx DS190 (Zynq-7000 product table), DS891 (Zynq UltraScale+ MPSoC product table),
// DS923 (Virtex UltraScale+ product table), DS965 (Alveo U50) and DS962 (Alveo U200/U250); the
// same figures are listed in the vendors' board files of public projects (e.g. Ultra96: 360 DSP,
// 432 BRAM18K, 70,560 LUT, 141,120 FF; ZCU104: 1,728 / 624 / 230,400 / 460,800). UltraRAM
// blocks (URAM288) from the same tables: ZU7EV 96 (27.0 Mb), U50 640, U250 1,280, VU9P 960; the
// Zynq-7000, ZU3EG and ZU9EG have none.
const std::vector<FpgaPart>& fpga_parts() {
  static const std::vector<FpgaPart> parts{
      {"xc7z020clg400-1", "Zynq-7000 XC7Z020 (PYNQ-Z1/Z2, Zybo Z7-20)", 220, 280, 53200, 106400, 25, 18, 0},
      {"xczu3eg-sbva484-1-e", "Zynq UltraScale+ ZU3EG (Ultra96)", 360, 432, 70560, 141120, 27, 18, 0},
      {"xczu7ev-ffvc1156-2-e", "Zynq UltraScale+ ZU7EV (ZCU104)", 1728, 624, 230400, 460800, 27, 18, 96},
      {"xczu9eg-ffvb1156-2-e", "Zynq UltraScale+ ZU9EG (ZCU102)", 2520, 1824, 274080, 548160, 27, 18, 0},
      {"xcu50-fsvh2104-2-e", "Alveo U50 (XCU50)", 5952, 2688, 871680, 1743360, 27, 18, 640},
      {"xcu250-figd2104-2L-e", "Alveo U250 (XCU250)", 12288, 5376, 1728000, 3456000, 27, 18, 1280},
      {"xcvu9p-flga2104-2L-e", "Virtex UltraScale+ VU9P (VCU118)", 6840, 4320, 1182240, 2364480, 27, 18, 960},
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

std::int64_t uram_for(std::int64_t depth, int width) {
  if (depth <= 0 || width <= 0) return 0;
  return ceil_div(depth, 4096) * ceil_div(width, 72);
}

DesignEstimate estimate_design(const QuantizedModel& model, const FpgaPart& part, double clock_ns,
                               const HlsPorts& ports) {
  DesignEstimate d;
  d.part = part;
  d.interface = ports.interface;
  d.axi_bits = ports.axi_bits;
  d.clock_ns = clock_ns;
  const int result_width = model.layers.empty() ? model.input.width : model.layers.back().out.width;
  d.input_values_per_beat = values_per_beat(ports.axi_bits, model.input.width);
  d.result_values_per_beat = values_per_beat(ports.axi_bits, result_width);

  // Read: one beat of values_per_beat input values per cycle into the first buffer, which is
  // partitioned cyclically into that many banks.
  {
    StageEstimate s = interface_stage("read input", ports, model.n_in, model.input.width);
    if (ports.interface == HlsInterface::m_axi) s.resources += s_axilite_port;
    // Weights in UltraRAM: the params port that loads them (64-bit words).
    bool runtime_params = false;
    for (const auto& l : model.layers) runtime_params = runtime_params || hw::hw_layer_of(l).weights_in_uram(l);
    if (runtime_params) s.resources += port_resources(HlsInterface::m_axi, 64);
    hw::add_memory(s.resources, 2 * d.input_values_per_beat, ceil_div(model.n_in, d.input_values_per_beat),
                   model.input.width);
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
  d.stages.push_back(interface_stage("write output", ports, model.n_out, result_width));

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
  // URAM on a part without any: more than 100%.
  d.uram_fraction = part.uram > 0 ? fraction(d.total.uram, part.uram) : d.total.uram > 0 ? 2.0 : 0.0;
  for (const auto& [name, f] : {std::pair{"DSP", d.dsp_fraction}, {"BRAM18K", d.bram_fraction},
                                {"LUT", d.lut_fraction}, {"FF", d.ff_fraction}, {"URAM", d.uram_fraction}})
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
    else if (f > routable_fraction)
      high.push_back(buffer);
  };
  check("DSP", d.total.dsp, part.dsp, d.dsp_fraction);
  check("BRAM18K", d.total.bram18, part.bram18, d.bram_fraction);
  check("LUT", d.total.lut, part.lut, d.lut_fraction);
  check("FF", d.total.ff, part.ff, d.ff_fraction);
  if (d.total.uram > 0) check("URAM", d.total.uram, part.uram, d.uram_fraction);
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return s;
  };
  // An interface stage as the bound: the ports move too few values per cycle.
  for (const auto& s : d.stages)
    if (s.type == "interface" && s.ii_cycles == d.ii_cycles && d.stages.size() > 2) {
      char buffer[256];
      std::snprintf(buffer, sizeof buffer,
                    "the %s stage bounds the throughput (II %lld cycles, %s): widen the ports with --axi-bits",
                    s.name.c_str(), static_cast<long long>(s.ii_cycles), s.parallelism.c_str());
      d.warnings.push_back(buffer);
      break;
    }
  d.fits = over.empty();
  if (!over.empty())
    d.warnings.push_back("DOES NOT FIT on " + part.name + ": " + join(over) + "; " +
                         (d.architecture == Architecture::reuse ? "lower --reuse-batch" : "lower the parallelism") +
                         ", narrow the formats or choose a larger --part");
  if (!high.empty())
    d.warnings.push_back("above 80% of " + part.name + ": " + join(high) +
                         "; placement and routing may fail or miss the clock");
}

namespace {

// The design's estimate with its ports: with auto_width, the ports choose_axi_bits gives it.
DesignEstimate estimate_with_ports(const QuantizedModel& model, const FpgaPart& part, double clock_ns,
                                   const HlsPorts& ports) {
  if (!ports.auto_width) return estimate_design(model, part, clock_ns, ports);
  return estimate_design(model, part, clock_ns,
                         HlsPorts(ports.interface, choose_axi_bits(model, part, clock_ns, ports.interface)));
}

// Each layer's cheapest parallelism for target_ii (the layers in `fixed_layers` keep theirs); the
// warnings say which stages cannot reach it (at `images_per_s`, for the message).
std::vector<std::string> choose_for_ii(QuantizedModel& model, const FpgaPart& part, double clock_ns,
                                       const HlsPorts& ports, std::int64_t target_ii, double images_per_s,
                                       const std::vector<std::string>& fixed_layers) {
  std::vector<std::string> warnings;
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
  place_weights(model, part, clock_ns, ports, fixed_layers);
  // Stages whose II no parallelism changes: the kinds without knobs and the interfaces.
  const DesignEstimate d = estimate_with_ports(model, part, clock_ns, ports);
  for (const auto& s : d.stages) {
    const hw::HwLayer* kind = hw::find_hw_layer(s.type);
    if ((s.type == "interface" || (kind && !kind->has_parallelism())) && s.ii_cycles > target_ii)
      out_of_reach(s.name, s.ii_cycles);
  }
  return warnings;
}

}  // namespace

std::vector<std::string> choose_parallelism(QuantizedModel& model, const FpgaPart& part, double clock_ns,
                                            const HlsPorts& ports, double images_per_s,
                                            const std::vector<std::string>& fixed_layers) {
  const std::int64_t target_ii = static_cast<std::int64_t>(std::floor(1e9 / (clock_ns * images_per_s)));
  QuantizedModel chosen = model;
  std::vector<std::string> warnings =
      choose_for_ii(chosen, part, clock_ns, ports, target_ii, images_per_s, fixed_layers);
  // Out of reach: the slowest stage sets the II, and the other layers need no more than that.
  const std::int64_t reachable_ii = estimate_with_ports(chosen, part, clock_ns, ports).ii_cycles;
  if (reachable_ii > target_ii) {
    chosen = model;
    choose_for_ii(chosen, part, clock_ns, ports, reachable_ii, images_per_s, fixed_layers);
  }
  if (routable(estimate_with_ports(chosen, part, clock_ns, ports))) {
    model = std::move(chosen);
    return warnings;
  }
  // The target's design does not fit the part within routable_fraction: the smallest II between
  // it and the cheapest design's that does (by bisection: more cycles, fewer resources). The
  // target's warnings stay: they name the stages' lower bounds.
  std::int64_t no_fit = target_ii, fit = std::max<std::int64_t>(target_ii + 1, 1);
  QuantizedModel trial = model;
  for (;;) {
    trial = model;
    choose_for_ii(trial, part, clock_ns, ports, fit, images_per_s, fixed_layers);
    if (routable(estimate_with_ports(trial, part, clock_ns, ports))) break;
    no_fit = fit;
    if (fit > (std::int64_t{1} << 40)) {  // nothing fits: the cheapest design, and say so
      model = std::move(trial);
      char buffer[256];
      std::snprintf(buffer, sizeof buffer,
                    "--target-images-per-s %.6g: even the cheapest design uses more than 80%% of a resource of %s; "
                    "compiled the cheapest",
                    images_per_s, part.name.c_str());
      warnings.push_back(buffer);
      return warnings;
    }
    fit *= 2;
  }
  while (fit - no_fit > 1) {
    const std::int64_t middle = no_fit + (fit - no_fit) / 2;
    trial = model;
    choose_for_ii(trial, part, clock_ns, ports, middle, images_per_s, fixed_layers);
    if (routable(estimate_with_ports(trial, part, clock_ns, ports)))
      fit = middle;
    else
      no_fit = middle;
  }
  choose_for_ii(model, part, clock_ns, ports, fit, images_per_s, fixed_layers);
  const DesignEstimate d = estimate_with_ports(model, part, clock_ns, ports);
  char buffer[320];
  std::snprintf(buffer, sizeof buffer,
                "--target-images-per-s %.6g does not fit %s within 80%% of every resource: the fastest design "
                "found that does reaches %.6g "
                "images/s (II %lld cycles, bound by stage %s, %s at %.0f%%); compiled that one",
                images_per_s, part.name.c_str(), d.images_per_s, static_cast<long long>(d.ii_cycles),
                d.bottleneck_stage.c_str(), d.busiest_resource.c_str(), 100 * d.busiest_fraction);
  warnings.push_back(buffer);
  return warnings;
}

void balance_layers(QuantizedModel& model, const FpgaPart& part, double clock_ns, const HlsPorts& ports,
                          const std::vector<std::string>& fixed_layers) {
  // The layers whose default parallelism follows the pipeline (dense, the lanes kinds) and are not fixed.
  auto is_balanced = [&](const QuantLayer& l) {
    return hw::hw_layer_of(l).balanced_by_default() && !is_fixed(fixed_layers, l.name);
  };
  const DesignEstimate d = estimate_with_ports(model, part, clock_ns, ports);
  std::int64_t target_ii = 0;
  for (const auto& s : d.stages) {
    bool balanced = false;
    for (const auto& l : model.layers)
      if (l.name == s.name && is_balanced(l)) balanced = true;
    if (!balanced) target_ii = std::max(target_ii, s.ii_cycles);
  }
  for (auto& l : model.layers)
    if (is_balanced(l)) hw::hw_layer_of(l).balance(l, part, target_ii);
  place_weights(model, part, clock_ns, ports, fixed_layers);
}

void place_weights(QuantizedModel& model, const FpgaPart& part, double clock_ns, const HlsPorts& ports,
                   const std::vector<std::string>& fixed_layers) {
  if (part.uram == 0 || ports.interface != HlsInterface::m_axi) return;
  for (;;) {
    const DesignEstimate d = estimate_with_ports(model, part, clock_ns, ports);
    if (d.bram_fraction <= routable_fraction) return;
    // The candidate that frees the most block RAMs per URAM and keeps URAM within the fraction.
    QuantLayer* best = nullptr;
    double best_ratio = 0;
    for (auto& l : model.layers) {
      const hw::HwLayer& kind = hw::hw_layer_of(l);
      if (is_fixed(fixed_layers, l.name) || !kind.has_hardware(l) || !kind.can_use_uram(l) || kind.weights_in_uram(l))
        continue;
      const StageEstimate before = kind.estimate(l, part);
      QuantLayer moved = l;
      kind.set_weights_in_uram(moved, true);
      const StageEstimate after = kind.estimate(moved, part);
      const std::int64_t freed = before.resources.bram18 - after.resources.bram18;
      const std::int64_t urams = after.resources.uram - before.resources.uram;
      if (freed <= 0 || urams <= 0 ||
          static_cast<double>(d.total.uram + urams) > routable_fraction * static_cast<double>(part.uram))
        continue;
      const double ratio = static_cast<double>(freed) / static_cast<double>(urams);
      if (!best || ratio > best_ratio) {
        best = &l;
        best_ratio = ratio;
      }
    }
    if (!best) return;
    hw::hw_layer_of(*best).set_weights_in_uram(*best, true);
  }
}

}  // namespace bcnn

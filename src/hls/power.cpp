#include "hls/power.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

namespace bcnn {
namespace {

// --- sources (docs/estimator.md, "Energy model") -------------------------------------------------
//
// Xilinx publishes no per-resource power table; XPE (UG440) and Vivado's report_power compute it
// from device models. The coefficients below are read off published report_power outputs, each
// divided by the resource count and the clock it reports, at Vivado's vectorless defaults (no
// simulation activity file: toggle rate 12.5%, static probability 0.5, the defaults of
// set_switching_activity in UG835).
//
// [U50] cyansemi/csre-demo-v1, README.md, "Utilizaiton and Power": report_power of a routed
//       Alveo U50 design (Vivado/Vitis 2019.2, kernel clock 180 MHz, no activity file):
//       LUT as Logic 1.235 W for 475,034; Register 0.137 W for 665,852; Signals 3.132 W for
//       1,062,891 nets; Clocks 2.464 W; Block RAM 1.532 W for 412.5 36K tiles; Device Static
//       2.335 W plus HBM Static 0.264 W at a 34.8 C junction. The shell's logic on other clocks is
//       in the same figures, so the per-MHz values are approximate.
// [A7]  nova-studios-hw/novagpu-ts1t, README.md, "Power Report (Post-Route)": Artix-7
//       xc7a100t (63,400 LUTs), 100 MHz core clock, Vivado 2023.1: DSPs 0.010 W for 19 DSP48E1;
//       Device Static 0.103 W at a 25.8 C junction.
// [ZCU104] arthurmlima/cryptolmap, README.md, "Results": report_power of a ZCU104 (xczu7ev)
//       design, Vivado 2023.1: Device Static 0.694 W at a 28.6 C junction (PS included).
// [ZU+ wiki] Xilinx wiki, "Power Optimization Guide for Zynq UltraScale+ MPSoC", Device
//       Capacity: "XCZU19EG device consumes 850mW more than a XCZU2EG device in static power";
//       with their LUT counts (522,720 and 47,232, DS891) a slope of 1.79 uW per LUT of capacity.
// [UG573] UltraScale Architecture Memory Resources: a URAM288 is 4K x 72 bits, 8 times the bits
//       of a 36K block RAM, read 72 bits per port and cycle (a 36K block RAM: up to 72 across both).
// [DS187, DS925] the nominal VCCINT: 1.0 V for Zynq-7000 / 7 series, 0.85 V for Zynq
//       UltraScale+; dynamic power goes with VCCINT squared.

constexpr double u50_clock_mhz = 180;
constexpr double u50_lut_w = 1.235, u50_luts = 475034;
constexpr double u50_register_w = 0.137, u50_registers = 665852;
constexpr double u50_signals_w = 3.132;
constexpr double u50_clocks_w = 2.464;
constexpr double u50_bram_w = 1.532, u50_bram36 = 412.5;
constexpr double u50_device_static_w = 2.335, u50_hbm_static_w = 0.264, u50_part_luts = 871680;

constexpr double a7_clock_mhz = 100;
constexpr double a7_dsp_w = 0.010, a7_dsps = 19;
constexpr double a7_static_w = 0.103, a7_luts = 63400;

constexpr double zcu104_static_w = 0.694, zu7ev_luts = 230400;
constexpr double ultrascale_static_w_per_lut = 0.850 / (522720 - 47232);

constexpr double vccint_7series = 1.0, vccint_ultrascale = 0.85;
// Assumption (no published DSP48E2 figure found): a DSP48E2 draws what a DSP48E1 draws [A7]
// scaled by the supply voltage squared.
constexpr double voltage_scale_16nm = (vccint_ultrascale * vccint_ultrascale) / (vccint_7series * vccint_7series);

PowerCoefficients ultrascale_plus() {
  PowerCoefficients c;
  c.family = "UltraScale+ (16 nm)";
  c.dsp_uw_per_mhz = 1e6 * a7_dsp_w / (a7_dsps * a7_clock_mhz) * voltage_scale_16nm;  // assumption, see above
  c.bram18_uw_per_mhz = 1e6 * u50_bram_w / (2 * u50_bram36 * u50_clock_mhz);       // [U50]
  // Assumption (no published per-block figure found): a URAM288 draws what two 36K block RAMs
  // draw [U50], as it moves as many bits per cycle [UG573]; its larger array is idle between reads.
  c.uram_uw_per_mhz = 4 * c.bram18_uw_per_mhz;
  c.lut_uw_per_mhz = 1e6 * u50_lut_w / (u50_luts * u50_clock_mhz);                 // [U50]
  c.ff_uw_per_mhz = 1e6 * u50_register_w / (u50_registers * u50_clock_mhz);        // [U50]
  c.routing_uw_per_mhz = 1e6 * u50_signals_w / ((u50_luts + u50_registers) * u50_clock_mhz);  // [U50]
  c.clock_uw_per_mhz = 1e6 * u50_clocks_w / (u50_registers * u50_clock_mhz);       // [U50]
  return c;
}

PowerCoefficients seven_series() {
  // Assumption for everything but the DSP: the UltraScale+ capacitances [U50] at the 7 series'
  // higher supply voltage (28 nm capacitances are, if anything, larger: an underestimate).
  PowerCoefficients c = ultrascale_plus();
  c.family = "7 series (28 nm)";
  c.dsp_uw_per_mhz = 1e6 * a7_dsp_w / (a7_dsps * a7_clock_mhz);  // [A7]
  c.bram18_uw_per_mhz /= voltage_scale_16nm;
  c.uram_uw_per_mhz = 0;  // 7 series parts have no UltraRAM
  c.lut_uw_per_mhz /= voltage_scale_16nm;
  c.ff_uw_per_mhz /= voltage_scale_16nm;
  c.routing_uw_per_mhz /= voltage_scale_16nm;
  c.clock_uw_per_mhz /= voltage_scale_16nm;
  return c;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

// The part's static power and where it comes from.
void set_static_power(PowerCoefficients& c, const FpgaPart& part) {
  const std::string name = lower(part.name);
  const double luts = static_cast<double>(part.lut);
  char buffer[256];
  if (starts_with(name, "xc7")) {
    // PL only: the Zynq-7000 processing system's static power is not modelled.
    c.static_w = a7_static_w * luts / a7_luts;
    std::snprintf(buffer, sizeof buffer,
                  "xc7a100t's %.3g W (Vivado 2023.1 report, nova-studios-hw/novagpu-ts1t) scaled by LUT count "
                  "(assumption); PL only",
                  a7_static_w);
  } else if (starts_with(name, "xczu7ev")) {
    c.static_w = zcu104_static_w;
    std::snprintf(buffer, sizeof buffer, "ZCU104 report_power, Vivado 2023.1 (arthurmlima/cryptolmap), PS included");
  } else if (starts_with(name, "xcu50")) {
    c.static_w = u50_device_static_w + u50_hbm_static_w;
    std::snprintf(buffer, sizeof buffer, "Alveo U50 report_power, Vivado 2019.2 (cyansemi/csre-demo-v1), HBM included");
  } else if (starts_with(name, "xczu")) {
    c.static_w = zcu104_static_w + ultrascale_static_w_per_lut * (luts - zu7ev_luts);
    std::snprintf(buffer, sizeof buffer,
                  "ZCU104's %.3g W plus 1.79 uW per LUT of capacity (Xilinx wiki: ZU19EG 850 mW above ZU2EG)",
                  zcu104_static_w);
  } else {
    // Virtex UltraScale+ and the Alveo cards built on it (several dies: likely an underestimate).
    c.static_w = u50_device_static_w + ultrascale_static_w_per_lut * (luts - u50_part_luts);
    std::snprintf(buffer, sizeof buffer,
                  "Alveo U50's %.4g W plus 1.79 uW per LUT of capacity (Xilinx wiki slope; extrapolated, "
                  "assumption)",
                  u50_device_static_w);
  }
  c.static_w = std::max(c.static_w, 0.0);
  c.static_source = buffer;
}

std::string fixed(double v, int decimals) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

// Thousands separators on the integer part.
std::string grouped(double v, int decimals = 0) {
  std::string text = fixed(v, decimals);
  const std::size_t dot = text.find('.');
  std::string integer = text.substr(0, dot), rest = dot == std::string::npos ? "" : text.substr(dot);
  const bool negative = !integer.empty() && integer[0] == '-';
  if (negative) integer.erase(0, 1);
  std::string out;
  for (std::size_t i = 0; i < integer.size(); ++i) {
    if (i > 0 && (integer.size() - i) % 3 == 0) out += ',';
    out += integer[i];
  }
  std::string sign = negative ? "-" : "";
  return sign + out + rest;
}

// Three significant digits, grouped when large.
std::string significant(double v) {
  if (v == 0) return "0";
  if (std::fabs(v) >= 1000) return grouped(v);
  const int decimals = std::max(0, 2 - static_cast<int>(std::floor(std::log10(std::fabs(v)))));
  return fixed(v, decimals);
}

std::string range_text(double lo, double hi, double scale = 1) {
  if (lo == 0 && hi == 0) return "-";
  if (lo == hi) return significant(lo * scale);
  return significant(lo * scale) + "-" + significant(hi * scale);
}

}  // namespace

PowerModel power_model_for(const FpgaPart& part) {
  PowerModel model;
  model.name = "bcnn-power-1";
  model.coefficients = starts_with(lower(part.name), "xc7") ? seven_series() : ultrascale_plus();
  set_static_power(model.coefficients, part);
  return model;
}

PowerEstimate estimate_power(const Resources& used, double clock_ns, double images_per_s, const PowerModel& model) {
  const PowerCoefficients& c = model.coefficients;
  PowerEstimate p;
  p.model = model.name;
  p.family = c.family;
  p.toggle_rate = model.toggle_rate;
  p.clock_mhz = clock_ns > 0 ? 1000.0 / clock_ns : 0;
  // P = f_MHz * sum(count * uW/MHz) * 1e-6; data-driven terms scale with the toggle rate.
  const double activity = model.toggle_rate / reference_toggle_rate;
  const double watts_per = p.clock_mhz * 1e-6;
  const auto dsp = static_cast<double>(used.dsp), bram18 = static_cast<double>(used.bram18),
             lut = static_cast<double>(used.lut), ff = static_cast<double>(used.ff);
  p.dsp_w = dsp * c.dsp_uw_per_mhz * watts_per * activity;
  p.bram_w = bram18 * c.bram18_uw_per_mhz * watts_per;
  p.uram_w = static_cast<double>(used.uram) * c.uram_uw_per_mhz * watts_per;
  p.lut_w = lut * c.lut_uw_per_mhz * watts_per * activity;
  p.ff_w = ff * c.ff_uw_per_mhz * watts_per * activity;
  p.routing_w = (lut + ff) * c.routing_uw_per_mhz * watts_per * activity;
  p.clock_w = ff * c.clock_uw_per_mhz * watts_per;
  p.static_w = c.static_w;
  p.dynamic_w = p.dsp_w + p.bram_w + p.uram_w + p.lut_w + p.ff_w + p.routing_w + p.clock_w;
  p.total_w = p.static_w + p.dynamic_w;
  p.images_per_s = images_per_s;
  p.images_per_j = p.total_w > 0 ? images_per_s / p.total_w : 0;
  p.uj_per_image = p.images_per_j > 0 ? 1e6 / p.images_per_j : 0;
  return p;
}

PowerEstimate estimate_power(const DesignEstimate& design) {
  return estimate_power(design.total, design.clock_ns, design.images_per_s, power_model_for(design.part));
}

std::string power_summary_line(const PowerEstimate& p) {
  char buffer[320];
  std::snprintf(buffer, sizeof buffer,
                "power   ~%.3g W (static %.3g + dynamic %.3g, model %s, %s, %.1f%% toggle): %s images/J, %s uJ per "
                "image (estimate until a Vivado power report confirms it)\n",
                p.total_w, p.static_w, p.dynamic_w, p.model.c_str(), p.family.c_str(), 100 * p.toggle_rate,
                grouped(p.images_per_j).c_str(), significant(p.uj_per_image).c_str());
  return buffer;
}

// Esser et al., "Convolutional networks for fast, energy-efficient neuromorphic computing",
// PNAS 113(41), 2016: 1,200-2,600 frames/s at 25-275 mW, above 6,000 frames/s per watt.
// Esser et al., "Backpropagation for energy-efficient neuromorphic computing", NIPS 2015, MNIST:
// 99.42% at 108 uJ per image (64-network ensemble), 92.7% at 0.268 uJ per image (one network).
const std::vector<TrueNorthFigure>& truenorth_figures() {
  static const std::vector<TrueNorthFigure> figures{
      {"Esser et al., PNAS 2016", "8 datasets, one chip", "", -1, 1200, 2600, 0.025, 0.275, 6000, true},
      {"Esser et al., NIPS 2015", "MNIST, 64-network ensemble", "mnist", 0.9942, 0, 0, 0, 0, 1e6 / 108, false},
      {"Esser et al., NIPS 2015", "MNIST, one network", "mnist", 0.927, 0, 0, 0, 0, 1e6 / 0.268, false},
  };
  return figures;
}

std::vector<TrueNorthComparison> compare_with_truenorth(const PowerEstimate& power, double accuracy,
                                                        const std::string& dataset) {
  std::vector<TrueNorthComparison> out;
  int matched = -1;
  for (const auto& f : truenorth_figures()) {
    TrueNorthComparison c;
    c.figure = f;
    c.speed_ratio = f.images_per_s_max > 0 ? power.images_per_s / f.images_per_s_max : 0;
    c.energy_ratio = f.images_per_j > 0 ? power.images_per_j / f.images_per_j : 0;
    out.push_back(c);
  }
  auto on_dataset = [&](std::size_t i) {
    return !dataset.empty() && out[i].figure.dataset == dataset && out[i].figure.accuracy >= 0;
  };
  // The cheapest figure on our dataset reaching our accuracy ...
  for (std::size_t i = 0; i < out.size(); ++i)
    if (on_dataset(i) && out[i].figure.accuracy >= accuracy &&
        (matched < 0 || out[i].figure.images_per_j > out[matched].figure.images_per_j))
      matched = static_cast<int>(i);
  // ... else the most accurate one.
  if (matched < 0)
    for (std::size_t i = 0; i < out.size(); ++i)
      if (on_dataset(i) && (matched < 0 || out[i].figure.accuracy > out[matched].figure.accuracy))
        matched = static_cast<int>(i);
  if (matched >= 0) out[matched].at_our_accuracy = true;
  return out;
}

std::string ratio_text(double ratio) {
  if (ratio <= 0) return "-";
  if (ratio >= 10) return grouped(ratio) + "x";
  if (ratio >= 1) return fixed(ratio, 1) + "x";
  return significant(ratio) + "x";
}

TextTable power_table(const PowerEstimate& p) {
  auto watts = [](double w) { return fixed(w, 3); };
  TextTable t;
  t.header = {"part of the power", "W"};
  t.rows = {{"static (device)", watts(p.static_w)},
            {"dynamic: DSP", watts(p.dsp_w)},
            {"dynamic: block RAM", watts(p.bram_w)},
            {"dynamic: LUT", watts(p.lut_w)},
            {"dynamic: FF", watts(p.ff_w)},
            {"dynamic: routing", watts(p.routing_w)},
            {"dynamic: clock tree", watts(p.clock_w)},
            {"dynamic", watts(p.dynamic_w)},
            {"total", watts(p.total_w)}};
  if (p.uram_w > 0) t.rows.insert(t.rows.begin() + 3, {"dynamic: UltraRAM", watts(p.uram_w)});
  return t;
}

TextTable truenorth_table(const PowerEstimate& p, double accuracy, const std::string& dataset) {
  TextTable t;
  t.header = {"design", "accuracy", "images/s", "W", "images/J", "uJ/image", "speed ratio", "energy ratio"};
  t.rows.push_back({"this design (estimate)", fixed(100 * accuracy, 2) + "% (fixed point, tb)",
                    grouped(p.images_per_s), significant(p.total_w), grouped(p.images_per_j),
                    significant(p.uj_per_image), "1x", "1x"});
  for (const auto& c : compare_with_truenorth(p, accuracy, dataset)) {
    const auto& f = c.figure;
    std::string name = "TrueNorth: " + f.configuration + " (" + f.source + ")";
    if (c.at_our_accuracy) name += " **at our accuracy**";
    // A lower bound on TrueNorth's images/J bounds its uJ/image and our energy ratio from above.
    std::string images_per_j = f.images_per_j_is_lower_bound ? ">" : "";
    std::string uj_per_image = f.images_per_j_is_lower_bound ? "<" : "";
    std::string energy_ratio = uj_per_image;
    images_per_j += grouped(f.images_per_j);
    uj_per_image += significant(1e6 / f.images_per_j);
    energy_ratio += ratio_text(c.energy_ratio);
    t.rows.push_back({name, f.accuracy < 0 ? "-" : fixed(100 * f.accuracy, 2) + "%",
                      range_text(f.images_per_s_min, f.images_per_s_max), range_text(f.watts_min, f.watts_max),
                      images_per_j, uj_per_image, ratio_text(c.speed_ratio), energy_ratio});
  }
  return t;
}

}  // namespace bcnn

#pragma once
// An energy model of the design that bcnn-compile generates: the part's static power plus a
// dynamic power per used DSP, 18K block RAM, LUT and flip-flop (with the routing and clock tree
// they load) per MHz of the clock at an assumed toggle rate, from public Vivado power reports and
// Xilinx documents (every coefficient and its source in power.cpp and docs/estimator.md,
// "Energy model"). From it: watts, images per joule and microjoules per image at the estimate's
// throughput, and a comparison with IBM TrueNorth's published figures. It is an estimate until a
// Vivado power report (report_power after place and route) confirms it.
#include <string>
#include <vector>

#include "hls/estimate.h"

namespace bcnn {

// Dynamic power per used resource per MHz of the clock (uW/MHz) at the reference toggle rate
// (Vivado's vectorless default, 12.5%), and the device's static power.
struct PowerCoefficients {
  std::string family;        // e.g. "Zynq UltraScale+ / Virtex UltraScale+ (16 nm)"
  double static_w = 0;       // device static power of the part (W), junction at about 25-35 C
  std::string static_source; // where static_w comes from
  double dsp_uw_per_mhz = 0;
  double bram18_uw_per_mhz = 0;
  double uram_uw_per_mhz = 0;     // URAM288 block (UltraScale+ only)
  double lut_uw_per_mhz = 0;      // LUT as logic, the cell itself
  double ff_uw_per_mhz = 0;       // register, the cell itself
  double routing_uw_per_mhz = 0;  // signal routing, per LUT and per FF output (a net each)
  double clock_uw_per_mhz = 0;    // clock tree, per FF it reaches
};

struct PowerModel {
  std::string name;  // names this model and its coefficients in the reports, e.g. "bcnn-power-1"
  PowerCoefficients coefficients;
  // Fraction of clock cycles in which a data signal toggles. The coefficients hold at the
  // reference 12.5%; DSP, LUT, FF and routing power scale in proportion, clock and block RAM
  // power (clock tree, enable-driven reads) do not.
  double toggle_rate = 0.125;
};

constexpr double reference_toggle_rate = 0.125;

// The model for `part`: the coefficients of its family (28 nm 7 series, 16 nm UltraScale+) and
// its static power (power.cpp names the source of each; parts not listed there get their
// family's static power scaled by LUT count).
PowerModel power_model_for(const FpgaPart& part);

struct PowerEstimate {
  std::string model;
  std::string family;
  double toggle_rate = 0;
  double clock_mhz = 0;
  double static_w = 0, dynamic_w = 0, total_w = 0;
  // The dynamic power by what draws it.
  double dsp_w = 0, bram_w = 0, uram_w = 0, lut_w = 0, ff_w = 0, routing_w = 0, clock_w = 0;
  double images_per_s = 0;
  double images_per_j = 0;   // images_per_s / total_w
  double uj_per_image = 0;   // 1e6 / images_per_j (0 when images_per_s is 0)
};

// Power and energy of a design using `used` at `clock_ns` running `images_per_s`.
PowerEstimate estimate_power(const Resources& used, double clock_ns, double images_per_s, const PowerModel& model);
// The same for a whole design estimate, with power_model_for(its part).
PowerEstimate estimate_power(const DesignEstimate& design);

// The line bcnn-compile prints under the estimate.
std::string power_summary_line(const PowerEstimate& power);

// IBM TrueNorth's published figures (Esser et al., PNAS 2016; Esser et al., NIPS 2015).
struct TrueNorthFigure {
  std::string source;         // e.g. "Esser et al., NIPS 2015"
  std::string configuration;  // e.g. "MNIST, 64-network ensemble"
  std::string dataset;        // "mnist", or "" for the figures over several datasets
  double accuracy = -1;       // fraction; -1 when the figure is not tied to one accuracy
  double images_per_s_min = 0, images_per_s_max = 0;  // 0: not published
  double watts_min = 0, watts_max = 0;                // 0: not published
  double images_per_j = 0;
  bool images_per_j_is_lower_bound = false;  // "above 6,000 frames/s per watt"
};
const std::vector<TrueNorthFigure>& truenorth_figures();

struct TrueNorthComparison {
  TrueNorthFigure figure;
  double speed_ratio = 0;   // our images/s over TrueNorth's highest; 0 when not published
  double energy_ratio = 0;  // our images/J over TrueNorth's
  bool at_our_accuracy = false;
};
// Each TrueNorth figure beside `power`. On the dataset of a figure, the one "at our accuracy" is
// the cheapest one reaching at least `accuracy` (the fixed-point accuracy on the test bench),
// or the most accurate one when none does.
std::vector<TrueNorthComparison> compare_with_truenorth(const PowerEstimate& power, double accuracy,
                                                        const std::string& dataset);

// Text tables for the reports (header and rows; the project writer renders them).
struct TextTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
TextTable power_table(const PowerEstimate& power);
TextTable truenorth_table(const PowerEstimate& power, double accuracy, const std::string& dataset);

// "152x", "3.4x", "0.86x".
std::string ratio_text(double ratio);

}  // namespace bcnn

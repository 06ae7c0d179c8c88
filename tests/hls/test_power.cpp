// The energy model (src/hls/power.{h,cpp}): static power alone for an empty design, dynamic power
// growing with every resource, the clock and the toggle rate, a hand-computed value, the
// coefficients' arithmetic from their sources, and the TrueNorth comparison.
#include <doctest/doctest.h>

#include <string>

#include "hls/estimate.h"
#include "hls/power.h"

namespace {

using bcnn::PowerEstimate;
using bcnn::PowerModel;
using bcnn::Resources;

// Round numbers, so that the expected values below are computed by hand.
PowerModel hand_model() {
  PowerModel m;
  m.name = "hand";
  m.coefficients.family = "test";
  m.coefficients.static_w = 0.5;
  m.coefficients.dsp_uw_per_mhz = 2;
  m.coefficients.bram18_uw_per_mhz = 10;
  m.coefficients.lut_uw_per_mhz = 0.01;
  m.coefficients.ff_uw_per_mhz = 0.001;
  m.coefficients.routing_uw_per_mhz = 0.02;
  m.coefficients.clock_uw_per_mhz = 0.03;
  return m;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("power: an empty design draws the part's static power only, on every listed part") {
  for (const auto& part : bcnn::fpga_parts()) {
    CAPTURE(part.name);
    const PowerModel model = bcnn::power_model_for(part);
    const PowerEstimate p = bcnn::estimate_power(Resources{}, 5, 1000, model);
    CHECK(model.coefficients.static_w > 0.05);
    CHECK(model.coefficients.static_w < 10);
    CHECK(!model.coefficients.static_source.empty());
    CHECK(p.dynamic_w == 0);
    CHECK(p.total_w == doctest::Approx(model.coefficients.static_w));
    CHECK(p.images_per_j == doctest::Approx(1000 / model.coefficients.static_w));
  }
}

TEST_CASE("power: dynamic power grows with each resource, the clock and the toggle rate") {
  const auto part = bcnn::find_fpga_part("xczu7ev-ffvc1156-2-e");
  REQUIRE(part);
  const PowerModel model = bcnn::power_model_for(*part);
  const Resources base{10, 20, 5000, 8000};
  const double base_w = bcnn::estimate_power(base, 5, 1000, model).dynamic_w;
  CHECK(base_w > 0);
  Resources more = base;
  more.dsp += 1;
  CHECK(bcnn::estimate_power(more, 5, 1000, model).dynamic_w > base_w);
  more = base;
  more.bram18 += 1;
  CHECK(bcnn::estimate_power(more, 5, 1000, model).dynamic_w > base_w);
  more = base;
  more.lut += 1;
  CHECK(bcnn::estimate_power(more, 5, 1000, model).dynamic_w > base_w);
  more = base;
  more.ff += 1;
  CHECK(bcnn::estimate_power(more, 5, 1000, model).dynamic_w > base_w);
  // A faster clock (shorter period) draws more; dynamic power is linear in the frequency.
  CHECK(bcnn::estimate_power(base, 4, 1000, model).dynamic_w > base_w);
  CHECK(bcnn::estimate_power(base, 10, 1000, model).dynamic_w == doctest::Approx(base_w / 2));
  PowerModel busier = model;
  busier.toggle_rate = 0.25;
  CHECK(bcnn::estimate_power(base, 5, 1000, busier).dynamic_w > base_w);
  // Static power does not depend on the design.
  CHECK(bcnn::estimate_power(base, 5, 1000, model).static_w == doctest::Approx(model.coefficients.static_w));
  // More throughput at the same power: more images per joule.
  CHECK(bcnn::estimate_power(base, 5, 2000, model).images_per_j ==
        doctest::Approx(2 * bcnn::estimate_power(base, 5, 1000, model).images_per_j));
}

TEST_CASE("power: a hand-computed design") {
  // 200 MHz: W = 200 * 1e-6 * (10*2 + 4*10 + 1000*0.01 + 2000*0.001 + 3000*0.02 + 2000*0.03)
  //            = 200e-6 * (20 + 40 + 10 + 2 + 60 + 60) = 0.0384 W
  const PowerEstimate p = bcnn::estimate_power(Resources{10, 4, 1000, 2000}, 5, 10000, hand_model());
  CHECK(p.clock_mhz == doctest::Approx(200));
  CHECK(p.dsp_w == doctest::Approx(0.004));
  CHECK(p.bram_w == doctest::Approx(0.008));
  CHECK(p.lut_w == doctest::Approx(0.002));
  CHECK(p.ff_w == doctest::Approx(0.0004));
  CHECK(p.routing_w == doctest::Approx(0.012));
  CHECK(p.clock_w == doctest::Approx(0.012));
  CHECK(p.dynamic_w == doctest::Approx(0.0384));
  CHECK(p.total_w == doctest::Approx(0.5384));
  CHECK(p.images_per_j == doctest::Approx(10000 / 0.5384));
  CHECK(p.uj_per_image == doctest::Approx(53.84));
  // Half the toggle rate halves the data-driven terms; the clock tree and block RAM stay.
  PowerModel quiet = hand_model();
  quiet.toggle_rate = 0.0625;
  const PowerEstimate q = bcnn::estimate_power(Resources{10, 4, 1000, 2000}, 5, 10000, quiet);
  CHECK(q.dsp_w == doctest::Approx(0.002));
  CHECK(q.routing_w == doctest::Approx(0.006));
  CHECK(q.bram_w == doctest::Approx(0.008));
  CHECK(q.clock_w == doctest::Approx(0.012));
  CHECK(q.dynamic_w == doctest::Approx(0.0384 - 0.002 - 0.001 - 0.0002 - 0.006));
  // UltraRAM blocks at their coefficient, like block RAM independent of the toggle rate.
  PowerModel with_uram = hand_model();
  with_uram.coefficients.uram_uw_per_mhz = 40;
  Resources used{10, 4, 1000, 2000};
  used.uram = 5;
  const PowerEstimate u = bcnn::estimate_power(used, 5, 10000, with_uram);
  CHECK(u.uram_w == doctest::Approx(200e-6 * 5 * 40));
  CHECK(u.dynamic_w == doctest::Approx(0.0384 + 0.04));
}

TEST_CASE("power: the coefficients follow from their sources") {
  const auto zu7ev = bcnn::find_fpga_part("xczu7ev-ffvc1156-2-e");
  const auto zu3eg = bcnn::find_fpga_part("xczu3eg-sbva484-1-e");
  const auto z7020 = bcnn::find_fpga_part("xc7z020clg400-1");
  const auto u50 = bcnn::find_fpga_part("xcu50-fsvh2104-2-e");
  REQUIRE(zu7ev);
  REQUIRE(zu3eg);
  REQUIRE(z7020);
  REQUIRE(u50);
  const auto us = bcnn::power_model_for(*zu7ev).coefficients;
  // Alveo U50 report_power at 180 MHz: Block RAM 1.532 W for 412.5 36K tiles, LUT as Logic
  // 1.235 W for 475,034, Register 0.137 W for 665,852, Signals 3.132 W, Clocks 2.464 W.
  CHECK(us.bram18_uw_per_mhz == doctest::Approx(1.532e6 / (825 * 180.0)));
  CHECK(us.lut_uw_per_mhz == doctest::Approx(1.235e6 / (475034 * 180.0)));
  CHECK(us.ff_uw_per_mhz == doctest::Approx(0.137e6 / (665852 * 180.0)));
  CHECK(us.routing_uw_per_mhz == doctest::Approx(3.132e6 / ((475034 + 665852) * 180.0)));
  CHECK(us.clock_uw_per_mhz == doctest::Approx(2.464e6 / (665852 * 180.0)));
  // Artix-7: DSPs 0.010 W for 19 at 100 MHz; UltraScale+ scaled by (0.85 V / 1.0 V)^2.
  const auto s7 = bcnn::power_model_for(*z7020).coefficients;
  CHECK(s7.dsp_uw_per_mhz == doctest::Approx(1e4 / (19 * 100.0)));
  CHECK(us.dsp_uw_per_mhz == doctest::Approx(1e4 / (19 * 100.0) * 0.7225));
  CHECK(s7.bram18_uw_per_mhz == doctest::Approx(us.bram18_uw_per_mhz / 0.7225));
  // URAM288 (assumption): two 36K block RAMs; 7 series parts have none.
  CHECK(us.uram_uw_per_mhz == doctest::Approx(4 * us.bram18_uw_per_mhz));
  CHECK(s7.uram_uw_per_mhz == 0);
  // Static: ZCU104 0.694 W; ZU3EG 1.79 uW less per LUT of capacity (850 mW over 475,488 LUTs);
  // XC7Z020 the XC7A100T's 0.103 W scaled by LUTs; U50 device plus HBM static.
  CHECK(bcnn::power_model_for(*zu7ev).coefficients.static_w == doctest::Approx(0.694));
  CHECK(bcnn::power_model_for(*zu3eg).coefficients.static_w ==
        doctest::Approx(0.694 - 0.850 * (230400 - 70560) / 475488.0));
  CHECK(s7.static_w == doctest::Approx(0.103 * 53200 / 63400.0));
  CHECK(bcnn::power_model_for(*u50).coefficients.static_w == doctest::Approx(2.599));
  CHECK(s7.family != us.family);
}

TEST_CASE("power: the TrueNorth comparison picks the figure at our accuracy and computes the ratios") {
  PowerEstimate p;
  p.images_per_s = 26000;
  p.total_w = 2;
  p.images_per_j = 13000;
  const auto& figures = bcnn::truenorth_figures();
  REQUIRE(figures.size() == 3);
  CHECK(figures[1].images_per_j == doctest::Approx(1e6 / 108));
  CHECK(figures[2].images_per_j == doctest::Approx(1e6 / 0.268));

  auto marked = [&](double accuracy, const std::string& dataset) {
    std::string which;
    for (const auto& c : bcnn::compare_with_truenorth(p, accuracy, dataset))
      if (c.at_our_accuracy) which += c.figure.configuration + ";";
    return which;
  };
  // 95%: only the ensemble (99.42%) reaches it.
  CHECK(marked(0.95, "mnist") == "MNIST, 64-network ensemble;");
  // 90%: both reach it; the single network is the cheaper.
  CHECK(marked(0.90, "mnist") == "MNIST, one network;");
  // 99.5%: none reaches it; the most accurate one.
  CHECK(marked(0.995, "mnist") == "MNIST, 64-network ensemble;");
  // Another dataset: no MNIST row is at our accuracy.
  CHECK(marked(0.95, "cifar10") == "");

  const auto c = bcnn::compare_with_truenorth(p, 0.95, "mnist");
  CHECK(c[0].speed_ratio == doctest::Approx(10));          // 26,000 / 2,600
  CHECK(c[0].energy_ratio == doctest::Approx(13000 / 6000.0));
  CHECK(c[1].speed_ratio == 0);                             // not published
  CHECK(c[1].energy_ratio == doctest::Approx(13000 * 108e-6));

  CHECK(bcnn::ratio_text(152.3) == "152x");
  CHECK(bcnn::ratio_text(3.41) == "3.4x");
  CHECK(bcnn::ratio_text(0.8624) == "0.862x");
  CHECK(bcnn::ratio_text(0) == "-");

  const auto table = bcnn::truenorth_table(p, 0.95, "mnist");
  REQUIRE(table.rows.size() == 4);
  CHECK(table.rows[0][2] == "26,000");
  CHECK(contains(table.rows[2][0], "at our accuracy"));
  CHECK(table.rows[2][5] == "108");
  CHECK(table.rows[1][6] == "10x");
}

TEST_CASE("power: the summary line names the model, watts and images per joule") {
  const PowerEstimate p = bcnn::estimate_power(Resources{10, 4, 1000, 2000}, 5, 10000, hand_model());
  const std::string line = bcnn::power_summary_line(p);
  CHECK(contains(line, "power   ~0.538 W (static 0.5 + dynamic 0.0384, model hand"));
  CHECK(contains(line, "12.5% toggle"));
  CHECK(contains(line, "18,574 images/J"));  // 10,000 / 0.5384 = 18,573.6
  CHECK(contains(line, "53.8 uJ per image"));
}

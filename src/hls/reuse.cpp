#include "hls/reuse.h"

#include <algorithm>
#include <cstdio>

#include "core/error.h"
#include "hw/fft_stage.h"
#include "hw/fixed_format.h"
#include "hw/registry.h"
#include "hw/resources.h"

namespace bcnn {
namespace {

using hw::ceil_div;
using hw::ReuseStep;

constexpr int max_reuse_batch = 1024;

// The kinds whose reuse_step has an engine (or needs none), for messages.
constexpr const char* reuse_kinds = "flatten of an array, dropout, bc_dense, dense, relu";

// Concatenation by appending: GCC 12 warns (-Wrestrict, a false positive) on "literal" + a
// std::string temporary.
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  ((s += parts), ...);
  return s;
}

int log2_of(int k) {
  int bits = 0;
  while ((1 << bits) < k) ++bits;
  return bits;
}

std::string format_initializer(const FixedFormat& f) {
  return cat("{", std::to_string(f.width), ", ", std::to_string(f.width == 0 ? 0 : f.fraction_bits()), ", ",
             std::to_string(static_cast<int>(f.q)), ", ", std::to_string(static_cast<int>(f.o)), "}");
}

// A runtime conversion (bcnn_hls::reuse_convert) of a `width`-bit value: a barrel shifter (three
// levels of LUT6 4:1 multiplexers per bit), the rounding increment and the saturation compares
// (docs/estimator.md, "The reuse architecture").
Resources runtime_convert(int width) {
  Resources r;
  r.lut = 3 * width + width + 2 * width;
  r.ff = 2 * width;
  return r;
}

}  // namespace

ReusePlan plan_reuse(const QuantizedModel& model, int batch, HlsInterface interface) {
  if (interface != HlsInterface::m_axi)
    throw Error("--architecture reuse: expected --interface m_axi (the parameters are read through an AXI master "
                "port), found --interface " + interface_name(interface));
  if (batch < 1 || batch > max_reuse_batch)
    throw Error(cat("--reuse-batch: expected 1..", std::to_string(max_reuse_batch), " images, found ",
                    std::to_string(batch)));
  ReusePlan plan;
  plan.batch = batch;
  plan.max_n = std::max(plan.max_n, model.n_in);
  for (const auto& l : model.layers) {
    ReuseLayerPlan p;
    p.layer = &l;
    if (!hw::hw_layer_of(l).reuse_step(l, p.step))
      throw Error("--architecture reuse: layer '" + l.name + "' (" + l.type + "): expected one of the kinds the reuse "
                  "engines compute (" + reuse_kinds + "), found " + l.type +
                  (l.in_pixels ? " on a pixel stream" : "") + "; use --architecture dataflow");
    if (p.step.op == ReuseStep::Op::pass) continue;
    plan.max_n = std::max({plan.max_n, l.n_in, l.n_out});
    if (p.step.op == ReuseStep::Op::bc_dense) {
      plan.max_k = std::max(plan.max_k, p.step.block);
      plan.max_q = std::max(plan.max_q, p.step.q);
    }
    auto append = [&](const std::vector<std::int64_t>& values) {
      const auto offset = static_cast<std::int64_t>(plan.params.size());
      plan.params.insert(plan.params.end(), values.begin(), values.end());
      return offset;
    };
    p.twiddles = append(p.step.twiddles);
    p.weights = append(p.step.weights);
    p.biases = append(p.step.biases);
    plan.layers.push_back(std::move(p));
  }
  if (plan.params.empty()) plan.params.push_back(0);  // a port needs a word
  return plan;
}

std::string reuse_layers_h(const ReusePlan& plan) {
  std::string out =
      "// The reuse architecture's engine set and schedule (bcnn-compile --architecture reuse): one\n"
      "// bcnn_hls::reuse_layer per layer with an engine (bcnn_hls/reuse.h), in order.\n"
      "#ifndef BCNN_REUSE_LAYERS_H\n#define BCNN_REUSE_LAYERS_H\n\n#include \"bcnn_hls/reuse.h\"\n\n";
  auto define = [&](const char* name, long long value, const char* what) {
    out += cat("#define ", name, " ", std::to_string(value), "  // ", what, "\n");
  };
  define("BCNN_REUSE_BATCH", plan.batch, "images per pass over the layers (each parameter read once)");
  define("BCNN_REUSE_MAX_N", plan.max_n, "values per image in the widest layer");
  define("BCNN_REUSE_MAX_K", plan.max_k, "the largest block");
  define("BCNN_REUSE_MAX_Q", plan.max_q, "the most block columns");
  define("BCNN_REUSE_LAYERS", static_cast<long long>(std::max<std::size_t>(plan.layers.size(), 1)),
         "steps of the schedule");
  define("BCNN_REUSE_STEPS", static_cast<long long>(plan.layers.size()), "steps with an engine");
  define("BCNN_REUSE_PARAMS", static_cast<long long>(plan.params.size()), "words of the parameter table");
  out += "\n// {op, n_in, n_out, block, log2_block, p, q, in, out, spec, weight, acc, ifft, bias, twiddle,\n"
         "//  weights, biases, twiddles}; a format is {width, fraction bits, quant_mode, overflow_mode}.\n";
  out += "static const bcnn_hls::reuse_layer bcnn_reuse_layers[BCNN_REUSE_LAYERS] = {\n";
  for (const auto& p : plan.layers) {
    const QuantLayer& l = *p.layer;
    const ReuseStep& s = p.step;
    out += "    // " + l.name + " (" + l.type + ")\n";
    out += cat("    {", std::to_string(static_cast<int>(s.op)), ", ", std::to_string(l.n_in), ", ",
               std::to_string(l.n_out), ", ", std::to_string(s.block), ", ",
               std::to_string(s.block > 0 ? log2_of(s.block) : 0), ", ", std::to_string(s.p), ", ",
               std::to_string(s.q), ",\n     ");
    for (const FixedFormat* f : {&l.in, &l.out, &s.spec, &s.weight, &s.acc, &s.ifft, &s.bias, &s.twiddle})
      out += format_initializer(*f) + ", ";
    out += cat("\n     ", std::to_string(p.weights), ", ", std::to_string(p.biases), ", ",
               std::to_string(p.twiddles), "},\n");
  }
  if (plan.layers.empty()) out += "    {0, 0, 0, 0, 0, 0, 0, {}, {}, {}, {}, {}, {}, {}, {}, 0, 0, 0},\n";
  out += "};\n\n#endif  // BCNN_REUSE_LAYERS_H\n";
  return out;
}

std::string reuse_params_h(const ReusePlan& plan) {
  std::string out =
      "// The reuse architecture's parameter table (bcnn-compile --architecture reuse): every layer's\n"
      "// raw parameters at the offsets of firmware/reuse_layers.h. The host copies it to the\n"
      "// kernel's `params` port; the test bench passes it to bcnn_top.\n"
      "#ifndef BCNN_PARAMS_FLAT_H\n#define BCNN_PARAMS_FLAT_H\n\n#include \"reuse_layers.h\"\n\n"
      "static const long long bcnn_params[BCNN_REUSE_PARAMS] = {\n";
  for (std::size_t i = 0; i < plan.params.size(); ++i) {
    if (i % 16 == 0) out += "   ";
    out += cat(" ", std::to_string(plan.params[i]), "LL,");
    if (i % 16 == 15 || i + 1 == plan.params.size()) out += "\n";
  }
  out += "};\n\n#endif  // BCNN_PARAMS_FLAT_H\n";
  return out;
}

DesignEstimate estimate_reuse(const QuantizedModel& model, const ReusePlan& plan, const FpgaPart& part,
                              double clock_ns, int axi_bits) {
  using hw::call_overhead;
  using hw::loop_depth;
  DesignEstimate d;
  d.part = part;
  d.interface = HlsInterface::m_axi;
  d.axi_bits = axi_bits;
  const int result_width = model.layers.empty() ? model.input.width : model.layers.back().out.width;
  d.input_values_per_beat = values_per_beat(axi_bits, model.input.width);
  d.result_values_per_beat = values_per_beat(axi_bits, result_width);
  d.architecture = Architecture::reuse;
  d.batch = plan.batch;
  d.clock_ns = clock_ns;
  const std::int64_t B = plan.batch;

  // The widths the shared datapath is built for: the widest format of each role over the layers.
  int act_width = model.input.width, stage_width = 1, twiddle_width = 1, weight_width = 1, acc_width = 1,
      dense_weight_width = 1, dense_acc_width = 1, bias_width = 1;
  bool any_bc = false, any_dense = false, any_relu = false;
  for (const auto& p : plan.layers) {
    const QuantLayer& l = *p.layer;
    act_width = std::max({act_width, l.in.width, l.out.width});
    const ReuseStep& s = p.step;
    if (s.op == ReuseStep::Op::bc_dense) {
      any_bc = true;
      stage_width = std::max({stage_width, s.spec.width, s.ifft.width});
      twiddle_width = std::max(twiddle_width, s.twiddle.width);
      weight_width = std::max(weight_width, s.weight.width);
      acc_width = std::max(acc_width, s.acc.width);
      bias_width = std::max(bias_width, s.bias.width);
    } else if (s.op == ReuseStep::Op::dense) {
      any_dense = true;
      dense_weight_width = std::max(dense_weight_width, s.weight.width);
      dense_acc_width = std::max(dense_acc_width, s.acc.width);
    } else if (s.op == ReuseStep::Op::relu) {
      any_relu = true;
    }
  }
  const int max_bins = plan.max_k / 2 + 1;

  // --- the engine set: resources, no cycles of their own -------------------------------------
  auto engine = [&](const std::string& name, const std::string& what, const Resources& r) {
    StageEstimate s;
    s.name = name;
    s.type = "engine";
    s.parallelism = what;
    s.resources = r;
    d.stages.push_back(s);
  };
  {
    // Interfaces: in, out and params masters, the AXI4-Lite control; the controller's loops and
    // the descriptor ROM.
    Resources r;
    r.dsp = 0;
    r.bram18 = 3 * 2;
    r.lut = 3 * 1200 + 300 + 12 * hw::loop_control_lut;
    r.ff = 3 * 1600 + 400 + 12 * hw::loop_control_ff;
    engine("controller", cat("3 m_axi + s_axilite, schedule of ", std::to_string(plan.layers.size()), " steps"), r);
  }
  {
    Resources r;
    hw::add_memory(r, 2, B * plan.max_n, act_width);
    engine("activations", cat("2 x ", std::to_string(B), " x ", std::to_string(plan.max_n), " words"), r);
  }
  if (any_bc) {
    Resources fft = hw::butterfly_unit(plan.max_k, stage_width, twiddle_width, part);
    for (int i = 0; i < 4; ++i) fft += runtime_convert(stage_width + twiddle_width + 2);  // a', b' (re, im)
    hw::add_memory(fft, 2, plan.max_k / 2, twiddle_width);                            // twiddles of the layer
    engine("fft", cat("serial, K <= ", std::to_string(plan.max_k), ", run-time K and formats"), fft);

    Resources mac;
    mac.dsp = 4 * dsp_per_multiplier(weight_width, stage_width, part);
    const int sum_width = std::min(62, acc_width + 1);
    mac.lut = 2 * sum_width + 2 * (2 * sum_width);  // two product sums and two accumulators
    mac.ff = 6 * sum_width;
    for (int i = 0; i < 2; ++i) mac += runtime_convert(62);  // acc_t(acc + W X'): aligned sums
    for (int i = 0; i < 3; ++i) mac += runtime_convert(acc_width);  // ifft_t(acc) re, im; the conjugate
    // The batch's spectra X' (re, im) and a block row of weight spectra (re, im).
    hw::add_memory(mac, 2, B * plan.max_q * max_bins, stage_width);
    hw::add_memory(mac, 2, static_cast<std::int64_t>(plan.max_q) * max_bins, weight_width);
    engine("complex mac", "1 complex product per cycle (4 multipliers)", mac);

    Resources output;
    output.lut = stage_width + 8 + bias_width + 2;  // y * K (a shift by log2 K) + bias
    output += runtime_convert(62);
    hw::add_memory(output, 1, plan.max_k, bias_width);
    engine("output conversion", "out(y * K + bias), 1 per cycle", output);
  }
  if (any_dense) {
    Resources r;
    r.dsp = dsp_per_multiplier(dense_weight_width, act_width, part);
    r.lut = 2 * std::min(62, dense_acc_width + 1);
    r.ff = 2 * dense_acc_width;
    r += runtime_convert(62);
    r += runtime_convert(dense_acc_width);
    hw::add_memory(r, 1, plan.max_n, dense_weight_width);  // one weight row
    engine("dense mac", "1 multiplier", r);
  }
  if (any_relu) {
    Resources r;
    r.lut = act_width;
    r += runtime_convert(act_width);
    engine("relu", "1 per cycle", r);
  }

  // --- the schedule: cycles per batch, no resources of their own ------------------------------
  auto step = [&](const std::string& name, const std::string& type, const std::string& what, std::int64_t cycles) {
    StageEstimate s;
    s.name = name;
    s.type = type;
    s.parallelism = what;
    s.latency_cycles = cycles;
    s.ii_cycles = cycles;
    d.stages.push_back(s);
  };
  const std::int64_t burst = m_axi_burst_latency;
  const std::int64_t in_beats = hw::ceil_div(model.n_in, d.input_values_per_beat);
  const std::int64_t out_beats = hw::ceil_div(model.n_out, d.result_values_per_beat);
  step("read input", "interface", cat("batch of ", std::to_string(B), ", ", std::to_string(axi_bits), "-bit words"),
       call_overhead + burst + B * (in_beats + loop_depth));
  for (const auto& p : plan.layers) {
    const QuantLayer& l = *p.layer;
    const ReuseStep& s = p.step;
    std::int64_t cycles = call_overhead;
    std::string what;
    if (s.op == ReuseStep::Op::bc_dense) {
      const int k = s.block, bins = k / 2 + 1;
      cycles += burst + k;                                             // twiddles
      cycles += B * s.q * hw::fft_cycles(k, bins);                     // forward FFTs of the batch
      const std::int64_t row_load = burst + 2LL * s.q * bins + k + 2 * loop_depth;  // spectra, bias
      const std::int64_t row_compute = bins * (s.q + hw::mac_depth) + hw::fft_cycles(k, k) + k + loop_depth;
      cycles += s.p * (row_load + B * row_compute);
      what = std::to_string(s.p) + " block rows read once, x " + std::to_string(B) + " images";
    } else if (s.op == ReuseStep::Op::dense) {
      const std::int64_t row_load = burst + l.n_in + loop_depth;
      const std::int64_t row_compute = l.n_in + hw::dense_depth + loop_depth;
      cycles += l.n_out * (row_load + B * row_compute);
      what = std::to_string(l.n_out) + " rows read once, x " + std::to_string(B) + " images";
    } else {
      cycles += B * (l.n_in + loop_depth);
      what = cat("x ", std::to_string(B), " images");
    }
    step(l.name, l.type, what, cycles);
  }
  step("write output", "interface", cat("batch of ", std::to_string(B), ", ", std::to_string(axi_bits), "-bit words"),
       call_overhead + burst + B * (out_beats + loop_depth));

  std::int64_t slowest = 0;
  for (const auto& s : d.stages) {
    d.total += s.resources;
    d.latency_cycles += s.latency_cycles;
    if (s.ii_cycles > slowest) {
      slowest = s.ii_cycles;
      d.bottleneck_stage = s.name;
    }
  }
  // The layers run one after another on the one engine set: a batch every latency_cycles.
  d.ii_cycles = d.latency_cycles;
  d.latency_us = d.latency_cycles * clock_ns / 1000.0;
  d.images_per_s = d.ii_cycles > 0 ? B * 1e9 / (clock_ns * static_cast<double>(d.ii_cycles)) : 0;
  check_fit(d);
  return d;
}

}  // namespace bcnn

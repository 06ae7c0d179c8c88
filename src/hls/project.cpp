#include "hls/project.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/interrupt.h"
#include "core/stale_temp_files.h"
#include "core/strings.h"
#include "io/durable_file.h"
#include "eval/evaluate.h"
#include "eval/fixed_eval.h"
#include "hls/embedded_files.h"
#include "hls/power.h"
#include "hw/fixed_format.h"
#include "hw/registry.h"
#include "hw/resources.h"
#include "hw/template_writer.h"
#include "plot/hardware_pictures.h"
#include "quant/emulator.h"

namespace bcnn {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// --- small text helpers ------------------------------------------------------------------------

std::string number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  return buffer;
}

std::string percent(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", 100 * fraction);
  return buffer;
}

std::string accuracy_percent(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", 100 * fraction);
  return buffer;
}

// Columns padded to their widest cell (plain text) or a Markdown table.
std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                         bool markdown) {
  std::string out;
  if (markdown) {
    auto line = [&](const std::vector<std::string>& cells) {
      out += "|";
      for (const auto& c : cells) {
        std::string escaped;
        for (char ch : c) escaped += ch == '|' ? std::string("\\|") : std::string(1, ch);
        out += " " + escaped + " |";
      }
      out += "\n";
    };
    line(header);
    out += "|";
    for (std::size_t i = 0; i < header.size(); ++i) out += " --- |";
    out += "\n";
    for (const auto& r : rows) line(r);
    return out;
  }
  std::vector<std::size_t> widths(header.size());
  for (std::size_t i = 0; i < header.size(); ++i) widths[i] = header[i].size();
  for (const auto& r : rows)
    for (std::size_t i = 0; i < r.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], r[i].size());
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      l += cells[i];
      if (i + 1 < cells.size()) l += std::string(widths[i] - cells[i].size() + 2, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  return out;
}

// The smallest C integer type holding `width` bits (interface_word_bits).
std::string word_type(int width) { return "int" + std::to_string(interface_word_bits(width)) + "_t"; }

// --- the directory being written ---------------------------------------------------------------

class ProjectWriter {
 public:
  explicit ProjectWriter(fs::path root) : root_(std::move(root)) {}
  void write(const std::string& relative, std::string_view text) {
    throw_if_interrupted();
    const fs::path path = root_ / relative;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw Error("cannot create directory " + path.parent_path().string() + ": " + ec.message());
    // Synced now, so that the project renamed into place after the last file is complete on disk.
    write_new_file_durably(path.string(), text);
    ++files_;
  }
  int files() const { return files_; }
  const fs::path& root() const { return root_; }

 private:
  fs::path root_;
  int files_ = 0;
};

// --- firmware ----------------------------------------------------------------------------------
// Every file comes from a template under fpga/templates/firmware/; each layer's struct, call and
// tables from its kind's template (hw/).

std::vector<hw::ProjectNames> layer_names(const QuantizedModel& m) {
  std::vector<hw::ProjectNames> names;
  std::set<std::string> used{"input", "result", "bcnn"};
  for (const auto& l : m.layers) {
    std::string id = c_identifier(l.name);
    std::string candidate = id;
    for (int n = 2; used.count(candidate); ++n) candidate = id + "_" + std::to_string(n);
    used.insert(candidate);
    names.push_back({candidate, candidate + "_config"});
  }
  return names;
}

FixedFormat result_format(const QuantizedModel& m) { return m.layers.empty() ? m.input : m.layers.back().out; }

// Whether a layer holds weights in UltraRAM, loaded through the top function's params port.
bool has_runtime_params(const QuantizedModel& m) {
  for (const auto& l : m.layers)
    if (hw::hw_layer_of(l).weights_in_uram(l)) return true;
  return false;
}

}  // namespace

void check_runtime_params(const QuantizedModel& model, HlsInterface interface) {
  if (interface == HlsInterface::m_axi) return;
  for (const auto& l : model.layers)
    if (hw::hw_layer_of(l).weights_in_uram(l))
      throw Error("--knob " + l.name + ".uram=1: the weights in UltraRAM are loaded through the m_axi kernel's "
                  "params port; expected --interface m_axi, found --interface " + interface_name(interface));
}

namespace {

// The arrays the dataflow top holds in UltraRAM, in the order of the parameter table.
std::vector<hw::RuntimeArray> runtime_arrays(const QuantizedModel& m, const std::vector<hw::ProjectNames>& names) {
  std::vector<hw::RuntimeArray> arrays;
  for (std::size_t i = 0; i < m.layers.size(); ++i)
    for (auto& a : hw::hw_layer_of(m.layers[i]).runtime_arrays(m.layers[i], names[i])) arrays.push_back(std::move(a));
  return arrays;
}

// firmware/weights/params_flat.h of the dataflow top: the raw values of its UltraRAM arrays.
std::string runtime_params_h(const std::vector<hw::RuntimeArray>& arrays) {
  std::int64_t count = 0;
  for (const auto& a : arrays) count += static_cast<std::int64_t>(a.raw.size());
  std::string out =
      "// The parameter table of the weights held in UltraRAM (bcnn-compile): the raw values of\n"
      "// every such array, row-major, one after another (offsets in bcnn_top.cpp's load_params).\n"
      "// The host copies it to the kernel's `params` port and runs it once with load = 1; the test\n"
      "// bench does the same.\n"
      "#ifndef BCNN_PARAMS_FLAT_H\n#define BCNN_PARAMS_FLAT_H\n\n#define BCNN_PARAMS " +
      std::to_string(count) + "\n\nstatic const long long bcnn_params[BCNN_PARAMS] = {\n";
  for (const auto& a : arrays) {
    out.append("    // ").append(a.name).append("\n");
    for (std::size_t i = 0; i < a.raw.size(); ++i) {
      if (i % 16 == 0) out += "   ";
      out.append(" ").append(std::to_string(a.raw[i])).append("LL,");
      if (i % 16 == 15 || i + 1 == a.raw.size()) out += "\n";
    }
  }
  out += "};\n\n#endif  // BCNN_PARAMS_FLAT_H\n";
  return out;
}

// The values every firmware template knows.
hw::TemplateValues firmware_values(const QuantizedModel& m, const DesignEstimate& e, bool reuse = false) {
  const bool m_axi = e.interface == HlsInterface::m_axi;
  const FixedFormat result = result_format(m);
  const int in_lanes = values_per_beat(e.axi_bits, m.input.width);
  const int out_lanes = values_per_beat(e.axi_bits, result.width);
  const bool runtime_params = !reuse && has_runtime_params(m);
  hw::TemplateValues v;
  v.set("n_in", m.n_in)
      .set("n_out", m.n_out)
      .set("is_m_axi", m_axi ? 1 : 0)
      .set("is_axis", m_axi ? 0 : 1)
      .set("axi_bits", e.axi_bits)
      .set("in_lanes", in_lanes)
      .set("out_lanes", out_lanes)
      .set("in_beats", static_cast<int>(hw::ceil_div(m.n_in, in_lanes)))
      .set("out_beats", static_cast<int>(hw::ceil_div(m.n_out, out_lanes)))
      .set("input_t", hw::cpp_type(m.input))
      .set("result_t", hw::cpp_type(result))
      .set("input_word_t", word_type(m.input.width))
      .set("result_word_t", word_type(result.width))
      .show("m_axi", m_axi)
      .show("axis", !m_axi)
      .show("reuse", reuse)
      .show("runtime_params", runtime_params)
      .show("rom_only", !runtime_params);
  return v;
}

std::string fill_firmware(const std::string& file, const hw::TemplateValues& values) {
  return hw::fill_template(hw::template_file("templates/firmware/" + file), values, "firmware/" + file);
}

// Batch depth the m_axi ports declare for co-simulation: the test bench's batch.
constexpr int tb_batch = 64;
// Images per chunk of the C simulation of the dataflow top (bcnn_top.cpp: its FIFOs hold a chunk);
// below tb_batch, so that every test bench runs the chunked path.
constexpr int csim_batch = 16;

// Each line of `text` indented; without the last line end (the template line has it).
std::string indented(const std::string& text, const std::string& indent) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (!out.empty()) out += '\n';
    out += indent + text.substr(pos, end - pos);
    pos = end + 1;
  }
  return out;
}

std::string bcnn_top_cpp(const QuantizedModel& m, const std::vector<hw::ProjectNames>& names,
                         const DesignEstimate& e) {
  hw::TemplateValues v = firmware_values(m, e);
  const std::string indent = e.interface == HlsInterface::m_axi ? "    " : "  ";
  // One array or pixel stream per value: a layer with hardware writes a new one, the others pass
  // theirs on. A streaming network turns its input array into a pixel stream first.
  std::string current = "x_input";
  const bool input_pixels = !m.layers.empty() && m.layers.front().in_pixels;
  if (input_pixels) {
    v.set("in_channels", m.input_shape[0])
        .set("in_height", m.input_shape[1])
        .set("in_width", m.input_shape[2])
        .set("in_pixel_count", m.input_shape[1] * m.input_shape[2])
        .set("in_fifo_depth", hw::pixel_fifo_depth(m.input_shape));
    current = "x_input_pixels";
  }
  v.show("input_pixels", input_pixels);
  for (std::size_t i = 0; i < m.layers.size(); ++i) {
    const hw::HwLayer& kind = hw::hw_layer_of(m.layers[i]);
    const std::string out = kind.has_hardware(m.layers[i]) ? "x_" + names[i].id : current;
    hw::TemplateValues layer;
    layer.set("call", indented(kind.top_call(m.layers[i], names[i], current, out), indent));
    v.add("layers", std::move(layer));
    current = out;
  }
  // The interface stages move a beat of values per cycle: the arrays they fill and empty are
  // partitioned cyclically by the values per beat (the result only when it is a layer's own array).
  const int in_lanes = values_per_beat(e.axi_bits, m.input.width);
  const int out_lanes = values_per_beat(e.axi_bits, result_format(m).width);
  v.show("partition_input", in_lanes > 1);
  v.show("partition_result", out_lanes > 1 && current != "x_input" && !m.layers.back().out_pixels);
  // Cyclic by the values per beat; complete when a beat holds the whole array.
  auto partition = [](int lanes, int n) {
    return lanes >= n ? std::string("complete") : "cyclic factor=" + std::to_string(lanes);
  };
  v.set("in_partition", partition(in_lanes, m.n_in)).set("out_partition", partition(out_lanes, m.n_out));
  // The UltraRAM arrays: declared static in bcnn_top, passed down to the layers that read them.
  std::string decls, args;
  std::int64_t offset = 0;
  for (const auto& a : runtime_arrays(m, names)) {
    std::string dims;
    for (int d : a.dims) dims.append("[").append(std::to_string(d)).append("]");
    decls.append(", ").append(a.type).append(" ").append(a.name).append(dims);
    args.append(", ").append(a.name);
    v.add("runtime_arrays", hw::TemplateValues()
                                .set("type", a.type)
                                .set("name", a.name)
                                .set("dims", dims)
                                .set("dim0", a.dims.at(0))
                                .set("offset", offset));
    offset += static_cast<std::int64_t>(a.raw.size());
  }
  v.set("runtime_decls", decls).set("runtime_args", args).set("params_count", offset);
  v.set("result", current)
      .set("in_depth", tb_batch * hw::ceil_div(m.n_in, in_lanes))
      .set("out_depth", tb_batch * hw::ceil_div(m.n_out, out_lanes))
      .set("tb_batch", tb_batch)
      .set("csim_batch", csim_batch);
  return fill_firmware("bcnn_top.cpp", v);
}

// The reuse architecture's controller (templates/firmware/bcnn_top_reuse.cpp).
std::string bcnn_top_reuse_cpp(const QuantizedModel& m, const ReusePlan& plan, const DesignEstimate& e) {
  hw::TemplateValues v = firmware_values(m, e, true);
  // The test bench's call of tb_batch images runs ceil(tb_batch / B) batches.
  const int in_beats = static_cast<int>(hw::ceil_div(m.n_in, values_per_beat(e.axi_bits, m.input.width)));
  const int out_beats =
      static_cast<int>(hw::ceil_div(m.n_out, values_per_beat(e.axi_bits, result_format(m).width)));
  v.set("in_depth", tb_batch * in_beats)
      .set("out_depth", tb_batch * out_beats)
      .set("tb_batches", (tb_batch + plan.batch - 1) / plan.batch)
      // Pragma arguments as literals: HLS does not expand macros inside _Pragma strings.
      .set("reuse_batch", plan.batch)
      .set("reuse_steps", static_cast<int>(std::max<std::size_t>(plan.layers.size(), 1)))
      .set("reuse_params", static_cast<std::int64_t>(plan.params.size()));
  return fill_firmware("bcnn_top_reuse.cpp", v);
}

std::string parameters_h(const QuantizedModel& m, const std::vector<hw::ProjectNames>& names,
                         const DesignEstimate& e) {
  hw::TemplateValues v = firmware_values(m, e);
  v.show("layers", false).show("tables", false);
  for (std::size_t i = 0; i < m.layers.size(); ++i) {
    const hw::HwLayer& kind = hw::hw_layer_of(m.layers[i]);
    const std::string text = kind.config_struct(m.layers[i], names[i]);
    if (!text.empty()) v.add("layers", hw::TemplateValues().set("struct", text));
  }
  for (std::size_t i = 0; i < m.layers.size(); ++i)
    if (!hw::hw_layer_of(m.layers[i]).parameter_tables(m.layers[i], names[i]).empty())
      v.add("tables", hw::TemplateValues().set("id", names[i].id));
  return fill_firmware("parameters.h", v);
}

// --- tb_data -----------------------------------------------------------------------------------

struct TbData {
  TbFiles files;
  int images = 0;
  double fixed_accuracy = 0, float_accuracy = -1;
};

TbData make_tb_data(const ProjectSpec& spec) {
  const QuantizedModel& m = *spec.model;
  const Dataset& data = *spec.test_data;
  TbData tb;
  tb.images = spec.tb_images < 0 ? data.size() : std::min(spec.tb_images, data.size());
  if (tb.images <= 0) throw Error(spec.test_data_description + ": expected at least one test image, found none");
  if (static_cast<int>(data.images.sample_size()) != m.n_in)
    throw Error(spec.test_data_description + ": expected images of " + std::to_string(m.n_in) + " values, found " +
                std::to_string(data.images.sample_size()));
  const FixedEvalResult fixed = evaluate_fixed(m, spec.network, data, tb.images);
  tb.files = make_tb_files(m, data, tb.images, fixed.logits_raw);
  tb.fixed_accuracy = fixed.accuracy;
  if (spec.network) tb.float_accuracy = fixed.float_accuracy;
  return tb;
}

// --- reports -----------------------------------------------------------------------------------

using hw::format_max;
using hw::format_min;

json format_json(const FixedFormat& f) {
  return {{"spelling", format_name(f)}, {"width", f.width}, {"integer", f.integer},
          {"quantization", bcnn_hls::ap_name(f.q)}, {"overflow", bcnn_hls::ap_name(f.o)},
          {"min", format_min(f)}, {"max", format_max(f)}, {"lsb", std::ldexp(1.0, -f.fraction_bits())}};
}

json nan_or(double v) { return std::isnan(v) ? json(nullptr) : json(v); }

json estimate_json(const DesignEstimate& e) {
  json stages = json::array();
  for (const auto& s : e.stages)
    stages.push_back({{"name", s.name}, {"type", s.type}, {"parallelism", s.parallelism},
                      {"dsp", s.resources.dsp}, {"bram18k", s.resources.bram18}, {"uram", s.resources.uram},
                      {"lut", s.resources.lut},
                      {"ff", s.resources.ff}, {"latency_cycles", s.latency_cycles}, {"ii_cycles", s.ii_cycles},
                      {"assumes", s.assumes}});
  return {{"part", {{"name", e.part.name}, {"description", e.part.description}, {"dsp", e.part.dsp},
                    {"bram18k", e.part.bram18}, {"uram", e.part.uram}, {"lut", e.part.lut}, {"ff", e.part.ff}}},
          {"clock_ns", e.clock_ns},
          {"interface", interface_name(e.interface)},
          {"axi_bits", e.axi_bits},
          {"input_values_per_beat", e.input_values_per_beat},
          {"result_values_per_beat", e.result_values_per_beat},
          {"architecture", architecture_name(e.architecture)},
          {"batch", e.batch},
          {"stages", stages},
          {"total", {{"dsp", e.total.dsp}, {"bram18k", e.total.bram18}, {"uram", e.total.uram},
                     {"lut", e.total.lut}, {"ff", e.total.ff}}},
          {"utilization", {{"dsp", e.dsp_fraction}, {"bram18k", e.bram_fraction}, {"uram", e.uram_fraction},
                           {"lut", e.lut_fraction}, {"ff", e.ff_fraction}}},
          {"fits", e.fits},
          {"warnings", e.warnings},
          {"latency_cycles", e.latency_cycles},
          {"latency_us", e.latency_us},
          {"ii_cycles", e.ii_cycles},
          {"images_per_s", e.images_per_s},
          {"bottleneck", {{"stage", e.bottleneck_stage}, {"resource", e.busiest_resource},
                          {"resource_fraction", e.busiest_fraction}}}};
}

json power_json(const ProjectSpec& spec, const TbData& tb) {
  const DesignEstimate& e = *spec.estimate;
  const PowerModel model = power_model_for(e.part);
  const PowerCoefficients& c = model.coefficients;
  const PowerEstimate p = estimate_power(e);
  // Figures TrueNorth's papers do not give are null.
  auto published = [](double v) { return v > 0 ? json(v) : json(nullptr); };
  json truenorth = json::array();
  for (const auto& t : compare_with_truenorth(p, tb.fixed_accuracy, spec.dataset)) {
    const auto& f = t.figure;
    truenorth.push_back({{"source", f.source}, {"configuration", f.configuration},
                         {"dataset", f.dataset.empty() ? json(nullptr) : json(f.dataset)},
                         {"accuracy", f.accuracy < 0 ? json(nullptr) : json(f.accuracy)},
                         {"images_per_s_min", published(f.images_per_s_min)},
                         {"images_per_s_max", published(f.images_per_s_max)},
                         {"watts_min", published(f.watts_min)}, {"watts_max", published(f.watts_max)},
                         {"images_per_j", f.images_per_j},
                         {"images_per_j_is_lower_bound", f.images_per_j_is_lower_bound},
                         {"uj_per_image", 1e6 / f.images_per_j}, {"speed_ratio", published(t.speed_ratio)},
                         {"energy_ratio", t.energy_ratio}, {"at_our_accuracy", t.at_our_accuracy}});
  }
  return {{"model", p.model},
          {"family", p.family},
          {"estimate_only", true},
          {"note", "an estimate from a per-resource model (docs/estimator.md, Energy model) until a Vivado power "
                   "report (report_power after place and route) confirms it"},
          {"assumptions", {"toggle rate " + number(100 * p.toggle_rate) +
                               "% (Vivado's vectorless default) on DSP, LUT, FF and routing; clock tree and block "
                               "RAM power do not scale with it",
                           "the design runs continuously at the estimated throughput",
                           "not modelled: I/O, DDR/HBM traffic, the processing system's dynamic power, the "
                           "Alveo shell, temperature above a 25-35 C junction",
                           "static: " + c.static_source}},
          {"toggle_rate", p.toggle_rate},
          {"clock_mhz", p.clock_mhz},
          {"coefficients_uw_per_mhz", {{"dsp", c.dsp_uw_per_mhz}, {"bram18k", c.bram18_uw_per_mhz},
                                       {"uram", c.uram_uw_per_mhz}, {"lut", c.lut_uw_per_mhz}, {"ff", c.ff_uw_per_mhz},
                                       {"routing_per_lut_and_ff", c.routing_uw_per_mhz},
                                       {"clock_per_ff", c.clock_uw_per_mhz}}},
          {"static_w", p.static_w},
          {"dynamic_w", p.dynamic_w},
          {"total_w", p.total_w},
          {"dynamic_breakdown_w", {{"dsp", p.dsp_w}, {"bram18k", p.bram_w}, {"uram", p.uram_w}, {"lut", p.lut_w}, {"ff", p.ff_w},
                                   {"routing", p.routing_w}, {"clock", p.clock_w}}},
          {"images_per_s", p.images_per_s},
          {"images_per_j", p.images_per_j},
          {"uj_per_image", p.uj_per_image},
          {"accuracy", tb.fixed_accuracy},
          {"truenorth", truenorth}};
}

std::string report_json(const ProjectSpec& spec, const TbData& tb) {
  const QuantizedModel& m = *spec.model;
  json layers = json::array();
  for (const auto& l : m.layers) {
    json j = {{"name", l.name}, {"type", l.type}, {"n_in", l.n_in}, {"n_out", l.n_out},
              {"observed", {{"in_min", l.observed_in_min}, {"in_max", l.observed_in_max},
                            {"out_min", l.observed_out_min}, {"out_max", l.observed_out_max}}}};
    json formats = {{"in", format_name(l.in)}, {"out", format_name(l.out)}};
    hw::hw_layer_of(l).describe(l, j, formats);
    j["formats"] = formats;
    layers.push_back(j);
  }
  json choices = json::array();
  if (spec.report)
    for (const auto& c : spec.report->choices)
      choices.push_back({{"layer", c.layer}, {"field", c.field}, {"format", format_json(c.format)}, {"rule", c.rule},
                         {"overridden", c.overridden}, {"covered_min", c.covered_min}, {"covered_max", c.covered_max},
                         {"observed_min", nan_or(c.observed_min)}, {"observed_max", nan_or(c.observed_max)}});
  json j = {{"generator", "bcnn-compile"},
            {"model", spec.model_path},
            {"command", spec.command_line},
            {"input_shape", m.input_shape},
            {"n_in", m.n_in},
            {"n_out", m.n_out},
            {"input_format", format_json(m.input)},
            {"result_format", format_json(result_format(m))},
            {"calibration", {{"images", spec.report ? spec.report->calibration_images : 0},
                             {"source", spec.report ? spec.report->calibration_source : ""}}},
            {"layers", layers},
            {"formats", choices},
            {"estimate", estimate_json(*spec.estimate)},
            {"power", power_json(spec, tb)},
            {"tb", {{"images", tb.images}, {"data", spec.test_data_description},
                    {"fixed_accuracy", tb.fixed_accuracy},
                    {"float_accuracy", tb.float_accuracy < 0 ? json(nullptr) : json(tb.float_accuracy)}}}};
  return j.dump(2) + "\n";
}

std::string choices_table(const QuantReport& report) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& c : report.choices) {
    auto range = [](double lo, double hi) { return std::string("[") + number(lo) + ", " + number(hi) + "]"; };
    const std::string observed = std::isnan(c.observed_min) ? "" : range(c.observed_min, c.observed_max);
    rows.push_back({c.layer, c.field, std::string("`") + format_name(c.format) + "`",
                    range(format_min(c.format), format_max(c.format)), range(c.covered_min, c.covered_max), observed,
                    c.rule});
  }
  return render_table({"layer", "field", "format", "representable", "covered", "observed", "rule"}, rows, true);
}

std::string report_md(const ProjectSpec& spec, const TbData& tb) {
  const QuantizedModel& m = *spec.model;
  const DesignEstimate& e = *spec.estimate;
  hw::TemplateValues values;
  values.set("MODEL", spec.model_path)
      .set("PART", e.part.name)
      .set("PART_DESCRIPTION", e.part.description)
      .set("CLOCK_NS", number(e.clock_ns))
      .set("INTERFACE", interface_name(e.interface))
      .set("COMMAND", spec.command_line)
      .set("TB_IMAGES", tb.images)
      .set("TB_DATA", spec.test_data_description)
      .set("FIXED_ACCURACY", accuracy_percent(tb.fixed_accuracy))
      .show("FLOAT", tb.float_accuracy >= 0)
      .set("FLOAT_ACCURACY", accuracy_percent(tb.float_accuracy))
      .set("LAYER_TABLE", format_table(m, true, spec.reuse == nullptr))
      .show("CALIBRATION", spec.report != nullptr)
      .set("ESTIMATE_TABLE", estimate_table(e, true));
  const PowerModel power_model = power_model_for(e.part);
  const PowerEstimate power = estimate_power(e);
  const TextTable power_rows = power_table(power);
  const TextTable truenorth_rows = truenorth_table(power, tb.fixed_accuracy, spec.dataset);
  char power_summary[512];
  std::snprintf(power_summary, sizeof power_summary,
                "Model `%s`, %s, at %.6g MHz and a %.1f%% toggle rate: %.3g W (static %.3g W + dynamic %.3g W) "
                "at %s images/s = %s images/J, %.3g uJ per image.",
                power.model.c_str(), power.family.c_str(), power.clock_mhz, 100 * power.toggle_rate, power.total_w,
                power.static_w, power.dynamic_w, with_thousands(std::llround(power.images_per_s)).c_str(),
                with_thousands(std::llround(power.images_per_j)).c_str(), power.uj_per_image);
  values.set("POWER_SUMMARY", power_summary)
      .set("POWER_STATIC_SOURCE", power_model.coefficients.static_source)
      .set("POWER_TABLE", render_table(power_rows.header, power_rows.rows, true))
      .set("TRUENORTH_TABLE", render_table(truenorth_rows.header, truenorth_rows.rows, true));
  if (spec.report)
    values.set("CALIBRATION_IMAGES", spec.report->calibration_images)
        .set("CALIBRATION_SOURCE", spec.report->calibration_source)
        .set("CHOICES_TABLE", choices_table(*spec.report));
  return hw::fill_template(hw::template_file("templates/report.md"), values, "report.md");
}

std::string readme(const ProjectSpec& spec, const TbData& tb) {
  const QuantizedModel& m = *spec.model;
  const DesignEstimate& e = *spec.estimate;
  const FixedFormat result = result_format(m);
  std::string fit;
  if (e.warnings.empty())
    fit = "Fits on " + e.part.name + ".";
  else
    for (const auto& w : e.warnings) fit += "**Warning:** " + w + "\n\n";
  const bool m_axi = e.interface == HlsInterface::m_axi;
  hw::TemplateValues values;
  values.set("MODEL", spec.model_path);
  values.set("COMMAND", spec.command_line);
  values.set("PART", e.part.name);
  values.set("CLOCK_NS", number(e.clock_ns));
  values.set("INTERFACE_SHORT", m_axi ? "AXI master ports (the Vitis kernel flow)" : "AXI4-Stream ports");
  values.set("TB_IMAGES", std::to_string(tb.images));
  values.set("LAYER_TABLE", format_table(m, true, spec.reuse == nullptr));
  values.set("ESTIMATE_TABLE", estimate_table(e, true));
  values.set("FIT", fit);
  values.set("N_IN", std::to_string(m.n_in));
  values.set("N_OUT", std::to_string(m.n_out));
  values.set("EXPORT_DESCRIPTION", m_axi ? "export a Vitis kernel (.xo)" : "export a Vivado IP (ip_catalog)");
  values.set("FLOW_TARGET", m_axi ? "vitis" : "vivado");
  values.show("M_AXI", m_axi && spec.reuse == nullptr).show("AXIS", !m_axi).show("REUSE", spec.reuse != nullptr);
  std::string uram_layers;
  for (const auto& l : m.layers)
    if (hw::hw_layer_of(l).weights_in_uram(l)) uram_layers += (uram_layers.empty() ? "" : ", ") + l.name;
  values.show("URAM", !uram_layers.empty()).set("URAM_LAYERS", uram_layers);
  values.set("INPUT_FORMAT", format_name(m.input));
  values.set("INPUT_WORD", word_type(m.input.width));
  values.set("RESULT_FORMAT", format_name(result));
  values.set("RESULT_WORD", word_type(result.width));
  values.set("AXI_BITS", e.axi_bits);
  values.set("IN_LANES", e.input_values_per_beat);
  values.set("OUT_LANES", e.result_values_per_beat);
  values.set("IN_BEATS", hw::ceil_div(m.n_in, e.input_values_per_beat));
  values.set("OUT_BEATS", hw::ceil_div(m.n_out, e.result_values_per_beat));
  return hw::fill_template(hw::template_file("templates/README.md"), values, "README.md");
}

std::string build_tcl(const DesignEstimate& e) {
  const bool m_axi = e.interface == HlsInterface::m_axi;
  hw::TemplateValues values;
  values.set("PART", e.part.name)
      .set("CLOCK_NS", number(e.clock_ns))
      .set("INTERFACE", interface_name(e.interface))
      .set("AXI_BITS", e.axi_bits)
      .set("VENDOR_AXIS_FLAG", m_axi ? "" : " -DBCNN_HLS_VENDOR_AXIS")
      .set("FLOW_TARGET", m_axi ? "vitis" : "vivado")
      .set("EXPORT_FORMAT", m_axi ? "xo" : "ip_catalog");
  return hw::fill_template(hw::template_file("templates/build_prj.tcl"), values, "build_prj.tcl");
}

// --- atomic directory replacement --------------------------------------------------------------

fs::path normalized_target(const std::string& output_dir) {
  if (output_dir.empty()) throw Error("-o: expected an output directory, found an empty path");
  fs::path target = fs::absolute(fs::path(output_dir)).lexically_normal();
  if (target.filename().empty()) target = target.parent_path();
  return target;
}

}  // namespace

std::string c_identifier(const std::string& name) {
  std::string id;
  for (char c : name) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  if (id.empty() || std::isdigit(static_cast<unsigned char>(id[0]))) id = "layer_" + id;
  return id;
}

std::string format_table(const QuantizedModel& m, bool markdown, bool show_parallelism) {
  // The columns every table has, then the kinds' own cells (hw::HwLayer::table_cells) in the
  // usual order; a kind's cell without a place here gets a column before "parallelism".
  std::vector<std::string> header{"layer", "type", "n_in", "n_out", "block", "in", "out", "spec", "weight",
                                  "acc", "ifft", "bias", "parallelism"};
  std::vector<std::map<std::string, std::string>> layer_cells;
  for (const auto& l : m.layers) {
    layer_cells.push_back(hw::hw_layer_of(l).table_cells(l));
    for (const auto& [column, text] : layer_cells.back())
      if (std::find(header.begin(), header.end(), column) == header.end()) header.insert(header.end() - 1, column);
  }
  if (!show_parallelism) header.pop_back();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> input_row(header.size());
  input_row[0] = "input";
  input_row[3] = std::to_string(m.n_in);
  input_row[5] = hw::short_format(m.input);
  rows.push_back(input_row);
  for (std::size_t li = 0; li < m.layers.size(); ++li) {
    const auto& l = m.layers[li];
    const auto& cells = layer_cells[li];
    std::vector<std::string> r;
    for (const auto& column : header) {
      if (column == "layer")
        r.push_back(l.name);
      else if (column == "type")
        r.push_back(l.type);
      else if (column == "n_in")
        r.push_back(std::to_string(l.n_in));
      else if (column == "n_out")
        r.push_back(std::to_string(l.n_out));
      else if (column == "in")
        r.push_back(hw::short_format(l.in));
      else if (column == "out")
        r.push_back(hw::short_format(l.out));
      else {
        auto it = cells.find(column);
        r.push_back(it == cells.end() ? "" : it->second);
      }
    }
    rows.push_back(r);
  }
  return render_table(header, rows, markdown);
}

std::string estimate_table(const DesignEstimate& e, bool markdown) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : e.stages)
    rows.push_back({s.name, s.type, s.parallelism, with_thousands(s.resources.dsp), with_thousands(s.resources.bram18),
                    with_thousands(s.resources.lut), with_thousands(s.resources.ff), with_thousands(s.latency_cycles),
                    with_thousands(s.ii_cycles)});
  rows.push_back({"total", "", "", with_thousands(e.total.dsp), with_thousands(e.total.bram18), with_thousands(e.total.lut),
                  with_thousands(e.total.ff), with_thousands(e.latency_cycles), with_thousands(e.ii_cycles)});
  rows.push_back({e.part.name, "available", "", with_thousands(e.part.dsp), with_thousands(e.part.bram18),
                  with_thousands(e.part.lut), with_thousands(e.part.ff), "", ""});
  rows.push_back({"utilization", "", "", percent(e.dsp_fraction), percent(e.bram_fraction), percent(e.lut_fraction),
                  percent(e.ff_fraction), "", ""});
  std::vector<std::string> header{"stage", "type", "parallelism", "DSP", "BRAM18K", "LUT", "FF", "latency (cycles)",
                                  "II (cycles)"};
  if (e.total.uram > 0) {  // a URAM column after BRAM18K, only for designs that use it
    header.insert(header.begin() + 5, "URAM");
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::string cell = i < e.stages.size()         ? with_thousands(e.stages[i].resources.uram)
                         : i == e.stages.size()      ? with_thousands(e.total.uram)
                         : i == e.stages.size() + 1 ? with_thousands(e.part.uram)
                                                     : percent(e.uram_fraction);
      rows[i].insert(rows[i].begin() + 5, std::move(cell));
    }
  }
  std::string out = render_table(header, rows, markdown);
  char buffer[256];
  if (e.architecture == Architecture::reuse) {
    // One engine set, the layers one after another on a batch (hls/reuse.h).
    std::snprintf(buffer, sizeof buffer,
                  "%sArchitecture reuse, batch %d: at %.6g ns (%.6g MHz), %s cycles = %.2f us per batch; "
                  "%d x clock / cycles = %.6g images/s.\n",
                  markdown ? "\n" : "", e.batch, e.clock_ns, 1000.0 / e.clock_ns,
                  with_thousands(e.latency_cycles).c_str(), e.latency_us, e.batch, e.images_per_s);
    out += buffer;
    std::snprintf(buffer, sizeof buffer, "%sThe slowest step is %s; the most used resource is %s (%.1f%%).\n",
                  markdown ? "\n" : "", e.bottleneck_stage.c_str(), e.busiest_resource.c_str(),
                  100 * e.busiest_fraction);
    out += buffer;
    return out;
  }
  std::snprintf(buffer, sizeof buffer,
                "%sAt %.6g ns (%.6g MHz): latency %s cycles = %.2f us per image; II %s cycles = %.6g images/s.\n",
                markdown ? "\n" : "", e.clock_ns, 1000.0 / e.clock_ns, with_thousands(e.latency_cycles).c_str(),
                e.latency_us, with_thousands(e.ii_cycles).c_str(), e.images_per_s);
  out += buffer;
  if (!e.bottleneck_stage.empty()) {
    std::snprintf(buffer, sizeof buffer,
                  "%sBound by stage %s (the largest II); the most used resource is %s (%.1f%%).\n",
                  markdown ? "\n" : "", e.bottleneck_stage.c_str(), e.busiest_resource.c_str(),
                  100 * e.busiest_fraction);
    out += buffer;
  }
  return out;
}

void check_output_dir(const std::string& output_dir, bool force) {
  const fs::path target = normalized_target(output_dir);
  std::error_code ec;
  const auto status = fs::status(target, ec);
  if (!fs::exists(status)) return;
  if (!fs::is_directory(status))
    throw Error("-o " + output_dir + ": cannot write the project there: " + target.string() +
                " exists and is not a directory");
  if (!fs::is_empty(target, ec) && !force)
    throw Error("-o " + output_dir + ": " + target.string() + " exists and is not empty; use --force to replace it");
}

ProjectSummary write_project(const ProjectSpec& spec) {
  if (!spec.model || !spec.estimate || !spec.test_data) throw Error("internal error: incomplete ProjectSpec");
  const QuantizedModel& m = *spec.model;
  const fs::path target = normalized_target(spec.output_dir);
  std::error_code ec;

  if (!spec.reuse) check_runtime_params(m, spec.estimate->interface);
  check_output_dir(spec.output_dir, spec.force);

  // The parent directories, created as needed and removed again on failure.
  const fs::path parent = target.parent_path();
  std::vector<fs::path> created;
  for (fs::path p = parent; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    created.push_back(p);
    if (p == p.parent_path()) break;
  }
  auto remove_created = [&] {
    for (const auto& p : created) fs::remove(p, ec);  // innermost first; only empty directories go
  };
  if (!created.empty()) {
    fs::create_directories(parent, ec);
    if (ec) {
      remove_created();
      throw Error("-o " + spec.output_dir + ": cannot write the project there: cannot create " + parent.string() +
                  ": " + ec.message());
    }
  }
  // Staging directories of compilers killed with SIGKILL are removed before this one is made.
  remove_stale_temp_files(parent.string());
  const std::string suffix = std::to_string(static_cast<long long>(getpid()));
  // Hidden names beside the target, appended piece by piece (GCC 12's -Wrestrict false positive on
  // "." + string + ...).
  auto beside = [&](const char* kind) {
    std::string name = ".";
    name += target.filename().string();
    name += kind;
    name += suffix;
    return parent / name;
  };
  const fs::path staging = beside(".tmp-");
  fs::remove_all(staging, ec);
  if (!fs::create_directory(staging, ec) || ec) {
    remove_created();
    throw Error("-o " + spec.output_dir + ": cannot write the project there: cannot create " + staging.string() +
                ": " + (ec ? ec.message() : std::string("it exists")));
  }

  ProjectSummary summary;
  try {
    throw_if_interrupted();
    ProjectWriter w(staging);
    const auto names = layer_names(m);
    const DesignEstimate& e = *spec.estimate;

    // firmware/
    for (const auto& f : embedded::files()) {
      const std::string prefix = "include/bcnn_hls/";
      if (f.path.substr(0, prefix.size()) == prefix)
        w.write("firmware/bcnn_hls/" + std::string(f.path.substr(prefix.size())), f.text);
    }
    if (spec.reuse) {
      // The reuse architecture: one engine set, its schedule and the flat parameter table.
      w.write("firmware/defines.h", fill_firmware("defines.h", firmware_values(m, e, true)));
      w.write("firmware/bcnn_top.h", fill_firmware("bcnn_top_reuse.h", firmware_values(m, e, true)));
      w.write("firmware/bcnn_top.cpp", bcnn_top_reuse_cpp(m, *spec.reuse, e));
      w.write("firmware/reuse_layers.h", reuse_layers_h(*spec.reuse));
      w.write("firmware/weights/params_flat.h", reuse_params_h(*spec.reuse));
    } else {
      w.write("firmware/defines.h", fill_firmware("defines.h", firmware_values(m, e)));
      w.write("firmware/bcnn_top.h", fill_firmware("bcnn_top.h", firmware_values(m, e)));
      w.write("firmware/bcnn_top.cpp", bcnn_top_cpp(m, names, e));
      w.write("firmware/parameters.h", parameters_h(m, names, e));
      for (std::size_t i = 0; i < m.layers.size(); ++i) {
        const std::string tables = hw::hw_layer_of(m.layers[i]).parameter_tables(m.layers[i], names[i]);
        if (!tables.empty()) w.write("firmware/weights/" + names[i].id + ".h", tables);
      }
      if (has_runtime_params(m)) w.write("firmware/weights/params_flat.h", runtime_params_h(runtime_arrays(m, names)));
    }
    // Test bench, host, builds.
    w.write("tb/bcnn_tb.cpp", hw::template_file("templates/tb/bcnn_tb.cpp"));
    w.write("host/host.cpp", hw::template_file("templates/host/host.cpp"));
    w.write("CMakeLists.txt", hw::template_file("templates/CMakeLists.txt"));
    w.write("build_prj.tcl", build_tcl(*spec.estimate));
    w.write("run_hls.sh", hw::template_file("templates/run_hls.sh"));
    // tb_data/ and the reports.
    const TbData tb = make_tb_data(spec);
    w.write("tb_data/inputs.txt", tb.files.inputs);
    w.write("tb_data/expected.txt", tb.files.expected);
    w.write("tb_data/labels.txt", tb.files.labels);
    w.write("report.json", report_json(spec, tb));
    w.write("report.md", report_md(spec, tb));
    w.write("report_resources.svg", plot::resources_svg(*spec.estimate));
    w.write("report_pipeline.svg", plot::pipeline_svg(*spec.estimate));
    w.write("README.md", readme(spec, tb));
    summary.files = w.files();
    summary.tb_images = tb.images;
    summary.fixed_accuracy = tb.fixed_accuracy;
    summary.float_accuracy = tb.float_accuracy;

    // Every directory entry of the staging tree reaches the disk before the rename makes it the
    // project; the rename itself is synced in the parent below.
    for (const auto& entry : fs::recursive_directory_iterator(staging))
      if (entry.is_directory()) sync_directory_to_disk(entry.path().string());
    sync_directory_to_disk(staging.string());

    // Commit: the old project (if any) moves aside, the new one takes its name.
    const fs::path old = beside(".old-");
    if (fs::exists(target, ec)) {
      fs::remove_all(old, ec);
      fs::rename(target, old, ec);
      if (ec)
        throw Error("-o " + spec.output_dir + ": cannot replace " + target.string() + ": " + ec.message());
    }
    fs::rename(staging, target, ec);
    if (ec) {
      const std::string reason = ec.message();
      if (fs::exists(old)) fs::rename(old, target, ec);
      throw Error("-o " + spec.output_dir + ": cannot rename " + staging.string() + " to " + target.string() + ": " +
                  reason);
    }
    fs::remove_all(old, ec);
  } catch (...) {
    fs::remove_all(staging, ec);
    remove_created();
    throw;
  }
  // Outside the try: the project is in place, and a failure here must not remove it.
  sync_directory_to_disk(target.parent_path().empty() ? "." : target.parent_path().string());
  summary.directory = target.string();
  return summary;
}

TbFiles make_tb_files(const QuantizedModel& model, const Dataset& data, int images,
                      const std::vector<std::int64_t>& expected_raw) {
  auto append_integer = [](std::string& out, std::int64_t v) {
    char buffer[24];
    auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.append(buffer, r.ptr);
  };
  TbFiles tb;
  for (int i = 0; i < images; ++i) {
    if (i % 1024 == 0) throw_if_interrupted();
    const float* image = data.images.sample(i);
    for (int k = 0; k < model.n_in; ++k) {
      if (k) tb.inputs += ' ';
      append_integer(tb.inputs, bcnn_hls::from_double(static_cast<double>(image[k]), model.input));
    }
    tb.inputs += '\n';
    for (int o = 0; o < model.n_out; ++o) {
      if (o) tb.expected += ' ';
      append_integer(tb.expected, expected_raw[static_cast<std::size_t>(i) * model.n_out + o]);
    }
    tb.expected += '\n';
    append_integer(tb.labels, data.labels[i]);
    tb.labels += '\n';
  }
  return tb;
}

}  // namespace bcnn

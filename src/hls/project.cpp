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
#include <sstream>

#include "core/error.h"
#include "core/interrupt.h"
#include "core/stale_temp_files.h"
#include "eval/evaluate.h"
#include "eval/fixed_eval.h"
#include "hls/embedded_files.h"
#include "quant/emulator.h"

namespace bcnn {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// --- small text helpers ------------------------------------------------------------------------

std::string cpp_type(const FixedFormat& f) {
  return "bcnn_hls::fixed<" + std::to_string(f.width) + ", " + std::to_string(f.integer) + ", " +
         bcnn_hls::ap_name(f.q) + ", " + bcnn_hls::ap_name(f.o) + ">";
}

bool is_data_default(const FixedFormat& f) {
  return f.q == bcnn_hls::quant_mode::rnd && f.o == bcnn_hls::overflow_mode::sat;
}

// <16,2> for AP_RND/AP_SAT, <43,8 exact> for AP_TRN/AP_WRAP, the modes spelled out otherwise.
std::string short_format(const FixedFormat& f) {
  std::string s = std::string("<") + std::to_string(f.width) + "," + std::to_string(f.integer);
  if (is_data_default(f)) return s + ">";
  if (f.q == bcnn_hls::quant_mode::trn && f.o == bcnn_hls::overflow_mode::wrap) return s + " exact>";
  return s + "," + bcnn_hls::ap_name(f.q) + "," + bcnn_hls::ap_name(f.o) + ">";
}

std::string number(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", v);
  return buffer;
}

std::string with_commas(std::int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
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

bool has_hardware(QuantLayerKind kind) { return kind != QuantLayerKind::flatten && kind != QuantLayerKind::dropout; }

// The smallest C integer type holding `width` bits.
std::string word_type(int width) {
  return width <= 8 ? "int8_t" : width <= 16 ? "int16_t" : width <= 32 ? "int32_t" : "int64_t";
}

// {{KEY}} -> value for every key; a placeholder without a value is a bug in bcnn.
std::string fill_template(std::string_view text, const std::map<std::string, std::string>& values,
                          const std::string& name) {
  std::string out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) break;
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    const std::string key(text.substr(open + 2, close - open - 2));
    auto it = values.find(key);
    if (it == values.end()) throw Error("internal error: template " + name + " uses {{" + key + "}}, which has no value");
    out.append(text.substr(pos, open - pos));
    out += it->second;
    pos = close + 2;
  }
  out.append(text.substr(pos));
  return out;
}

std::string_view embedded_text(const std::string& path) {
  for (const auto& f : embedded::files())
    if (f.path == path) return f.text;
  throw Error("internal error: " + path + " is not embedded in bcnn-compile");
}

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
    std::ofstream out(path, std::ios::binary);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
    ++files_;
  }
  int files() const { return files_; }
  const fs::path& root() const { return root_; }

 private:
  fs::path root_;
  int files_ = 0;
};

// --- firmware ----------------------------------------------------------------------------------

struct LayerNames {
  std::string id;      // C identifier
  std::string config;  // <id>_config
};

std::vector<LayerNames> layer_names(const QuantizedModel& m) {
  std::vector<LayerNames> names;
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

std::string defines_h(const QuantizedModel& m, HlsInterface interface) {
  const FixedFormat result = result_format(m);
  std::ostringstream s;
  s << "// Sizes, formats and interface words of the generated network (bcnn-compile).\n"
    << "#ifndef BCNN_DEFINES_H\n#define BCNN_DEFINES_H\n\n"
    << "#include <stdint.h>\n\n#include \"bcnn_hls/fixed.h\"\n\n"
    << "#define BCNN_N_IN " << m.n_in << "    // network inputs per image (C x H x W)\n"
    << "#define BCNN_N_OUT " << m.n_out << "   // logits per image\n"
    << "#define BCNN_INTERFACE_M_AXI " << (interface == HlsInterface::m_axi ? 1 : 0) << "\n"
    << "#define BCNN_INTERFACE_AXIS " << (interface == HlsInterface::axis ? 1 : 0) << "\n\n"
    << "// The network input and the logits.\n"
    << "typedef " << cpp_type(m.input) << " input_t;\n"
    << "typedef " << cpp_type(result) << " result_t;\n"
    << "// Interface words: the raw two's complement bits of input_t and result_t.\n"
    << "typedef " << word_type(m.input.width) << " input_word_t;\n"
    << "typedef " << word_type(result.width) << " result_word_t;\n\n"
    << "#endif  // BCNN_DEFINES_H\n";
  return s.str();
}

std::string bcnn_top_h(HlsInterface interface) {
  std::ostringstream s;
  s << "// The top function of the generated network (bcnn-compile).\n"
    << "#ifndef BCNN_TOP_H\n#define BCNN_TOP_H\n\n#include \"defines.h\"\n\n";
  if (interface == HlsInterface::m_axi) {
    s << "// Vitis kernel: `batch` images, BCNN_N_IN input words each, from `in` (AXI master), their\n"
      << "// BCNN_N_OUT raw logits to `out` (AXI master); batch and the control on AXI4-Lite.\n"
      << "void bcnn_top(const input_word_t* in, result_word_t* out, int batch);\n";
  } else {
    s << "#include \"bcnn_hls/stream.h\"\n\n"
      << "typedef bcnn_hls::stream<input_word_t, BCNN_N_IN> input_stream_t;\n"
      << "typedef bcnn_hls::stream<result_word_t, BCNN_N_OUT> result_stream_t;\n\n"
      << "// One image per call: reads BCNN_N_IN input words from `in`, writes BCNN_N_OUT raw logits to\n"
      << "// `out` (AXI4-Stream).\n"
      << "void bcnn_top(input_stream_t& in, result_stream_t& out);\n";
  }
  s << "\n#endif  // BCNN_TOP_H\n";
  return s.str();
}

// Batch depth the m_axi ports declare for co-simulation: the test bench's batch.
constexpr int tb_batch = 64;

std::string bcnn_top_cpp(const QuantizedModel& m, const std::vector<LayerNames>& names, HlsInterface interface) {
  std::ostringstream s;
  s << "// The top function of the generated network (bcnn-compile): reads an image, runs the layers\n"
    << "// as a DATAFLOW pipeline of bcnn_hls kernels, writes the raw logits.\n"
    << "#include \"bcnn_top.h\"\n\n#include \"parameters.h\"\n\n";
  const bool m_axi = interface == HlsInterface::m_axi;
  if (m_axi) {
    s << "static void read_input(const input_word_t* in, int image, input_t x[BCNN_N_IN]) {\n"
      << "  for (int i = 0; i < BCNN_N_IN; ++i) {\n"
      << "    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)\n"
      << "    x[i] = bcnn_hls::from_raw_bits<input_t>(in[image * BCNN_N_IN + i]);\n  }\n}\n\n"
      << "static void write_output(const result_t y[BCNN_N_OUT], result_word_t* out, int image) {\n"
      << "  for (int i = 0; i < BCNN_N_OUT; ++i) {\n"
      << "    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)\n"
      << "    out[image * BCNN_N_OUT + i] = static_cast<result_word_t>(bcnn_hls::raw_bits(y[i]));\n  }\n}\n\n";
  } else {
    s << "static void read_input(input_stream_t& in, input_t x[BCNN_N_IN]) {\n"
      << "  for (int i = 0; i < BCNN_N_IN; ++i) {\n"
      << "    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)\n"
      << "    x[i] = bcnn_hls::from_raw_bits<input_t>(in.read());\n  }\n}\n\n"
      << "static void write_output(const result_t y[BCNN_N_OUT], result_stream_t& out) {\n"
      << "  for (int i = 0; i < BCNN_N_OUT; ++i) {\n"
      << "    BCNN_HLS_PRAGMA(HLS PIPELINE II=1)\n"
      << "    out.write(static_cast<result_word_t>(bcnn_hls::raw_bits(y[i])));\n  }\n}\n\n";
  }

  // The body: one array per value, one kernel call per layer with hardware.
  std::ostringstream body;
  const std::string indent = m_axi ? "    " : "  ";
  std::string current = "x_input";
  body << indent << "input_t x_input[BCNN_N_IN];\n";
  body << indent << (m_axi ? "read_input(in, image, x_input);\n" : "read_input(in, x_input);\n");
  for (std::size_t i = 0; i < m.layers.size(); ++i) {
    const QuantLayer& l = m.layers[i];
    if (!has_hardware(l.kind)) {
      body << indent << "// " << l.name << " (" << layer_kind_name(l.kind) << "): no hardware, the same array\n";
      continue;
    }
    const std::string out = "x_" + names[i].id;
    body << indent << names[i].config << "::out_t " << out << "[" << l.n_out << "];\n";
    const std::string kernel = l.kind == QuantLayerKind::bc_dense ? "bc_dense" : l.kind == QuantLayerKind::dense ? "dense" : "relu";
    body << indent << "bcnn_hls::" << kernel << "<" << names[i].config << ">(" << current << ", " << out << ");\n";
    current = out;
  }
  if (m_axi) {
    body << indent << "write_output(" << current << ", out, image);\n";
    s << "void bcnn_top(const input_word_t* in, result_word_t* out, int batch) {\n"
      << "  BCNN_HLS_PRAGMA(HLS INTERFACE m_axi port=in offset=slave bundle=gmem0 depth=" << tb_batch * m.n_in
      << ")\n"
      << "  BCNN_HLS_PRAGMA(HLS INTERFACE m_axi port=out offset=slave bundle=gmem1 depth=" << tb_batch * m.n_out
      << ")\n"
      << "  BCNN_HLS_PRAGMA(HLS INTERFACE s_axilite port=batch)\n"
      << "  BCNN_HLS_PRAGMA(HLS INTERFACE s_axilite port=return)\n"
      << "  // Dataflow over the images: each stage works on the next image as soon as it is free.\n"
      << "  for (int image = 0; image < batch; ++image) {\n"
      << "    BCNN_HLS_PRAGMA(HLS LOOP_TRIPCOUNT min=1 max=" << tb_batch << ")\n"
      << "    BCNN_HLS_PRAGMA(HLS DATAFLOW)\n"
      << body.str() << "  }\n}\n";
  } else {
    body << indent << "write_output(" << current << ", out);\n";
    s << "void bcnn_top(input_stream_t& in, result_stream_t& out) {\n"
      << "  BCNN_HLS_PRAGMA(HLS INTERFACE axis port=in)\n"
      << "  BCNN_HLS_PRAGMA(HLS INTERFACE axis port=out)\n"
      << "  BCNN_HLS_PRAGMA(HLS DATAFLOW)\n"
      << body.str() << "}\n";
  }
  return s.str();
}

std::string parameters_h(const QuantizedModel& m, const std::vector<LayerNames>& names) {
  std::ostringstream s;
  s << "// One configuration struct per layer for the bcnn_hls kernels (bcnn-compile). Included by\n"
    << "// bcnn_top.cpp only: it defines the weight tables (weights/*.h).\n"
    << "#ifndef BCNN_PARAMETERS_H\n#define BCNN_PARAMETERS_H\n\n"
    << "#include \"bcnn_hls/bcnn_hls.h\"\n#include \"defines.h\"\n\n";
  for (std::size_t i = 0; i < m.layers.size(); ++i) {
    const QuantLayer& l = m.layers[i];
    if (!has_hardware(l.kind)) continue;
    const std::string& c = names[i].config;
    if (l.kind == QuantLayerKind::bc_dense) {
      s << "// " << l.name << ": bc_dense " << l.n_in << " -> " << l.n_out << ", block " << l.block << " (p = " << l.p
        << " block rows, q = " << l.q << " block columns)\n"
        << "struct " << c << " {\n"
        << "  static const int n_in = " << l.n_in << ";\n"
        << "  static const int n_out = " << l.n_out << ";\n"
        << "  static const int block = " << l.block << ";\n"
        << "  static const int p = " << l.p << ";\n"
        << "  static const int q = " << l.q << ";\n"
        << "  static const int block_rows_parallel = " << l.block_rows_parallel << ";\n"
        << "  static const int bins_parallel = " << l.bins_parallel << ";\n"
        << "  typedef " << cpp_type(l.in) << " in_t;\n"
        << "  typedef " << cpp_type(l.spec) << " spec_t;\n"
        << "  typedef " << cpp_type(l.weight) << " weight_t;\n"
        << "  typedef " << cpp_type(l.acc) << " acc_t;\n"
        << "  typedef " << cpp_type(l.ifft) << " ifft_t;\n"
        << "  typedef " << cpp_type(l.bias) << " bias_t;\n"
        << "  typedef " << cpp_type(l.out) << " out_t;\n"
        << "  typedef " << cpp_type(l.twiddle) << " twiddle_t;\n"
        << "  static const weight_t w_re[" << l.p << "][" << l.q << "][" << l.block / 2 + 1 << "];\n"
        << "  static const weight_t w_im[" << l.p << "][" << l.q << "][" << l.block / 2 + 1 << "];\n"
        << "  static const bias_t bias[" << l.n_out << "];\n"
        << "  static const twiddle_t tw_re[" << l.block / 2 << "];\n"
        << "  static const twiddle_t tw_im[" << l.block / 2 << "];\n"
        << "};\n\n";
    } else if (l.kind == QuantLayerKind::dense) {
      s << "// " << l.name << ": dense " << l.n_in << " -> " << l.n_out << "\n"
        << "struct " << c << " {\n"
        << "  static const int n_in = " << l.n_in << ";\n"
        << "  static const int n_out = " << l.n_out << ";\n"
        << "  static const int reuse_factor = " << l.reuse_factor << ";\n"
        << "  typedef " << cpp_type(l.in) << " in_t;\n"
        << "  typedef " << cpp_type(l.weight) << " weight_t;\n"
        << "  typedef " << cpp_type(l.bias) << " bias_t;\n"
        << "  typedef " << cpp_type(l.acc) << " acc_t;\n"
        << "  typedef " << cpp_type(l.out) << " out_t;\n"
        << "  static const weight_t weights[" << l.n_out << "][" << l.n_in << "];\n"
        << "  static const bias_t bias[" << l.n_out << "];\n"
        << "};\n\n";
    } else {
      s << "// " << l.name << ": relu " << l.n_in << "\n"
        << "struct " << c << " {\n"
        << "  static const int n = " << l.n_in << ";\n"
        << "  typedef " << cpp_type(l.in) << " in_t;\n"
        << "  typedef " << cpp_type(l.out) << " out_t;\n"
        << "};\n\n";
    }
  }
  for (std::size_t i = 0; i < m.layers.size(); ++i) {
    const auto kind = m.layers[i].kind;
    if (kind == QuantLayerKind::bc_dense || kind == QuantLayerKind::dense)
      s << "#include \"weights/" << names[i].id << ".h\"\n";
  }
  s << "\n#endif  // BCNN_PARAMETERS_H\n";
  return s.str();
}

// `values` (raw, in format f) as rows of `row` literals, each row in braces, nested `depth` deep
// by the dims.
void write_array(std::string& out, const std::vector<std::int64_t>& values, const FixedFormat& f,
                 const std::vector<int>& dims) {
  // Recursive over dims; the last dim is one line.
  std::vector<std::size_t> strides(dims.size(), 1);
  for (int d = static_cast<int>(dims.size()) - 2; d >= 0; --d) strides[d] = strides[d + 1] * dims[d + 1];
  auto rec = [&](auto&& self, int d, std::size_t offset, const std::string& indent) -> void {
    if (d + 1 == static_cast<int>(dims.size())) {
      out += indent + "{";
      for (int i = 0; i < dims[d]; ++i) {
        if (i) out += ", ";
        out += exact_literal(values[offset + i], f);
      }
      out += "}";
      return;
    }
    out += indent + "{\n";
    for (int i = 0; i < dims[d]; ++i) {
      self(self, d + 1, offset + i * strides[d], indent + "  ");
      out += i + 1 < dims[d] ? ",\n" : "\n";
    }
    out += indent + "}";
  };
  rec(rec, 0, 0, "");
  out += ";\n\n";
}

std::string weights_h(const QuantLayer& l, const LayerNames& n) {
  std::string s;
  const std::string& c = n.config;
  s += "// " + l.name + ": exact values of the quantized parameters (bcnn-compile). Included once, by\n";
  s += "// parameters.h.\n";
  if (l.kind == QuantLayerKind::bc_dense) {
    const int bins = l.block / 2 + 1;
    s += "// Weight spectra W_ij[f] = DFT(w_ij)[f] (unscaled), w_re[i][j][f] and w_im[i][j][f], in " +
         format_name(l.weight) + ".\n";
    s += "const " + c + "::weight_t " + c + "::w_re[" + std::to_string(l.p) + "][" + std::to_string(l.q) + "][" +
         std::to_string(bins) + "] =\n";
    write_array(s, l.weight_re, l.weight, {l.p, l.q, bins});
    s += "const " + c + "::weight_t " + c + "::w_im[" + std::to_string(l.p) + "][" + std::to_string(l.q) + "][" +
         std::to_string(bins) + "] =\n";
    write_array(s, l.weight_im, l.weight, {l.p, l.q, bins});
    s += "// Bias, in " + format_name(l.bias) + ".\n";
    s += "const " + c + "::bias_t " + c + "::bias[" + std::to_string(l.n_out) + "] =\n";
    write_array(s, l.bias_raw, l.bias, {l.n_out});
    s += "// Twiddles cos(2 pi j / " + std::to_string(l.block) + ") and -sin(2 pi j / " + std::to_string(l.block) +
         "), j < " + std::to_string(l.block / 2) + ", in " + format_name(l.twiddle) + ".\n";
    s += "const " + c + "::twiddle_t " + c + "::tw_re[" + std::to_string(l.block / 2) + "] =\n";
    write_array(s, l.twiddle_re, l.twiddle, {l.block / 2});
    s += "const " + c + "::twiddle_t " + c + "::tw_im[" + std::to_string(l.block / 2) + "] =\n";
    write_array(s, l.twiddle_im, l.twiddle, {l.block / 2});
  } else {
    s += "// Weights weights[o][i], in " + format_name(l.weight) + ".\n";
    s += "const " + c + "::weight_t " + c + "::weights[" + std::to_string(l.n_out) + "][" + std::to_string(l.n_in) +
         "] =\n";
    write_array(s, l.weights, l.weight, {l.n_out, l.n_in});
    s += "// Bias, in " + format_name(l.bias) + ".\n";
    s += "const " + c + "::bias_t " + c + "::bias[" + std::to_string(l.n_out) + "] =\n";
    write_array(s, l.bias_raw, l.bias, {l.n_out});
  }
  return s;
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

double format_min(const FixedFormat& f) { return std::ldexp(static_cast<double>(f.min_raw()), -f.fraction_bits()); }
double format_max(const FixedFormat& f) { return std::ldexp(static_cast<double>(f.max_raw()), -f.fraction_bits()); }

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
                      {"dsp", s.resources.dsp}, {"bram18k", s.resources.bram18}, {"lut", s.resources.lut},
                      {"ff", s.resources.ff}, {"latency_cycles", s.latency_cycles}, {"ii_cycles", s.ii_cycles}});
  return {{"part", {{"name", e.part.name}, {"description", e.part.description}, {"dsp", e.part.dsp},
                    {"bram18k", e.part.bram18}, {"lut", e.part.lut}, {"ff", e.part.ff}}},
          {"clock_ns", e.clock_ns},
          {"interface", interface_name(e.interface)},
          {"stages", stages},
          {"total", {{"dsp", e.total.dsp}, {"bram18k", e.total.bram18}, {"lut", e.total.lut}, {"ff", e.total.ff}}},
          {"utilization", {{"dsp", e.dsp_fraction}, {"bram18k", e.bram_fraction}, {"lut", e.lut_fraction},
                           {"ff", e.ff_fraction}}},
          {"fits", e.fits},
          {"warnings", e.warnings},
          {"latency_cycles", e.latency_cycles},
          {"latency_us", e.latency_us},
          {"ii_cycles", e.ii_cycles},
          {"images_per_s", e.images_per_s}};
}

std::string report_json(const ProjectSpec& spec, const TbData& tb) {
  const QuantizedModel& m = *spec.model;
  json layers = json::array();
  for (const auto& l : m.layers) {
    json j = {{"name", l.name}, {"type", layer_kind_name(l.kind)}, {"n_in", l.n_in}, {"n_out", l.n_out},
              {"observed", {{"in_min", l.observed_in_min}, {"in_max", l.observed_in_max},
                            {"out_min", l.observed_out_min}, {"out_max", l.observed_out_max}}}};
    json formats = {{"in", format_name(l.in)}, {"out", format_name(l.out)}};
    if (l.kind == QuantLayerKind::bc_dense) {
      j["block"] = l.block;
      j["p"] = l.p;
      j["q"] = l.q;
      j["block_rows_parallel"] = l.block_rows_parallel;
      j["bins_parallel"] = l.bins_parallel;
      for (const auto& [k, f] : {std::pair{"spec", l.spec}, {"weight", l.weight}, {"acc", l.acc}, {"ifft", l.ifft},
                                 {"bias", l.bias}, {"twiddle", l.twiddle}})
        formats[k] = format_name(f);
    } else if (l.kind == QuantLayerKind::dense) {
      j["reuse_factor"] = l.reuse_factor;
      for (const auto& [k, f] : {std::pair{"weight", l.weight}, {"acc", l.acc}, {"bias", l.bias}})
        formats[k] = format_name(f);
    }
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
  std::ostringstream s;
  s << "# bcnn-compile report\n\n"
    << "Model `" << spec.model_path << "`, part `" << e.part.name << "` (" << e.part.description << "), clock "
    << number(e.clock_ns) << " ns, interface " << interface_name(e.interface) << ".\n\n"
    << "Generated with `" << spec.command_line << "`.\n\n"
    << "## Accuracy on tb_data (" << tb.images << " images of " << spec.test_data_description << ")\n\n"
    << "- fixed point (bcnn's FixedEmulator, what the C simulation must reproduce bit for bit): "
    << accuracy_percent(tb.fixed_accuracy) << "\n";
  if (tb.float_accuracy >= 0) s << "- float model: " << accuracy_percent(tb.float_accuracy) << "\n";
  s << "\n## Layers\n\n" << format_table(m, true) << "\n"
    << "`<W,I>` is `ap_fixed<W, I, AP_RND, AP_SAT>`; `<W,I exact>` is `ap_fixed<W, I, AP_TRN, AP_WRAP>`, "
    << "whose integer bits come from a proven bound so that it never wraps.\n\n"
    << "## Formats against ranges\n\n";
  if (spec.report) {
    s << "Calibration: " << spec.report->calibration_images << " training images (" << spec.report->calibration_source
      << "). *covered* is the range the integer bits were chosen for: the observed range for activations, a bound "
      << "computed from the weights for accumulators, the constants' own range for weights. Values outside the "
      << "representable range saturate (AP_SAT).\n\n"
      << choices_table(*spec.report) << "\n";
  }
  s << "## Estimate\n\n" << estimate_table(e, true) << "\n";
  return s.str();
}

std::string interface_section(HlsInterface interface, const QuantizedModel& m) {
  std::ostringstream s;
  if (interface == HlsInterface::m_axi) {
    s << "`void bcnn_top(const input_word_t* in, result_word_t* out, int batch)`: a Vitis kernel. `in` and `out` "
      << "are AXI masters (bundles `gmem0`, `gmem1`), `batch` and the block control are on AXI4-Lite. One call "
      << "runs `batch` images: " << m.n_in << " input words per image from `in`, " << m.n_out
      << " raw logits per image to `out`. The image loop is a DATAFLOW region, so consecutive images overlap in "
      << "the layer pipeline.\n\n"
      << "`host/host.cpp` is the XRT driver: `xrt::device`, `load_xclbin`, `xrt::kernel(\"bcnn_top\")`, one "
      << "`xrt::bo` per direction sized for a batch (group ids of arguments 0 and 1), sync, run, wait. Build it "
      << "as its header comment says (or `cmake -DBCNN_XRT_HOST=ON`) and link the kernel with "
      << "`v++ -l -t hw --platform PLATFORM bcnn_prj/solution1/impl/export.xo -o bcnn_top.xclbin`.";
  } else {
    s << "`void bcnn_top(input_stream_t& in, result_stream_t& out)`: AXI4-Stream ports (`axis`), block control "
      << "`ap_ctrl_hs`. One call reads " << m.n_in << " input words and writes " << m.n_out
      << " raw logits; the body is a DATAFLOW region. Export it as an IP (`export=1`) and connect the streams "
      << "to an AXI DMA in a Vivado block design. `host/host.cpp` runs here in software emulation "
      << "(`bcnn_host_sw_emu`); its XRT mode needs an m_axi kernel: regenerate with `--interface m_axi` for the "
      << "Vitis kernel flow.";
  }
  return s.str();
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
  std::map<std::string, std::string> values{
      {"MODEL", spec.model_path},
      {"COMMAND", spec.command_line},
      {"PART", e.part.name},
      {"CLOCK_NS", number(e.clock_ns)},
      {"INTERFACE_SHORT", m_axi ? "AXI master ports (the Vitis kernel flow)" : "AXI4-Stream ports"},
      {"TB_IMAGES", std::to_string(tb.images)},
      {"LAYER_TABLE", format_table(m, true)},
      {"ESTIMATE_TABLE", estimate_table(e, true)},
      {"FIT", fit},
      {"N_IN", std::to_string(m.n_in)},
      {"N_OUT", std::to_string(m.n_out)},
      {"EXPORT_DESCRIPTION", m_axi ? "export a Vitis kernel (.xo)" : "export a Vivado IP (ip_catalog)"},
      {"FLOW_TARGET", m_axi ? "vitis" : "vivado"},
      {"INTERFACE_SECTION", interface_section(e.interface, m)},
      {"INPUT_FORMAT", format_name(m.input)},
      {"INPUT_WORD", word_type(m.input.width)},
      {"RESULT_FORMAT", format_name(result)},
      {"RESULT_WORD", word_type(result.width)},
  };
  return fill_template(embedded_text("templates/README.md"), values, "README.md");
}

std::string build_tcl(const DesignEstimate& e) {
  const bool m_axi = e.interface == HlsInterface::m_axi;
  std::map<std::string, std::string> values{{"PART", e.part.name},
                                            {"CLOCK_NS", number(e.clock_ns)},
                                            {"INTERFACE", interface_name(e.interface)},
                                            {"FLOW_TARGET", m_axi ? "vitis" : "vivado"},
                                            {"EXPORT_FORMAT", m_axi ? "xo" : "ip_catalog"}};
  return fill_template(embedded_text("templates/build_prj.tcl"), values, "build_prj.tcl");
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

std::string exact_literal(std::int64_t raw, const FixedFormat& f) {
  if (raw == 0) return "0";
  const double value = std::ldexp(static_cast<double>(raw), -f.fraction_bits());
  char buffer[64];
  auto r = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, r.ptr);
}

std::string format_table(const QuantizedModel& m, bool markdown) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"input", "", "", std::to_string(m.n_in), "", short_format(m.input), "", "", "", "", "", "", ""});
  for (const auto& l : m.layers) {
    std::vector<std::string> r{l.name, layer_kind_name(l.kind), std::to_string(l.n_in), std::to_string(l.n_out), "",
                               short_format(l.in), short_format(l.out)};
    if (l.kind == QuantLayerKind::bc_dense) {
      r[4] = std::to_string(l.block);
      for (const auto& f : {l.spec, l.weight, l.acc, l.ifft, l.bias}) r.push_back(short_format(f));
      r.push_back(std::to_string(l.block_rows_parallel) + " rows x " + std::to_string(l.bins_parallel) + " bins");
    } else if (l.kind == QuantLayerKind::dense) {
      r.insert(r.end(), {"", short_format(l.weight), short_format(l.acc), "", short_format(l.bias)});
      r.push_back("reuse " + std::to_string(l.reuse_factor));
    } else {
      r.insert(r.end(), {"", "", "", "", "", ""});
    }
    rows.push_back(r);
  }
  return render_table({"layer", "type", "n_in", "n_out", "block", "in", "out", "spec", "weight", "acc", "ifft", "bias",
                       "parallelism"},
                      rows, markdown);
}

std::string estimate_table(const DesignEstimate& e, bool markdown) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : e.stages)
    rows.push_back({s.name, s.type, s.parallelism, with_commas(s.resources.dsp), with_commas(s.resources.bram18),
                    with_commas(s.resources.lut), with_commas(s.resources.ff), with_commas(s.latency_cycles),
                    with_commas(s.ii_cycles)});
  rows.push_back({"total", "", "", with_commas(e.total.dsp), with_commas(e.total.bram18), with_commas(e.total.lut),
                  with_commas(e.total.ff), with_commas(e.latency_cycles), with_commas(e.ii_cycles)});
  rows.push_back({e.part.name, "available", "", with_commas(e.part.dsp), with_commas(e.part.bram18),
                  with_commas(e.part.lut), with_commas(e.part.ff), "", ""});
  rows.push_back({"utilization", "", "", percent(e.dsp_fraction), percent(e.bram_fraction), percent(e.lut_fraction),
                  percent(e.ff_fraction), "", ""});
  std::string out = render_table({"stage", "type", "parallelism", "DSP", "BRAM18K", "LUT", "FF", "latency (cycles)",
                                  "II (cycles)"},
                                 rows, markdown);
  char buffer[256];
  std::snprintf(buffer, sizeof buffer,
                "%sAt %.6g ns (%.6g MHz): latency %s cycles = %.2f us per image; II %s cycles = %.6g images/s.\n",
                markdown ? "\n" : "", e.clock_ns, 1000.0 / e.clock_ns, with_commas(e.latency_cycles).c_str(),
                e.latency_us, with_commas(e.ii_cycles).c_str(), e.images_per_s);
  out += buffer;
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
  const fs::path staging = parent / ("." + target.filename().string() + ".tmp-" + suffix);
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
    const HlsInterface interface = spec.estimate->interface;

    // firmware/
    for (const auto& f : embedded::files()) {
      const std::string prefix = "include/bcnn_hls/";
      if (f.path.substr(0, prefix.size()) == prefix)
        w.write("firmware/bcnn_hls/" + std::string(f.path.substr(prefix.size())), f.text);
    }
    w.write("firmware/defines.h", defines_h(m, interface));
    w.write("firmware/bcnn_top.h", bcnn_top_h(interface));
    w.write("firmware/bcnn_top.cpp", bcnn_top_cpp(m, names, interface));
    w.write("firmware/parameters.h", parameters_h(m, names));
    for (std::size_t i = 0; i < m.layers.size(); ++i) {
      const auto kind = m.layers[i].kind;
      if (kind == QuantLayerKind::bc_dense || kind == QuantLayerKind::dense)
        w.write("firmware/weights/" + names[i].id + ".h", weights_h(m.layers[i], names[i]));
    }
    // Test bench, host, builds.
    w.write("tb/bcnn_tb.cpp", embedded_text("templates/tb/bcnn_tb.cpp"));
    w.write("host/host.cpp", embedded_text("templates/host/host.cpp"));
    w.write("CMakeLists.txt", embedded_text("templates/CMakeLists.txt"));
    w.write("build_prj.tcl", build_tcl(*spec.estimate));
    // tb_data/ and the reports.
    const TbData tb = make_tb_data(spec);
    w.write("tb_data/inputs.txt", tb.files.inputs);
    w.write("tb_data/expected.txt", tb.files.expected);
    w.write("tb_data/labels.txt", tb.files.labels);
    w.write("report.json", report_json(spec, tb));
    w.write("report.md", report_md(spec, tb));
    w.write("README.md", readme(spec, tb));
    summary.files = w.files();
    summary.tb_images = tb.images;
    summary.fixed_accuracy = tb.fixed_accuracy;
    summary.float_accuracy = tb.float_accuracy;

    // Commit: the old project (if any) moves aside, the new one takes its name.
    const fs::path old = parent / ("." + target.filename().string() + ".old-" + suffix);
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

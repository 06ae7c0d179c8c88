#include "quant/quantize.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>

#include "core/error.h"
#include "core/strings.h"
#include "data/dataset.h"
#include "data/normalize.h"
#include "eval/evaluate.h"
#include "hw/fixed_format.h"
#include "hw/quant_context.h"
#include "hw/registry.h"
#include "net/json_reader.h"
#include "train/config.h"

namespace bcnn {
namespace {

using bcnn_hls::overflow_mode;
using bcnn_hls::quant_mode;

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool parse_int(const std::string& text, int& out) {
  const std::string t = trim(text);
  if (t.empty() || t.size() > 9) return false;
  std::size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
  if (i == t.size()) return false;
  for (std::size_t k = i; k < t.size(); ++k)
    if (!std::isdigit(static_cast<unsigned char>(t[k]))) return false;
  out = std::stoi(t);
  return true;
}

// One layer of the float network and the hardware kind that compiles it; `folded` is the float
// layer after it that the kind absorbs (a batchnorm into conv2d), or nullptr.
struct SourceLayer {
  const hw::HwLayer* kind;
  const Layer* layer;
  const Layer* folded = nullptr;
};

std::vector<int> int_shape(const Shape& shape) {
  std::vector<int> out;
  for (auto d : shape) out.push_back(static_cast<int>(d));
  return out;
}

// The driver: every decision about a layer's numbers is its kind's (hw/); this class walks the
// network, resolves the overrides that name a value under several keys, and checks the options.
class Quantizer {
 public:
  Quantizer(const LoadedModel& model, const QuantOptions& options, QuantReport* report)
      : model_(model), options_(options), report_(report) {}

  QuantizedModel run();

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(options_.model_path + ": " + what); }

  void check_options();
  void collect_layers(const hw::QuantContext& ctx);
  std::map<std::string, FixedFormat> parse_overrides() const;
  void apply_parallelism(const hw::HwLayer& kind, QuantLayer& q) const;

  const LoadedModel& model_;
  const QuantOptions& options_;
  QuantReport* report_;
  std::vector<SourceLayer> layers_;
};

void Quantizer::check_options() {
  auto check_width = [&](int w, const std::string& what) {
    if (w < 1 || w > 64)
      throw Error(what + ": impossible width " + std::to_string(w) + ": expected 1..64 bits");
  };
  check_width(options_.data_width, "--precision");
  check_width(options_.weight_width, "--weight-precision");
  if (options_.weight_width > hw::max_constant_width)
    throw Error("--weight-precision: impossible width " + std::to_string(options_.weight_width) +
                ": constants are written as exact double literals, so at most " +
                std::to_string(hw::max_constant_width) + " bits are possible");
}

void Quantizer::collect_layers(const hw::QuantContext& ctx) {
  const Network& net = *model_.network;
  if (net.layers().empty()) fail("expected a network with at least one layer, found none");
  for (const auto& l : net.layers()) {
    if (!layers_.empty() && !layers_.back().folded && layers_.back().kind->folds(*layers_.back().layer, *l)) {
      layers_.back().folded = l.get();
      continue;
    }
    const hw::HwLayer* kind = hw::find_hw_layer(l->type());
    if (!kind)
      fail("unsupported layer " + l->name() + " of type " + std::string(l->type()) + ": bcnn-compile supports " +
           hw::hw_layer_type_list());
    kind->check_supported(*l, ctx);
    layers_.push_back({kind, l.get()});
  }
}

// How the values around a layer travel in the generated top function.
struct LayerPorts {
  bool in_pixels = false, out_pixels = false;
};

// The network input streams pixels when the first layer that cares reads pixels; then each kind
// says what it writes (hw::HwLayer::input_port, output_port). The float network already refuses a
// fully connected layer on a feature map (it needs a flatten), so a kind always gets the port it
// reads.
std::vector<LayerPorts> assign_ports(const std::vector<SourceLayer>& sources) {
  using hw::Port;
  Port current = Port::array;
  for (const auto& s : sources)
    if (auto p = s.kind->input_port()) {
      current = *p;
      break;
    }
  std::vector<LayerPorts> ports(sources.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto wanted = sources[i].kind->input_port();
    if (wanted && *wanted != current)
      throw Error("layer " + sources[i].layer->name() + " (" + std::string(sources[i].kind->type()) + ") reads " +
                  (*wanted == Port::pixels ? "a feature map" : "a vector") + ", but the layer before it writes " +
                  (current == Port::pixels ? "a feature map" : "a vector"));
    ports[i].in_pixels = current == Port::pixels;
    current = sources[i].kind->output_port(current);
    ports[i].out_pixels = current == Port::pixels;
  }
  return ports;
}

std::map<std::string, FixedFormat> Quantizer::parse_overrides() const {
  std::map<std::string, FixedFormat> overrides;
  std::map<std::string, const hw::HwLayer*> kinds;
  std::vector<std::string> names;
  for (const auto& s : layers_) {
    kinds[s.layer->name()] = s.kind;
    names.push_back(s.layer->name());
  }
  for (const auto& [key, text] : options_.layer_formats) {
    const std::string what = options_.layer_formats_origin + " " + key;
    const auto dot = key.rfind('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == key.size())
      throw Error(what + ": expected LAYER.FIELD=ap_fixed<W, I, Q, O>, found \"" + key + "\"");
    const std::string layer = key.substr(0, dot), field = key.substr(dot + 1);
    auto it = kinds.find(layer);
    if (it == kinds.end())
      throw Error(what + ": expected a layer of " + options_.model_path + " (" + join(names, ", ") + "), found \"" +
                  layer + "\"");
    const auto fields = it->second->format_fields();
    if (std::find(fields.begin(), fields.end(), field) == fields.end())
      throw Error(what + ": expected a field of " + std::string(it->second->type()) + " layer " + layer + " (" +
                  join(fields, ", ") + "), found \"" + field + "\"");
    overrides[key] = parse_format(text, what);
  }
  // Per-layer parallelism names must exist, and every knob must belong to the layer's kind.
  for (const auto& [layer, par] : options_.parallelism) {
    auto it = kinds.find(layer);
    if (it == kinds.end())
      throw Error("--parallelism " + layer + ": expected a layer of " + options_.model_path + " (" +
                  join(names, ", ") + "), found \"" + layer + "\"");
    if (par.units && !it->second->has_parallelism())
      throw Error("--parallelism " + layer + ": " + layer + " is a " + std::string(it->second->type()) +
                  " layer, which has no parallelism to set");
    const auto knobs = it->second->knob_names();
    for (const auto& [knob, value] : par.knobs)
      if (std::find(knobs.begin(), knobs.end(), knob) == knobs.end())
        throw Error("--knob " + layer + "." + knob + ": " + layer + " is a " + std::string(it->second->type()) +
                    " layer, " +
                    (knobs.empty() ? std::string("which has no knobs") : "whose knobs are " + join(knobs, ", ")) +
                    "; found \"" + knob + "\"");
  }
  return overrides;
}

void Quantizer::apply_parallelism(const hw::HwLayer& kind, QuantLayer& q) const {
  auto it = options_.parallelism.find(q.name);
  if (it != options_.parallelism.end()) kind.apply_parallelism(it->second, q);
}

QuantizedModel Quantizer::run() {
  check_options();
  const Calibration* calibration = nullptr;
  if (options_.calibration) {
    calibration = &*options_.calibration;
  } else {
    if (model_.calibration.layers.empty())
      fail("the model has no calibration ranges (/calibration): run bcnn-compile with --calibrate DATA_DIR");
    calibration = &model_.calibration;
  }
  if (report_) {
    report_->calibration_images = calibration->images;
    if (report_->calibration_source.empty()) report_->calibration_source = options_.calibration ? "--calibrate" : "model file";
  }
  hw::QuantContext ctx(options_, *calibration, report_);
  collect_layers(ctx);
  ctx.set_overrides(parse_overrides());
  const auto& overrides = ctx.overrides();

  const Network& net = *model_.network;
  QuantizedModel out;
  for (auto d : net.input_shape()) out.input_shape.push_back(static_cast<int>(d));
  out.n_in = static_cast<int>(shape_size(net.input_shape()));
  out.n_out = net.num_classes();

  // The value entering layer i is the value leaving layer i - 1; pass-throughs (flatten, dropout)
  // write the value they read, so their in and out are one value. value_override(i) is the
  // override of the value leaving layer i (i = -1: the network input), under any of the keys
  // that name it.
  const std::string& first = layers_.front().layer->name();
  const LayerRange& input_range = ctx.range_of(first);
  auto is_passthrough = [&](std::size_t i) { return layers_[i].kind->passes_value_through(); };
  auto value_override = [&](int producer) -> std::optional<std::pair<FixedFormat, std::string>> {
    std::vector<std::string> keys;
    if (producer >= 0) keys.push_back(layers_[producer].layer->name() + ".out");
    for (std::size_t k = static_cast<std::size_t>(producer + 1); k < layers_.size(); ++k) {
      keys.push_back(layers_[k].layer->name() + ".in");
      if (!is_passthrough(k)) break;
      keys.push_back(layers_[k].layer->name() + ".out");
    }
    std::optional<std::pair<FixedFormat, std::string>> found;
    for (const auto& key : keys) {
      auto it = overrides.find(key);
      if (it == overrides.end()) continue;
      if (found && found->first != it->second)
        fail(options_.layer_formats_origin + " " + key + " is " + format_name(it->second) + " but " + found->second +
             " (the same value) is " + format_name(found->first));
      if (!found) found = std::make_pair(it->second, key);
    }
    return found;
  };
  FixedFormat current{};
  if (auto o = value_override(-1)) {
    current = o->first;
    ctx.record("input", "in", current, "override (" + o->second + ")", hw::format_min(current),
               hw::format_max(current), true, input_range.input_min, input_range.input_max);
  } else {
    current = ctx.activation_format(input_range.input_min, input_range.input_max, options_.data_width);
    ctx.record("input", "in", current, options_.data_format ? "--precision" : "covers the observed range",
               input_range.input_min, input_range.input_max, false, input_range.input_min, input_range.input_max);
  }
  out.input = current;

  const std::vector<LayerPorts> ports = assign_ports(layers_);
  if (ports.back().out_pixels)
    fail("layer " + layers_.back().layer->name() + " writes a feature map, but bcnn-compile expects the network to " +
         "end in a vector of class scores (add flatten and a dense layer)");
  for (std::size_t li = 0; li < layers_.size(); ++li) {
    const SourceLayer& s = layers_[li];
    const Layer& layer = *s.layer;
    QuantLayer q;
    q.type = std::string(s.kind->type());
    q.name = layer.name();
    q.n_in = static_cast<int>(shape_size(layer.input_shape()));
    q.n_out = static_cast<int>(shape_size(layer.output_shape()));
    q.in_shape = int_shape(layer.input_shape());
    q.out_shape = int_shape(layer.output_shape());
    q.in_pixels = ports[li].in_pixels;
    q.out_pixels = ports[li].out_pixels;
    q.in = current;
    const LayerRange& range = ctx.range_of(q.name);
    // A folded layer's output is the value this layer writes.
    const LayerRange& out_range = s.folded ? ctx.range_of(s.folded->name()) : range;
    q.observed_in_min = range.input_min;
    q.observed_in_max = range.input_max;
    q.observed_out_min = out_range.output_min;
    q.observed_out_max = out_range.output_max;
    std::optional<FixedFormat> out_override;
    if (!is_passthrough(li))
      if (auto o = value_override(static_cast<int>(li))) out_override = o->first;
    const std::string in_origin = li == 0 ? "network input" : "from " + layers_[li - 1].layer->name() + ".out";
    ctx.set_folded(s.folded);
    s.kind->quantize(layer, q, ctx, in_origin, out_override);
    ctx.set_folded(nullptr);
    apply_parallelism(*s.kind, q);
    s.kind->check_widths(q, ctx);
    current = q.out;
    out.layers.push_back(std::move(q));
  }
  return out;
}

}  // namespace

std::string format_name(const FixedFormat& f) {
  return "ap_fixed<" + std::to_string(f.width) + ", " + std::to_string(f.integer) + ", " + bcnn_hls::ap_name(f.q) +
         ", " + bcnn_hls::ap_name(f.o) + ">";
}

FixedFormat parse_format(const std::string& text, const std::string& what) {
  const std::string expected = "expected ap_fixed<W, I> or ap_fixed<W, I, Q, O> (e.g. ap_fixed<16, 6, AP_RND, AP_SAT>)";
  const std::string found = ", found \"" + text + "\"";
  std::string t = trim(text);
  if (t.rfind("ap_ufixed", 0) == 0)
    throw Error(what + ": " + expected + found + ": unsigned formats are not supported");
  if (t.rfind("ap_fixed", 0) != 0) throw Error(what + ": " + expected + found);
  t = trim(t.substr(8));
  if (t.size() < 2 || t.front() != '<' || t.back() != '>') throw Error(what + ": " + expected + found);
  std::vector<std::string> args;
  {
    std::string inner = t.substr(1, t.size() - 2);
    std::size_t start = 0;
    while (true) {
      const auto comma = inner.find(',', start);
      args.push_back(trim(inner.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (args.size() < 2 || args.size() > 5) throw Error(what + ": " + expected + found);
  FixedFormat f{0, 0, quant_mode::trn, overflow_mode::wrap};  // ap_fixed's defaults: AP_TRN, AP_WRAP
  if (!parse_int(args[0], f.width))
    throw Error(what + ": " + expected + found + ": the width W must be an integer, found \"" + args[0] + "\"");
  if (!parse_int(args[1], f.integer))
    throw Error(what + ": " + expected + found + ": the integer bits I must be an integer, found \"" + args[1] + "\"");
  if (args.size() >= 3 && !bcnn_hls::parse_quant_mode(args[2].c_str(), f.q))
    throw Error(what + ": " + expected + found +
                ": expected a quantization mode (AP_RND, AP_RND_ZERO, AP_RND_MIN_INF, AP_RND_INF, AP_RND_CONV, AP_TRN, "
                "AP_TRN_ZERO), found \"" + args[2] + "\"");
  if (args.size() >= 4 && !bcnn_hls::parse_overflow_mode(args[3].c_str(), f.o)) {
    if (args[3] == "AP_WRAP_SM")
      throw Error(what + ": impossible format \"" + text + "\": AP_WRAP_SM is not supported (use AP_WRAP, AP_SAT, "
                  "AP_SAT_ZERO or AP_SAT_SYM)");
    throw Error(what + ": " + expected + found +
                ": expected an overflow mode (AP_SAT, AP_SAT_ZERO, AP_SAT_SYM, AP_WRAP), found \"" + args[3] + "\"");
  }
  if (args.size() == 5) {
    int n = -1;
    if (!parse_int(args[4], n) || n != 0)
      throw Error(what + ": impossible format \"" + text + "\": only N = 0 saturation bits are supported, found \"" +
                  args[4] + "\"");
  }
  if (f.width < 1 || f.width > 64)
    throw Error(what + ": impossible format \"" + text + "\": expected a width W of 1..64 bits, found " +
                std::to_string(f.width));
  if (!bcnn_hls::is_valid_format(f.width, f.integer))
    throw Error(what + ": impossible format \"" + text + "\": expected integer bits I with I <= " +
                std::to_string(bcnn_hls::max_integer_bits) + " and W - I <= " +
                std::to_string(bcnn_hls::max_fraction_bits) + ", found I = " + std::to_string(f.integer));
  return f;
}

int integer_bits_for_range(double lo, double hi, int width) {
  int integer = 1;
  const double magnitude = std::max(std::abs(lo), std::abs(hi));
  if (magnitude > 0 && std::isfinite(magnitude)) integer = std::max(1, static_cast<int>(std::floor(std::log2(magnitude))) + 1);
  // Adjust for the exact edges: -2^(I-1) <= lo, hi <= 2^(I-1) - 2^(I-width).
  while (integer > 1 && -std::ldexp(1.0, integer - 2) <= lo &&
         hi <= std::ldexp(1.0, integer - 2) - std::ldexp(1.0, integer - 1 - width))
    --integer;
  while (integer < 1000 && (-std::ldexp(1.0, integer - 1) > lo ||
                            hi > std::ldexp(1.0, integer - 1) - std::ldexp(1.0, integer - width)))
    ++integer;
  return integer;
}

QuantizedModel quantize_model(const LoadedModel& model, const QuantOptions& options, QuantReport* report) {
  Quantizer q(model, options, report);
  return q.run();
}

Calibration calibrate_model(LoadedModel& model, const std::string& data_dir, int max_images) {
  const std::string dataset = stored_train_data(model.config, "the model's stored configuration").dataset;
  Dataset data = load_dataset(dataset, data_dir, Split::train);
  Network& net = *model.network;
  if (data.sample_shape() != net.input_shape())
    throw Error(data_dir + ": expected " + dataset + " images of shape " + shape_string(net.input_shape()) +
                " for the model, found " + shape_string(data.sample_shape()));
  // The ranges must be those of the images the model sees: normalized as in training.
  normalize_dataset(data, stored_normalization(model.config, "the model's stored configuration",
                                               net.input_shape().empty() ? 1 : net.input_shape()[0]));
  return calibrate(net, data, max_images, 256);
}

void apply_precision_options(QuantOptions& options, const std::string& precision, int weight_width,
                             const std::vector<std::string>& layer_precisions) {
  if (precision.find('<') != std::string::npos || precision.rfind("ap_", 0) == 0) {
    options.data_format = parse_format(precision, "--precision");
    options.data_width = options.data_format->width;
  } else {
    std::size_t used = 0;
    long width = -1;
    try {
      width = std::stol(precision, &used);
    } catch (...) {
      used = 0;
    }
    if (used != precision.size() || precision.empty())
      throw Error("--precision: expected a width (e.g. 16) or ap_fixed<W, I, Q, O>, found \"" + precision + "\"");
    if (width < 1 || width > 64) throw Error("--precision: impossible width " + precision + ": expected 1..64 bits");
    options.data_width = static_cast<int>(width);
  }
  if (weight_width < 1 || weight_width > 53)
    throw Error("--weight-precision: impossible width " + std::to_string(weight_width) + ": expected 1..53 bits");
  options.weight_width = weight_width;
  for (const auto& text : layer_precisions) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
      throw Error("--layer-precision: expected LAYER.FIELD=ap_fixed<W,I,Q,O>, found \"" + text + "\"");
    const std::string key = text.substr(0, eq);
    if (options.layer_formats.count(key)) throw Error("--layer-precision " + key + ": given twice");
    options.layer_formats[key] = text.substr(eq + 1);
  }
}

QuantOptions options_from_project_report(const std::string& report_path, const std::string& model_path) {
  std::ifstream in(report_path);
  if (!in) throw Error(report_path + ": cannot open the project report (is the directory a bcnn-compile project?)");
  nlohmann::json report;
  try {
    in >> report;
  } catch (const nlohmann::json::exception& e) {
    throw Error(report_path + ": expected the JSON report of bcnn-compile, found text that does not parse");
  }
  if (!report.is_object() || !report.contains("layers") || !report["layers"].is_array())
    throw Error(report_path + ": /layers: expected the array of layers of a bcnn-compile report, found " +
                (report.is_object() && report.contains("layers") ? describe_json(report["layers"])
                                                                  : std::string("nothing")));
  QuantOptions options;
  options.model_path = model_path;
  options.layer_formats_origin = report_path;
  const auto& layers = report["layers"];
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::string pointer = "/layers/" + std::to_string(i);
    const auto& layer = layers[i];
    if (!layer.is_object())
      throw Error(config_error(report_path, pointer, "a layer object", describe_json(layer)));
    if (!layer.contains("formats")) continue;
    if (!layer.contains("name") || !layer["name"].is_string())
      throw Error(config_error(report_path, pointer + "/name", "the layer's name (a string)",
                               layer.contains("name") ? describe_json(layer["name"]) : "nothing"));
    if (!layer["formats"].is_object())
      throw Error(
          config_error(report_path, pointer + "/formats", "an object of formats", describe_json(layer["formats"])));
    for (const auto& [field, spelling] : layer["formats"].items()) {
      if (!spelling.is_string())
        throw Error(config_error(report_path, pointer + "/formats/" + field, "a format such as \"ap_fixed<16,6>\"",
                                 describe_json(spelling)));
      options.layer_formats[layer["name"].get<std::string>() + "." + field] = spelling.get<std::string>();
    }
  }
  return options;
}

}  // namespace bcnn

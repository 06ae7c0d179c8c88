#include "net/network.h"

#include <chrono>
#include <optional>
#include <cstdio>
#include <regex>
#include <set>

#include "core/checked_math.h"
#include "core/error.h"
#include "core/memory.h"
#include "core/strings.h"
#include "core/threads.h"
#include "layers/registry.h"
#include "net/json_reader.h"

namespace bcnn {

bool valid_layer_name(const std::string& name) {
  static const std::regex pattern("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
  return std::regex_match(name, pattern);
}

namespace {

// The values of one sample of `shape`, in checked arithmetic; nothing when it overflows.
std::optional<std::int64_t> checked_shape_size(const Shape& shape) {
  std::optional<std::int64_t> n = 1;
  for (int d : shape) {
    if (!n || d < 0) return std::nullopt;
    n = checked_mul(*n, d);
  }
  return n;
}

std::string shape_product_text(const Shape& shape) {
  std::string text;
  for (int d : shape) text += (text.empty() ? "" : " x ") + std::to_string(d);
  return text;
}

}  // namespace

std::unique_ptr<Network> Network::build(const nlohmann::json& description, const std::string& origin) {
  auto net = build_layers(description, origin);
  net->allocate();
  return net;
}

std::unique_ptr<Network> Network::build_layers(const nlohmann::json& description, const std::string& origin) {
  JsonObject top(description, origin, "");
  std::string format = top.get_string("format", std::nullopt, {network_format_name});
  (void)format;
  long version = top.get_int("version", std::nullopt, 1, 1000000);
  if (version != network_format_version)
    top.fail("version", "version " + std::to_string(network_format_version) + " (this build of bcnn reads only it)",
             std::to_string(version));
  auto net = std::make_unique<Network>();
  net->input_shape_ = top.get_int_list("input", 1, 3, 1, 1 << 20);
  // Layers index a sample's values with int: a sample must fit, here and after every layer.
  const auto input_size = checked_shape_size(net->input_shape_);
  if (!input_size || *input_size > max_sample_values)
    top.fail("input", "at most " + with_thousands(max_sample_values) + " values per sample",
             shape_product_text(net->input_shape_) + " = " +
                 (input_size ? with_thousands(*input_size) : std::string("more than 2^63")));
  top.get_string("description", std::string());

  const auto& layers_json = top.raw("layers");
  if (!layers_json.is_array() || layers_json.empty())
    top.fail("layers", "a non-empty array of layer objects", describe_json(layers_json));
  top.reject_unknown_keys({"train"});

  std::set<std::string> names;
  Shape shape = net->input_shape_;
  const auto known_types = layer_type_names();
  for (std::size_t i = 0; i < layers_json.size(); ++i) {
    JsonObject spec(layers_json[i], origin, "/layers/" + std::to_string(i));
    std::string type = spec.get_string("type", std::nullopt, known_types);
    std::string name = spec.get_string("name", type + std::to_string(i));
    if (!valid_layer_name(name))
      spec.fail("name", "a layer name of letters, digits, '_', '.', '-' (at most 64, not starting with '.' or '-')",
                "\"" + name + "\"");
    if (!names.insert(name).second) spec.fail("name", "a name no other layer has", "\"" + name + "\" again");
    LayerFactory make = find_layer_factory(type);
    std::unique_ptr<Layer> layer = make(spec, name, shape);
    spec.reject_unknown_keys();
    const Shape out_shape = layer->output_shape();
    const auto out_size = checked_shape_size(out_shape);
    bool positive = true;
    for (int d : out_shape) positive = positive && d >= 1;
    if (!positive || !out_size || *out_size > max_sample_values)
      spec.fail_here("layer \"" + name + "\": expected an output of 1 to " + with_thousands(max_sample_values) +
                     " values per sample, found shape " + shape_string(out_shape));
    for (const auto& p : layer->param_specs()) {
      const auto size = checked_shape_size(p.shape);
      if (!size || *size > max_sample_values)
        spec.fail_here("layer \"" + name + "\": expected at most " + with_thousands(max_sample_values) + " values in " +
                       p.name + ", found " + shape_product_text(p.shape) +
                       (size ? " = " + with_thousands(*size) : std::string(" (more than 2^63)")));
    }
    layer->set_index(static_cast<int>(i));
    shape = layer->output_shape();
    net->layers_.push_back(std::move(layer));
  }

  // The arena's layout; each range fits in int (checked above), so the sum fits in 64 bits.
  std::size_t total = 0;
  for (std::size_t li = 0; li < net->layers_.size(); ++li) {
    auto specs = net->layers_[li]->param_specs();
    for (std::size_t s = 0; s < specs.size(); ++s) {
      std::size_t size = static_cast<std::size_t>(shape_size(specs[s].shape));
      net->ranges_.push_back(
          {static_cast<int>(li), static_cast<int>(s), total, size, specs[s].decay, specs[s].trainable});
      total += size;
    }
  }
  net->param_count_ = static_cast<std::int64_t>(total);
  net->outputs_.resize(net->layers_.size());
  return net;
}

void Network::allocate() {
  if (allocated_) return;
  // Parameters and gradients: refused before the pages are touched when they cannot fit.
  require_memory(2 * 4 * param_count_, "a network of " + with_thousands(param_count_) + " parameters (and gradients)",
                 "use smaller layers");
  const auto total = static_cast<std::size_t>(param_count_);
  params_.assign(total, 0.0f);
  grads_.assign(total, 0.0f);
  std::vector<std::vector<std::span<float>>> p(layers_.size()), g(layers_.size());
  for (const auto& r : ranges_) {
    p[r.layer].emplace_back(params_.data() + r.offset, r.size);
    g[r.layer].emplace_back(grads_.data() + r.offset, r.size);
  }
  for (std::size_t li = 0; li < layers_.size(); ++li) layers_[li]->bind(p[li], g[li]);
  allocated_ = true;
}

Layer* Network::find_layer(const std::string& name) const {
  for (const auto& l : layers_)
    if (l->name() == name) return l.get();
  return nullptr;
}

void Network::init_params(std::uint64_t seed) {
  for (const auto& layer : layers_) {
    Rng rng(seed, Stream::init, static_cast<std::uint64_t>(layer->index()));
    layer->init_params(rng);
  }
}

const Tensor& Network::forward(const Tensor& x, const ForwardContext& ctx) {
  if (x.sample_shape() != input_shape_)
    throw Error("network input: expected samples of shape " + shape_string(input_shape_) + ", found " +
                shape_string(x.sample_shape()));
  // Once per batch, between parallel regions: the place where the thread count can follow the
  // machine's load for training, evaluation and calibration alike.
  adapt_threads_to_load();
  input_ = &x;
  const Tensor* in = &x;
  if (layer_seconds_.size() != layers_.size()) layer_seconds_.assign(layers_.size(), 0.0);
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const auto start = profiling_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    layers_[i]->forward(*in, outputs_[i], ctx);
    if (profiling_)
      layer_seconds_[i] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    in = &outputs_[i];
  }
  return *in;
}

void Network::backward(const Tensor& grad_logits, const std::function<void(int)>& layer_done) {
  // dL/dx is needed only while some layer below still has parameters.
  int lowest_with_params = static_cast<int>(layers_.size());
  for (int i = 0; i < static_cast<int>(layers_.size()); ++i)
    if (!layers_[i]->param_specs().empty()) {
      lowest_with_params = i;
      break;
    }
  const Tensor* dy = &grad_logits;
  for (int i = static_cast<int>(layers_.size()) - 1; i >= lowest_with_params; --i) {
    const Tensor& x = i == 0 ? *input_ : outputs_[i - 1];
    Tensor* dx = nullptr;
    if (i > lowest_with_params) dx = (dy == &grad_a_) ? &grad_b_ : &grad_a_;
    layers_[i]->backward(x, outputs_[i], *dy, dx);
    if (layer_done) layer_done(i);
    if (dx) dy = dx;
  }
}

nlohmann::json Network::description() const {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : layers_) {
    nlohmann::json j = {{"type", std::string(l->type())}, {"name", l->name()}};
    j.update(l->config());
    layers.push_back(j);
  }
  return {{"format", network_format_name}, {"version", network_format_version}, {"input", input_shape_},
          {"layers", layers}};
}

LayerCost Network::total_cost() const {
  LayerCost total;
  for (const auto& l : layers_) {
    LayerCost c = l->cost();
    total.params += c.params;
    total.dense_params += c.dense_params;
    total.macs += c.macs;
    total.dense_macs += c.dense_macs;
  }
  return total;
}

std::string Network::layer_table() const {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%-12s %-10s %-16s %12s %6s %12s %14s\n", "layer", "type", "output", "params",
                "block", "compression", "MACs/image");
  out += line;
  std::snprintf(line, sizeof line, "%-12s %-10s %-16s %12s %6s %12s %14s\n", "input", "",
                shape_string(input_shape_).c_str(), "", "", "", "");
  out += line;
  for (const auto& l : layers_) {
    LayerCost c = l->cost();
    std::string block = l->block_size() ? std::to_string(l->block_size()) : "-";
    std::string ratio = "-";
    if (c.params > 0) {
      char r[32];
      std::snprintf(r, sizeof r, "%.1fx", static_cast<double>(c.dense_params) / c.params);
      ratio = r;
    }
    std::snprintf(line, sizeof line, "%-12s %-10s %-16s %12s %6s %12s %14s\n", l->name().c_str(),
                  std::string(l->type()).c_str(), shape_string(l->output_shape()).c_str(),
                  with_thousands(c.params).c_str(), block.c_str(), ratio.c_str(),
                  c.macs ? with_thousands(c.macs).c_str() : "-");
    out += line;
  }
  LayerCost t = total_cost();
  std::snprintf(line, sizeof line,
                "total: %s parameters (dense equivalent %s, %.1fx smaller); %s MACs/image (dense %s)\n",
                with_thousands(t.params).c_str(), with_thousands(t.dense_params).c_str(),
                t.params ? static_cast<double>(t.dense_params) / t.params : 1.0, with_thousands(t.macs).c_str(),
                with_thousands(t.dense_macs).c_str());
  out += line;
  return out;
}

}  // namespace bcnn

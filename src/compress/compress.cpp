#include "compress/compress.h"

#include <algorithm>
#include <cstdio>

#include "compress/projection.h"
#include "core/error.h"
#include "core/strings.h"

namespace bcnn {
namespace {

// The layer kinds bcnn-compress replaces, and what by. Both store the weight as (rows, cols, taps...)
// with rows the outputs and cols the inputs, and their block-circulant kind as (p, q, taps..., k):
// the projection needs nothing else.
struct CompressibleKind {
  const char* dense_type;
  const char* circulant_type;
};
constexpr CompressibleKind compressible_kinds[] = {{"dense", "bc_dense"}, {"conv2d", "bc_conv2d"}};

const CompressibleKind* find_compressible(std::string_view type) {
  for (const auto& kind : compressible_kinds)
    if (type == kind.dense_type) return &kind;
  return nullptr;
}

std::string kind_list() {
  std::string text;
  for (const auto& kind : compressible_kinds) text += (text.empty() ? "" : " or ") + std::string(kind.dense_type);
  return text;
}

struct WeightSizes {
  int rows, cols, taps;
};

WeightSizes weight_sizes(const Layer& layer) {
  const Shape shape = layer.param_specs().at(0).shape;
  int taps = 1;
  for (std::size_t d = 2; d < shape.size(); ++d) taps *= shape[d];
  return {shape.at(0), shape.at(1), taps};
}

// Trainable parameters, as bcnn-eval counts them (a batchnorm's running statistics are not).
std::int64_t layer_params(const Layer& layer) { return layer.cost().params; }

}  // namespace

CompressedNetwork compress_network(const Network& source, const nlohmann::json& config, const std::string& origin,
                                   const CompressOptions& options) {
  for (const auto& [name, block] : options.layer_blocks) {
    const Layer* layer = source.find_layer(name);
    if (!layer)
      throw Error("--layer " + name + "=" + std::to_string(block) + ": expected a layer of " + origin +
                  ", found no layer named \"" + name + "\"");
    if (!find_compressible(layer->type()))
      throw Error("--layer " + name + "=" + std::to_string(block) + ": expected a " + kind_list() +
                  " layer, found layer \"" + name + "\" of type " + std::string(layer->type()));
    if (block < 0 || block > 4096)
      throw Error("--layer " + name + "=" + std::to_string(block) + ": expected a block size in [1, 4096] or 0 "
                  "(keep the layer dense), found " + std::to_string(block));
  }
  if (options.block < 0 || options.block > 4096)
    throw Error("--block: expected a block size in [1, 4096], found " + std::to_string(options.block));

  CompressedNetwork result;
  result.config = config;
  nlohmann::json& layer_specs = result.config.at("layers");
  std::vector<int> blocks(source.layers().size(), 0);
  // The layer that makes the logits: replaced only when named by --layer.
  int output_layer = -1;
  for (int i = static_cast<int>(source.layers().size()) - 1; i >= 0 && output_layer < 0; --i)
    if (!source.layers()[i]->param_specs().empty() && source.layers()[i]->type() != "batchnorm") output_layer = i;
  for (std::size_t i = 0; i < source.layers().size(); ++i) {
    const Layer& layer = *source.layers()[i];
    const CompressibleKind* kind = find_compressible(layer.type());
    if (!kind) continue;
    const WeightSizes sizes = weight_sizes(layer);
    LayerCompression row;
    row.name = layer.name();
    row.from_type = row.to_type = std::string(layer.type());
    row.params_before = row.params_after = layer_params(layer);
    if (const auto chosen = options.layer_blocks.find(layer.name()); chosen != options.layer_blocks.end()) {
      blocks[i] = chosen->second;
      if (blocks[i] == 0) row.kept_because = "--layer " + layer.name() + "=0";
    } else if (options.block == 0) {
      row.kept_because = "no --block";
    } else if (static_cast<int>(i) == output_layer) {
      row.kept_because = "the output layer (--layer " + layer.name() + "=K replaces it)";
    } else if (std::min(sizes.rows, sizes.cols) < options.block) {
      row.kept_because = std::to_string(sizes.cols) + " inputs x " + std::to_string(sizes.rows) +
                         " outputs: narrower than a block of " + std::to_string(options.block);
    } else {
      blocks[i] = options.block;
    }
    if (blocks[i] > 0) {
      nlohmann::json& spec = layer_specs.at(i);
      if (spec.value("name", std::string()) != layer.name())
        throw Error(origin + ": /layers/" + std::to_string(i) + ": expected layer \"" + layer.name() +
                    "\" of the stored network, found " + spec.dump());
      spec["type"] = kind->circulant_type;
      spec["block"] = blocks[i];
      row.to_type = kind->circulant_type;
      row.block = blocks[i];
    }
    result.layers.push_back(row);
  }

  result.network = Network::build(result.config, origin + " compressed");
  Network& net = *result.network;
  net.allocate();
  std::size_t row_index = 0;
  for (std::size_t i = 0; i < source.layers().size(); ++i) {
    const Layer& from = *source.layers()[i];
    Layer& to = *net.layers()[i];
    if (find_compressible(from.type()) && blocks[i] > 0) {
      const WeightSizes sizes = weight_sizes(from);
      BlockCirculantProjection projection =
          project_block_circulant(from.param(0), sizes.rows, sizes.cols, sizes.taps, blocks[i]);
      std::copy(projection.weight.begin(), projection.weight.end(), to.param(0).begin());
      for (std::size_t s = 1; s < from.param_specs().size(); ++s)
        std::copy(from.param(static_cast<int>(s)).begin(), from.param(static_cast<int>(s)).end(),
                  to.param(static_cast<int>(s)).begin());
      LayerCompression& row = result.layers[row_index];
      row.relative_error = projection.relative_error;
      row.params_after = layer_params(to);
    } else {
      for (std::size_t s = 0; s < from.param_specs().size(); ++s)
        std::copy(from.param(static_cast<int>(s)).begin(), from.param(static_cast<int>(s)).end(),
                  to.param(static_cast<int>(s)).begin());
    }
    if (find_compressible(from.type())) ++row_index;
  }
  return result;
}

std::string compression_table(const std::vector<LayerCompression>& layers) {
  std::string text;
  char line[256];
  std::snprintf(line, sizeof line, "%-12s %-10s %-10s %6s %12s %12s %10s\n", "layer", "from", "to", "block",
                "params", "after", "error");
  text += line;
  for (const auto& row : layers) {
    if (row.block > 0)
      std::snprintf(line, sizeof line, "%-12s %-10s %-10s %6d %12s %12s %10.4f\n", row.name.c_str(),
                    row.from_type.c_str(), row.to_type.c_str(), row.block, with_thousands(row.params_before).c_str(),
                    with_thousands(row.params_after).c_str(), row.relative_error);
    else
      std::snprintf(line, sizeof line, "%-12s %-10s %-10s %6s %12s %12s %10s  kept: %s\n", row.name.c_str(),
                    row.from_type.c_str(), row.to_type.c_str(), "-", with_thousands(row.params_before).c_str(),
                    with_thousands(row.params_after).c_str(), "-", row.kept_because.c_str());
    text += line;
  }
  return text;
}

}  // namespace bcnn

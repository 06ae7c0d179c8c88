#pragma once
// The one table from a JSON "type" to the layer that implements it.
#include <memory>
#include <string>
#include <vector>

#include "layers/layer.h"
#include "net/json_reader.h"

namespace bcnn {

using LayerFactory = std::unique_ptr<Layer> (*)(JsonObject& spec, std::string name, const Shape& input);

struct LayerType {
  const char* type;
  LayerFactory make;
};

const std::vector<LayerType>& layer_types();
std::vector<std::string> layer_type_names();
// nullptr when unknown.
LayerFactory find_layer_factory(const std::string& type);

}  // namespace bcnn

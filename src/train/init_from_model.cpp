#include "train/init_from_model.h"

#include <algorithm>

#include "core/error.h"
#include "core/strings.h"

namespace bcnn {
namespace {

std::string describe(const Layer& layer) {
  std::string text = std::string(layer.type());
  if (layer.block_size() > 0) text += " with block " + std::to_string(layer.block_size());
  return text;
}

}  // namespace

void init_from_model(Network& net, const std::string& origin, const LoadedModel& model, const std::string& model_path) {
  const Network& from = *model.network;
  if (from.input_shape() != net.input_shape())
    throw Error(model_path + ": --init: expected a model of input shape " + shape_string(net.input_shape()) +
                " (the /input of " + origin + "), found " + shape_string(from.input_shape()));
  for (const auto& layer : from.layers()) {
    if (layer->param_specs().empty() || net.find_layer(layer->name())) continue;
    throw Error(model_path + ": --init: layer \"" + layer->name() + "\" (" + describe(*layer) +
                ") has parameters, but " + origin + " has no layer of that name; expected the layers of the "
                "configured network");
  }
  for (const auto& layer : net.layers()) {
    const auto specs = layer->param_specs();
    if (specs.empty()) continue;
    const Layer* source = from.find_layer(layer->name());
    const std::string where = model_path + ": --init: layer \"" + layer->name() + "\": ";
    if (!source)
      throw Error(where + "expected a " + describe(*layer) + " layer (as in " + origin + "), found no layer of that name");
    const auto source_specs = source->param_specs();
    bool same = source->type() == layer->type() && source_specs.size() == specs.size();
    for (std::size_t s = 0; same && s < specs.size(); ++s)
      same = specs[s].name == source_specs[s].name && specs[s].shape == source_specs[s].shape;
    if (!same) {
      std::vector<std::string> expected, found;
      for (const auto& spec : specs) expected.push_back(spec.name + " " + shape_string(spec.shape));
      for (const auto& spec : source_specs) found.push_back(spec.name + " " + shape_string(spec.shape));
      std::string advice;
      if (layer->block_size() > 0 && source->block_size() == 0)
        advice = "; a dense model becomes block-circulant with bcnn-compress MODEL.h5 --block K -o INIT.h5";
      throw Error(where + "expected " + describe(*layer) + " (" + join(expected, ", ") + ") as in " + origin +
                  ", found " + describe(*source) + " (" + join(found, ", ") + ")" + advice);
    }
    for (std::size_t s = 0; s < specs.size(); ++s)
      std::copy(source->param(static_cast<int>(s)).begin(), source->param(static_cast<int>(s)).end(),
                layer->param(static_cast<int>(s)).begin());
  }
}

}  // namespace bcnn

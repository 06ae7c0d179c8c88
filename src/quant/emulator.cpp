#include "quant/emulator.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "hw/registry.h"

// The driver of the fixed-point emulation: each layer's arithmetic is its kind's emulate()
// (hw/), which repeats the kind's kernel of fpga/include/bcnn_hls operation for operation
// (docs/fpga.md). The model is validated first, so the kinds can rely on their formats, sizes and
// exact widths.

namespace bcnn {
namespace {

void validate(const QuantizedModel& model, std::vector<const hw::HwLayer*>& kinds) {
  if (model.layers.empty()) throw Error("fixed-point emulator: the quantized model has no layers");
  if (!bcnn_hls::is_valid(model.input))
    throw Error("fixed-point emulator: the input format is invalid (width " + std::to_string(model.input.width) +
                ")");
  int size = model.n_in;
  FixedFormat previous = model.input;
  for (const QuantLayer& layer : model.layers) {
    const hw::HwLayer* kind = hw::find_hw_layer(layer.type);
    hw::require(kind != nullptr, layer,
                "has type \"" + layer.type + "\", which has no hardware (expected one of " +
                    hw::hw_layer_type_list() + ")");
    hw::require(layer.n_in == size, layer,
                "takes " + std::to_string(layer.n_in) + " inputs, but the previous layer (or the model "
                    "input) gives " + std::to_string(size));
    hw::require(layer.n_in >= 1 && layer.n_out >= 1, layer, "n_in and n_out must be positive");
    hw::require_format(layer, layer.in, "in");
    hw::require_format(layer, layer.out, "out");
    hw::require(layer.in == previous, layer, "its input format differs from the previous layer's output format");
    kind->validate(layer);
    kinds.push_back(kind);
    size = layer.n_out;
    previous = layer.out;
  }
  if (size != model.n_out)
    throw Error("fixed-point emulator: the last layer gives " + std::to_string(size) +
                " outputs, the model declares n_out = " + std::to_string(model.n_out));
}

std::vector<std::int64_t> quantize_image(const QuantizedModel& model, const float* image) {
  std::vector<std::int64_t> raw(model.n_in);
  for (int i = 0; i < model.n_in; ++i) raw[i] = bcnn_hls::from_double(image[i], model.input);
  return raw;
}

}  // namespace

FixedEmulator::FixedEmulator(const QuantizedModel& model) : model_(model) { validate(model_, kinds_); }

void FixedEmulator::run(const float* image, std::int64_t* logits_raw) const {
  std::vector<std::int64_t> values = quantize_image(model_, image);
  for (std::size_t i = 0; i < kinds_.size(); ++i) values = kinds_[i]->emulate(model_.layers[i], values);
  std::copy(values.begin(), values.end(), logits_raw);
}

std::vector<std::vector<std::int64_t>> FixedEmulator::trace(const float* image) const {
  std::vector<std::vector<std::int64_t>> outputs;
  std::vector<std::int64_t> values = quantize_image(model_, image);
  for (std::size_t i = 0; i < kinds_.size(); ++i) {
    values = kinds_[i]->emulate(model_.layers[i], values);
    outputs.push_back(values);
  }
  return outputs;
}

}  // namespace bcnn

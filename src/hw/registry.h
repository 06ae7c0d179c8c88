#pragma once
// The one table of hardware kinds, by JSON layer type (the compiler's counterpart of
// layers/registry). A layer type without a row here cannot be compiled.
#include <string>
#include <vector>

#include "hw/hw_layer.h"

namespace bcnn::hw {

// Every kind, in the order of the training side's registry.
const std::vector<const HwLayer*>& hw_layers();
// nullptr when the type has no hardware.
const HwLayer* find_hw_layer(std::string_view type);
// The kind of a layer of a QuantizedModel; throws bcnn::Error naming the layer for an unknown type.
const HwLayer& hw_layer_of(const QuantLayer& q);
// "dense, bc_dense, relu, dropout and flatten", for messages.
std::string hw_layer_type_list();

// For --help: every kind with the format fields it takes ("bc_dense: in, out, spec, ...; ..."),
// and every kind that has knobs with their names ("bc_dense: block_rows, bins; ...").
std::string hw_format_fields_help();
std::string hw_knobs_help();

}  // namespace bcnn::hw

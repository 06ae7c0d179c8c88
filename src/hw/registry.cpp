#include "hw/registry.h"

#include "core/error.h"
#include "hw/avgpool2d.h"
#include "hw/batchnorm.h"
#include "hw/bc_conv2d.h"
#include "hw/bc_dense.h"
#include "hw/conv2d.h"
#include "hw/dense.h"
#include "hw/dropout.h"
#include "hw/flatten.h"
#include "hw/global_avgpool.h"
#include "hw/maxpool2d.h"
#include "hw/relu.h"

namespace bcnn::hw {

const std::vector<const HwLayer*>& hw_layers() {
  static const HwDense dense;
  static const HwBcDense bc_dense;
  static const HwRelu relu;
  static const HwDropout dropout;
  static const HwFlatten flatten;
  static const HwConv2d conv2d;
  static const HwBcConv2d bc_conv2d;
  static const HwMaxPool2d maxpool2d;
  static const HwAvgPool2d avgpool2d;
  static const HwGlobalAvgPool global_avgpool;
  static const HwBatchNorm batchnorm;
  static const std::vector<const HwLayer*> table{&dense,     &bc_dense,  &relu,      &dropout,        &flatten,
                                                 &conv2d,    &bc_conv2d, &maxpool2d, &avgpool2d,      &global_avgpool,
                                                 &batchnorm};
  return table;
}

const HwLayer* find_hw_layer(std::string_view type) {
  for (const HwLayer* kind : hw_layers())
    if (kind->type() == type) return kind;
  return nullptr;
}

const HwLayer& hw_layer_of(const QuantLayer& q) {
  if (const HwLayer* kind = find_hw_layer(q.type)) return *kind;
  throw Error("layer '" + q.name + "' has type \"" + q.type + "\", which has no hardware (expected one of " +
              hw_layer_type_list() + ")");
}

std::string hw_layer_type_list() {
  const auto& kinds = hw_layers();
  std::string list;
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    if (i > 0) list += i + 1 == kinds.size() ? " and " : ", ";
    list += kinds[i]->type();
  }
  return list;
}

namespace {

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out;
}

}  // namespace

std::string hw_format_fields_help() {
  std::string out;
  for (const HwLayer* kind : hw_layers()) {
    if (kind->passes_value_through()) continue;  // in and out are the previous layer's value
    out += (out.empty() ? "" : "; ") + std::string(kind->type()) + ": " + join_names(kind->format_fields());
  }
  return out;
}

std::string hw_knobs_help() {
  std::string out;
  for (const HwLayer* kind : hw_layers())
    if (!kind->knob_names().empty())
      out += (out.empty() ? "" : "; ") + std::string(kind->type()) + ": " + join_names(kind->knob_names());
  return out;
}

}  // namespace bcnn::hw

#include "layers/registry.h"

#include "layers/avgpool2d.h"
#include "layers/batchnorm.h"
#include "layers/bc_conv2d.h"
#include "layers/bc_dense.h"
#include "layers/conv2d.h"
#include "layers/dense.h"
#include "layers/dropout.h"
#include "layers/flatten.h"
#include "layers/global_avgpool.h"
#include "layers/maxpool2d.h"
#include "layers/relu.h"

namespace bcnn {

const std::vector<LayerType>& layer_types() {
  static const std::vector<LayerType> table{
      {"dense", &Dense::from_json},
      {"bc_dense", &BcDense::from_json},
      {"relu", &Relu::from_json},
      {"dropout", &Dropout::from_json},
      {"flatten", &Flatten::from_json},
      {"conv2d", &Conv2d::from_json},
      {"bc_conv2d", &BcConv2d::from_json},
      {"maxpool2d", &MaxPool2d::from_json},
      {"avgpool2d", &AvgPool2d::from_json},
      {"global_avgpool", &GlobalAvgPool::from_json},
      {"batchnorm", &BatchNorm::from_json},
  };
  return table;
}

std::vector<std::string> layer_type_names() {
  std::vector<std::string> names;
  for (const auto& t : layer_types()) names.emplace_back(t.type);
  return names;
}

LayerFactory find_layer_factory(const std::string& type) {
  for (const auto& t : layer_types())
    if (type == t.type) return t.make;
  return nullptr;
}

}  // namespace bcnn

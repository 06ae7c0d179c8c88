#pragma once
// bcnn-import: an ONNX model (a chain of the operators of bcnn's layers) as a bcnn network with its
// weights. Operators: Gemm, MatMul followed by Add (dense), Conv, Relu, MaxPool, AveragePool,
// GlobalAveragePool, BatchNormalization, Flatten or Reshape to a vector, Dropout, Identity, and a
// Softmax as the last node (left out: bcnn's networks end in logits). Anything else, and every
// attribute bcnn's layers cannot express (groups, dilations, asymmetric padding, ceil_mode, ...), is
// an error naming the node and the operator.
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/normalize.h"
#include "net/network.h"

namespace bcnn {

struct OnnxImportOptions {
  std::string dataset = "mnist";          // train.dataset of the model written
  std::optional<std::string> data_dir;    // train.data (default: the dataset's directory)
  Normalization normalize;                // train.normalize: what the ONNX model expects of its input
};

struct ImportedModel {
  std::unique_ptr<Network> network;  // allocated, parameters set
  nlohmann::json config;             // network description and "train"
  std::vector<std::string> notes;    // what was left out or added (a final Softmax, a flatten for a vector input)
};

// Throws bcnn::Error naming `path` and the node for a file protobuf cannot parse, an operator or
// attribute without a bcnn layer, and weights of the wrong shape.
ImportedModel import_onnx(const std::string& path, const OnnxImportOptions& options);

}  // namespace bcnn

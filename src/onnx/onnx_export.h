#pragma once
// bcnn-export: a bcnn model as an ONNX model (opset 13), so that any ONNX tool (onnxruntime,
// Netron) can run or view it. Every layer becomes the ONNX operator of its computation; the
// block-circulant layers become their dense equivalents (DESIGN.md section 2: Gemm and Conv with the
// expanded weight), batchnorm its inference form (BatchNormalization with the running statistics),
// dropout a Dropout node (the identity at inference). The graph has one input "input" (N, sample
// shape) with a symbolic batch and one output "logits" (N, classes), before any softmax.
#include <string>

#include "net/network.h"

namespace bcnn {

struct OnnxExportSummary {
  int nodes = 0;
  std::int64_t weights = 0;  // values in the initializers
};

// Writes atomically: on failure `path` is unchanged. `producer` names the source in the model's
// doc string. Throws bcnn::Error for a layer kind without an ONNX form.
OnnxExportSummary export_onnx(const Network& net, const std::string& path, const std::string& producer);

}  // namespace bcnn

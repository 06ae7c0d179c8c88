#include "onnx/onnx_export.h"

#include <string_view>

#include "core/error.h"
#include "io/durable_file.h"
#include "layers/avgpool2d.h"
#include "layers/batchnorm.h"
#include "layers/bc_conv2d.h"
#include "layers/bc_dense.h"
#include "layers/conv2d.h"
#include "layers/dropout.h"
#include "layers/maxpool2d.h"
#include "onnx/onnx_graph.h"

namespace bcnn {
namespace {

using onnx_io::GraphWriter;
using onnx_io::set_attribute;

template <class T>
const T& as(const Layer& layer) {
  return dynamic_cast<const T&>(layer);
}

void add_window(onnx::NodeProto& node, const WindowGeometry& g, bool pads) {
  set_attribute(node, "kernel_shape", std::vector<std::int64_t>{g.kernel_h, g.kernel_w});
  set_attribute(node, "strides", std::vector<std::int64_t>{g.stride_h, g.stride_w});
  if (pads) set_attribute(node, "pads", std::vector<std::int64_t>{g.pad_top, g.pad_left, g.pad_bottom, g.pad_right});
}

// Gemm with the weight (m, n) and the bias: y = x W^T + b.
void emit_gemm(GraphWriter& w, const Layer& layer, const std::vector<double>& weight, int m, int n) {
  const std::string& name = layer.name();
  const std::string W = w.initializer(name + ".weight", {m, n}, weight);
  const std::string b = w.initializer(name + ".bias", {m}, layer.param(1));
  set_attribute(w.node("Gemm", name, {W, b}, name), "transB", std::int64_t{1});
}

void emit_conv(GraphWriter& w, const Layer& layer, const std::vector<double>& weight, const WindowGeometry& g,
               int filters) {
  const std::string& name = layer.name();
  const std::string W = w.initializer(name + ".weight", {filters, g.channels, g.kernel_h, g.kernel_w}, weight);
  const std::string b = w.initializer(name + ".bias", {filters}, layer.param(1));
  add_window(w.node("Conv", name, {W, b}, name), g, true);
}

void emit_dense(GraphWriter& w, const Layer& layer) {
  const int m = static_cast<int>(shape_size(layer.output_shape())), n = static_cast<int>(shape_size(layer.input_shape()));
  auto p = layer.param(0);
  emit_gemm(w, layer, std::vector<double>(p.begin(), p.end()), m, n);
}

void emit_bc_dense(GraphWriter& w, const Layer& layer) {
  const auto& l = as<BcDense>(layer);
  emit_gemm(w, layer, bc_dense_to_dense(l.param(0), l.block_rows(), l.block_cols(), l.block_size(), l.units(), l.inputs()),
            l.units(), l.inputs());
}

void emit_conv2d(GraphWriter& w, const Layer& layer) {
  const auto& l = as<Conv2d>(layer);
  auto p = l.param(0);
  emit_conv(w, layer, std::vector<double>(p.begin(), p.end()), l.geometry(), l.output_shape()[0]);
}

void emit_bc_conv2d(GraphWriter& w, const Layer& layer) {
  const auto& l = as<BcConv2d>(layer);
  const WindowGeometry& g = l.geometry();
  const int k = l.block_size(), filters = l.output_shape()[0];
  const int p = (filters + k - 1) / k, q = (g.channels + k - 1) / k;
  emit_conv(w, layer, bc_conv2d_to_dense(l.param(0), p, q, g.kernel_h, g.kernel_w, k, filters, g.channels), g, filters);
}

void emit_batchnorm(GraphWriter& w, const Layer& layer) {
  const auto& l = as<BatchNorm>(layer);
  const std::string& name = l.name();
  const std::int64_t c = l.input_shape()[0];
  std::vector<std::string> inputs;
  const char* fields[] = {"gamma", "beta", "running_mean", "running_var"};
  for (int i = 0; i < 4; ++i) inputs.push_back(w.initializer(name + "." + fields[i], {c}, l.param(i)));
  set_attribute(w.node("BatchNormalization", name, inputs, name), "epsilon", static_cast<float>(l.eps()));
}

void emit_relu(GraphWriter& w, const Layer& layer) { w.node("Relu", layer.name(), {}, layer.name()); }

void emit_maxpool2d(GraphWriter& w, const Layer& layer) {
  add_window(w.node("MaxPool", layer.name(), {}, layer.name()), as<MaxPool2d>(layer).geometry(), false);
}

void emit_avgpool2d(GraphWriter& w, const Layer& layer) {
  add_window(w.node("AveragePool", layer.name(), {}, layer.name()), as<AvgPool2d>(layer).geometry(), false);
}

// bcnn's global average pool gives a (C,) vector, ONNX's (N, C, 1, 1).
void emit_global_avgpool(GraphWriter& w, const Layer& layer) {
  w.node("GlobalAveragePool", layer.name(), {}, layer.name() + ".pooled");
  set_attribute(w.node("Flatten", layer.name() + ".flatten", {}, layer.name()), "axis", std::int64_t{1});
}

void emit_flatten(GraphWriter& w, const Layer& layer) {
  set_attribute(w.node("Flatten", layer.name(), {}, layer.name()), "axis", std::int64_t{1});
}

void emit_dropout(GraphWriter& w, const Layer& layer) {
  const float rate = static_cast<float>(layer.config().at("rate").get<double>());
  const std::string ratio = w.initializer(layer.name() + ".ratio", {}, std::span<const float>(&rate, 1));
  w.node("Dropout", layer.name(), {ratio}, layer.name());
}

struct OnnxEmitter {
  const char* type;
  void (*emit)(GraphWriter&, const Layer&);
};

constexpr OnnxEmitter emitters[] = {
    {"dense", emit_dense},         {"bc_dense", emit_bc_dense},   {"conv2d", emit_conv2d},
    {"bc_conv2d", emit_bc_conv2d}, {"batchnorm", emit_batchnorm}, {"relu", emit_relu},
    {"maxpool2d", emit_maxpool2d}, {"avgpool2d", emit_avgpool2d}, {"global_avgpool", emit_global_avgpool},
    {"flatten", emit_flatten},     {"dropout", emit_dropout},
};

void set_value_info(onnx::ValueInfoProto& info, const std::string& name, const Shape& sample) {
  info.set_name(name);
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tensor->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  for (int d : sample) shape->add_dim()->set_dim_value(d);
}

}  // namespace

OnnxExportSummary export_onnx(const Network& net, const std::string& path, const std::string& producer) {
  onnx::ModelProto model;
  model.set_ir_version(onnx::IR_VERSION);  // 8 in ONNX 1.12 (opset 13 needs 7 or later)
  model.set_producer_name("bcnn");
  model.set_producer_version("0.1.0");
  model.set_doc_string("exported by bcnn-export from " + producer);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(13);
  onnx::GraphProto& graph = *model.mutable_graph();
  graph.set_name("bcnn");
  set_value_info(*graph.add_input(), "input", net.input_shape());

  GraphWriter writer(graph, "input");
  for (const auto& layer : net.layers()) {
    const OnnxEmitter* emitter = nullptr;
    for (const auto& e : emitters)
      if (layer->type() == e.type) emitter = &e;
    if (!emitter)
      throw Error("layer \"" + layer->name() + "\": expected a layer kind with an ONNX form, found " +
                  std::string(layer->type()));
    emitter->emit(writer, *layer);
  }
  // The last node writes "logits".
  if (graph.node_size() == 0) throw Error("expected a network with layers, found none");
  graph.mutable_node(graph.node_size() - 1)->set_output(0, "logits");
  set_value_info(*graph.add_output(), "logits", net.output_shape());

  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw Error(path + ": the ONNX model could not be serialized");
  write_file_atomically(path, bytes);
  return {graph.node_size(), writer.weights()};
}

}  // namespace bcnn

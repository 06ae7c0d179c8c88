#include "onnx/onnx_graph.h"

namespace bcnn::onnx_io {

std::string GraphWriter::initializer(const std::string& name, const std::vector<std::int64_t>& dims,
                                     std::span<const float> values) {
  onnx::TensorProto* t = graph_.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t->add_dims(d);
  // raw_data is little-endian float32, as on every machine bcnn builds for.
  t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  weights_ += static_cast<std::int64_t>(values.size());
  return name;
}

std::string GraphWriter::initializer(const std::string& name, const std::vector<std::int64_t>& dims,
                                     const std::vector<double>& values) {
  std::vector<float> f(values.begin(), values.end());
  return initializer(name, dims, std::span<const float>(f));
}

onnx::NodeProto& GraphWriter::node(const std::string& op, const std::string& name,
                                   const std::vector<std::string>& extra_inputs, const std::string& output) {
  onnx::NodeProto* n = graph_.add_node();
  n->set_op_type(op);
  n->set_name(name);
  n->add_input(current_);
  for (const auto& input : extra_inputs) n->add_input(input);
  n->add_output(output);
  current_ = output;
  return *n;
}

void set_attribute(onnx::NodeProto& node, const std::string& name, std::int64_t value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}

void set_attribute(onnx::NodeProto& node, const std::string& name, float value) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
}

void set_attribute(onnx::NodeProto& node, const std::string& name, const std::vector<std::int64_t>& values) {
  onnx::AttributeProto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto v : values) a->add_ints(v);
}

}  // namespace bcnn::onnx_io

#pragma once
// Writing an ONNX graph one node at a time: initializers from float arrays, nodes with integer,
// float and integer-list attributes, and the name of the tensor that flows from node to node.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace bcnn::onnx_io {

class GraphWriter {
 public:
  explicit GraphWriter(onnx::GraphProto& graph, std::string input) : graph_(graph), current_(std::move(input)) {}

  // The tensor the next node reads.
  const std::string& current() const { return current_; }
  // A float initializer named `name`; returns the name.
  std::string initializer(const std::string& name, const std::vector<std::int64_t>& dims, std::span<const float> values);
  std::string initializer(const std::string& name, const std::vector<std::int64_t>& dims,
                          const std::vector<double>& values);
  // A node `op` reading current() then `extra_inputs`, writing `output`; current() becomes `output`.
  onnx::NodeProto& node(const std::string& op, const std::string& name, const std::vector<std::string>& extra_inputs,
                        const std::string& output);

  std::int64_t weights() const { return weights_; }
  int nodes() const { return graph_.node_size(); }

 private:
  onnx::GraphProto& graph_;
  std::string current_;
  std::int64_t weights_ = 0;
};

void set_attribute(onnx::NodeProto& node, const std::string& name, std::int64_t value);
void set_attribute(onnx::NodeProto& node, const std::string& name, float value);
void set_attribute(onnx::NodeProto& node, const std::string& name, const std::vector<std::int64_t>& values);

}  // namespace bcnn::onnx_io

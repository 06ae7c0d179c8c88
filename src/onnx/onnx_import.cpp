#include "onnx/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "core/strings.h"
#include "data/dataset.h"
#include "net/network.h"

namespace bcnn {
namespace {

// One layer of the network being built: its JSON and its parameter arrays in param_specs() order.
struct PendingLayer {
  nlohmann::json spec;
  std::vector<std::vector<float>> params;
};

class Importer {
 public:
  Importer(const std::string& path, const onnx::GraphProto& graph) : path_(path), graph_(graph) {
    for (const auto& t : graph.initializer()) constants_[t.name()] = &t;
  }

  std::vector<PendingLayer> layers;
  std::vector<std::string> notes;
  Shape shape;          // the sample shape of the tensor `current`
  std::string current;  // the tensor the next node must read

  void run() {
    const int count = graph_.node_size();
    for (int i = 0; i < count; ++i) {
      const onnx::NodeProto& node = graph_.node(i);
      node_ = &node;
      if (node.op_type() == "Constant") {
        for (const auto& a : node.attribute())
          if (a.name() == "value" && node.output_size() == 1) constants_[node.output(0)] = &a.t();
        continue;
      }
      if (node.input_size() == 0 || node.input(0) != current)
        fail("expected a chain of layers, each node reading the output of the one before (\"" + current +
             "\"), found input \"" + (node.input_size() ? node.input(0) : std::string()) + "\"");
      const std::string& op = node.op_type();
      if (op == "Gemm") gemm();
      else if (op == "MatMul") matmul();
      else if (op == "Add") add();
      else if (op == "Conv") conv();
      else if (op == "Relu") simple("relu");
      else if (op == "MaxPool" || op == "AveragePool") pool(op == "MaxPool" ? "maxpool2d" : "avgpool2d");
      else if (op == "GlobalAveragePool") global_pool();
      else if (op == "BatchNormalization") batchnorm();
      else if (op == "Flatten") flatten();
      else if (op == "Reshape") reshape();
      else if (op == "Dropout") dropout();
      else if (op == "Pad") zero_pad();
      else if (op == "Identity") {
      } else if (op == "Softmax") {
        if (i != last_node_index()) fail("expected Softmax only as the last node, found it inside the network");
        notes.push_back("node \"" + node.name() + "\": the final Softmax is left out (bcnn's networks end in logits)");
      } else {
        fail("expected one of the operators of bcnn's layers (Gemm, MatMul+Add, Conv, Relu, MaxPool, AveragePool, "
             "GlobalAveragePool, BatchNormalization, Flatten, Reshape to a vector, Dropout, Identity, a Pad of "
             "zeros, a final Softmax), found " + op);
      }
      if (op != "Softmax") current = node.output(0);
    }
  }

  [[noreturn]] void fail(const std::string& message) const {
    std::string where = path_;
    if (node_) where += ": node \"" + node_->name() + "\" (" + node_->op_type() + ")";
    throw Error(where + ": " + message);
  }

 private:
  int last_node_index() const {
    for (int i = graph_.node_size() - 1; i >= 0; --i)
      if (graph_.node(i).op_type() != "Constant") return i;
    return -1;
  }

  // Attributes.
  const onnx::AttributeProto* attribute(const std::string& name) const {
    for (const auto& a : node_->attribute())
      if (a.name() == name) return &a;
    return nullptr;
  }
  std::int64_t int_attribute(const std::string& name, std::int64_t fallback) const {
    const auto* a = attribute(name);
    return a ? a->i() : fallback;
  }
  float float_attribute(const std::string& name, float fallback) const {
    const auto* a = attribute(name);
    return a ? a->f() : fallback;
  }
  std::vector<std::int64_t> ints_attribute(const std::string& name, std::vector<std::int64_t> fallback) const {
    const auto* a = attribute(name);
    return a ? std::vector<std::int64_t>(a->ints().begin(), a->ints().end()) : fallback;
  }
  std::string string_attribute(const std::string& name, const std::string& fallback) const {
    const auto* a = attribute(name);
    return a ? a->s() : fallback;
  }
  void require_int(const std::string& name, std::int64_t fallback, std::int64_t expected) const {
    const std::int64_t v = int_attribute(name, fallback);
    if (v != expected)
      fail("expected " + name + " = " + std::to_string(expected) + ", found " + std::to_string(v) +
           " (no bcnn layer computes it)");
  }

  // Weights: initializers and Constant outputs.
  const onnx::TensorProto& constant(int input, const std::string& what) const {
    if (node_->input_size() <= input || node_->input(input).empty()) fail("expected " + what + ", found none");
    const auto it = constants_.find(node_->input(input));
    if (it == constants_.end())
      fail("expected " + what + " (input " + std::to_string(input) + ", \"" + node_->input(input) +
           "\") to be an initializer or a Constant, found a computed tensor");
    return *it->second;
  }
  static std::vector<std::int64_t> dims_of(const onnx::TensorProto& t) { return {t.dims().begin(), t.dims().end()}; }
  static std::string dims_text(const std::vector<std::int64_t>& dims) {
    std::vector<std::string> parts;
    for (auto d : dims) parts.push_back(std::to_string(d));
    return "(" + join(parts, ", ") + ")";
  }
  std::vector<float> floats(const onnx::TensorProto& t, const std::string& what) const {
    if (t.data_type() != onnx::TensorProto::FLOAT)
      fail("expected " + what + " as float32, found ONNX data type " + std::to_string(t.data_type()));
    if (t.data_location() == onnx::TensorProto::EXTERNAL)
      fail("expected " + what + " stored in the model file, found external data");
    std::int64_t count = 1;
    for (auto d : t.dims()) count *= d;
    std::vector<float> values;
    if (!t.raw_data().empty()) {
      if (static_cast<std::int64_t>(t.raw_data().size()) != count * 4)
        fail("expected " + what + " of " + std::to_string(count) + " floats, found " +
             std::to_string(t.raw_data().size()) + " bytes");
      values.resize(count);
      std::memcpy(values.data(), t.raw_data().data(), t.raw_data().size());
    } else {
      values.assign(t.float_data().begin(), t.float_data().end());
      if (static_cast<std::int64_t>(values.size()) != count)
        fail("expected " + what + " of " + std::to_string(count) + " floats, found " + std::to_string(values.size()));
    }
    return values;
  }
  std::vector<std::int64_t> int64s(const onnx::TensorProto& t, const std::string& what) const {
    if (t.data_type() != onnx::TensorProto::INT64) fail("expected " + what + " as int64");
    if (!t.raw_data().empty()) {
      std::vector<std::int64_t> values(t.raw_data().size() / 8);
      std::memcpy(values.data(), t.raw_data().data(), values.size() * 8);
      return values;
    }
    return {t.int64_data().begin(), t.int64_data().end()};
  }
  std::vector<float> weight(int input, const std::string& what, const std::vector<std::int64_t>& expected) const {
    const onnx::TensorProto& t = constant(input, what);
    if (dims_of(t) != expected)
      fail("expected " + what + " of shape " + dims_text(expected) + ", found " + dims_text(dims_of(t)));
    return floats(t, what);
  }

  // Layer names: the module path of a PyTorch export ("/features/features.0/Conv" -> "features.0"),
  // the node's own name, or the kind and a number.
  std::string layer_name(const std::string& kind) {
    std::string name = node_->name();
    if (const auto last = name.rfind('/'); last != std::string::npos) {
      const auto before = last == 0 ? std::string::npos : name.rfind('/', last - 1);
      name = before == std::string::npos ? std::string() : name.substr(before + 1, last - before - 1);
    }
    if (!valid_layer_name(name) || used_.count(name)) {
      int& n = counters_[kind];
      do name = kind + std::to_string(++n);
      while (used_.count(name));
    }
    used_.insert(name);
    return name;
  }

  PendingLayer& push(const std::string& type, const std::string& kind, nlohmann::json spec = nlohmann::json::object()) {
    spec["type"] = type;
    spec["name"] = layer_name(kind);
    layers.push_back({std::move(spec), {}});
    return layers.back();
  }

  void require_vector(const std::string& op_text) const {
    if (shape.size() != 1)
      fail("expected a vector input (after a Flatten), found " + shape_string(shape) + "; " + op_text);
  }

  void dense(std::vector<float> weight_mn, std::vector<float> bias, int m) {
    PendingLayer& layer = push("dense", "fc", {{"units", m}});
    layer.params = {std::move(weight_mn), std::move(bias)};
    shape = {m};
  }

  void gemm() {
    require_vector("Gemm multiplies matrices");
    if (int_attribute("transA", 0) != 0) fail("expected transA = 0, found 1");
    const bool trans_b = int_attribute("transB", 0) != 0;
    const float alpha = float_attribute("alpha", 1.0f), beta = float_attribute("beta", 1.0f);
    const onnx::TensorProto& b = constant(1, "the weight B");
    const auto dims = dims_of(b);
    const std::int64_t n = shape[0];
    if (dims.size() != 2 || dims[trans_b ? 1 : 0] != n)
      fail("expected the weight B of shape " + std::string(trans_b ? "(units, " + std::to_string(n) + ")" :
                                                                    "(" + std::to_string(n) + ", units)") +
           ", found " + dims_text(dims));
    const int m = static_cast<int>(dims[trans_b ? 0 : 1]);
    std::vector<float> w = floats(b, "the weight B"), mn(static_cast<std::size_t>(m) * n);
    for (int o = 0; o < m; ++o)
      for (std::int64_t i = 0; i < n; ++i)
        mn[o * n + i] = alpha * (trans_b ? w[o * n + i] : w[i * m + o]);
    std::vector<float> bias(m, 0.0f);
    if (node_->input_size() > 2 && !node_->input(2).empty()) {
      const onnx::TensorProto& c = constant(2, "the bias C");
      std::vector<float> values = floats(c, "the bias C");
      if (values.size() != static_cast<std::size_t>(m))
        fail("expected the bias C of " + std::to_string(m) + " values, found shape " + dims_text(dims_of(c)));
      for (int o = 0; o < m; ++o) bias[o] = beta * values[o];
    }
    dense(std::move(mn), std::move(bias), m);
  }

  // MatMul(x, W (n, m)): a dense layer without bias until an Add gives it one.
  void matmul() {
    require_vector("MatMul multiplies matrices");
    const onnx::TensorProto& b = constant(1, "the weight");
    const auto dims = dims_of(b);
    const std::int64_t n = shape[0];
    if (dims.size() != 2 || dims[0] != n)
      fail("expected the weight of shape (" + std::to_string(n) + ", units), found " + dims_text(dims));
    const int m = static_cast<int>(dims[1]);
    std::vector<float> w = floats(b, "the weight"), mn(static_cast<std::size_t>(m) * n);
    for (int o = 0; o < m; ++o)
      for (std::int64_t i = 0; i < n; ++i) mn[o * n + i] = w[i * m + o];
    dense(std::move(mn), std::vector<float>(m, 0.0f), m);
    matmul_without_bias_ = true;
  }

  void add() {
    if (!matmul_without_bias_)
      fail("expected Add only as the bias of a MatMul, found it after another operator");
    matmul_without_bias_ = false;
    const onnx::TensorProto& c = constant(1, "the bias");
    std::vector<float> values = floats(c, "the bias");
    if (static_cast<int>(values.size()) != shape[0])
      fail("expected a bias of " + std::to_string(shape[0]) + " values, found shape " + dims_text(dims_of(c)));
    layers.back().params[1] = std::move(values);
  }

  // Kernel, strides and pads of Conv and the pools; pads must be the same on every side.
  struct Window {
    std::int64_t kh, kw, sh, sw, pad;
  };
  Window window(const std::vector<std::int64_t>& kernel) {
    const std::string auto_pad = string_attribute("auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "VALID")
      fail("expected auto_pad NOTSET or VALID (explicit pads), found " + auto_pad);
    const auto strides = ints_attribute("strides", {1, 1});
    const auto pads = ints_attribute("pads", {0, 0, 0, 0});
    const auto dilations = ints_attribute("dilations", {1, 1});
    if (kernel.size() != 2 || strides.size() != 2 || pads.size() != 4)
      fail("expected a 2-D window (kernel_shape, strides of 2 values, pads of 4), found kernel_shape of " +
           std::to_string(kernel.size()) + " values");
    if (dilations != std::vector<std::int64_t>{1, 1}) fail("expected dilations (1, 1), found " + dims_text(dilations));
    if (!(pads[0] == pads[1] && pads[1] == pads[2] && pads[2] == pads[3]))
      fail("expected the same padding on every side, found pads " + dims_text(pads));
    if (shape.size() != 3) fail("expected an image input (C, H, W), found " + shape_string(shape));
    return {kernel[0], kernel[1], strides[0], strides[1], pads[0]};
  }
  void window_output(const Window& w, int channels) {
    const std::int64_t h = (shape[1] + 2 * w.pad - w.kh) / w.sh + 1, wd = (shape[2] + 2 * w.pad - w.kw) / w.sw + 1;
    shape = {channels, static_cast<int>(h), static_cast<int>(wd)};
  }

  void conv() {
    require_int("group", 1, 1);
    const onnx::TensorProto& wt = constant(1, "the weight");
    const auto dims = dims_of(wt);
    if (dims.size() != 4) fail("expected a weight (C_out, C_in, kh, kw), found " + dims_text(dims));
    const Window w = window(ints_attribute("kernel_shape", {dims[2], dims[3]}));
    if (dims[1] != shape[0] || dims[2] != w.kh || dims[3] != w.kw)
      fail("expected the weight of shape (C_out, " + std::to_string(shape[0]) + ", " + std::to_string(w.kh) + ", " +
           std::to_string(w.kw) + "), found " + dims_text(dims));
    const int filters = static_cast<int>(dims[0]);
    std::vector<float> bias(filters, 0.0f);
    if (node_->input_size() > 2 && !node_->input(2).empty()) bias = weight(2, "the bias", {filters});
    PendingLayer& layer = push("conv2d", "conv",
                               {{"filters", filters},
                                {"kernel", {w.kh, w.kw}},
                                {"stride", {w.sh, w.sw}},
                                {"padding", w.pad}});
    layer.params = {floats(wt, "the weight"), std::move(bias)};
    window_output(w, filters);
  }

  void simple(const std::string& type) { push(type, type); }

  void pool(const std::string& type) {
    require_int("ceil_mode", 0, 0);
    if (type == "maxpool2d") require_int("storage_order", 0, 0);
    const auto kernel = ints_attribute("kernel_shape", {});
    const Window w = window(kernel);
    if (w.pad != 0) fail("expected a pool without padding, found pads of " + std::to_string(w.pad));
    push(type, "pool", {{"size", {w.kh, w.kw}}, {"stride", {w.sh, w.sw}}});
    window_output(w, shape[0]);
  }

  void global_pool() {
    if (shape.size() != 3) fail("expected an image input (C, H, W), found " + shape_string(shape));
    push("global_avgpool", "gap");
    shape = {shape[0]};
  }

  // bcnn's global_avgpool already gives a vector: a Flatten or Reshape after it has nothing to do.
  void to_vector() {
    if (shape.size() == 1) return;
    push("flatten", "flatten");
    shape = {static_cast<int>(shape_size(shape))};
  }

  void flatten() {
    if (int_attribute("axis", 1) != 1) fail("expected axis = 1 (a vector per sample), found " +
                                            std::to_string(int_attribute("axis", 1)));
    to_vector();
  }

  void reshape() {
    const std::vector<std::int64_t> target = int64s(constant(1, "the shape"), "the shape");
    const std::int64_t size = shape_size(shape);
    const bool to_vector_shape = target.size() == 2 && (target[0] == -1 || target[0] == 0 || target[0] == 1) &&
                                 (target[1] == -1 || target[1] == size);
    if (!to_vector_shape)
      fail("expected a Reshape to a vector per sample ((N, " + std::to_string(size) + ") or (N, -1)), found " +
           dims_text(target));
    to_vector();
  }

  // PyTorch exports AvgPool2d as a Pad of zeros before the AveragePool: nothing to compute.
  void zero_pad() {
    const std::vector<std::int64_t> pads = int64s(constant(1, "the pads"), "the pads");
    if (std::any_of(pads.begin(), pads.end(), [](std::int64_t p) { return p != 0; }))
      fail("expected a Pad of zeros (PyTorch's before an AveragePool), found pads " + dims_text(pads) +
           "; bcnn pads inside its convolutions only");
  }

  void dropout() {
    float rate = 0.5f;
    if (node_->input_size() > 1 && !node_->input(1).empty()) {
      const std::vector<float> r = floats(constant(1, "the ratio"), "the ratio");
      if (r.size() != 1) fail("expected one ratio, found " + std::to_string(r.size()));
      rate = r[0];
    } else if (attribute("ratio")) {
      rate = float_attribute("ratio", 0.5f);
    }
    push("dropout", "drop", {{"rate", rate}});
  }

  void batchnorm() {
    const int c = shape.empty() ? 0 : shape[0];
    PendingLayer& layer = push("batchnorm", "bn", {{"eps", float_attribute("epsilon", 1e-5f)}});
    const char* what[] = {"the scale", "the bias B", "the mean", "the variance"};
    for (int i = 0; i < 4; ++i) layer.params.push_back(weight(i + 1, what[i], {c}));
  }

  std::string path_;
  const onnx::GraphProto& graph_;
  const onnx::NodeProto* node_ = nullptr;
  std::map<std::string, const onnx::TensorProto*> constants_;
  std::set<std::string> used_;
  std::map<std::string, int> counters_;
  bool matmul_without_bias_ = false;
};

Shape input_shape_of(const std::string& path, const onnx::GraphProto& graph, std::string& name) {
  std::set<std::string> initializers;
  for (const auto& t : graph.initializer()) initializers.insert(t.name());
  for (const auto& input : graph.input()) {
    if (initializers.count(input.name())) continue;
    name = input.name();
    const auto& dims = input.type().tensor_type().shape().dim();
    if (dims.size() < 2)
      throw Error(path + ": input \"" + name + "\": expected a batch of samples (N, ...), found " +
                  std::to_string(dims.size()) + " dimensions");
    Shape shape;
    for (int d = 1; d < dims.size(); ++d) {
      if (!dims[d].has_dim_value() || dims[d].dim_value() < 1)
        throw Error(path + ": input \"" + name + "\": expected fixed sizes after the batch dimension, found \"" +
                    dims[d].dim_param() + "\" in dimension " + std::to_string(d));
      shape.push_back(static_cast<int>(dims[d].dim_value()));
    }
    return shape;
  }
  throw Error(path + ": expected a graph input, found only initializers");
}

}  // namespace

ImportedModel import_onnx(const std::string& path, const OnnxImportOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the file");
  std::stringstream bytes;
  bytes << in.rdbuf();
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes.str()))
    throw Error(path + ": expected an ONNX model (a serialized onnx.ModelProto), found bytes that do not parse as one");
  if (!model.has_graph() || model.graph().node_size() == 0)
    throw Error(path + ": expected an ONNX model with a graph of nodes, found none");
  const onnx::GraphProto& graph = model.graph();

  std::string input_name;
  const Shape onnx_input = input_shape_of(path, graph, input_name);
  const Shape images = dataset_sample_shape(options.dataset);
  ImportedModel result;
  Importer importer(path, graph);
  importer.current = input_name;
  importer.shape = onnx_input;
  if (onnx_input != images) {
    // A model of vectors (an MLP exported with x.view(N, -1) outside it) reads the images flattened.
    if (onnx_input.size() == 1 && onnx_input[0] == shape_size(images)) {
      importer.layers.push_back({{{"type", "flatten"}, {"name", "flatten_input"}}, {}});
      result.notes.push_back("input \"" + input_name + "\" is a vector of " + std::to_string(onnx_input[0]) +
                             " values: a flatten of the " + options.dataset + " images " + shape_string(images) +
                             " comes first");
    } else {
      throw Error(path + ": input \"" + input_name + "\": expected the shape of " + options.dataset + " images " +
                  shape_string(images) + " (or a vector of their " + std::to_string(shape_size(images)) +
                  " values), found " + shape_string(onnx_input) + "; choose the dataset with --dataset");
    }
  }
  importer.run();
  for (auto& note : importer.notes) result.notes.push_back(note);
  if (importer.layers.empty()) throw Error(path + ": expected at least one layer, found none");

  nlohmann::json config = {{"format", network_format_name},
                           {"version", network_format_version},
                           {"description", "imported by bcnn-import from " + path},
                           {"input", images},
                           {"layers", nlohmann::json::array()}};
  for (const auto& layer : importer.layers) config["layers"].push_back(layer.spec);
  nlohmann::json train = {{"dataset", options.dataset},
                          {"data", options.data_dir ? *options.data_dir : default_data_dir(options.dataset)}};
  if (options.normalize.enabled()) train["normalize"] = options.normalize.to_json();
  config["train"] = train;

  result.network = Network::build(config, path + " (imported)");
  result.network->allocate();
  for (std::size_t i = 0; i < importer.layers.size(); ++i) {
    Layer& layer = *result.network->layers()[i];
    const auto& params = importer.layers[i].params;
    const auto specs = layer.param_specs();
    if (specs.size() != params.size() && !(params.empty() && specs.empty()))
      throw Error(path + ": layer \"" + layer.name() + "\": expected " + std::to_string(specs.size()) +
                  " parameter arrays, found " + std::to_string(params.size()));
    for (std::size_t s = 0; s < specs.size(); ++s) {
      if (params[s].size() != layer.param(static_cast<int>(s)).size())
        throw Error(path + ": layer \"" + layer.name() + "\": expected " + specs[s].name + " of " +
                    std::to_string(layer.param(static_cast<int>(s)).size()) + " values, found " +
                    std::to_string(params[s].size()));
      std::copy(params[s].begin(), params[s].end(), layer.param(static_cast<int>(s)).begin());
    }
  }
  result.config = config;
  result.config["layers"] = result.network->description()["layers"];
  return result;
}

}  // namespace bcnn

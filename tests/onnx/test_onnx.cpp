// ONNX import and export: PyTorch's own exports (tests/onnx/make_torch_fixtures.py) give PyTorch's
// logits; a bcnn model exported and imported again gives its logits (block-circulant layers through
// their dense equivalents); every file or node bcnn cannot read is one error naming the node and
// the operator, and the command-line tools leave nothing behind on failure.
#include <doctest/doctest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <fstream>

#include "cli.h"
#include "core/random.h"
#include "io/model_file.h"
#include "onnx/onnx_export.h"
#include "onnx/onnx_import.h"

namespace {

using namespace bcnn::testing;
using nlohmann::json;

std::vector<float> read_floats(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  REQUIRE_MESSAGE(in, path);
  std::vector<float> v(static_cast<std::size_t>(in.tellg()) / sizeof(float));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
  return v;
}

double max_difference(const bcnn::Tensor& a, const std::vector<float>& b) {
  REQUIRE(a.size() == b.size());
  double d = 0;
  for (std::size_t i = 0; i < b.size(); ++i) d = std::max(d, std::abs(static_cast<double>(a[i]) - b[i]));
  return d;
}

bcnn::Tensor images(int count, const bcnn::Shape& shape, std::uint64_t seed) {
  bcnn::Tensor t(count, shape);
  bcnn::Rng rng(seed, bcnn::Stream::init, 1);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = rng.uniform();
  return t;
}

// A network of `layers` on `input` with random parameters and batchnorm statistics away from 0 and 1.
std::unique_ptr<bcnn::Network> random_network(const json& input, const json& layers, std::uint64_t seed) {
  json config = {{"format", "bcnn-network"}, {"version", 1}, {"input", input}, {"layers", layers}};
  auto net = bcnn::Network::build(config, "net.json");
  net->allocate();
  net->init_params(seed);
  bcnn::Rng rng(seed, bcnn::Stream::init, 2);
  for (const auto& layer : net->layers()) {
    if (layer->type() != "batchnorm") continue;
    for (int i = 0; i < 4; ++i)
      for (float& v : layer->param(i)) v = i == 3 ? 0.5f + rng.uniform() : (i == 0 ? 0.5f + rng.uniform() : 0.2f * static_cast<float>(rng.normal()));
  }
  for (const auto& layer : net->layers())
    if (layer->param_specs().size() == 2)
      for (float& v : layer->param(1)) v = 0.1f * static_cast<float>(rng.normal());
  return net;
}

// A one-node-at-a-time ONNX graph for the error cases.
struct HandGraph {
  onnx::ModelProto model;
  onnx::GraphProto* graph;
  HandGraph(std::vector<std::int64_t> input = {1, 1, 28, 28}) {
    model.set_ir_version(8);
    model.add_opset_import()->set_version(13);
    graph = model.mutable_graph();
    auto* in = graph->add_input();
    in->set_name("x");
    auto* shape = in->mutable_type()->mutable_tensor_type()->mutable_shape();
    in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    for (auto d : input) shape->add_dim()->set_dim_value(d);
  }
  onnx::NodeProto* node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                        const std::string& output) {
    auto* n = graph->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (auto& i : inputs) n->add_input(i);
    n->add_output(output);
    return n;
  }
  void weight(const std::string& name, std::vector<std::int64_t> dims, float value = 0.01f) {
    auto* t = graph->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    std::int64_t count = 1;
    for (auto d : dims) {
      t->add_dims(d);
      count *= d;
    }
    for (std::int64_t i = 0; i < count; ++i) t->add_float_data(value * static_cast<float>(i % 7 - 3));
  }
  std::string save(const std::string& path) {
    std::ofstream out(path, std::ios::binary);
    model.SerializeToOstream(&out);
    return path;
  }
};

void set_int(onnx::NodeProto* n, const std::string& name, std::int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

std::string import_error(const std::string& path, const std::string& dataset = "mnist") {
  bcnn::OnnxImportOptions options;
  options.dataset = dataset;
  return error_message([&] { bcnn::import_onnx(path, options); });
}

}  // namespace

TEST_CASE("bcnn-import: PyTorch's exports of an MLP and two CNNs give PyTorch's logits") {
  TempDir tmp("onnx-torch");
  ToolResult made = run_tool("/usr/bin/python3", {std::string(BCNN_SOURCE_DIR) + "/tests/onnx/make_torch_fixtures.py",
                                                  tmp.str()}, tmp.str(), 300);
  INFO(made.err);
  REQUIRE_MESSAGE(made.status == 0, "the fixtures need Debian's python3-torch and python3-onnx (scripts/setup.sh)");
  const std::vector<float> inputs = read_floats(tmp.file("inputs.f32"));
  bcnn::Tensor x(16, {1, 28, 28});
  std::copy(inputs.begin(), inputs.end(), x.data());
  for (const std::string name : {"mlp", "cnn", "gap"}) {
    CAPTURE(name);
    bcnn::ImportedModel imported = bcnn::import_onnx(tmp.file(name + ".onnx"), {});
    const bcnn::Tensor& logits = imported.network->forward(x, {});
    const double difference = max_difference(logits, read_floats(tmp.file(name + ".f32")));
    MESSAGE(name << ": largest logit difference from PyTorch " << difference);
    CHECK(difference < 1e-4);
  }
  bcnn::ImportedModel cnn = bcnn::import_onnx(tmp.file("cnn.onnx"), {});
  CHECK(cnn.network->layers().back()->type() == "dense");  // the Softmax is left out
  CHECK(contains(cnn.notes.at(0), "the final Softmax is left out"));
  CHECK(cnn.network->find_layer("9")->type() == "batchnorm");  // PyTorch's module index names the layer
}

TEST_CASE("bcnn-export then bcnn-import: the same logits, block-circulant layers as their dense equivalents") {
  TempDir tmp("onnx-roundtrip");
  const json cnn = json::array({
      {{"type", "conv2d"}, {"name", "conv1"}, {"filters", 8}, {"kernel", 3}, {"padding", "same"}},
      {{"type", "batchnorm"}, {"name", "bn1"}},
      {{"type", "relu"}, {"name", "relu1"}},
      {{"type", "maxpool2d"}, {"name", "pool1"}, {"size", 2}},
      {{"type", "bc_conv2d"}, {"name", "conv2"}, {"filters", 16}, {"kernel", 3}, {"stride", 2}, {"padding", 1}, {"block", 4}},
      {{"type", "relu"}, {"name", "relu2"}},
      {{"type", "avgpool2d"}, {"name", "pool2"}, {"size", 2}},
      {{"type", "flatten"}, {"name", "flatten"}},
      {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 40}, {"block", 8}},
      {{"type", "batchnorm"}, {"name", "bn2"}},
      {{"type", "relu"}, {"name", "relu3"}},
      {{"type", "dropout"}, {"name", "drop"}, {"rate", 0.25}},
      {{"type", "dense"}, {"name", "fc2"}, {"units", 10}}});
  const json gap = json::array({
      {{"type", "bc_conv2d"}, {"name", "conv1"}, {"filters", 16}, {"kernel", 3}, {"block", 8}},
      {{"type", "relu"}, {"name", "relu1"}},
      {{"type", "global_avgpool"}, {"name", "gap"}},
      {{"type", "dense"}, {"name", "fc"}, {"units", 10}}});
  struct Case {
    std::string name;
    json input, layers;
  };
  for (const Case& c : {Case{"cnn", {1, 28, 28}, cnn}, Case{"gap", {3, 32, 32}, gap}}) {
    CAPTURE(c.name);
    auto net = random_network(c.input, c.layers, 7);
    const std::string path = tmp.file(c.name + ".onnx");
    bcnn::OnnxExportSummary summary = bcnn::export_onnx(*net, path, "test");
    CHECK(summary.nodes >= static_cast<int>(net->layers().size()));
    bcnn::OnnxImportOptions options;
    options.dataset = c.input[0] == 3 ? "cifar10" : "mnist";
    bcnn::ImportedModel back = bcnn::import_onnx(path, options);
    const bcnn::Tensor x = images(5, c.input.get<bcnn::Shape>(), 3);
    const bcnn::Tensor expected = net->forward(x, {});
    const bcnn::Tensor& got = back.network->forward(x, {});
    double largest = 0;
    for (std::size_t i = 0; i < expected.size(); ++i) largest = std::max(largest, std::abs(static_cast<double>(expected[i])));
    const double difference = max_difference(got, std::vector<float>(expected.data(), expected.data() + expected.size()));
    MESSAGE(c.name << ": largest logit difference after the round trip " << difference << " (logits up to " << largest << ")");
    CHECK(difference < 1e-4 * std::max(1.0, largest));
    // The names come back; the block-circulant layers come back dense.
    CHECK(back.network->find_layer("conv1") != nullptr);
    CHECK(back.network->find_layer("conv1")->type() == "conv2d");
  }
}

TEST_CASE("bcnn-import: files and nodes it cannot read are errors naming the node and the operator") {
  TempDir tmp("onnx-errors");
  write_text(tmp.file("garbage.onnx"), std::string("\x08\x07\xff\xff\xff\xff not a model"));
  CHECK(contains(import_error(tmp.file("garbage.onnx")), "garbage.onnx: expected an ONNX model (a serialized "
                                                         "onnx.ModelProto), found bytes that do not parse as one"));
  CHECK(contains(import_error(tmp.file("missing.onnx")), "missing.onnx: cannot open the file"));
  {
    HandGraph g;
    g.node("Sigmoid", "act", {"x"}, "y");
    CHECK(contains(import_error(g.save(tmp.file("sigmoid.onnx"))),
                   "sigmoid.onnx: node \"act\" (Sigmoid): expected one of the operators of bcnn's layers"));
  }
  {
    HandGraph g;
    g.weight("w", {8, 1, 3, 3});
    set_int(g.node("Conv", "conv", {"x", "w"}, "y"), "group", 2);
    CHECK(contains(import_error(g.save(tmp.file("group.onnx"))),
                   "node \"conv\" (Conv): expected group = 1, found 2 (no bcnn layer computes it)"));
  }
  {
    HandGraph g;
    g.node("Softmax", "soft", {"x"}, "y");
    g.node("Relu", "relu", {"y"}, "z");
    CHECK(contains(import_error(g.save(tmp.file("softmax.onnx"))),
                   "node \"soft\" (Softmax): expected Softmax only as the last node"));
  }
  {
    HandGraph g;
    g.node("Relu", "a", {"x"}, "y");
    g.node("Relu", "b", {"x"}, "z");  // a branch
    CHECK(contains(import_error(g.save(tmp.file("branch.onnx"))),
                   "node \"b\" (Relu): expected a chain of layers, each node reading the output of the one before "
                   "(\"y\"), found input \"x\""));
  }
  {
    HandGraph g({1, 3, 32, 32});
    g.node("Relu", "a", {"x"}, "y");
    CHECK(contains(import_error(g.save(tmp.file("rgb.onnx"))),
                   "input \"x\": expected the shape of mnist images (1, 28, 28) (or a vector of their 784 values), "
                   "found (3, 32, 32); choose the dataset with --dataset"));
  }
  {
    // MatMul + Add is a dense layer; a weight of the wrong shape names it.
    HandGraph g({1, 784});
    g.weight("w", {784, 10});
    g.weight("b", {10}, 0.5f);
    g.node("MatMul", "mm", {"x", "w"}, "y");
    g.node("Add", "add", {"y", "b"}, "z");
    bcnn::ImportedModel m = bcnn::import_onnx(g.save(tmp.file("matmul.onnx")), {});
    CHECK(m.network->layers().size() == 2);  // a flatten of the images, then the dense layer
    CHECK(m.network->layers()[1]->type() == "dense");
    CHECK(m.network->layers()[1]->param(1)[0] == doctest::Approx(0.5f * -3));
    CHECK(m.network->layers()[1]->param(0)[1] == doctest::Approx(g.graph->initializer(0).float_data(10)));
    HandGraph bad({1, 784});
    bad.weight("w", {780, 10});
    bad.node("MatMul", "mm", {"x", "w"}, "y");
    CHECK(contains(import_error(bad.save(tmp.file("matmul_bad.onnx"))),
                   "node \"mm\" (MatMul): expected the weight of shape (784, units), found (780, 10)"));
  }
}

TEST_CASE("bcnn-import and bcnn-export on the command line: a model, and one message with nothing left on failure") {
  TempDir tmp("onnx-cli");
  auto net = random_network({1, 28, 28}, json::array({{{"type", "flatten"}, {"name", "flatten"}},
                                                      {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 16}, {"block", 8}},
                                                      {{"type", "relu"}, {"name", "relu1"}},
                                                      {{"type", "dense"}, {"name", "fc2"}, {"units", 10}}}),
                            4);
  json config = net->description();
  config["train"] = {{"dataset", "mnist"}};
  bcnn::save_model(tmp.file("bc.h5"), {net.get(), config, json::object()});
  ToolResult exported = run_tool(BCNN_EXPORT_EXE, {tmp.file("bc.h5"), "-o", tmp.file("bc.onnx")}, tmp.str());
  INFO(exported.err);
  REQUIRE(exported.status == 0);
  CHECK(contains(exported.err, "wrote " + tmp.file("bc.onnx") + ": 4 nodes"));
  ToolResult imported = run_tool(BCNN_IMPORT_EXE, {tmp.file("bc.onnx"), "-o", tmp.file("back.h5"), "--mean", "0.1307",
                                                   "--std", "0.3081"}, tmp.str());
  INFO(imported.err);
  REQUIRE(imported.status == 0);
  bcnn::LoadedModel back = bcnn::load_model(tmp.file("back.h5"));
  CHECK(back.network->find_layer("fc1")->type() == "dense");
  CHECK(back.config["train"]["normalize"]["mean"][0] == 0.1307);
  CHECK(back.training["imported_from"] == tmp.file("bc.onnx"));

  write_text(tmp.file("garbage.onnx"), "not a model");
  const auto before = list_tree(tmp.str());
  for (const auto& args : std::vector<std::vector<std::string>>{
           {tmp.file("garbage.onnx"), "-o", tmp.file("out.h5")},
           {tmp.file("bc.onnx"), "-o", tmp.file("out.h5"), "--mean", "0.5"},
           {tmp.file("bc.onnx"), "-o", tmp.file("out.h5"), "--dataset", "cifar10"}}) {
    ToolResult r = run_tool(BCNN_IMPORT_EXE, args, tmp.str());
    INFO(r.command, "\n", r.err);
    CHECK(r.status == 1);
    CHECK(lines_with(r.err, "bcnn-import: error: ").size() == 1);
    CHECK(list_tree(tmp.str()) == before);
  }
  ToolResult r = run_tool(BCNN_EXPORT_EXE, {tmp.file("garbage.onnx"), "-o", tmp.file("out.onnx")}, tmp.str());
  CHECK(r.status == 1);
  CHECK(lines_with(r.err, "bcnn-export: error: ").size() == 1);
  CHECK(list_tree(tmp.str()) == before);
}

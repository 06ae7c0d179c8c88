// compress_network: which layers become block-circulant, their parameters, and the errors.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "compress/compress.h"
#include "compress/projection.h"
#include "net/network.h"

namespace {

using bcnn::testing::error_message;
using bcnn::testing::contains;

nlohmann::json dense_cnn() {
  return {{"format", "bcnn-network"},
          {"version", 1},
          {"input", {3, 8, 8}},
          {"layers",
           {{{"type", "conv2d"}, {"name", "conv1"}, {"filters", 8}, {"kernel", 3}, {"padding", "same"}},
            {{"type", "relu"}, {"name", "relu1"}},
            {{"type", "conv2d"}, {"name", "conv2"}, {"filters", 12}, {"kernel", 3}, {"stride", 2}},
            {{"type", "batchnorm"}, {"name", "bn2"}},
            {{"type", "flatten"}, {"name", "flatten"}},
            {{"type", "dense"}, {"name", "fc1"}, {"units", 16}},
            {{"type", "dense"}, {"name", "fc2"}, {"units", 3}}}},
          {"train", {{"dataset", "cifar10"}, {"epochs", 1}}}};
}

std::unique_ptr<bcnn::Network> trained_like(const nlohmann::json& config) {
  auto net = bcnn::Network::build(config, "dense.json");
  net->allocate();
  net->init_params(17);
  // Batchnorm statistics and biases that are not their initial values, so that copying them shows.
  for (float& v : net->params()) v += 0.01f;
  return net;
}

}  // namespace

TEST_CASE("compress: --block replaces the layers at least a block wide, the rest keep their parameters") {
  auto source = trained_like(dense_cnn());
  bcnn::CompressOptions options;
  options.block = 4;
  bcnn::CompressedNetwork result = bcnn::compress_network(*source, dense_cnn(), "dense.h5", options);
  const bcnn::Network& net = *result.network;

  // conv1 has 3 input channels (< 4) and fc2 3 outputs: they stay dense.
  REQUIRE(result.layers.size() == 4);
  CHECK(result.layers[0].name == "conv1");
  CHECK(result.layers[0].to_type == "conv2d");
  CHECK(result.layers[0].kept_because == "3 inputs x 8 outputs: narrower than a block of 4");
  CHECK(result.layers[1].to_type == "bc_conv2d");
  CHECK(result.layers[2].to_type == "bc_dense");
  CHECK(result.layers[3].to_type == "dense");
  CHECK(net.find_layer("conv2")->type() == "bc_conv2d");
  CHECK(net.find_layer("conv2")->block_size() == 4);
  CHECK(result.config["layers"][2]["stride"] == 2);  // hyperparameters kept
  CHECK(result.config["layers"][2]["block"] == 4);
  CHECK(result.config["train"]["dataset"] == "cifar10");
  CHECK(result.layers[1].params_before == 12 * 8 * 9 + 12);
  CHECK(result.layers[1].params_after == 3 * 2 * 9 * 4 + 12);

  // conv2's weight is the projection of the source's, its bias the source's.
  const bcnn::Layer& from = *source->find_layer("conv2");
  const bcnn::Layer& to = *net.find_layer("conv2");
  bcnn::BlockCirculantProjection projection = bcnn::project_block_circulant(from.param(0), 12, 8, 9, 4);
  CHECK(std::equal(projection.weight.begin(), projection.weight.end(), to.param(0).begin()));
  CHECK(std::equal(from.param(1).begin(), from.param(1).end(), to.param(1).begin()));
  CHECK(result.layers[1].relative_error == projection.relative_error);
  // Everything else is copied as it is (batchnorm statistics included).
  for (const char* name : {"conv1", "bn2", "fc2"}) {
    CAPTURE(name);
    const bcnn::Layer& a = *source->find_layer(name);
    const bcnn::Layer& b = *net.find_layer(name);
    for (std::size_t s = 0; s < a.param_specs().size(); ++s)
      CHECK(std::equal(a.param(int(s)).begin(), a.param(int(s)).end(), b.param(int(s)).begin()));
  }
  CHECK(contains(bcnn::compression_table(result.layers), "kept: 3 inputs x 8 outputs"));
}

TEST_CASE("compress: --layer picks block sizes per layer and keeps a layer dense with 0") {
  auto source = trained_like(dense_cnn());
  bcnn::CompressOptions options;
  options.block = 4;
  options.layer_blocks = {{"fc1", 0}, {"conv2", 2}, {"fc2", 3}};
  bcnn::CompressedNetwork result = bcnn::compress_network(*source, dense_cnn(), "dense.h5", options);
  CHECK(result.network->find_layer("conv2")->block_size() == 2);
  CHECK(result.network->find_layer("fc1")->type() == "dense");
  CHECK(result.layers[2].kept_because == "--layer fc1=0");
  CHECK(result.network->find_layer("fc2")->type() == "bc_dense");
  CHECK(result.network->find_layer("fc2")->block_size() == 3);
}

TEST_CASE("compress: a --layer that names no dense or conv2d layer, or a block out of range, is an error") {
  auto source = trained_like(dense_cnn());
  bcnn::CompressOptions options;
  options.layer_blocks = {{"fc9", 4}};
  CHECK(error_message([&] { bcnn::compress_network(*source, dense_cnn(), "dense.h5", options); }) ==
        "--layer fc9=4: expected a layer of dense.h5, found no layer named \"fc9\"");
  options.layer_blocks = {{"bn2", 4}};
  CHECK(error_message([&] { bcnn::compress_network(*source, dense_cnn(), "dense.h5", options); }) ==
        "--layer bn2=4: expected a dense or conv2d layer, found layer \"bn2\" of type batchnorm");
  options.layer_blocks = {{"fc1", 5000}};
  CHECK(contains(error_message([&] { bcnn::compress_network(*source, dense_cnn(), "dense.h5", options); }),
                 "expected a block size in [1, 4096] or 0 (keep the layer dense), found 5000"));
}

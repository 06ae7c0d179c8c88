// match_output_statistics: after it, every replaced layer's outputs have the dense layer's channel
// means and pooled spread on the images it measured, and the weights stay block-circulant.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "compress/compress.h"
#include "compress/statistics_matching.h"
#include "core/random.h"
#include "eval/evaluate.h"

namespace {

nlohmann::json dense_net() {
  return {{"format", "bcnn-network"},
          {"version", 1},
          {"input", {4, 6, 6}},
          {"layers",
           {{{"type", "conv2d"}, {"name", "conv1"}, {"filters", 8}, {"kernel", 3}, {"padding", "same"}},
            {{"type", "relu"}, {"name", "relu1"}},
            {{"type", "conv2d"}, {"name", "conv2"}, {"filters", 8}, {"kernel", 3}},
            {{"type", "relu"}, {"name", "relu2"}},
            {{"type", "flatten"}, {"name", "flatten"}},
            {{"type", "dense"}, {"name", "fc1"}, {"units", 16}},
            {{"type", "relu"}, {"name", "relu3"}},
            {{"type", "dense"}, {"name", "fc2"}, {"units", 3}}}}};
}

bcnn::Dataset random_images(int count) {
  bcnn::Dataset d;
  d.images.resize(count, {4, 6, 6});
  bcnn::Rng rng(3, bcnn::Stream::init, 9);
  for (std::size_t i = 0; i < d.images.size(); ++i) d.images[i] = rng.uniform();  // non-negative, as pixels
  d.labels.assign(count, 0);
  d.num_classes = 3;
  return d;
}

struct Moments {
  std::vector<double> mean;
  double spread = 0;  // sum over channels of the squared deviations from the channel's mean
};

Moments moments(bcnn::Network& net, const std::string& layer, const bcnn::Dataset& data) {
  net.forward(data.images, {});
  int index = 0;
  while (net.layers()[index]->name() != layer) ++index;
  const bcnn::Tensor& y = net.output(index);
  const int channels = y.sample_shape()[0];
  const std::size_t spatial = y.sample_size() / channels;
  Moments m;
  m.mean.assign(channels, 0.0);
  for (int b = 0; b < y.batch(); ++b)
    for (int c = 0; c < channels; ++c)
      for (std::size_t i = 0; i < spatial; ++i) m.mean[c] += y.sample(b)[c * spatial + i];
  const double n = static_cast<double>(y.batch()) * spatial;
  for (double& v : m.mean) v /= n;
  for (int b = 0; b < y.batch(); ++b)
    for (int c = 0; c < channels; ++c)
      for (std::size_t i = 0; i < spatial; ++i) {
        const double d = y.sample(b)[c * spatial + i] - m.mean[c];
        m.spread += d * d;
      }
  return m;
}

}  // namespace

TEST_CASE("statistics matching: each replaced layer gets the dense layer's channel means and spread") {
  auto dense = bcnn::Network::build(dense_net(), "dense.json");
  dense->allocate();
  dense->init_params(21);
  for (float& v : dense->params()) v += 0.05f;  // a common offset: means the projection keeps
  bcnn::CompressOptions options;
  options.block = 4;
  bcnn::CompressedNetwork compressed = bcnn::compress_network(*dense, dense_net(), "dense.h5", options);
  const std::vector<std::string> replaced = {"fc1", "conv2"};  // out of order on purpose
  REQUIRE(compressed.network->find_layer("conv2")->type() == "bc_conv2d");
  REQUIRE(compressed.network->find_layer("fc1")->type() == "bc_dense");
  const bcnn::Dataset images = random_images(40);

  const Moments before = moments(*compressed.network, "conv2", images);
  const Moments dense_conv2 = moments(*dense, "conv2", images);
  CHECK(before.spread < 0.5 * dense_conv2.spread);  // the projection lost most of the spread

  const std::vector<float> projected(compressed.network->find_layer("conv2")->param(0).begin(),
                                     compressed.network->find_layer("conv2")->param(0).end());
  const auto matched = bcnn::match_output_statistics(*dense, *compressed.network, replaced, images, 40, 16);
  REQUIRE(matched.size() == 2);
  CHECK(matched[0].name == "conv2");
  CHECK(matched[1].name == "fc1");
  CHECK(matched[0].scale > 1);

  for (const char* layer : {"conv2", "fc1"}) {
    CAPTURE(layer);
    const Moments want = moments(*dense, layer, images);
    const Moments got = moments(*compressed.network, layer, images);
    CHECK(got.spread == doctest::Approx(want.spread).epsilon(1e-3));
    for (std::size_t c = 0; c < want.mean.size(); ++c) CHECK(got.mean[c] == doctest::Approx(want.mean[c]).epsilon(1e-3).scale(1e-3));
  }
  // One scale for the whole weight: still the projection's block-circulant weight, times the scale.
  auto conv2 = compressed.network->find_layer("conv2")->param(0);
  for (std::size_t i = 0; i < conv2.size(); ++i)
    CHECK(conv2[i] == doctest::Approx(projected[i] * matched[0].scale).epsilon(1e-5));
}

// The model file round trip for convolutional networks: every new layer's arrays, batchnorm's
// running statistics included, come back bit for bit and give bit-identical outputs.
#include <doctest/doctest.h>

#include <cstring>

#include "cli.h"
#include "harness.h"
#include "io/hdf5.h"
#include "io/model_file.h"
#include "net/network.h"
#include "train/optimizer.h"

namespace {

using bcnn::testing::TempDir;
using nlohmann::json;

json conv_network_json() {
  return {
      {"format", "bcnn-network"},
      {"version", 1},
      {"input", {3, 12, 10}},
      {"layers",
       {{{"type", "conv2d"}, {"name", "conv1"}, {"filters", 6}, {"kernel", 3}, {"padding", "same"}},
        {{"type", "batchnorm"}, {"name", "bn1"}},
        {{"type", "relu"}},
        {{"type", "maxpool2d"}, {"name", "pool1"}, {"size", 2}},
        {{"type", "bc_conv2d"}, {"name", "conv2"}, {"filters", 10}, {"kernel", {3, 2}}, {"padding", 1}, {"block", 4}},
        {{"type", "avgpool2d"}, {"name", "pool2"}, {"size", 2}, {"stride", 1}},
        {{"type", "global_avgpool"}, {"name", "gap"}},
        {{"type", "batchnorm"}, {"name", "bn2"}, {"momentum", 0.3}, {"eps", 1e-4}},
        {{"type", "dense"}, {"name", "out"}, {"units", 4}}}}};
}

void check_bit_identical(std::span<const float> a, std::span<const float> b) {
  REQUIRE(a.size() == b.size());
  CHECK(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

}  // namespace

TEST_CASE("model file: a network with every conv, pool and batchnorm layer round-trips bit for bit") {
  TempDir tmp("model-conv");
  auto net = bcnn::Network::build(conv_network_json(), "conv.json");
  net->init_params(5);
  // A few training-mode passes move the running statistics away from (0, 1).
  const bcnn::Tensor x = bcnn::testing::random_tensor(6, {3, 12, 10}, 1);
  for (std::uint64_t step = 0; step < 3; ++step) net->forward(x, {true, 1, step});
  auto* bn2 = net->find_layer("bn2");
  REQUIRE(bn2 != nullptr);
  CHECK(bn2->param(2)[0] != 0.0f);
  CHECK(bn2->param(3)[0] != 1.0f);
  const bcnn::Tensor expect = net->forward(x, {});

  const std::string path = tmp.file("model.h5");
  bcnn::save_model(path, {net.get(), net->description(), json()});
  bcnn::LoadedModel m = bcnn::load_model(path);
  check_bit_identical(m.network->params(), net->params());
  CHECK(m.network->description() == net->description());
  CHECK(m.network->layer_table() == net->layer_table());
  const bcnn::Tensor& got = m.network->forward(x, {});
  check_bit_identical(got.span(), expect.span());

  // The arrays, in the shapes docs/model-format.md gives.
  bcnn::h5::File f = bcnn::h5::File::open(path);
  using dims = std::vector<std::uint64_t>;
  CHECK(f.dataset_shape("/layers/conv1/weight") == dims{6, 3, 3, 3});
  CHECK(f.dataset_shape("/layers/conv1/bias") == dims{6});
  CHECK(f.dataset_shape("/layers/conv2/weight") == dims{3, 2, 3, 2, 4});
  CHECK(f.dataset_shape("/layers/conv2/bias") == dims{10});
  for (const char* bn : {"bn1", "bn2"})
    for (const char* array : {"gamma", "beta", "running_mean", "running_var"}) {
      CAPTURE(bn);
      CAPTURE(array);
      CHECK(f.dataset_shape(std::string("/layers/") + bn + "/" + array) ==
            dims{static_cast<std::uint64_t>(bn[2] == '1' ? 6 : 10)});
    }
  const auto running_var = f.read_floats("/layers/bn2/running_var", {10});
  check_bit_identical(running_var, bn2->param(3));
  for (const char* none : {"/layers/pool1", "/layers/pool2", "/layers/gap", "/layers/relu2"})
    CHECK_FALSE(f.exists(none));

  // A checkpoint: optimizer moments for the running statistics stay zero.
  bcnn::OptimizerSpec spec;
  bcnn::Optimizer optimizer(spec, net->params().size(), net->param_ranges());
  net->forward(x, {true, 1, 4});
  bcnn::Tensor grad_logits = bcnn::testing::random_tensor(6, {4}, 2);
  net->backward(grad_logits);
  optimizer.step(net->params(), net->grads(), 1e-3);
  bcnn::TrainState state;
  bcnn::save_model(tmp.file("checkpoint.h5"),
                   {net.get(), net->description(), json::object(), nullptr, &optimizer, &state});
  bcnn::LoadedModel ck = bcnn::load_model(tmp.file("checkpoint.h5"));
  check_bit_identical(ck.network->params(), net->params());
  for (const auto& r : net->param_ranges()) {
    if (r.trainable) continue;
    for (std::size_t i = r.offset; i < r.offset + r.size; ++i) {
      CHECK(ck.optimizer_state.at("first_moment")[i] == 0.0f);
      CHECK(ck.optimizer_state.at("second_moment")[i] == 0.0f);
    }
  }
}

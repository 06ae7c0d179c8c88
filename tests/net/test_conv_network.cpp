// A convolutional network built from JSON trains: a few optimizer steps on random data lower the
// loss (library level, not the command line).
#include <doctest/doctest.h>

#include "harness.h"
#include "layers/softmax_cross_entropy.h"
#include "net/network.h"
#include "train/optimizer.h"

using nlohmann::json;

TEST_CASE("conv network: conv2d, bc_conv2d, maxpool2d, batchnorm, flatten and dense train on random data") {
  const json description = {{"format", "bcnn-network"},
                            {"version", 1},
                            {"input", {3, 12, 12}},
                            {"layers",
                             {{{"type", "conv2d"}, {"filters", 8}, {"kernel", 3}, {"padding", "same"}},
                              {{"type", "batchnorm"}},
                              {{"type", "relu"}},
                              {{"type", "maxpool2d"}, {"size", 2}},
                              {{"type", "bc_conv2d"}, {"filters", 16}, {"kernel", 3}, {"padding", 1}, {"block", 4}},
                              {{"type", "batchnorm"}},
                              {{"type", "relu"}},
                              {{"type", "maxpool2d"}, {"size", 2}},
                              {{"type", "flatten"}},
                              {{"type", "dense"}, {"units", 5}}}}};
  auto net = bcnn::Network::build(description, "conv-net.json");
  net->init_params(7);
  const int B = 32;
  const bcnn::Tensor x = bcnn::testing::random_tensor(B, {3, 12, 12}, 3);
  std::vector<std::int32_t> labels(B);
  for (int i = 0; i < B; ++i) labels[i] = (i * 7 + 3) % 5;

  bcnn::OptimizerSpec spec;
  spec.type = "adam";
  spec.lr = 3e-3;
  bcnn::Optimizer optimizer(spec, net->params().size(), net->param_ranges());
  bcnn::Tensor grad_logits;
  std::vector<double> losses;
  for (int step = 0; step < 15; ++step) {
    const bcnn::Tensor& logits = net->forward(x, {true, 1, static_cast<std::uint64_t>(step)});
    bcnn::LossResult loss = bcnn::softmax_cross_entropy(logits, labels, &grad_logits);
    losses.push_back(loss.loss_sum / B);
    net->backward(grad_logits);
    optimizer.step(net->params(), net->grads(), spec.lr);
  }
  CAPTURE(losses.front());
  CAPTURE(losses.back());
  CHECK(losses.back() < 0.5 * losses.front());
  // In evaluation mode (running statistics) the trained network fits the batch too.
  const bcnn::Tensor& logits = net->forward(x, {});
  bcnn::LossResult eval = bcnn::softmax_cross_entropy(logits, labels, nullptr);
  CHECK(eval.loss_sum / B < losses.front());
}

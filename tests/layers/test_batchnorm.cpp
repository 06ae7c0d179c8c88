#include <doctest/doctest.h>

#include <cmath>

#include "cli.h"
#include "harness.h"
#include "layers/batchnorm.h"
#include "net/network.h"
#include "train/optimizer.h"

using namespace bcnn;
using bcnn::testing::check_gradients;
using bcnn::testing::make_layer;
using bcnn::testing::random_tensor;
using nlohmann::json;

namespace {

// Per-channel statistics over the batch and every position (channel = first sample dimension).
struct ChannelStats {
  std::vector<double> mean, biased_var, unbiased_var;
};

ChannelStats direct_stats(const Tensor& x) {
  const int C = x.sample_shape()[0];
  const int S = static_cast<int>(x.sample_size() / C);
  const double M = double(x.batch()) * S;
  ChannelStats s;
  for (int c = 0; c < C; ++c) {
    double sum = 0, squares = 0;
    for (int n = 0; n < x.batch(); ++n)
      for (int i = 0; i < S; ++i) sum += x.sample(n)[c * S + i];
    const double mean = sum / M;
    for (int n = 0; n < x.batch(); ++n)
      for (int i = 0; i < S; ++i) squares += std::pow(x.sample(n)[c * S + i] - mean, 2);
    s.mean.push_back(mean);
    s.biased_var.push_back(squares / M);
    s.unbiased_var.push_back(squares / (M - 1));
  }
  return s;
}

const Shape batchnorm_inputs[] = {{6}, {4, 3, 5}};

}  // namespace

TEST_CASE("batchnorm: training normalizes with batch statistics and updates the running statistics") {
  for (const Shape& shape : batchnorm_inputs) {
    CAPTURE(shape_string(shape));
    auto bound = make_layer({{"type", "batchnorm"}, {"momentum", 0.25}}, shape);
    const int C = shape[0], S = static_cast<int>(shape_size(shape) / C);
    CHECK(bound.params[2] == AlignedVector<float>(C, 0.0f));  // running mean starts at 0
    CHECK(bound.params[3] == AlignedVector<float>(C, 1.0f));  // running variance at 1
    Tensor x = random_tensor(5, shape, 3), y;
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = 3.0f * x[i] + 2.0f;  // mean 2, not 0
    bound->forward(x, y, {true, 1, 1});
    const auto stats = direct_stats(x);
    for (int n = 0; n < 5; ++n)
      for (int c = 0; c < C; ++c)
        for (int i = 0; i < S; ++i) {
          const double xhat = (x.sample(n)[c * S + i] - stats.mean[c]) / std::sqrt(stats.biased_var[c] + 1e-5);
          CHECK(y.sample(n)[c * S + i] ==
                doctest::Approx(bound.params[0][c] * xhat + bound.params[1][c]).epsilon(1e-5));
        }
    for (int c = 0; c < C; ++c) {
      CHECK(bound.params[2][c] == doctest::Approx(0.75 * 0.0 + 0.25 * stats.mean[c]).epsilon(1e-6));
      CHECK(bound.params[3][c] == doctest::Approx(0.75 * 1.0 + 0.25 * stats.unbiased_var[c]).epsilon(1e-6));
    }
    // A second step moves them again, from where they are.
    const auto mean1 = bound.params[2], var1 = bound.params[3];
    Tensor x2 = random_tensor(5, shape, 4);
    bound->forward(x2, y, {true, 1, 2});
    const auto stats2 = direct_stats(x2);
    for (int c = 0; c < C; ++c) {
      CHECK(bound.params[2][c] == doctest::Approx(0.75 * mean1[c] + 0.25 * stats2.mean[c]).epsilon(1e-6));
      CHECK(bound.params[3][c] == doctest::Approx(0.75 * var1[c] + 0.25 * stats2.unbiased_var[c]).epsilon(1e-6));
    }
  }
}

TEST_CASE("batchnorm: evaluation uses the running statistics and leaves them unchanged") {
  for (const Shape& shape : batchnorm_inputs) {
    CAPTURE(shape_string(shape));
    auto bound = make_layer({{"type", "batchnorm"}, {"eps", 1e-3}}, shape);
    const int C = shape[0], S = static_cast<int>(shape_size(shape) / C);
    for (int c = 0; c < C; ++c) {
      bound.params[2][c] = 0.1f * c - 0.2f;
      bound.params[3][c] = 0.5f + 0.25f * c;
    }
    const auto mean = bound.params[2], var = bound.params[3];
    Tensor x = random_tensor(3, shape, 5), y;
    bound->forward(x, y, {});
    for (int n = 0; n < 3; ++n)
      for (int c = 0; c < C; ++c)
        for (int i = 0; i < S; ++i) {
          const double expect =
              bound.params[0][c] * (x.sample(n)[c * S + i] - double(mean[c])) / std::sqrt(double(var[c]) + 1e-3) +
              bound.params[1][c];
          CHECK(y.sample(n)[c * S + i] == doctest::Approx(expect).epsilon(1e-5));
        }
    CHECK(bound.params[2] == mean);
    CHECK(bound.params[3] == var);
    // A single sample is fine in evaluation (after a dense layer it is one value per channel).
    Tensor one = random_tensor(1, shape, 6);
    bound->forward(one, y, {});
  }
}

TEST_CASE("batchnorm: finite differences in training and evaluation mode") {
  for (const Shape& shape : batchnorm_inputs) {
    for (bool training : {true, false}) {
      CAPTURE(shape_string(shape));
      CAPTURE(training);
      auto bound = make_layer({{"type", "batchnorm"}}, shape);
      for (float& g : bound.params[0]) g += 1.0f;  // gamma near 1, as trained networks have
      Tensor x = random_tensor(4, shape, 7);
      bcnn::testing::GradCheck options;
      options.step = 1e-3;
      options.tolerance = 5e-3;
      options.context.training = training;
      check_gradients(bound, x, options);
    }
  }
}

TEST_CASE("batchnorm: a batch of one value per channel in training is an error naming the layer") {
  auto bound = make_layer({{"type", "batchnorm"}, {"name", "bn1"}}, {8});
  Tensor x = random_tensor(1, {8}, 1), y;
  const std::string m = bcnn::testing::error_message([&] { bound->forward(x, y, {true, 1, 1}); });
  CHECK(m ==
        "layer \"bn1\" (batchnorm): expected at least 2 values per channel to normalize over in training, found "
        "a batch of 1 sample(s) of shape (8,)");
}

TEST_CASE("batchnorm: the optimizer never updates the running statistics (trainable = false)") {
  json net_json = {
      {"format", "bcnn-network"},
      {"version", 1},
      {"input", {3, 4, 4}},
      {"layers", {{{"type", "batchnorm"}, {"name", "bn"}}, {{"type", "flatten"}}, {{"type", "dense"}, {"units", 2}}}}};
  auto net = Network::build(net_json, "bn.json");
  net->init_params(1);
  const auto& ranges = net->param_ranges();
  REQUIRE(ranges.size() == 6);
  CHECK((ranges[0].trainable && !ranges[0].decay));   // gamma
  CHECK((ranges[1].trainable && !ranges[1].decay));   // beta
  CHECK((!ranges[2].trainable && !ranges[2].decay));  // running_mean
  CHECK((!ranges[3].trainable && !ranges[3].decay));  // running_var
  for (const std::string type : {"sgd", "adam", "adamw"}) {
    CAPTURE(type);
    OptimizerSpec spec;
    spec.type = type;
    spec.weight_decay = 0.1;
    Optimizer optimizer(spec, net->params().size(), net->param_ranges());
    for (std::size_t i = 0; i < net->params().size(); ++i) {
      net->params()[i] = 0.5f;
      net->grads()[i] = 1.0f;  // even a (wrong) non-zero gradient must not move them
    }
    optimizer.step(net->params(), net->grads(), 0.1);
    for (const auto& r : ranges)
      for (std::size_t i = r.offset; i < r.offset + r.size; ++i) {
        if (r.trainable)
          CHECK(net->params()[i] != 0.5f);
        else
          CHECK(net->params()[i] == 0.5f);
      }
  }
  // Backward leaves their gradient zero.
  net->init_params(2);
  std::fill(net->grads().begin(), net->grads().end(), 7.0f);
  Tensor x = random_tensor(4, {3, 4, 4}, 3);
  net->forward(x, {true, 1, 1});
  net->backward(random_tensor(4, {2}, 4));
  for (std::size_t i = ranges[2].offset; i < ranges[3].offset + ranges[3].size; ++i) CHECK(net->grads()[i] == 0.0f);
}

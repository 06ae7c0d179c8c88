// train.shards: a global batch split over replicas on threads computes the whole batch's gradient
// (up to the order of the additions), the same bits whatever the process's thread count, and a
// shard's error ends the step with that error.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "cli.h"
#include "core/error.h"
#include "core/threads.h"
#include "dist/sharded_step.h"
#include "harness.h"
#include "io/model_file.h"

using namespace bcnn;
using bcnn::testing::random_tensor;
using nlohmann::json;

namespace {

// A small CNN with every kind whose training depends on the batch: batchnorm after a convolution
// and after a dense layer, dropout.
json cnn_description() {
  return {{"format", "bcnn-network"},
          {"version", 1},
          {"input", {2, 6, 6}},
          {"layers",
           {{{"type", "conv2d"}, {"name", "conv1"}, {"filters", 8}, {"kernel", 3}, {"padding", "same"}},
            {{"type", "batchnorm"}, {"name", "bn1"}},
            {{"type", "relu"}, {"name", "relu1"}},
            {{"type", "bc_conv2d"}, {"name", "conv2"}, {"filters", 8}, {"kernel", 3}, {"block", 4}},
            {{"type", "maxpool2d"}, {"name", "pool"}, {"size", 2}},
            {{"type", "flatten"}, {"name", "flatten"}},
            {{"type", "bc_dense"}, {"name", "fc1"}, {"units", 16}, {"block", 8}},
            {{"type", "batchnorm"}, {"name", "bn2"}},
            {{"type", "relu"}, {"name", "relu2"}},
            {{"type", "dropout"}, {"name", "drop"}, {"rate", 0.3}},
            {{"type", "dense"}, {"name", "fc2"}, {"units", 5}}}}};
}

std::vector<std::int32_t> labels_for(int batch) {
  std::vector<std::int32_t> labels(batch);
  for (int b = 0; b < batch; ++b) labels[b] = (b * 7 + 3) % 5;
  return labels;
}

ShardLoss cross_entropy() {
  return [](const Tensor& logits, std::span<const std::int32_t> labels, int, Tensor* grad, int mean_over) {
    return softmax_cross_entropy(logits, labels, grad, mean_over);
  };
}

std::vector<float> sharded_gradient(const json& description, int shards, const Tensor& x,
                                    const std::vector<std::int32_t>& labels, StepTotals* totals = nullptr) {
  auto net = Network::build(description, "test");
  net->init_params(5);
  ShardedStep step(*net, description, shards, 1);
  const StepTotals t = step.run(x, labels, x.batch(), {true, 11, 3}, cross_entropy());
  if (totals) *totals = t;
  return {net->grads().begin(), net->grads().end()};
}

}  // namespace

TEST_CASE("shard_slice: contiguous slices that cover the batch, sizes within one of each other") {
  for (int batch : {1, 7, 128, 1000})
    for (int shards = 1; shards <= std::min(batch, 9); ++shards) {
      CAPTURE(batch);
      CAPTURE(shards);
      int next = 0, smallest = batch, largest = 0;
      for (int s = 0; s < shards; ++s) {
        const ShardSlice slice = shard_slice(batch, shards, s);
        CHECK(slice.first == next);
        next += slice.count;
        smallest = std::min(smallest, slice.count);
        largest = std::max(largest, slice.count);
      }
      CHECK(next == batch);
      CHECK(largest - smallest <= 1);
      CHECK(smallest >= 1);
    }
  CHECK(shard_slice(10, 3, 0).count == 3);
  CHECK(shard_slice(10, 3, 2).first == 6);
}

TEST_CASE("ShardedStep: the gradient of the whole batch, and the same bits whatever the process's threads") {
  const json description = cnn_description();
  const int batch = 10;
  const Tensor x = random_tensor(batch, {2, 6, 6}, 21);
  const std::vector<std::int32_t> labels = labels_for(batch);

  // The whole batch in one network.
  auto whole = Network::build(description, "test");
  whole->init_params(5);
  Tensor grad;
  const Tensor& logits = whole->forward(x, {true, 11, 3});
  const LossResult loss = softmax_cross_entropy(logits, labels, &grad);
  whole->backward(grad);
  const std::vector<float> expected(whole->grads().begin(), whole->grads().end());

  for (int shards : {1, 2, 3}) {
    CAPTURE(shards);
    StepTotals totals;
    const std::vector<float> found = sharded_gradient(description, shards, x, labels, &totals);
    REQUIRE(found.size() == expected.size());
    double scale = 0, worst = 0;
    for (float g : expected) scale = std::max(scale, std::abs(double(g)));
    for (std::size_t i = 0; i < found.size(); ++i) worst = std::max(worst, std::abs(double(found[i]) - expected[i]));
    CHECK(scale > 1e-3);            // a gradient that could differ
    CHECK(worst <= 1e-5 * scale);   // the same, up to the order of additions
    CHECK(totals.correct == loss.correct);
    CHECK(totals.loss_sum == doctest::Approx(loss.loss_sum).epsilon(1e-6));
  }

  // The shards' own thread count decides the bits, not the process's (an MPI rank's --threads).
  set_threads(1);
  const std::vector<float> one = sharded_gradient(description, 2, x, labels);
  set_threads(2);
  const std::vector<float> two = sharded_gradient(description, 2, x, labels);
  CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)) == 0);
}

TEST_CASE("ShardedStep: a shard's error ends the step with that error, and the step can run again") {
  const json description = cnn_description();
  auto net = Network::build(description, "test");
  net->init_params(5);
  ShardedStep step(*net, description, 3, 1);
  const Tensor x = random_tensor(9, {2, 6, 6}, 2);
  const std::vector<std::int32_t> labels = labels_for(9);
  // Shard 2 fails after every shard has passed the first batchnorm: the others wait in the
  // backward pass's batchnorm sums and must not wait forever.
  ShardLoss failing = [](const Tensor& logits, std::span<const std::int32_t> l, int first, Tensor* grad,
                         int mean_over) -> LossResult {
    if (first == 6) throw Error("shard at sample 6: bad labels");
    return softmax_cross_entropy(logits, l, grad, mean_over);
  };
  CHECK_THROWS_WITH(step.run(x, labels, x.batch(), {true, 1, 1}, failing), "shard at sample 6: bad labels");
  CHECK_NOTHROW(step.run(x, labels, x.batch(), {true, 1, 1}, cross_entropy()));
  CHECK_THROWS_WITH(step.run(random_tensor(2, {2, 6, 6}, 2), {labels.data(), 2}, 2, {true, 1, 1}, cross_entropy()),
                    doctest::Contains("a batch of 2 images cannot be split into 3 shards"));
}

TEST_CASE("bcnn-train with train.shards: trains, records the shards, and names a bad value") {
  using namespace bcnn::testing;
  TempDir tmp("train-shards");
  const std::string data = tmp.file("data");
  write_mnist_fixture(data, 400, 100);
  json config = tiny_config_with_dropout(data);
  config["train"]["epochs"] = 1;
  config["train"]["batch"] = 32;
  config["train"]["shards"] = 2;
  const std::string path = write_json(tmp.file("net.json"), config);
  ToolResult r = run_train({path, "--out", tmp.file("run"), "--quiet", "--threads", "2"}, tmp.str());
  INFO(r.command, "\n", r.err);
  REQUIRE(r.status == 0);
  const LoadedModel model = load_model(tmp.file("run") + "/last.h5");
  CHECK(model.config.at("train").at("shards") == 2);
  CHECK(read_json_lines(tmp.file("run") + "/metrics.jsonl").size() == 1);

  config["train"]["shards"] = 40;
  write_json(path, config);
  r = run_train({path, "--out", tmp.file("bad"), "--quiet"}, tmp.str());
  CHECK(r.status == 1);
  CHECK(contains(r.err, "/train/shards: expected at most the batch (32): every shard needs at least one image, found 40"));
  CHECK_FALSE(std::filesystem::exists(tmp.file("bad")));
}

// The pieces of data-parallel training that make a shard of a global batch compute what the whole
// batch would: the ordered sum over shards (ThreadShards), synchronized batchnorm, dropout masks
// and loss gradients keyed by the global batch.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <thread>

#include "dist/thread_shards.h"
#include "harness.h"
#include "layers/softmax_cross_entropy.h"

using namespace bcnn;
using bcnn::testing::make_layer;
using bcnn::testing::random_tensor;

namespace {

// Samples [first, first + count) of `x`.
Tensor slice(const Tensor& x, int first, int count) {
  Tensor part(count, x.sample_shape());
  std::copy(x.sample(first), x.sample(first) + static_cast<std::size_t>(count) * x.sample_size(), part.data());
  return part;
}

// Runs body(shard) on one thread per shard, as train.shards does.
void on_shards(int shards, const std::function<void(int)>& body) {
  std::vector<std::thread> threads;
  for (int s = 0; s < shards; ++s) threads.emplace_back(body, s);
  for (auto& t : threads) t.join();
}

double relative_difference(float a, float b) {
  return std::abs(double(a) - b) / std::max({1.0, std::abs(double(a)), std::abs(double(b))});
}

}  // namespace

TEST_CASE("ThreadShards: every shard gets the sum over the shards, added in shard order") {
  for (int shards : {1, 2, 3, 5}) {
    CAPTURE(shards);
    ThreadShards group(shards);
    // Values whose sum depends on the order of the additions.
    auto value = [](int s, int i) { return (s % 2 ? 1e16 : 1.0) * (i + 1) * (s == 0 ? 1 : -1) + s * 0.25; };
    std::vector<std::vector<double>> results(shards);
    on_shards(shards, [&](int s) {
      for (int round = 0; round < 3; ++round) {  // repeated sums reuse the group
        std::vector<double> v(7);
        for (int i = 0; i < 7; ++i) v[i] = value(s, i) + round;
        group.reducer(s).sum(v);
        if (round == 2) results[s] = v;
      }
    });
    for (int i = 0; i < 7; ++i) {
      double expected = value(0, i) + 2;
      for (int s = 1; s < shards; ++s) expected += value(s, i) + 2;
      for (int s = 0; s < shards; ++s) CHECK(results[s][i] == expected);  // bit for bit
    }
  }
}

TEST_CASE("batchnorm over shards: outputs, running statistics and gradients of the whole batch") {
  const Shape shape{3, 2, 5};
  const int batch = 8;
  const Tensor x = random_tensor(batch, shape, 7);
  const Tensor dy = random_tensor(batch, shape, 8);
  auto whole = make_layer({{"type", "batchnorm"}, {"momentum", 0.3}}, shape);
  Tensor y_whole, dx_whole;
  whole->forward(x, y_whole, {true, 1, 1});
  whole->backward(x, y_whole, dy, &dx_whole);

  for (const std::vector<int>& sizes : {std::vector<int>{4, 4}, {3, 5}, {1, 2, 5}}) {
    CAPTURE(sizes.size());
    const int shards = static_cast<int>(sizes.size());
    ThreadShards group(shards);
    std::vector<bcnn::testing::BoundLayer> layers;
    for (int s = 0; s < shards; ++s) layers.push_back(make_layer({{"type", "batchnorm"}, {"momentum", 0.3}}, shape));
    std::vector<Tensor> y(shards), dx(shards);
    std::vector<int> first(shards, 0);
    for (int s = 1; s < shards; ++s) first[s] = first[s - 1] + sizes[s - 1];
    on_shards(shards, [&](int s) {
      const Tensor xs = slice(x, first[s], sizes[s]), dys = slice(dy, first[s], sizes[s]);
      ForwardContext ctx{true, 1, 1, static_cast<std::uint64_t>(first[s]), &group.reducer(s)};
      layers[s]->forward(xs, y[s], ctx);
      layers[s]->backward(xs, y[s], dys, &dx[s]);
    });
    double worst = 0;
    for (int s = 0; s < shards; ++s) {
      for (int n = 0; n < sizes[s]; ++n)
        for (std::int64_t i = 0; i < x.sample_size(); ++i) {
          worst = std::max(worst, relative_difference(y[s].sample(n)[i], y_whole.sample(first[s] + n)[i]));
          worst = std::max(worst, relative_difference(dx[s].sample(n)[i], dx_whole.sample(first[s] + n)[i]));
        }
      // Running statistics: every shard holds the global ones.
      for (int p : {2, 3})
        for (int c = 0; c < 3; ++c) worst = std::max(worst, relative_difference(layers[s].params[p][c], whole.params[p][c]));
    }
    // gamma's and beta's gradients: each shard's part, summing to the whole batch's.
    for (int p : {0, 1})
      for (int c = 0; c < 3; ++c) {
        float total = 0;
        for (int s = 0; s < shards; ++s) total += layers[s].grads[p][c];
        worst = std::max(worst, relative_difference(total, whole.grads[p][c]));
      }
    CHECK(worst < 1e-5);
  }
}

TEST_CASE("batchnorm over shards: fewer than 2 values per channel over all shards is the usual error") {
  ThreadShards group(1);
  auto layer = make_layer({{"type", "batchnorm"}, {"name", "bn9"}}, {4});
  Tensor y;
  ForwardContext ctx{true, 1, 1, 0, &group.reducer(0)};
  CHECK_THROWS_WITH(layer->forward(random_tensor(1, {4}, 1), y, ctx),
                    doctest::Contains("layer \"bn9\" (batchnorm): expected at least 2 values per channel"));
}

TEST_CASE("dropout and the loss of a shard are those of its samples in the whole batch") {
  const Shape shape{40};
  const Tensor x = random_tensor(6, shape, 3);
  auto layer = make_layer({{"type", "dropout"}, {"rate", 0.5}}, shape);
  Tensor whole, part;
  layer->forward(x, whole, {true, 9, 4});
  layer->forward(slice(x, 2, 4), part, {true, 9, 4, 2});
  CHECK(std::equal(part.data(), part.data() + part.size(), whole.sample(2)));
  layer->forward(slice(x, 2, 4), part, {true, 9, 4, 0});  // the shard's own index: other masks
  CHECK_FALSE(std::equal(part.data(), part.data() + part.size(), whole.sample(2)));

  const Tensor logits = random_tensor(6, {10}, 5);
  const std::vector<std::int32_t> labels{1, 3, 5, 7, 9, 0};
  Tensor g_whole, g_part;
  const LossResult all = softmax_cross_entropy(logits, labels, &g_whole);
  const LossResult first = softmax_cross_entropy(slice(logits, 0, 2), {labels.data(), 2}, &g_part, 6);
  CHECK(std::equal(g_part.data(), g_part.data() + g_part.size(), g_whole.sample(0)));
  const LossResult rest = softmax_cross_entropy(slice(logits, 2, 4), {labels.data() + 2, 4}, &g_part, 6);
  CHECK(std::equal(g_part.data(), g_part.data() + g_part.size(), g_whole.sample(2)));
  CHECK(first.correct + rest.correct == all.correct);
  CHECK(first.loss_sum + rest.loss_sum == doctest::Approx(all.loss_sum).epsilon(1e-12));
}

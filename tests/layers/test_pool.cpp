#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "cli.h"
#include "core/random.h"
#include "harness.h"
#include "net/network.h"

using namespace bcnn;
using bcnn::testing::check_gradients;
using bcnn::testing::make_layer;
using bcnn::testing::random_tensor;
using nlohmann::json;

namespace {

struct PoolCase {
  int c, h, w;
  json size, stride;  // stride null: default (= size)
  Shape expect_output;
};

const PoolCase pool_cases[] = {
    {3, 8, 8, 2, nullptr, {3, 4, 4}},
    {2, 7, 9, 3, 2, {2, 3, 4}},                                      // overlapping windows
    {4, 6, 7, json::array({2, 3}), json::array({1, 2}), {4, 5, 3}},  // non-square
    {1, 5, 5, 2, nullptr, {1, 2, 2}},                                // the last row/column dropped
};

json pool_json(const std::string& type, const PoolCase& c) {
  json j = {{"type", type}, {"size", c.size}};
  if (!c.stride.is_null()) j["stride"] = c.stride;
  return j;
}

std::pair<int, int> pair_of(const json& v) {
  return v.is_array() ? std::pair<int, int>{v[0].get<int>(), v[1].get<int>()}
                      : std::pair<int, int>{v.get<int>(), v.get<int>()};
}

// Direct pooling in double: max (first maximum in row-major order) or mean of each window, with
// the index of the maximum.
std::vector<double> direct_pool(const Tensor& x, const PoolCase& c, bool max, std::vector<int>* argmax = nullptr) {
  auto [kh, kw] = pair_of(c.size);
  auto [sh, sw] = c.stride.is_null() ? std::pair<int, int>{kh, kw} : pair_of(c.stride);
  const int oh = (c.h - kh) / sh + 1, ow = (c.w - kw) / sw + 1;
  std::vector<double> y;
  for (int n = 0; n < x.batch(); ++n)
    for (int ch = 0; ch < c.c; ++ch)
      for (int i = 0; i < oh; ++i)
        for (int j = 0; j < ow; ++j) {
          double best = -INFINITY, sum = 0;
          int best_index = -1;
          for (int a = 0; a < kh; ++a)
            for (int b = 0; b < kw; ++b) {
              const int index = ((n * c.c + ch) * c.h + i * sh + a) * c.w + j * sw + b;
              sum += x[index];
              if (x[index] > best) best = x[index], best_index = index;
            }
          y.push_back(max ? best : sum / (kh * kw));
          if (argmax) argmax->push_back(best_index);
        }
  return y;
}

// Distinct values at least 0.05 apart in a random order: finite differences with step 0.01 never
// move a maximum.
Tensor separated_tensor(int batch, const Shape& shape, std::uint64_t seed) {
  Tensor t(batch, shape);
  Rng rng(seed, Stream::augment);
  auto order = random_permutation(static_cast<int>(t.size()), rng);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = 0.05f * static_cast<float>(order[i]) - 1.0f;
  return t;
}

}  // namespace

TEST_CASE("maxpool2d: forward against direct loops, gradient to the maximum, finite differences") {
  for (const PoolCase& c : pool_cases) {
    CAPTURE(pool_json("maxpool2d", c).dump());
    auto bound = make_layer(pool_json("maxpool2d", c), {c.c, c.h, c.w});
    REQUIRE(bound->output_shape() == c.expect_output);
    Tensor x = random_tensor(3, {c.c, c.h, c.w}, 7), y, dx;
    bound->forward(x, y, {});
    std::vector<int> argmax;
    const auto expect = direct_pool(x, c, true, &argmax);
    REQUIRE(y.size() == expect.size());
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == expect[i]);
    Tensor dy = random_tensor(3, y.sample_shape(), 8);
    bound->backward(x, y, dy, &dx);
    std::vector<double> expect_dx(x.size(), 0.0);
    for (std::size_t i = 0; i < argmax.size(); ++i) expect_dx[argmax[i]] += dy[i];
    for (std::size_t i = 0; i < x.size(); ++i) CHECK(dx[i] == doctest::Approx(expect_dx[i]).epsilon(1e-6));

    Tensor xs = separated_tensor(2, {c.c, c.h, c.w}, 9);
    check_gradients(bound, xs);
  }
}

TEST_CASE("maxpool2d: ties send the gradient to the first maximum in row-major order") {
  auto bound = make_layer({{"type", "maxpool2d"}, {"size", 2}}, {1, 2, 4});
  Tensor x(1, {1, 2, 4}), y, dx, dy(1, {1, 1, 2});
  const float values[] = {0.5f, 0.5f, -1.0f, 3.0f,   // window 0: all four equal to 0.5
                          0.5f, 0.5f, 3.0f,  2.0f};  // window 1: 3 at (0, 3) and (1, 2)
  std::copy(values, values + 8, x.data());
  bound->forward(x, y, {});
  CHECK(y[0] == 0.5f);
  CHECK(y[1] == 3.0f);
  dy[0] = 1.0f;
  dy[1] = 2.0f;
  bound->backward(x, y, dy, &dx);
  const float expect[] = {1.0f, 0.0f, 0.0f, 2.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  for (int i = 0; i < 8; ++i) CHECK(dx[i] == expect[i]);
}

TEST_CASE("avgpool2d: forward against direct loops and finite differences") {
  for (const PoolCase& c : pool_cases) {
    CAPTURE(pool_json("avgpool2d", c).dump());
    auto bound = make_layer(pool_json("avgpool2d", c), {c.c, c.h, c.w});
    REQUIRE(bound->output_shape() == c.expect_output);
    Tensor x = random_tensor(3, {c.c, c.h, c.w}, 10), y;
    bound->forward(x, y, {});
    const auto expect = direct_pool(x, c, false);
    REQUIRE(y.size() == expect.size());
    for (std::size_t i = 0; i < y.size(); ++i) CHECK(y[i] == doctest::Approx(expect[i]).epsilon(1e-6));
    check_gradients(bound, x);
    const auto size = pair_of(c.size);
    const auto stride = c.stride.is_null() ? size : pair_of(c.stride);
    CHECK(bound->config() == json({{"size", {size.first, size.second}}, {"stride", {stride.first, stride.second}}}));
  }
}

TEST_CASE("global_avgpool: (C, H, W) to (C,), forward against direct loops and finite differences") {
  auto bound = make_layer({{"type", "global_avgpool"}}, {5, 3, 4});
  CHECK(bound->output_shape() == Shape{5});
  Tensor x = random_tensor(3, {5, 3, 4}, 11), y;
  bound->forward(x, y, {});
  for (int n = 0; n < 3; ++n)
    for (int c = 0; c < 5; ++c) {
      double sum = 0;
      for (int i = 0; i < 12; ++i) sum += x.sample(n)[c * 12 + i];
      CHECK(y.sample(n)[c] == doctest::Approx(sum / 12).epsilon(1e-6));
    }
  check_gradients(bound, x);
}

TEST_CASE("pooling: configuration errors name the layer, the JSON pointer, the expected and the found") {
  auto build = [](json layer, json input) {
    json net = {{"format", "bcnn-network"}, {"version", 1}, {"input", input}, {"layers", {layer}}};
    return bcnn::testing::error_message([&] { Network::build(net, "net.json"); });
  };
  CHECK(build({{"type", "maxpool2d"}, {"name", "p"}, {"size", 5}}, {2, 4, 4}) ==
        "net.json: /layers/0/size: layer \"p\": expected a window that fits the 4x4 padded input (input (2, 4, 4), "
        "padding 0), found 5x5");
  CHECK(build({{"type", "avgpool2d"}, {"name", "p"}, {"size", 2}, {"stride", {1, 0}}}, {2, 4, 4}) ==
        "net.json: /layers/0/stride: layer \"p\": expected an integer in [1, 4096] or an array [h, w] of two, found "
        "array [1,0]");
  CHECK(
      build({{"type", "maxpool2d"}, {"name", "p"}}, {2, 4, 4}) ==
      "net.json: /layers/0/size: layer \"p\": expected an integer in [1, 4096] or an array [h, w] of two (this key is "
      "required), found nothing");
  CHECK(build({{"type", "global_avgpool"}, {"name", "g"}}, {16})
            .find("net.json: /layers/0: layer \"g\": expected a (C, H, W) image input, found shape (16,)") == 0);
}

#include <doctest/doctest.h>

#include <cmath>

#include "cli.h"
#include "conv_oracle.h"
#include "harness.h"
#include "layers/conv2d.h"
#include "net/network.h"

using namespace bcnn;
using bcnn::testing::check_gradients;
using bcnn::testing::make_layer;
using bcnn::testing::random_tensor;
using nlohmann::json;

namespace {

struct ConvCase {
  int c_in, h, w, c_out;
  json kernel, stride, padding;
  Shape expect_output;
};

const ConvCase conv_cases[] = {
    {3, 8, 8, 4, 3, 1, 0, {4, 6, 6}},
    {3, 8, 8, 5, 3, 1, 1, {5, 8, 8}},
    {2, 9, 7, 3, 3, 2, 1, {3, 5, 4}},
    {4, 7, 8, 6, json::array({4, 3}), 2, "same", {6, 4, 4}},
    {5, 6, 6, 2, json::array({1, 3}), json::array({1, 2}), "same", {2, 6, 3}},
    {3, 5, 5, 7, 1, 1, 0, {7, 5, 5}},  // pointwise: im2col is the identity
    {1, 10, 10, 4, 5, 2, 0, {4, 3, 3}},
    {6, 4, 4, 3, 2, 1, "same", {3, 4, 4}},  // even kernel: the extra padding goes bottom/right
};

json conv_json(const ConvCase& c) {
  return {{"type", "conv2d"}, {"filters", c.c_out}, {"kernel", c.kernel}, {"stride", c.stride}, {"padding", c.padding}};
}

}  // namespace

TEST_CASE("conv2d: forward and both gradients match the direct convolution") {
  for (const ConvCase& c : conv_cases) {
    CAPTURE(conv_json(c).dump());
    const int B = 3;
    auto bound = make_layer(conv_json(c), {c.c_in, c.h, c.w}, 5);
    auto* layer = dynamic_cast<Conv2d*>(bound.layer.get());
    REQUIRE(layer != nullptr);
    REQUIRE(layer->output_shape() == c.expect_output);
    const WindowGeometry& g = layer->geometry();
    const auto w = bcnn::testing::to_double(bound.params[0]);
    const auto bias = bcnn::testing::to_double(bound.params[1]);

    Tensor x = random_tensor(B, {c.c_in, c.h, c.w}, 11), y, dx;
    bound->forward(x, y, {});
    const auto expect = bcnn::testing::direct_conv2d(x, w, bias, g, c.c_out);
    REQUIRE(y.size() == expect.size());
    CHECK(bcnn::testing::max_abs_diff(y, expect, y.size()) < 1e-5 * std::sqrt(double(w.size())));

    Tensor dy = random_tensor(B, y.sample_shape(), 12);
    bound->backward(x, y, dy, &dx);
    std::vector<double> expect_dx, expect_dw;
    bcnn::testing::direct_conv2d_backward(x, w, dy, g, c.c_out, expect_dx, expect_dw);
    REQUIRE(dx.size() == expect_dx.size());
    CHECK(bcnn::testing::max_abs_diff(dx, expect_dx, dx.size()) < 1e-5 * std::sqrt(double(w.size())));
    CHECK(bcnn::testing::max_abs_diff(bound.grads[0], expect_dw, expect_dw.size()) <
          1e-5 * std::sqrt(double(y.size())));
    for (int o = 0; o < c.c_out; ++o) {
      double sum = 0;
      for (int n = 0; n < B; ++n)
        for (int i = 0; i < g.output_pixels(); ++i) sum += dy.sample(n)[o * g.output_pixels() + i];
      CHECK(bound.grads[1][o] == doctest::Approx(sum).epsilon(1e-5));
    }
  }
}

TEST_CASE("conv2d: finite differences through the shared harness") {
  for (const ConvCase& c : conv_cases) {
    CAPTURE(conv_json(c).dump());
    auto bound = make_layer(conv_json(c), {c.c_in, c.h, c.w}, 3);
    Tensor x = random_tensor(2, bound->input_shape(), 4);
    bcnn::testing::GradCheck options;
    options.max_checks = 60;
    check_gradients(bound, x, options);
  }
}

TEST_CASE("conv2d: padding \"same\" follows TensorFlow (odd padding at the bottom/right)") {
  auto bound = make_layer({{"type", "conv2d"}, {"filters", 2}, {"kernel", {4, 3}}, {"stride", 2}, {"padding", "same"}},
                          {1, 7, 8});
  const auto& g = dynamic_cast<Conv2d*>(bound.layer.get())->geometry();
  CHECK(g.out_h == 4);  // ceil(7 / 2)
  CHECK(g.out_w == 4);
  CHECK(g.pad_top == 1);  // total (4-1)*2 + 4 - 7 = 3
  CHECK(g.pad_bottom == 2);
  CHECK(g.pad_left == 0);  // total (4-1)*2 + 3 - 8 = 1
  CHECK(g.pad_right == 1);
  auto odd = make_layer({{"type", "conv2d"}, {"filters", 2}, {"kernel", 5}, {"padding", "same"}}, {1, 6, 6});
  const auto& h = dynamic_cast<Conv2d*>(odd.layer.get())->geometry();
  CHECK((h.pad_top == 2 && h.pad_bottom == 2 && h.pad_left == 2 && h.pad_right == 2));
}

TEST_CASE("conv2d: batch results do not depend on the other samples of the batch") {
  auto bound = make_layer({{"type", "conv2d"}, {"filters", 8}, {"kernel", 3}, {"padding", 1}}, {4, 6, 6});
  Tensor x = random_tensor(5, {4, 6, 6}, 21), y, one(1, {4, 6, 6}), y1;
  bound->forward(x, y, {});
  std::copy(x.sample(3), x.sample(4), one.data());
  bound->forward(one, y1, {});
  for (int i = 0; i < y1.sample_size(); ++i) CHECK(y1[i] == y.sample(3)[i]);
}

TEST_CASE("conv2d: configuration, parameters and cost") {
  auto bound =
      make_layer({{"type", "conv2d"}, {"filters", 16}, {"kernel", {3, 5}}, {"stride", 2}, {"padding", 1}}, {3, 12, 12});
  CHECK(bound->config() ==
        json({{"filters", 16}, {"kernel", {3, 5}}, {"stride", {2, 2}}, {"padding", 1}, {"init", "he"}}));
  auto specs = bound->param_specs();
  REQUIRE(specs.size() == 2);
  CHECK(specs[0].shape == Shape{16, 3, 3, 5});
  CHECK(specs[1].shape == Shape{16});
  CHECK(bound->output_shape() == Shape{16, 6, 5});
  LayerCost c = bound->cost();
  CHECK(c.params == 16 * 3 * 15 + 16);
  CHECK(c.macs == 16LL * 3 * 15 * 6 * 5);
  CHECK(c.dense_macs == c.macs);
}

TEST_CASE("conv2d: configuration errors name the layer, the JSON pointer, the expected and the found") {
  auto build = [](json layer, json input = {3, 8, 8}) {
    json net = {{"format", "bcnn-network"}, {"version", 1}, {"input", input}, {"layers", {{{"type", "relu"}}, layer}}};
    std::string m = bcnn::testing::error_message([&] { bcnn::Network::build(net, "net.json"); });
    return m;
  };
  CHECK(build({{"type", "conv2d"}, {"name", "c1"}, {"filters", 4}, {"kernel", {3}}}) ==
        "net.json: /layers/1/kernel: layer \"c1\": expected an integer in [1, 4096] or an array [h, w] of two, found "
        "array [3]");
  CHECK(build({{"type", "conv2d"}, {"name", "c1"}, {"filters", 4}, {"kernel", 9}}) ==
        "net.json: /layers/1/kernel: layer \"c1\": expected a window that fits the 8x8 padded input (input (3, 8, 8), "
        "padding 0), found 9x9");
  CHECK(build({{"type", "conv2d"}, {"name", "c1"}, {"filters", 4}, {"kernel", {3, 2}}, {"padding", "valid"}}) ==
        "net.json: /layers/1/padding: layer \"c1\": expected an integer in [0, 4096] or \"same\", found string "
        "\"valid\"");
  CHECK(build({{"type", "conv2d"}, {"name", "c1"}, {"filters", 0}, {"kernel", 3}}) ==
        "net.json: /layers/1/filters: layer \"c1\": expected an integer in [1, 65536], found number 0");
  CHECK(build({{"type", "conv2d"}, {"name", "c1"}, {"kernel", 3}}) ==
        "net.json: /layers/1/filters: layer \"c1\": expected an integer in [1, 65536] (this key is required), found "
        "nothing");
  CHECK(build({{"type", "conv2d"}, {"name", "c1"}, {"filters", 4}, {"kernel", 3}, {"strides", 2}}) ==
        "net.json: /layers/1/strides: expected one of the known keys (filters, init, kernel, name, padding, stride, "
        "type), found unknown key \"strides\" (did you mean \"stride\"?)");
  CHECK(build({{"type", "conv2d"}, {"name", "c1"}, {"filters", 4}, {"kernel", 3}}, {64}) ==
        "net.json: /layers/1: layer \"c1\": expected a (C, H, W) image input, found shape (64,) (a convolution or "
        "pooling layer cannot follow a flatten or dense layer)");
}

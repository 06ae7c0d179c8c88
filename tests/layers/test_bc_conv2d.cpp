#include <doctest/doctest.h>
#include <omp.h>

#include <cmath>
#include <cstring>

#include "cli.h"
#include "conv_oracle.h"
#include "core/blas.h"
#include "fft/fft.h"
#include "harness.h"
#include "layers/bc_conv2d.h"
#include "layers/bc_dense.h"
#include "layers/conv2d.h"
#include "net/network.h"

using namespace bcnn;
using bcnn::testing::make_layer;
using bcnn::testing::random_tensor;
using nlohmann::json;

namespace {

struct BcCase {
  int k, c_in, h, w, c_out;
  json kernel, stride, padding;
};

// k in {1, 2, 4, 8} (and 3, odd), channels divisible and not, stride 1 and 2, padding 0, 1 and
// "same", square and non-square kernels.
const BcCase bc_cases[] = {
    {1, 3, 6, 6, 5, 3, 1, 1},
    {2, 4, 7, 7, 6, 3, 2, 1},
    {2, 3, 6, 5, 5, json::array({2, 3}), 1, "same"},
    {3, 7, 5, 6, 4, 3, 1, 0},
    {4, 8, 8, 8, 8, 3, 1, "same"},
    {4, 5, 9, 7, 6, json::array({3, 1}), json::array({2, 1}), 1},
    {4, 6, 6, 6, 10, 1, 1, 0},
    {8, 12, 6, 6, 20, 3, 2, "same"},
    {8, 3, 8, 8, 16, 5, 1, 2},  // k > C_in: one block column, mostly padding
    {8, 16, 5, 5, 8, json::array({1, 3}), 1, 0},
    {2, 4, 7, 7, 11, 3, 1, "same"},          // p = 6: row blocks of 4 and 2, only real bins
    {4, 9, 9, 9, 20, json::array({3, 5}), 1, 2},  // p = 5, wide kernel: tap blocks of 3 and 2
    {16, 20, 6, 6, 24, 3, 1, "same"},
    {32, 40, 5, 5, 33, 3, 1, 1},
    {8, 8, 3, 21, 8, 3, 1, "same"},  // rows longer than a vector of 16 pixels
};

const char* algorithm_name(BcConvAlgorithm a) { return a == BcConvAlgorithm::direct ? "direct" : "im2col"; }

// The algorithms a layer can run: im2col always, direct with stride 1 and a power-of-two block <= 32.
std::vector<BcConvAlgorithm> algorithms_for(const BcConv2d& layer) {
  std::vector<BcConvAlgorithm> all{BcConvAlgorithm::im2col};
  if (freq_conv_applies(layer.geometry(), layer.block_size())) all.push_back(BcConvAlgorithm::direct);
  return all;
}

json bc_json(const BcCase& c) {
  return {{"type", "bc_conv2d"}, {"filters", c.c_out},   {"kernel", c.kernel},
          {"stride", c.stride},  {"padding", c.padding}, {"block", c.k}};
}

// Every dense weight W[co][ci][a][b] is a copy of w[co/k][ci/k][a][b][(co%k - ci%k) mod k], so the
// gradient of that circulant parameter is the sum of the dense gradients of its copies.
std::vector<double> project_to_circulant(const std::vector<double>& dense, int p, int q, int kh, int kw, int k,
                                         int c_out, int c_in) {
  std::vector<double> w(static_cast<std::size_t>(p) * q * kh * kw * k, 0.0);
  for (int co = 0; co < c_out; ++co)
    for (int ci = 0; ci < c_in; ++ci)
      for (int a = 0; a < kh; ++a)
        for (int b = 0; b < kw; ++b)
          w[(((static_cast<std::size_t>(co / k) * q + ci / k) * kh + a) * kw + b) * k +
            ((co % k) - (ci % k) + k) % k] += dense[((static_cast<std::size_t>(co) * c_in + ci) * kh + a) * kw + b];
  return w;
}

}  // namespace

TEST_CASE("bc_conv2d: forward and both gradients match conv2d with the dense weight and the direct convolution") {
  for (const BcCase& c : bc_cases) {
    CAPTURE(bc_json(c).dump());
    const int B = 3;
    auto bound = make_layer(bc_json(c), {c.c_in, c.h, c.w}, 9);
    auto* layer = dynamic_cast<BcConv2d*>(bound.layer.get());
    REQUIRE(layer != nullptr);
    const int p = layer->block_rows(), q = layer->block_cols();
    const WindowGeometry& g = layer->geometry();
    CHECK(p == (c.c_out + c.k - 1) / c.k);
    CHECK(q == (c.c_in + c.k - 1) / c.k);
    CHECK(bound->param_specs()[0].shape == Shape{p, q, g.kernel_h, g.kernel_w, c.k});
    const auto dense = bc_conv2d_to_dense(bound.params[0], p, q, g.kernel_h, g.kernel_w, c.k, c.c_out, c.c_in);
    const auto bias = bcnn::testing::to_double(bound.params[1]);

    // The same convolution as a conv2d layer holding the dense weight.
    json dense_spec = bc_json(c);
    dense_spec["type"] = "conv2d";
    dense_spec.erase("block");
    auto reference = make_layer(dense_spec, {c.c_in, c.h, c.w});
    REQUIRE(reference->output_shape() == bound->output_shape());
    for (std::size_t i = 0; i < dense.size(); ++i) reference.params[0][i] = static_cast<float>(dense[i]);
    reference.params[1] = bound.params[1];

    for (BcConvAlgorithm algorithm : algorithms_for(*layer)) {
      CAPTURE(algorithm_name(algorithm));
      layer->set_algorithm(algorithm);
      REQUIRE(layer->algorithm() == algorithm);
      Tensor x = random_tensor(B, {c.c_in, c.h, c.w}, 13), y, y_ref, dx, dx_ref;
      bound->forward(x, y, {});
      reference->forward(x, y_ref, {});
      const auto y_direct = bcnn::testing::direct_conv2d(x, dense, bias, g, c.c_out);
      REQUIRE(y.size() == y_direct.size());
      // float32 FFT round-off grows like log2(k) * sqrt(fan-in) * |w| |x|.
      const double fan_in = double(c.c_in) * g.taps();
      const double tol = 2e-5 * std::sqrt(fan_in) * (1 + std::log2(double(c.k)));
      CHECK(bcnn::testing::max_abs_diff(y, y_direct, y.size()) < tol);
      CHECK(bcnn::testing::max_abs_diff(y, y_ref, y.size()) < tol);

      Tensor dy = random_tensor(B, y.sample_shape(), 14);
      bound->backward(x, y, dy, &dx);
      reference->backward(x, y_ref, dy, &dx_ref);
      std::vector<double> dx_direct, dw_direct;
      bcnn::testing::direct_conv2d_backward(x, dense, dy, g, c.c_out, dx_direct, dw_direct);
      const double tol_dx = 2e-5 * std::sqrt(double(c.c_out) * g.taps()) * (1 + std::log2(double(c.k)));
      CHECK(bcnn::testing::max_abs_diff(dx, dx_direct, dx.size()) < tol_dx);
      CHECK(bcnn::testing::max_abs_diff(dx, dx_ref, dx.size()) < tol_dx);
      const auto dw_expect = project_to_circulant(dw_direct, p, q, g.kernel_h, g.kernel_w, c.k, c.c_out, c.c_in);
      const double tol_dw = 2e-5 * std::sqrt(double(B) * g.output_pixels() * c.k) * (1 + std::log2(double(c.k)));
      CHECK(bcnn::testing::max_abs_diff(bound.grads[0], dw_expect, dw_expect.size()) < tol_dw);
      for (int o = 0; o < c.c_out; ++o) CHECK(bound.grads[1][o] == doctest::Approx(reference.grads[1][o]).epsilon(1e-5));
    }
  }
}

TEST_CASE("bc_conv2d: golden values pin the first-column convention and the 1/k scaling (k = 3, 1x1)") {
  auto bound = make_layer({{"type", "bc_conv2d"}, {"filters", 3}, {"kernel", 1}, {"block", 3}}, {3, 1, 2});
  bound.params[0] = {1.0f, 2.0f, 3.0f};  // first column c of C[i][j] = c[(i - j) mod 3]
  bound.params[1] = {0.0f, 0.0f, 0.5f};
  Tensor x(1, {3, 1, 2}), y;
  const float pixels[] = {1.0f, -1.0f, 10.0f, -10.0f, 100.0f, -100.0f};  // x[c][0][w]
  std::copy(pixels, pixels + 6, x.data());
  bound->forward(x, y, {});
  // C = [[1,3,2],[2,1,3],[3,2,1]]; C (1, 10, 100) = (231, 312, 123), and the negatives at w = 1.
  const double expect[] = {231.0, -231.0, 312.0, -312.0, 123.5, -122.5};
  for (int i = 0; i < 6; ++i) CHECK(y[i] == doctest::Approx(expect[i]).epsilon(1e-6));
  CHECK(bc_conv2d_to_dense(bound.params[0], 1, 1, 1, 1, 3, 3, 3) == std::vector<double>{1, 3, 2, 2, 1, 3, 3, 2, 1});
}

TEST_CASE("bc_conv2d: finite differences through the shared harness") {
  for (const BcCase& c : bc_cases) {
    CAPTURE(bc_json(c).dump());
    auto bound = make_layer(bc_json(c), {c.c_in, c.h, c.w}, 2);
    auto* layer = dynamic_cast<BcConv2d*>(bound.layer.get());
    for (BcConvAlgorithm algorithm : algorithms_for(*layer)) {
      CAPTURE(algorithm_name(algorithm));
      layer->set_algorithm(algorithm);
      Tensor x = random_tensor(2, bound->input_shape(), 6);
      bcnn::testing::GradCheck options;
      options.max_checks = 40;
      bcnn::testing::check_gradients(bound, x, options);
    }
  }
}

TEST_CASE("bc_conv2d: batches of many sample groups, without dL/dx, and FFT plans made once") {
  // 16x16 outputs: groups of 2 samples (512 positions), so a batch of 41 makes 21 groups (the last
  // of one sample) in 16 tasks, some summing two groups' weight gradients before the tasks' sum.
  const json spec = {{"type", "bc_conv2d"}, {"filters", 10}, {"kernel", 3}, {"padding", 1}, {"block", 4}};
  auto bound = make_layer(spec, {6, 16, 16}, 3);
  auto* layer = dynamic_cast<BcConv2d*>(bound.layer.get());
  for (BcConvAlgorithm algorithm : algorithms_for(*layer)) {
    CAPTURE(algorithm_name(algorithm));
    layer->set_algorithm(algorithm);
    const auto dense = bc_conv2d_to_dense(bound.params[0], 3, 2, 3, 3, 4, 10, 6);
    Tensor x = random_tensor(41, {6, 16, 16}, 8), y, dx;
    bound->forward(x, y, {});
    const auto y_direct =
        bcnn::testing::direct_conv2d(x, dense, bcnn::testing::to_double(bound.params[1]), layer->geometry(), 10);
    CHECK(bcnn::testing::max_abs_diff(y, y_direct, y.size()) < 1e-4);
    Tensor dy = random_tensor(41, y.sample_shape(), 9);
    bound->backward(x, y, dy, &dx);
    const auto weight_grad = bound.grads[0];
    const auto bias_grad = bound.grads[1];
    std::vector<double> dx_direct, dw_direct;
    bcnn::testing::direct_conv2d_backward(x, dense, dy, layer->geometry(), 10, dx_direct, dw_direct);
    const auto dw_expect = project_to_circulant(dw_direct, 3, 2, 3, 3, 4, 10, 6);
    CHECK(bcnn::testing::max_abs_diff(weight_grad, dw_expect, dw_expect.size()) < 2e-3);
    CHECK(bcnn::testing::max_abs_diff(dx, dx_direct, dx.size()) < 1e-4);
    for (int o = 0; o < 10; ++o) {
      double sum = 0;
      for (int n = 0; n < 41; ++n)
        for (int i = 0; i < 256; ++i) sum += dy.sample(n)[o * 256 + i];
      CHECK(bias_grad[o] == doctest::Approx(sum).epsilon(1e-5));
    }

    // Without dL/dx (the lowest layer of a network): the same parameter gradients, bit for bit.
    const std::size_t plans = fft::plan_count();
    for (int i = 0; i < 3; ++i) {
      bound->forward(x, y, {});
      bound->backward(x, y, dy, nullptr);
      CHECK(std::memcmp(bound.grads[0].data(), weight_grad.data(), weight_grad.size() * sizeof(float)) == 0);
      CHECK(std::memcmp(bound.grads[1].data(), bias_grad.data(), bias_grad.size() * sizeof(float)) == 0);
    }
    CHECK(fft::plan_count() == plans);
  }
}

TEST_CASE("bc_conv2d: the same thread count gives bit-identical results") {
  const json spec = {{"type", "bc_conv2d"}, {"filters", 24}, {"kernel", 3}, {"padding", "same"}, {"block", 8}};
  auto bound = make_layer(spec, {16, 10, 10}, 4);
  auto* layer = dynamic_cast<BcConv2d*>(bound.layer.get());
  for (BcConvAlgorithm algorithm : algorithms_for(*layer)) {
    CAPTURE(algorithm_name(algorithm));
    layer->set_algorithm(algorithm);
    Tensor x = random_tensor(20, {16, 10, 10}, 5), y1, y2, dx1, dx2;
    Tensor dy = random_tensor(20, {24, 10, 10}, 6);
    bound->forward(x, y1, {});
    bound->backward(x, y1, dy, &dx1);
    const auto w1 = bound.grads[0];
    bound->forward(x, y2, {});
    bound->backward(x, y2, dy, &dx2);
    CHECK(std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(dx1.data(), dx2.data(), dx1.size() * sizeof(float)) == 0);
    CHECK(std::memcmp(w1.data(), bound.grads[0].data(), w1.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("bc_conv2d: the two algorithms agree, and the automatic choice") {
  const json spec = {{"type", "bc_conv2d"}, {"filters", 32}, {"kernel", 3}, {"padding", "same"}, {"block", 8}};
  auto bound = make_layer(spec, {24, 16, 16}, 7);
  auto* layer = dynamic_cast<BcConv2d*>(bound.layer.get());
  CHECK(layer->algorithm() == BcConvAlgorithm::direct);  // 16 x 16 maps: 18-wide rows waste 1/8
  Tensor x = random_tensor(5, {24, 16, 16}, 1), dy = random_tensor(5, {32, 16, 16}, 2);
  Tensor y[2], dx[2];
  AlignedVector<float> dw[2];
  const BcConvAlgorithm both[] = {BcConvAlgorithm::im2col, BcConvAlgorithm::direct};
  for (int a = 0; a < 2; ++a) {
    layer->set_algorithm(both[a]);
    bound->forward(x, y[a], {});
    bound->backward(x, y[a], dy, &dx[a]);
    dw[a] = bound.grads[0];
  }
  CHECK(bcnn::testing::max_abs_diff(y[1], y[0], y[0].size()) < 1e-4);
  CHECK(bcnn::testing::max_abs_diff(dx[1], dx[0], dx[0].size()) < 1e-4);
  CHECK(bcnn::testing::max_abs_diff(dw[1], dw[0], dw[0].size()) < 1e-3);

  // Stride 2, or a block without a vector FFT: im2col only, and asking for direct names the layer,
  // the requirement and what it found.
  auto strided = make_layer({{"type", "bc_conv2d"}, {"name", "conv7"}, {"filters", 8}, {"kernel", 3}, {"stride", 2},
                             {"padding", 1}, {"block", 4}},
                            {8, 16, 16});
  auto* s2 = dynamic_cast<BcConv2d*>(strided.layer.get());
  CHECK(s2->algorithm() == BcConvAlgorithm::im2col);
  CHECK_THROWS_WITH(s2->set_algorithm(BcConvAlgorithm::direct),
                    "bc_conv2d \"conv7\": the direct algorithm needs stride 1 and a block of 1, 2, 4, 8, 16 or 32, "
                    "found stride 2x2 and block 4");
  auto odd = make_layer({{"type", "bc_conv2d"}, {"filters", 6}, {"kernel", 3}, {"padding", 1}, {"block", 3}}, {6, 8, 8});
  CHECK(dynamic_cast<BcConv2d*>(odd.layer.get())->algorithm() == BcConvAlgorithm::im2col);
  // 2 x 2 maps with "same" padding: 4-wide padded rows would double the work, so im2col.
  auto tiny = make_layer(spec, {24, 2, 2});
  CHECK(dynamic_cast<BcConv2d*>(tiny.layer.get())->algorithm() == BcConvAlgorithm::im2col);
}

TEST_CASE("bc_conv2d: compression and cost at a VGG-like shape, and the layer table") {
  for (int k : {8, 16}) {
    CAPTURE(k);
    auto bound = make_layer({{"type", "bc_conv2d"}, {"filters", 128}, {"kernel", 3}, {"padding", "same"}, {"block", k}},
                            {128, 16, 16});
    const int p = 128 / k, q = 128 / k, bins = k / 2 + 1;
    LayerCost c = bound->cost();
    CHECK(c.params == std::int64_t(p) * q * 9 * k + 128);
    CHECK(c.dense_params == 128LL * 128 * 9 + 128);
    CHECK(c.dense_macs == 128LL * 128 * 9 * 256);
    CHECK(c.macs == (std::int64_t(q) * 256 + std::int64_t(p) * 256) * real_fft_macs(k) + 4LL * bins * p * q * 9 * 256);
    CHECK(double(c.dense_params - 128) / (c.params - 128) == k);  // weights k times fewer
    CHECK(c.macs < c.dense_macs / 3);
  }
  json net_json = {
      {"format", "bcnn-network"},
      {"version", 1},
      {"input", {3, 16, 16}},
      {"layers",
       {{{"type", "conv2d"}, {"name", "conv1"}, {"filters", 128}, {"kernel", 3}, {"padding", 1}},
        {{"type", "bc_conv2d"}, {"name", "conv2"}, {"filters", 128}, {"kernel", 3}, {"padding", 1}, {"block", 16}},
        {{"type", "global_avgpool"}},
        {{"type", "dense"}, {"units", 10}}}}};
  auto net = Network::build(net_json, "vgg.json");
  const std::string table = net->layer_table();
  CAPTURE(table);
  auto line_of = [&](const std::string& name) {
    const auto begin = table.find("\n" + name + " ");
    REQUIRE(begin != std::string::npos);
    return table.substr(begin + 1, table.find('\n', begin + 1) - begin - 1);
  };
  const std::string bc_line = line_of("conv2");
  for (const char* token : {"bc_conv2d", "(128, 16, 16)", "9,344", " 16 ", "15.8x"})
    CHECK(bc_line.find(token) != std::string::npos);
  CHECK(line_of("conv1").find("3,584") != std::string::npos);
}

TEST_CASE("bc_conv2d: configuration errors and the resolved configuration") {
  auto bound = make_layer({{"type", "bc_conv2d"}, {"filters", 6}, {"kernel", {1, 3}}, {"block", 4}}, {5, 4, 4});
  CHECK(bound->config() ==
        json({{"filters", 6}, {"kernel", {1, 3}}, {"stride", {1, 1}}, {"padding", 0}, {"block", 4}, {"init", "he"}}));
  json net = {{"format", "bcnn-network"},
              {"version", 1},
              {"input", {3, 8, 8}},
              {"layers", {{{"type", "bc_conv2d"}, {"name", "bc"}, {"filters", 4}, {"kernel", 3}, {"block", 0}}}}};
  std::string m = bcnn::testing::error_message([&] { Network::build(net, "net.json"); });
  CHECK(m == "net.json: /layers/0/block: layer \"bc\": expected an integer in [1, 4096], found number 0");
  net["layers"][0].erase("block");
  m = bcnn::testing::error_message([&] { Network::build(net, "net.json"); });
  CHECK(m ==
        "net.json: /layers/0/block: layer \"bc\": expected an integer in [1, 4096] (this key is required), found "
        "nothing");
}

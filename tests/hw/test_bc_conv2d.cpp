// bc_conv2d in hardware against the float layer: a real BcConv2d (random weights, channels not
// multiples of the block) quantized by its hardware kind from calibration ranges, then emulated;
// the fixed-point output must be close to the float forward, and the emulator's two accumulation
// paths (plain int64 when the accumulator is exact, the general per-+= conversion otherwise) must
// give the same bits. The kernel itself is compared with the emulation in test_hw_layers.cpp.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "harness.h"
#include "hw/bc_conv2d.h"
#include "hw/fixed_format.h"
#include "hw/registry.h"
#include "io/model_file.h"
#include "layers/bc_conv2d.h"
#include "net/network.h"
#include "quant/emulator.h"
#include "quant/quantize.h"

namespace {

using nlohmann::json;

struct Quantized {
  std::unique_ptr<bcnn::Network> net;
  bcnn::Tensor x, y;  // float input and output
  bcnn::QuantLayer q;
};

// One bc_conv2d layer on a (C, H, W) input, its float forward on `batch` random images, and its
// quantization from the observed ranges with `overrides` ("layer.field" -> format).
Quantized quantize_layer(const json& layer, const std::vector<int>& input, int batch,
                         std::map<std::string, bcnn::FixedFormat> overrides = {}) {
  Quantized r;
  const json description = {{"format", "bcnn-network"}, {"version", 1}, {"input", input}, {"layers", {layer}}};
  r.net = bcnn::Network::build(description, "bc-conv2d.json");
  r.net->init_params(11);
  const bcnn::Layer& float_layer = *r.net->layers()[0];
  r.x = bcnn::testing::random_tensor(batch, {input[0], input[1], input[2]}, 5);
  r.y = r.net->forward(r.x, {});

  bcnn::Calibration calibration;
  bcnn::LayerRange range;
  range.input_min = *std::min_element(r.x.span().begin(), r.x.span().end());
  range.input_max = *std::max_element(r.x.span().begin(), r.x.span().end());
  range.output_min = *std::min_element(r.y.span().begin(), r.y.span().end());
  range.output_max = *std::max_element(r.y.span().begin(), r.y.span().end());
  calibration.layers[float_layer.name()] = range;
  bcnn::QuantOptions options;
  bcnn::hw::QuantContext ctx(options, calibration, nullptr);
  ctx.set_overrides(std::move(overrides));

  const bcnn::hw::HwLayer& kind = *bcnn::hw::find_hw_layer("bc_conv2d");
  bcnn::QuantLayer& q = r.q;
  q.type = "bc_conv2d";
  q.name = float_layer.name();
  q.in_shape = {input[0], input[1], input[2]};
  const bcnn::Shape out = float_layer.output_shape();
  q.out_shape = {static_cast<int>(out[0]), static_cast<int>(out[1]), static_cast<int>(out[2])};
  q.n_in = input[0] * input[1] * input[2];
  q.n_out = q.out_shape[0] * q.out_shape[1] * q.out_shape[2];
  q.in_pixels = q.out_pixels = true;
  q.in = bcnn::hw::data_format(16, bcnn::integer_bits_for_range(range.input_min, range.input_max, 16));
  kind.check_supported(float_layer, ctx);
  kind.quantize(float_layer, q, ctx, "network input", std::nullopt);
  kind.check_widths(q, ctx);
  kind.validate(q);
  return r;
}

std::vector<std::int64_t> raw_sample(const Quantized& r, int b) {
  std::vector<std::int64_t> raw(r.q.n_in);
  for (int i = 0; i < r.q.n_in; ++i) raw[i] = bcnn_hls::from_double(r.x.sample(b)[i], r.q.in);
  return raw;
}

}  // namespace

TEST_CASE("bc_conv2d hardware: the emulation of a quantized float layer is close to its float forward") {
  const bcnn::hw::HwBcConv2d kind;
  // "same" 3x3 stride 1 (the float layer's direct algorithm), and stride 2 with padding 1
  // (im2col); channels not multiples of the block.
  const std::vector<std::pair<json, std::vector<int>>> cases = {
      {{{"type", "bc_conv2d"}, {"name", "conv"}, {"filters", 13}, {"kernel", 3}, {"padding", "same"}, {"block", 8}},
       {12, 9, 8}},
      {{{"type", "bc_conv2d"}, {"name", "conv"}, {"filters", 10}, {"kernel", 3}, {"stride", 2}, {"padding", 1},
        {"block", 4}},
       {7, 8, 9}}};
  for (const auto& [layer, input] : cases) {
    CAPTURE(layer.dump());
    const Quantized r = quantize_layer(layer, input, 3);
    CHECK(bcnn::hw::HwBcConv2d::accumulator_is_exact(r.q));  // the quantizer's acc is exact
    for (int b = 0; b < 3; ++b) {
      const std::vector<std::int64_t> in = raw_sample(r, b);
      const std::vector<std::int64_t> fast = kind.emulate_with(r.q, in, bcnn::hw::BcConv2dAccumulation::fast);
      const std::vector<std::int64_t> general = kind.emulate_with(r.q, in, bcnn::hw::BcConv2dAccumulation::general);
      CHECK(fast == general);
      CHECK(kind.emulate(r.q, in) == fast);
      double error = 0, norm = 0;
      for (int i = 0; i < r.q.n_out; ++i) {
        const double value = std::ldexp(static_cast<double>(fast[i]), -r.q.out.fraction_bits());
        const double expected = r.y.sample(b)[i];
        error += (value - expected) * (value - expected);
        norm += expected * expected;
      }
      CAPTURE(std::sqrt(error / norm));
      CHECK(norm > 0);
      CHECK(std::sqrt(error / norm) < 2e-3);
    }
  }
}

TEST_CASE("bc_conv2d hardware: a narrow accumulator takes the general path, and the fast path refuses it") {
  const bcnn::hw::HwBcConv2d kind;
  const json layer = {{"type", "bc_conv2d"}, {"name", "conv"}, {"filters", 6}, {"kernel", 3}, {"padding", 1},
                      {"block", 4}};
  const bcnn::FixedFormat narrow{12, 2, bcnn_hls::quant_mode::rnd, bcnn_hls::overflow_mode::sat};
  const Quantized wide = quantize_layer(layer, {5, 6, 6}, 1);
  const Quantized r = quantize_layer(layer, {5, 6, 6}, 1, {{"conv.acc", narrow}});
  CHECK(r.q.out == wide.q.out);
  CHECK_FALSE(bcnn::hw::HwBcConv2d::accumulator_is_exact(r.q));
  const std::vector<std::int64_t> in = raw_sample(r, 0);
  CHECK_THROWS_WITH(kind.emulate_with(r.q, in, bcnn::hw::BcConv2dAccumulation::fast),
                    doctest::Contains("exact accumulator"));
  const std::vector<std::int64_t> general = kind.emulate(r.q, in);
  CHECK(general == kind.emulate_with(r.q, in, bcnn::hw::BcConv2dAccumulation::general));
  // Rounding and saturating every += changes the result.
  CHECK(general != kind.emulate(wide.q, in));
}

TEST_CASE("bc_conv2d hardware: an unsupported block is refused naming the layer") {
  const json description = {{"format", "bcnn-network"},
                            {"version", 1},
                            {"input", {6, 5, 5}},
                            {"layers", {{{"type", "bc_conv2d"}, {"name", "conv7"}, {"filters", 6}, {"kernel", 3},
                                         {"block", 2}}}}};
  auto net = bcnn::Network::build(description, "bc-conv2d.json");
  bcnn::Calibration calibration;
  bcnn::QuantOptions options;
  options.model_path = "model.h5";
  bcnn::hw::QuantContext ctx(options, calibration, nullptr);
  CHECK_THROWS_WITH(bcnn::hw::find_hw_layer("bc_conv2d")->check_supported(*net->layers()[0], ctx),
                    doctest::Contains("unsupported layer conv7 (bc_conv2d with block 2)"));
}

TEST_CASE("bc_conv2d hardware: quantize_model streams it into relu, flatten and dense, and the emulator runs it") {
  // A model in memory: bc_conv2d -> relu -> flatten -> dense, calibrated on its own forward.
  const json description = {
      {"format", "bcnn-network"},
      {"version", 1},
      {"input", {5, 8, 7}},
      {"layers",
       {{{"type", "bc_conv2d"}, {"name", "conv"}, {"filters", 6}, {"kernel", 3}, {"padding", "same"}, {"block", 4}},
        {{"type", "relu"}, {"name", "relu"}},
        {{"type", "flatten"}, {"name", "flatten"}},
        {{"type", "dense"}, {"name", "fc"}, {"units", 10}}}}};
  bcnn::LoadedModel model;
  model.network = bcnn::Network::build(description, "bc-conv2d.json");
  bcnn::Network& net = *model.network;
  net.init_params(17);
  const int batch = 8;
  const bcnn::Tensor x = bcnn::testing::random_tensor(batch, {5, 8, 7}, 21);
  const bcnn::Tensor logits = net.forward(x, {});
  auto span_range = [](const bcnn::Tensor& t) {
    return std::pair{static_cast<double>(*std::min_element(t.span().begin(), t.span().end())),
                     static_cast<double>(*std::max_element(t.span().begin(), t.span().end()))};
  };
  for (std::size_t i = 0; i < net.layers().size(); ++i) {
    const auto [in_min, in_max] = span_range(i == 0 ? x : net.output(static_cast<int>(i) - 1));
    const auto [out_min, out_max] = span_range(net.output(static_cast<int>(i)));
    model.calibration.layers[net.layers()[i]->name()] = {in_min, in_max, out_min, out_max};
  }
  model.calibration.images = batch;
  bcnn::QuantOptions options;
  const bcnn::QuantizedModel q = bcnn::quantize_model(model, options);
  REQUIRE(q.layers.size() == 4);
  CHECK(q.layers[0].type == "bc_conv2d");
  CHECK(q.layers[0].in_pixels);
  CHECK(q.layers[0].out_pixels);
  CHECK(q.layers[1].in_pixels);  // relu on the pixel stream
  CHECK(q.layers[2].type == "flatten");
  CHECK(q.layers[2].in_pixels);
  CHECK_FALSE(q.layers[3].in_pixels);

  const bcnn::FixedEmulator emulator(q);
  std::vector<std::int64_t> raw(10);
  double error = 0, norm = 0;
  for (int b = 0; b < batch; ++b) {
    emulator.run(x.sample(b), raw.data());
    for (int i = 0; i < 10; ++i) {
      const double value = std::ldexp(static_cast<double>(raw[i]), -q.layers.back().out.fraction_bits());
      error += (value - logits.sample(b)[i]) * (value - logits.sample(b)[i]);
      norm += logits.sample(b)[i] * logits.sample(b)[i];
    }
  }
  CAPTURE(std::sqrt(error / norm));
  CHECK(std::sqrt(error / norm) < 1e-2);
}

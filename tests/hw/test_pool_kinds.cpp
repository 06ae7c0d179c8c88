// The pooling and batchnorm kinds on real float layers: a small network (maxpool2d, batchnorm on a
// pixel stream, avgpool2d, global_avgpool, dense, batchnorm on an array) quantized by
// quantize_model from its calibration, whose fixed-point emulation must follow the float network
// layer by layer within the rounding its formats allow. The bit-exactness against the bcnn_hls
// kernels is tests/hw/test_hw_layers.cpp's.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/random.h"
#include "core/tensor.h"
#include "hw/avgpool2d.h"
#include "hw/registry.h"
#include "hw/batchnorm.h"
#include "hw/global_avgpool.h"
#include "hw/maxpool2d.h"
#include "io/model_file.h"
#include "net/network.h"
#include "quant/emulator.h"
#include "quant/quantize.h"

namespace {

using nlohmann::json;

json pool_network() {
  return {{"format", "bcnn-network"},
          {"version", 1},
          {"input", {3, 11, 9}},
          {"layers",
           {{{"type", "maxpool2d"}, {"name", "pool1"}, {"size", 3}, {"stride", 2}},  // 3 x 5 x 4
            {{"type", "batchnorm"}, {"name", "bn1"}},
            {{"type", "avgpool2d"}, {"name", "pool2"}, {"size", {2, 3}}, {"stride", 1}},  // 3 x 4 x 2
            {{"type", "global_avgpool"}, {"name", "gap"}},                                // 3
            {{"type", "dense"}, {"name", "fc1"}, {"units", 6}},
            {{"type", "batchnorm"}, {"name", "bn2"}},
            {{"type", "relu"}, {"name", "relu1"}},
            {{"type", "dense"}, {"name", "fc2"}, {"units", 4}}}}};
}

// Running statistics as training leaves them (not the identity of a fresh layer).
void randomize_batchnorm(bcnn::Layer& layer, bcnn::Rng& rng) {
  auto uniform = [&](double lo, double hi) { return static_cast<float>(lo + (hi - lo) * rng.uniform_double()); };
  for (float& v : layer.param(0)) v = uniform(0.5, 1.5);   // gamma
  for (float& v : layer.param(1)) v = uniform(-0.5, 0.5);  // beta
  for (float& v : layer.param(2)) v = uniform(-0.3, 0.3);  // running_mean
  for (float& v : layer.param(3)) v = uniform(0.3, 2.0);   // running_var
}

bcnn::QuantLayer named_layer(const std::string& type, const std::string& name) {
  bcnn::QuantLayer q;
  q.type = type;
  q.name = name;
  return q;
}

}  // namespace

TEST_CASE("pool kinds: a quantized network of pools and batchnorms follows its float network") {
  bcnn::LoadedModel model;
  model.network = bcnn::Network::build(pool_network(), "pool test network");
  bcnn::Network& net = *model.network;
  net.init_params(11);
  bcnn::Rng rng(5);
  randomize_batchnorm(*net.find_layer("bn1"), rng);
  randomize_batchnorm(*net.find_layer("bn2"), rng);

  const int images = 40;
  bcnn::Tensor x(images, net.input_shape());
  for (std::size_t i = 0; i < static_cast<std::size_t>(images) * 3 * 11 * 9; ++i)
    x.data()[i] = static_cast<float>(2 * rng.uniform_double() - 1);
  net.forward(x, bcnn::ForwardContext{});

  // The calibration: every layer's input and output range over the images.
  const int n_layers = static_cast<int>(net.layers().size());
  std::vector<std::vector<float>> outputs(n_layers);  // copies: forward() reuses its tensors
  model.calibration.images = images;
  for (int l = 0; l < n_layers; ++l) {
    const bcnn::Tensor& y = net.output(l);
    const std::size_t size = static_cast<std::size_t>(images) * y.sample_size();
    outputs[l].assign(y.data(), y.data() + size);
    const auto [lo, hi] = std::minmax_element(outputs[l].begin(), outputs[l].end());
    bcnn::LayerRange& range = model.calibration.layers[net.layers()[l]->name()];
    range.output_min = *lo;
    range.output_max = *hi;
    const std::vector<float>& input = l == 0 ? std::vector<float>(x.data(), x.data() + images * 297) : outputs[l - 1];
    const auto [in_lo, in_hi] = std::minmax_element(input.begin(), input.end());
    range.input_min = *in_lo;
    range.input_max = *in_hi;
  }

  bcnn::QuantOptions options;
  options.data_width = 16;
  options.weight_width = 18;
  const bcnn::QuantizedModel q = bcnn::quantize_model(model, options);
  REQUIRE(q.layers.size() == net.layers().size());  // nothing folded, nothing inserted

  std::map<std::string, const bcnn::QuantLayer*> by_name;
  for (const auto& l : q.layers) by_name[l.name] = &l;
  const bcnn::QuantLayer& pool1 = *by_name.at("pool1");
  const bcnn::QuantLayer& bn1 = *by_name.at("bn1");
  const bcnn::QuantLayer& pool2 = *by_name.at("pool2");
  const bcnn::QuantLayer& gap = *by_name.at("gap");
  const bcnn::QuantLayer& bn2 = *by_name.at("bn2");
  // Ports: the pixel stream runs from the input through global_avgpool, which writes an array.
  CHECK(pool1.in_pixels);
  CHECK(pool1.out_pixels);
  CHECK(bn1.in_pixels);
  CHECK(bn1.out_pixels);
  CHECK(pool2.out_pixels);
  CHECK(gap.in_pixels);
  CHECK_FALSE(gap.out_pixels);
  CHECK(gap.out_shape == std::vector<int>{3});
  CHECK_FALSE(bn2.in_pixels);
  CHECK(bn2.in_shape == std::vector<int>{6});
  // Formats: a maximum keeps its input's format; sums are exact; 1/4 is exact, 1/6 and 1/8 too
  // close to round trip in 18 bits.
  CHECK(pool1.out == pool1.in);
  CHECK(bcnn::hw::params_of<bcnn::hw::MaxPool2dParams>(pool1).window.kernel_h == 3);
  const auto& avg = bcnn::hw::params_of<bcnn::hw::AvgPool2dParams>(pool2);
  CHECK(avg.window.kernel_h == 2);
  CHECK(avg.window.kernel_w == 3);
  CHECK(avg.window.stride_w == 1);
  CHECK(avg.acc.fraction_bits() == pool2.in.fraction_bits());
  CHECK(avg.scale.width == 18);
  CHECK(std::abs(bcnn_hls::to_double(avg.scale_raw, avg.scale) - 1.0 / 6) < std::ldexp(1.0, -17));
  const auto& g = bcnn::hw::params_of<bcnn::hw::GlobalAvgPoolParams>(gap);
  CHECK(bcnn_hls::to_double(g.scale_raw, g.scale) == 1.0 / 8);  // 4 x 2 pixels: exact
  CHECK(g.acc.fraction_bits() == gap.in.fraction_bits());
  const auto& bn = bcnn::hw::params_of<bcnn::hw::BatchNormParams>(bn2);
  CHECK(bn.scale_raw.size() == 6);
  CHECK(bn.scale.width == 18);

  // Layer by layer, the emulation stays within a few output steps (plus the input's own
  // rounding carried through) of the float network.
  const bcnn::FixedEmulator emulator(q);
  double worst_logit_error = 0;
  for (int image = 0; image < images; ++image) {
    const auto trace = emulator.trace(x.sample(image));
    REQUIRE(trace.size() == q.layers.size());
    for (int l = 0; l < n_layers; ++l) {
      const bcnn::QuantLayer& ql = q.layers[l];
      CAPTURE(ql.name);
      REQUIRE(trace[l].size() == static_cast<std::size_t>(ql.n_out));
      const float* expected = outputs[l].data() + static_cast<std::size_t>(image) * ql.n_out;
      const bcnn::LayerRange& range = model.calibration.layers.at(ql.name);
      const double span = std::max(std::abs(range.output_min), std::abs(range.output_max));
      for (int i = 0; i < ql.n_out; ++i) {
        const double error = std::abs(bcnn_hls::to_double(trace[l][i], ql.out) - expected[i]);
        CHECK_MESSAGE(error <= 0.01 * span + std::ldexp(1.0, -ql.out.fraction_bits()), i);
        if (l + 1 == n_layers) worst_logit_error = std::max(worst_logit_error, error);
      }
    }
  }
  CHECK(worst_logit_error > 0);  // fixed point is not float: the comparison compares something
}

TEST_CASE("pool kinds: validate() refuses what the kernels cannot compute, naming the layer") {
  const bcnn::FixedFormat f{8, 3, bcnn_hls::quant_mode::rnd, bcnn_hls::overflow_mode::sat};
  auto message = [](const bcnn::hw::HwLayer& kind, const bcnn::QuantLayer& q) {
    try {
      kind.validate(q);
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  auto contains = [](const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; };
  const bcnn::hw::HwLayer& maxpool = *bcnn::hw::find_hw_layer("maxpool2d");
  const bcnn::hw::HwLayer& avgpool = *bcnn::hw::find_hw_layer("avgpool2d");
  const bcnn::hw::HwLayer& gap = *bcnn::hw::find_hw_layer("global_avgpool");
  const bcnn::hw::HwLayer& batchnorm = *bcnn::hw::find_hw_layer("batchnorm");

  bcnn::QuantLayer pool = named_layer("maxpool2d", "p");
  pool.in = pool.out = f;
  pool.in_shape = {2, 7, 5};
  pool.out_shape = {2, 3, 2};
  pool.n_in = 70;
  pool.n_out = 12;
  pool.params.emplace<bcnn::hw::MaxPool2dParams>().window = {2, 2, 2, 2};
  CHECK(message(maxpool, pool).empty());
  pool.out_shape = {2, 3, 3};
  pool.n_out = 18;
  CHECK(contains(message(maxpool, pool), "layer 'p': expected the output shape (2, 3, 2) of the window 2 x 2 / 2 x 2"));
  pool.params = std::any();
  CHECK(contains(message(maxpool, pool), "parameters are missing"));

  pool.type = std::string("avgpool2d");
  pool.out_shape = {2, 3, 2};
  pool.n_out = 12;
  auto& avg = pool.params.emplace<bcnn::hw::AvgPool2dParams>();
  avg.window = {2, 2, 2, 2};
  avg.acc = {10, 5, bcnn_hls::quant_mode::trn, bcnn_hls::overflow_mode::wrap};
  avg.scale = {8, 1, bcnn_hls::quant_mode::rnd, bcnn_hls::overflow_mode::sat};
  avg.scale_raw = 32;
  CHECK(message(avgpool, pool).empty());
  avg.scale_raw = 200;
  CHECK(contains(message(avgpool, pool), "scale[0] = 200 does not fit"));
  avg.scale_raw = 32;
  avg.acc = {60, 5, bcnn_hls::quant_mode::trn, bcnn_hls::overflow_mode::wrap};
  CHECK(contains(message(avgpool, pool), "the product acc * scale needs 68 bits"));

  bcnn::QuantLayer g = pool;
  g.type = std::string("global_avgpool");
  g.out_shape = {2, 1, 1};  // the float layer writes (C), not (C, 1, 1)
  g.n_out = 2;
  auto& gp = g.params.emplace<bcnn::hw::GlobalAvgPoolParams>();
  gp.acc = {14, 9, bcnn_hls::quant_mode::trn, bcnn_hls::overflow_mode::wrap};
  gp.scale = {12, 1, bcnn_hls::quant_mode::rnd, bcnn_hls::overflow_mode::sat};
  gp.scale_raw = 60;
  CHECK(contains(message(gap, g), "expected the output shape (C)"));
  g.out_shape = {2};
  CHECK(message(gap, g).empty());

  bcnn::QuantLayer bn = named_layer("batchnorm", "bn");
  bn.in = bn.out = f;
  bn.in_shape = bn.out_shape = {3, 2, 2};
  bn.n_in = bn.n_out = 12;
  auto& b = bn.params.emplace<bcnn::hw::BatchNormParams>();
  b.scale = b.shift = f;
  b.scale_raw = {1, 2, 3};
  b.shift_raw = {4, 5, 6};
  CHECK(message(batchnorm, bn).empty());
  b.shift_raw.pop_back();
  CHECK(contains(message(batchnorm, bn), "shift has 2 values, expected 3"));
  b.shift_raw.push_back(6);
  bn.in_shape = {5};
  CHECK(contains(message(batchnorm, bn), "must be a positive multiple of the channel count 5"));
}

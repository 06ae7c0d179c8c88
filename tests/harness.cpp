#include "harness.h"

#include <algorithm>
#include <cmath>

#include "layers/registry.h"
#include "net/json_reader.h"

namespace bcnn::testing {

BoundLayer make_layer(const nlohmann::json& spec, const Shape& input, std::uint64_t seed) {
  JsonObject object(spec, "test", "/layers/0");
  std::string type = object.get_string("type");
  std::string name = object.get_string("name", type);
  LayerFactory make = find_layer_factory(type);
  REQUIRE(static_cast<bool>(make));
  BoundLayer bound;
  bound.layer = make(object, name, input);
  object.reject_unknown_keys();
  std::vector<std::span<float>> p, g;
  for (const auto& s : bound.layer->param_specs()) {
    bound.params.emplace_back(static_cast<std::size_t>(shape_size(s.shape)), 0.0f);
    bound.grads.emplace_back(static_cast<std::size_t>(shape_size(s.shape)), 0.0f);
  }
  for (std::size_t i = 0; i < bound.params.size(); ++i) {
    p.emplace_back(bound.params[i].data(), bound.params[i].size());
    g.emplace_back(bound.grads[i].data(), bound.grads[i].size());
  }
  bound.layer->bind(p, g);
  Rng rng(seed, Stream::init);
  bound.layer->init_params(rng);
  auto specs = bound.layer->param_specs();
  for (std::size_t i = 0; i < specs.size(); ++i)
    if (!specs[i].decay && specs[i].trainable)
      for (float& v : bound.params[i]) v = 0.2f * (2.0f * rng.uniform() - 1.0f);
  return bound;
}

Tensor random_tensor(int batch, const Shape& shape, std::uint64_t seed) {
  Tensor t(batch, shape);
  Rng rng(seed, Stream::augment);
  for (std::size_t i = 0; i < t.size(); ++i) t[i] = 2.0f * rng.uniform() - 1.0f;
  return t;
}

namespace {

double weighted_sum(const Tensor& y, const Tensor& r) {
  double s = 0.0;
  for (std::size_t i = 0; i < y.size(); ++i) s += static_cast<double>(y[i]) * r[i];
  return s;
}

std::vector<std::size_t> sample_indices(std::size_t n, int max_checks, std::uint64_t seed) {
  std::vector<std::size_t> idx;
  if (n <= static_cast<std::size_t>(max_checks)) {
    for (std::size_t i = 0; i < n; ++i) idx.push_back(i);
  } else {
    Rng rng(seed, Stream::split);
    for (int i = 0; i < max_checks; ++i) idx.push_back(rng.below(n));
  }
  return idx;
}

}  // namespace

double check_gradients(BoundLayer& bound, const Tensor& x_in, const GradCheck& options) {
  Layer& layer = *bound.layer;
  Tensor x = x_in, y, dx;
  layer.forward(x, y, options.context);
  Tensor r = random_tensor(y.batch(), y.sample_shape(), 99);
  layer.backward(x, y, r, &dx);
  std::vector<AlignedVector<float>> analytic = bound.grads;

  double worst = 0.0;
  auto loss_at = [&]() {
    Tensor y2;
    layer.forward(x, y2, options.context);
    return weighted_sum(y2, r);
  };
  auto check_one = [&](float& value, double analytic_value, const char* what, std::size_t i) {
    if (options.kink > 0.0 && std::fabs(value) < options.kink) return;
    const float saved = value;
    value = static_cast<float>(saved + options.step);
    double up = loss_at();
    value = static_cast<float>(saved - options.step);
    double down = loss_at();
    value = saved;
    double numeric = (up - down) / (2.0 * options.step);
    double scale = std::max({1.0, std::fabs(numeric), std::fabs(analytic_value)});
    double error = std::fabs(numeric - analytic_value) / scale;
    worst = std::max(worst, error);
    if (error > options.tolerance) {
      INFO(layer.type() << " d/d" << what << "[" << i << "]: numeric " << numeric << ", analytic " << analytic_value);
      CHECK(error <= options.tolerance);
    }
  };
  for (std::size_t i : sample_indices(x.size(), options.max_checks, 1)) check_one(x[i], dx[i], "x", i);
  auto specs = layer.param_specs();
  for (std::size_t p = 0; p < bound.params.size(); ++p) {
    if (!specs[p].trainable) {
      // Layer state, not a parameter: its gradient must stay zero (the output may still depend
      // on it, as batchnorm's does on its running statistics in evaluation).
      for (std::size_t i = 0; i < analytic[p].size(); ++i)
        if (analytic[p][i] != 0.0f) {
          INFO(layer.type() << " gradient of non-trainable " << specs[p].name << "[" << i << "] = " << analytic[p][i]);
          CHECK(analytic[p][i] == 0.0f);
          break;
        }
      continue;
    }
    for (std::size_t i : sample_indices(bound.params[p].size(), options.max_checks, 2 + p))
      check_one(bound.params[p][i], analytic[p][i], specs[p].name.c_str(), i);
  }
  return worst;
}

}  // namespace bcnn::testing

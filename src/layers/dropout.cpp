#include "layers/dropout.h"

#include <algorithm>

namespace bcnn {

Dropout::Dropout(std::string name, Shape input_shape, double rate)
    : Layer(std::move(name), std::move(input_shape)), rate_(rate) {}

void Dropout::forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) {
  y.resize(x.batch(), x.sample_shape());
  training_ = ctx.training && rate_ > 0.0;
  if (!training_) {
    std::copy(x.data(), x.data() + x.size(), y.data());
    return;
  }
  mask_.resize(x.batch(), x.sample_shape());
  const float keep_scale = static_cast<float>(1.0 / (1.0 - rate_));
  const float threshold = static_cast<float>(rate_);
  const std::uint64_t key = hash_combine(hash_combine(ctx.seed, static_cast<std::uint64_t>(Stream::dropout)),
                                         hash_combine(ctx.step, static_cast<std::uint64_t>(index())));
  const std::int64_t per_sample = x.sample_size();
#pragma omp parallel for schedule(static) if (parallel : x.size() > (1u << 16))
  for (int b = 0; b < x.batch(); ++b) {
    // The values of Rng(hash_combine(key, b)) in order, drawn by index so that the loop vectorizes.
    const std::uint64_t sample_key = hash_combine(key, ctx.first_sample + static_cast<std::uint64_t>(b));
    float* m = mask_.sample(b);
    const float* in = x.sample(b);
    float* out = y.sample(b);
#pragma omp simd
    for (std::int64_t i = 0; i < per_sample; ++i) {
      m[i] = Rng::nth_uniform(sample_key, static_cast<std::uint64_t>(i)) < threshold ? 0.0f : keep_scale;
      out[i] = in[i] * m[i];
    }
  }
}

void Dropout::backward(const Tensor&, const Tensor&, const Tensor& dy, Tensor* dx) {
  if (!dx) return;
  dx->resize(dy.batch(), dy.sample_shape());
  if (!training_) {
    std::copy(dy.data(), dy.data() + dy.size(), dx->data());
    return;
  }
  const float* g = dy.data();
  const float* m = mask_.data();
  float* out = dx->data();
  const std::size_t n = dy.size();
#pragma omp parallel for simd schedule(static) if (parallel : n > (1u << 16))
  for (std::size_t i = 0; i < n; ++i) out[i] = g[i] * m[i];
}

std::unique_ptr<Layer> Dropout::from_json(JsonObject& spec, std::string name, const Shape& input) {
  double rate = spec.get_number("rate", 0.5, 0.0, 0.99);
  return std::make_unique<Dropout>(std::move(name), input, rate);
}

}  // namespace bcnn

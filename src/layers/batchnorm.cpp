#include "layers/batchnorm.h"

#include <omp.h>

#include <cmath>

#include "core/error.h"

namespace bcnn {

BatchNorm::BatchNorm(std::string name, Shape input_shape, double momentum, double eps)
    : Layer(std::move(name), std::move(input_shape)), momentum_(momentum), eps_(eps) {
  channels_ = this->input_shape()[0];
  spatial_ = static_cast<int>(shape_size(this->input_shape()) / channels_);
}

std::vector<ParamSpec> BatchNorm::param_specs() const {
  return {{"gamma", {channels_}, false, true},
          {"beta", {channels_}, false, true},
          {"running_mean", {channels_}, false, false},
          {"running_var", {channels_}, false, false}};
}

LayerCost BatchNorm::cost() const {
  // At inference the layer folds into one multiply-add per value.
  const std::int64_t macs = static_cast<std::int64_t>(channels_) * spatial_;
  return {2LL * channels_, 2LL * channels_, macs, macs};
}

void BatchNorm::init_params(Rng&) {
  std::fill(param(0).begin(), param(0).end(), 1.0f);
  std::fill(param(1).begin(), param(1).end(), 0.0f);
  std::fill(param(2).begin(), param(2).end(), 0.0f);
  std::fill(param(3).begin(), param(3).end(), 1.0f);
}

void BatchNorm::forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) {
  const int B = x.batch(), C = channels_, S = spatial_;
  const std::int64_t M = static_cast<std::int64_t>(B) * S;
  if (ctx.training && M < 2)
    throw Error("layer \"" + name() +
                "\" (batchnorm): expected at least 2 values per channel to normalize over in "
                "training, found a batch of " +
                std::to_string(B) + " sample(s) of shape " + shape_string(input_shape()));
  training_ = ctx.training;
  mean_.resize(C);
  inv_std_.resize(C);
  y.resize(B, input_shape());
  const float* gamma = param(0).data();
  const float* beta = param(1).data();
  float* running_mean = param(2).data();
  float* running_var = param(3).data();
  const std::ptrdiff_t sample = static_cast<std::ptrdiff_t>(C) * S;
  // One channel per iteration, its values summed in (sample, position) order: the statistics do
  // not depend on the thread count.
#pragma omp parallel for schedule(static) if (parallel : M * C > (1L << 15))
  for (int c = 0; c < C; ++c) {
    double mean, inv_std;
    if (ctx.training) {
      double sum = 0.0;
      for (int n = 0; n < B; ++n) {
        const float* v = x.data() + n * sample + static_cast<std::ptrdiff_t>(c) * S;
        for (int s = 0; s < S; ++s) sum += v[s];
      }
      mean = sum / static_cast<double>(M);
      double squares = 0.0;  // two passes: no cancellation when |mean| >> std
      for (int n = 0; n < B; ++n) {
        const float* v = x.data() + n * sample + static_cast<std::ptrdiff_t>(c) * S;
        for (int s = 0; s < S; ++s) squares += (v[s] - mean) * (v[s] - mean);
      }
      const double var = squares / static_cast<double>(M);
      inv_std = 1.0 / std::sqrt(var + eps_);
      const double unbiased = squares / static_cast<double>(M - 1);
      running_mean[c] = static_cast<float>((1.0 - momentum_) * running_mean[c] + momentum_ * mean);
      running_var[c] = static_cast<float>((1.0 - momentum_) * running_var[c] + momentum_ * unbiased);
    } else {
      mean = running_mean[c];
      inv_std = 1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps_);
    }
    mean_[c] = static_cast<float>(mean);
    inv_std_[c] = static_cast<float>(inv_std);
    const float scale = static_cast<float>(gamma[c] * inv_std);
    const float shift = static_cast<float>(beta[c] - mean * gamma[c] * inv_std);
    for (int n = 0; n < B; ++n) {
      const float* v = x.data() + n * sample + static_cast<std::ptrdiff_t>(c) * S;
      float* out = y.data() + n * sample + static_cast<std::ptrdiff_t>(c) * S;
      for (int s = 0; s < S; ++s) out[s] = v[s] * scale + shift;
    }
  }
}

void BatchNorm::backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx) {
  const int B = dy.batch(), C = channels_, S = spatial_;
  const std::int64_t M = static_cast<std::int64_t>(B) * S;
  const std::ptrdiff_t sample = static_cast<std::ptrdiff_t>(C) * S;
  const float* gamma = param(0).data();
  float* gamma_grad = grad(0).data();
  float* beta_grad = grad(1).data();
  std::fill(grad(2).begin(), grad(2).end(), 0.0f);
  std::fill(grad(3).begin(), grad(3).end(), 0.0f);
  if (dx) dx->resize(B, input_shape());
#pragma omp parallel for schedule(static) if (parallel : M * C > (1L << 15))
  for (int c = 0; c < C; ++c) {
    const double mean = mean_[c], inv_std = inv_std_[c];
    double sum_dy = 0.0, sum_dy_xhat = 0.0;
    for (int n = 0; n < B; ++n) {
      const float* v = x.data() + n * sample + static_cast<std::ptrdiff_t>(c) * S;
      const float* g = dy.data() + n * sample + static_cast<std::ptrdiff_t>(c) * S;
      for (int s = 0; s < S; ++s) {
        sum_dy += g[s];
        sum_dy_xhat += g[s] * ((v[s] - mean) * inv_std);
      }
    }
    gamma_grad[c] = static_cast<float>(sum_dy_xhat);
    beta_grad[c] = static_cast<float>(sum_dy);
    if (!dx) continue;
    // Training: the batch statistics depend on x too, so
    //   dx = gamma / sigma (dy - mean(dy) - xhat mean(dy xhat));
    // evaluation: the running statistics are constants, dx = gamma / sigma dy.
    const double scale = gamma[c] * inv_std;
    const double mean_dy = training_ ? sum_dy / static_cast<double>(M) : 0.0;
    const double mean_dy_xhat = training_ ? sum_dy_xhat / static_cast<double>(M) : 0.0;
    for (int n = 0; n < B; ++n) {
      const float* v = x.data() + n * sample + static_cast<std::ptrdiff_t>(c) * S;
      const float* g = dy.data() + n * sample + static_cast<std::ptrdiff_t>(c) * S;
      float* out = dx->data() + n * sample + static_cast<std::ptrdiff_t>(c) * S;
      for (int s = 0; s < S; ++s) {
        const double xhat = (v[s] - mean) * inv_std;
        out[s] = static_cast<float>(scale * (g[s] - mean_dy - xhat * mean_dy_xhat));
      }
    }
  }
}

std::unique_ptr<Layer> BatchNorm::from_json(JsonObject& spec, std::string name, const Shape& input) {
  double momentum = spec.get_number("momentum", 0.1, 0.0, 1.0);
  double eps = spec.get_number("eps", 1e-5, 1e-12, 1.0);
  return std::make_unique<BatchNorm>(std::move(name), input, momentum, eps);
}

}  // namespace bcnn

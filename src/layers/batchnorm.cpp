#include "layers/batchnorm.h"

#include <omp.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/error.h"

namespace bcnn {
namespace {

// Sums over one channel's values in double precision, in a fixed order that does not depend on
// the thread count: 8 interleaved partial sums (lane l takes values l, l + 8, ...), added in order
// at the end. Written with explicit vectors: GCC's own vectorization of the 8 lanes assembled
// every vector from scalar loads.
typedef float v8f __attribute__((vector_size(8 * sizeof(float)), aligned(alignof(float))));
typedef double v8d __attribute__((vector_size(8 * sizeof(double))));

inline v8d load8(const float* x) {
  v8f v;
  std::memcpy(&v, x, sizeof v);
  return __builtin_convertvector(v, v8d);
}

struct Lanes {
  static constexpr int count = 8;
  v8d v = {};
  double total() const {
    double t = 0.0;
    for (int l = 0; l < count; ++l) t += v[l];
    return t;
  }
};

void add_values(Lanes& a, const float* x, int n) {
  int s = 0;
  for (; s + Lanes::count <= n; s += Lanes::count) a.v += load8(x + s);
  for (; s < n; ++s) a.v[s % Lanes::count] += x[s];
}

void add_squared_deviations(Lanes& a, const float* x, int n, double mean) {
  int s = 0;
  for (; s + Lanes::count <= n; s += Lanes::count) {
    const v8d d = load8(x + s) - mean;
    a.v += d * d;
  }
  for (; s < n; ++s) a.v[s % Lanes::count] += (x[s] - mean) * (x[s] - mean);
}

// sum of g and of g * (x - mean)
void add_gradient_sums(Lanes& g_sum, Lanes& gx_sum, const float* g, const float* x, int n, double mean) {
  int s = 0;
  for (; s + Lanes::count <= n; s += Lanes::count) {
    const v8d gv = load8(g + s);
    g_sum.v += gv;
    gx_sum.v += gv * (load8(x + s) - mean);
  }
  for (; s < n; ++s) {
    g_sum.v[s % Lanes::count] += g[s];
    gx_sum.v[s % Lanes::count] += g[s] * (x[s] - mean);
  }
}

}  // namespace

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
  training_ = ctx.training;
  shards_ = ctx.training ? ctx.shards : nullptr;
  mean_.resize(C);
  inv_std_.resize(C);
  y.resize(B, input_shape());
  const float* gamma = param(0).data();
  const float* beta = param(1).data();
  float* running_mean = param(2).data();
  float* running_var = param(3).data();
  const std::ptrdiff_t sample = static_cast<std::ptrdiff_t>(C) * S;
  auto values = [&](int n, int c) { return x.data() + n * sample + static_cast<std::ptrdiff_t>(c) * S; };
  // Each channel's values summed in a fixed order (Lanes): the statistics do not depend on the
  // thread count. Two passes (the sum, then the squared deviations from the mean): no cancellation
  // when |mean| >> std.
  auto channel_sum = [&](int c) {
    Lanes sum;
    for (int n = 0; n < B; ++n) add_values(sum, values(n, c), S);
    return sum.total();
  };
  auto channel_squares = [&](int c, double mean) {
    Lanes deviations;
    for (int n = 0; n < B; ++n) add_squared_deviations(deviations, values(n, c), S, mean);
    return deviations.total();
  };
  // Normalizes channel c with `mean` and 1/sqrt(var + eps).
  auto normalize = [&](int c, double mean, double inv_std) {
    mean_[c] = static_cast<float>(mean);
    inv_std_[c] = static_cast<float>(inv_std);
    const float scale = static_cast<float>(gamma[c] * inv_std);
    const float shift = static_cast<float>(beta[c] - mean * gamma[c] * inv_std);
    for (int n = 0; n < B; ++n) {
      const float* v = values(n, c);
      float* out = y.data() + n * sample + static_cast<std::ptrdiff_t>(c) * S;
      for (int s = 0; s < S; ++s) out[s] = v[s] * scale + shift;
    }
  };
  // Training: the batch statistics of `count` values (over every shard), and the running ones.
  auto normalize_batch = [&](int c, double mean, double squares, double count) {
    const double var = squares / count;
    const double inv_std = 1.0 / std::sqrt(var + eps_);
    const double unbiased = squares / (count - 1);
    running_mean[c] = static_cast<float>((1.0 - momentum_) * running_mean[c] + momentum_ * mean);
    running_var[c] = static_cast<float>((1.0 - momentum_) * running_var[c] + momentum_ * unbiased);
    normalize(c, mean, inv_std);
  };
  auto check_count = [&](double count) {
    if (count >= 2) return;
    throw Error("layer \"" + name() +
                "\" (batchnorm): expected at least 2 values per channel to normalize over in "
                "training, found a batch of " +
                std::to_string(static_cast<std::int64_t>(count) / S) + " sample(s) of shape " +
                shape_string(input_shape()));
  };
  const bool use_threads = M * C > (1L << 15);
  if (!ctx.training) {
#pragma omp parallel for schedule(static) if (parallel : use_threads)
    for (int c = 0; c < C; ++c)
      normalize(c, running_mean[c], 1.0 / std::sqrt(static_cast<double>(running_var[c]) + eps_));
    return;
  }
  if (!shards_) {
    check_count(static_cast<double>(M));
    count_ = static_cast<double>(M);
    // One channel per iteration, while its values are in cache.
#pragma omp parallel for schedule(static) if (parallel : use_threads)
    for (int c = 0; c < C; ++c) {
      const double mean = channel_sum(c) / count_;
      normalize_batch(c, mean, channel_squares(c, mean), count_);
    }
    return;
  }
  // One shard of a global batch (synchronized batchnorm): the sums and the squared deviations are
  // summed over the shards, in shard order, before they are used.
  std::vector<double> sums(C + 1);
#pragma omp parallel for schedule(static) if (parallel : use_threads)
  for (int c = 0; c < C; ++c) sums[c] = channel_sum(c);
  sums[C] = static_cast<double>(M);
  shards_->sum(sums);
  count_ = sums[C];
  check_count(count_);
  std::vector<double> squares(C);
#pragma omp parallel for schedule(static) if (parallel : use_threads)
  for (int c = 0; c < C; ++c) squares[c] = channel_squares(c, sums[c] / count_);
  shards_->sum(squares);
#pragma omp parallel for schedule(static) if (parallel : use_threads)
  for (int c = 0; c < C; ++c) normalize_batch(c, sums[c] / count_, squares[c], count_);
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
  auto offset = [&](int n, int c) { return n * sample + static_cast<std::ptrdiff_t>(c) * S; };
  // sum(dy) and sum(dy (x - mean)) of channel c, in a fixed order.
  auto gradient_sums = [&](int c, double& sum_dy, double& sum_dy_centered) {
    Lanes g_sum, gx_sum;
    for (int n = 0; n < B; ++n)
      add_gradient_sums(g_sum, gx_sum, dy.data() + offset(n, c), x.data() + offset(n, c), S, mean_[c]);
    sum_dy = g_sum.total();
    sum_dy_centered = gx_sum.total();
  };
  // Training: the batch statistics depend on x too, so
  //   dx = gamma / sigma (dy - mean(dy) - xhat mean(dy xhat)),  xhat = (x - mean) / sigma,
  // that is dx = a dy + b x + c per channel, the means over all `count_` values of the global
  // batch; evaluation: the running statistics are constants, dx = gamma / sigma dy.
  auto input_gradient = [&](int c, double sum_dy, double sum_dy_xhat) {
    const double mean = mean_[c], inv_std = inv_std_[c];
    const double scale = gamma[c] * inv_std;
    const double mean_dy = training_ ? sum_dy / count_ : 0.0;
    const double mean_dy_xhat = training_ ? sum_dy_xhat / count_ : 0.0;
    const float a = static_cast<float>(scale);
    const float b = static_cast<float>(-scale * mean_dy_xhat * inv_std);
    const float c0 = static_cast<float>(-scale * mean_dy + scale * mean_dy_xhat * inv_std * mean);
    for (int n = 0; n < B; ++n) {
      const float* v = x.data() + offset(n, c);
      const float* g = dy.data() + offset(n, c);
      float* out = dx->data() + offset(n, c);
      for (int s = 0; s < S; ++s) out[s] = a * g[s] + b * v[s] + c0;
    }
  };
  const bool use_threads = M * C > (1L << 15);
  if (!shards_) {
#pragma omp parallel for schedule(static) if (parallel : use_threads)
    for (int c = 0; c < C; ++c) {
      double sum_dy, sum_dy_centered;
      gradient_sums(c, sum_dy, sum_dy_centered);
      const double sum_dy_xhat = sum_dy_centered * inv_std_[c];
      gamma_grad[c] = static_cast<float>(sum_dy_xhat);
      beta_grad[c] = static_cast<float>(sum_dy);
      if (dx) input_gradient(c, sum_dy, sum_dy_xhat);
    }
    return;
  }
  // One shard: gamma's and beta's gradients are this shard's part (the gradients of all
  // parameters are summed over the shards afterwards); dx needs the sums over all shards.
  std::vector<double> sums(2 * C);
#pragma omp parallel for schedule(static) if (parallel : use_threads)
  for (int c = 0; c < C; ++c) {
    gradient_sums(c, sums[c], sums[C + c]);
    gamma_grad[c] = static_cast<float>(sums[C + c] * inv_std_[c]);
    beta_grad[c] = static_cast<float>(sums[c]);
  }
  if (!dx) return;
  shards_->sum(sums);
#pragma omp parallel for schedule(static) if (parallel : use_threads)
  for (int c = 0; c < C; ++c) input_gradient(c, sums[c], sums[C + c] * inv_std_[c]);
}

std::unique_ptr<Layer> BatchNorm::from_json(JsonObject& spec, std::string name, const Shape& input) {
  double momentum = spec.get_number("momentum", 0.1, 0.0, 1.0);
  double eps = spec.get_number("eps", 1e-5, 1e-12, 1.0);
  return std::make_unique<BatchNorm>(std::move(name), input, momentum, eps);
}

}  // namespace bcnn

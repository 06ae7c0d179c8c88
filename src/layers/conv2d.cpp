#include "layers/conv2d.h"

#include <omp.h>

#include "core/blas.h"
#include "core/threads.h"
#include "layers/init.h"

namespace bcnn {
namespace {

template <class V>
void ensure_size(V& v, std::size_t n) {
  if (v.size() < n) v.resize(n);
}

// dL/dW is summed over the batch in this many sample groups at most, each into its own partial,
// then the partials in group order: the split depends on the batch, never on the thread count.
constexpr int max_weight_grad_groups = 8;

// Below this many multiply-accumulates a batch runs on one thread: waking the others costs more.
constexpr long min_parallel_macs = 1L << 20;

}  // namespace

WindowGeometry read_conv_window(JsonObject& spec, const std::string& name, const Shape& input, Padding& padding) {
  auto kernel = read_int_pair(spec, name, "kernel", std::nullopt, 1, 4096);
  auto stride = read_int_pair(spec, name, "stride", std::array<int, 2>{1, 1}, 1, 4096);
  padding = read_padding(spec, name);
  return make_window(spec, name, input, kernel, stride, padding, "kernel");
}

Conv2d::Conv2d(std::string name, Shape input_shape, int filters, const WindowGeometry& geometry, Padding padding,
               std::string init)
    : Layer(std::move(name), std::move(input_shape)),
      filters_(filters),
      g_(geometry),
      padding_(padding),
      init_(std::move(init)) {}

nlohmann::json Conv2d::config() const {
  return {{"filters", filters_},
          {"kernel", {g_.kernel_h, g_.kernel_w}},
          {"stride", {g_.stride_h, g_.stride_w}},
          {"padding", padding_.to_json()},
          {"init", init_}};
}

std::vector<ParamSpec> Conv2d::param_specs() const {
  return {{"weight", {filters_, g_.channels, g_.kernel_h, g_.kernel_w}, true}, {"bias", {filters_}, false}};
}

LayerCost Conv2d::cost() const {
  const std::int64_t weights = static_cast<std::int64_t>(filters_) * g_.channels * g_.taps();
  const std::int64_t macs = weights * g_.output_pixels();
  return {weights + filters_, weights + filters_, macs, macs};
}

void Conv2d::init_params(Rng& rng) {
  init_weights(init_, param(0), g_.channels * g_.taps(), filters_ * g_.taps(), rng);
  std::fill(param(1).begin(), param(1).end(), 0.0f);
}

void Conv2d::forward(const Tensor& x, Tensor& y, const ForwardContext&) {
  const int B = x.batch(), C = g_.channels, P = g_.output_pixels();
  const int K = C * g_.taps();
  const std::ptrdiff_t col_size = static_cast<std::ptrdiff_t>(K) * P;
  const bool pointwise = g_.is_pointwise();
  y.resize(B, output_shape());
  const long macs = static_cast<long>(B) * filters_ * K * P;
  const int parts = macs < min_parallel_macs ? 1 : split_count();
  if (!pointwise) ensure_size(columns_, static_cast<std::size_t>(col_size) * parts);
  const float* w = param(0).data();
  const float* bias = param(1).data();
  // One sample per iteration, each thread with its own columns: a sample's result does not depend
  // on which thread computes it. With a single sample the gemm itself uses the threads.
  for_each_task(parts, B, [&](int n, int thread) {
    const float* col = x.sample(n);
    if (!pointwise) {
      float* own = columns_.data() + thread * col_size;
      im2col(g_, C, x.sample(n), g_.input_pixels(), own, P);
      col = own;
    }
    float* out = y.sample(n);
    for (int o = 0; o < filters_; ++o)
      std::fill(out + static_cast<std::ptrdiff_t>(o) * P, out + static_cast<std::ptrdiff_t>(o + 1) * P, bias[o]);
    gemm(false, false, filters_, P, K, 1.0f, w, K, col, P, 1.0f, out, P);
  });
}

void Conv2d::backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx) {
  const int B = dy.batch(), C = g_.channels, P = g_.output_pixels(), HW = g_.input_pixels();
  const int K = C * g_.taps();
  const std::ptrdiff_t col_size = static_cast<std::ptrdiff_t>(K) * P;
  const std::ptrdiff_t weight_size = static_cast<std::ptrdiff_t>(filters_) * K;
  const bool pointwise = g_.is_pointwise();
  const long macs = static_cast<long>(B) * filters_ * K * P;
  const int parts = macs < min_parallel_macs ? 1 : split_count();
  const int nt = std::min(parts, active_threads());
  const float* w = param(0).data();

  // dL/db: per channel, in sample order.
  float* bias_grad = grad(1).data();
  const bool parallel_bias = nt > 1 && static_cast<long>(B) * filters_ * P > (1L << 16);
#pragma omp parallel for schedule(static) num_threads(nt) if (parallel_bias)
  for (int o = 0; o < filters_; ++o) {
    double sum = 0.0;
    for (int n = 0; n < B; ++n) {
      const float* g = dy.sample(n) + static_cast<std::ptrdiff_t>(o) * P;
      float s = 0.0f;
      for (int i = 0; i < P; ++i) s += g[i];
      sum += s;
    }
    bias_grad[o] = static_cast<float>(sum);
  }

  if (dx) dx->resize(B, input_shape());
  const int groups = std::min(B, max_weight_grad_groups);
  float* weight_grad = grad(0).data();
  if (groups > 1) ensure_size(weight_grad_partials_, static_cast<std::size_t>(weight_size) * groups);
  // Two column buffers per thread: the input's im2col and dL/d(columns).
  if (!pointwise) ensure_size(columns_, static_cast<std::size_t>(col_size) * 2 * parts);
  for_each_task(parts, groups, [&](int group, int thread) {
    float* partial = groups > 1 ? weight_grad_partials_.data() + group * weight_size : weight_grad;
    float* own = pointwise ? nullptr : columns_.data() + thread * 2 * col_size;
    const int n0 = static_cast<int>(static_cast<long>(B) * group / groups);
    const int n1 = static_cast<int>(static_cast<long>(B) * (group + 1) / groups);
    for (int n = n0; n < n1; ++n) {
      const float* col = x.sample(n);
      if (!pointwise) {
        im2col(g_, C, x.sample(n), HW, own, P);
        col = own;
      }
      // dW (C_out x K) += dY_n (C_out x P) col^T.
      gemm(false, true, filters_, K, P, 1.0f, dy.sample(n), P, col, P, n == n0 ? 0.0f : 1.0f, partial, K);
      if (!dx) continue;
      // d(columns) (K x P) = W^T dY_n, scattered back by col2im.
      if (pointwise) {
        gemm(true, false, K, P, filters_, 1.0f, w, K, dy.sample(n), P, 0.0f, dx->sample(n), P);
        continue;
      }
      float* dcol = own + col_size;
      gemm(true, false, K, P, filters_, 1.0f, w, K, dy.sample(n), P, 0.0f, dcol, P);
      float* image = dx->sample(n);
      std::fill(image, image + static_cast<std::ptrdiff_t>(C) * HW, 0.0f);
      col2im(g_, C, dcol, P, image, HW);
    }
  });
  if (groups > 1) {
    const float* partials = weight_grad_partials_.data();
#pragma omp parallel for simd schedule(static) num_threads(nt) if (nt > 1 && weight_size * groups > (1L << 16))
    for (std::ptrdiff_t e = 0; e < weight_size; ++e) {
      float s = partials[e];
      for (int group = 1; group < groups; ++group) s += partials[group * weight_size + e];
      weight_grad[e] = s;
    }
  }
}

std::unique_ptr<Layer> Conv2d::from_json(JsonObject& spec, std::string name, const Shape& input) {
  int filters = read_int(spec, name, "filters", std::nullopt, 1, 1 << 16);
  Padding padding;
  WindowGeometry g = read_conv_window(spec, name, input, padding);
  std::string init = spec.get_string("init", "he", init_names());
  return std::make_unique<Conv2d>(std::move(name), input, filters, g, padding, init);
}

}  // namespace bcnn

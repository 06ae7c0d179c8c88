#include "layers/relu.h"

namespace bcnn {

void Relu::forward(const Tensor& x, Tensor& y, const ForwardContext&) {
  y.resize(x.batch(), x.sample_shape());
  const float* in = x.data();
  float* out = y.data();
  const std::size_t n = x.size();
#pragma omp parallel for simd schedule(static) if (parallel : n > (1u << 16))
  for (std::size_t i = 0; i < n; ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
}

void Relu::backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx) {
  if (!dx) return;
  dx->resize(dy.batch(), dy.sample_shape());
  const float* in = x.data();
  const float* g = dy.data();
  float* out = dx->data();
  const std::size_t n = dy.size();
  // The subgradient at 0 is taken as 0.
#pragma omp parallel for simd schedule(static) if (parallel : n > (1u << 16))
  for (std::size_t i = 0; i < n; ++i) out[i] = in[i] > 0.0f ? g[i] : 0.0f;
}

std::unique_ptr<Layer> Relu::from_json(JsonObject&, std::string name, const Shape& input) {
  return std::make_unique<Relu>(std::move(name), input);
}

}  // namespace bcnn

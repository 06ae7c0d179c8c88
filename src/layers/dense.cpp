#include "layers/dense.h"

#include "core/blas.h"
#include "layers/init.h"

#include "layers/shape_check.h"

namespace bcnn {

Dense::Dense(std::string name, Shape input_shape, int units, std::string init)
    : Layer(std::move(name), std::move(input_shape)), m_(units), init_(std::move(init)) {
  n_ = static_cast<int>(shape_size(this->input_shape()));
}

LayerCost Dense::cost() const {
  std::int64_t params = static_cast<std::int64_t>(n_) * m_ + m_;
  std::int64_t macs = static_cast<std::int64_t>(n_) * m_;
  return {params, params, macs, macs};
}

void Dense::init_params(Rng& rng) {
  init_weights(init_, param(0), n_, m_, rng);
  std::fill(param(1).begin(), param(1).end(), 0.0f);
}

void Dense::forward(const Tensor& x, Tensor& y, const ForwardContext&) {
  const int B = x.batch();
  y.resize(B, {m_});
  const float* bias = param(1).data();
  for (int b = 0; b < B; ++b) std::copy(bias, bias + m_, y.sample(b));
  gemm(false, true, B, m_, n_, 1.0f, x.data(), n_, param(0).data(), n_, 1.0f, y.data(), m_);
}

void Dense::backward(const Tensor& x, const Tensor&, const Tensor& dy, Tensor* dx) {
  const int B = dy.batch();
  gemm(true, false, m_, n_, B, 1.0f, dy.data(), m_, x.data(), n_, 0.0f, grad(0).data(), n_);
  float* bias_grad = grad(1).data();
  std::fill(bias_grad, bias_grad + m_, 0.0f);
  for (int b = 0; b < B; ++b) {
    const float* g = dy.sample(b);
    for (int o = 0; o < m_; ++o) bias_grad[o] += g[o];
  }
  if (!dx) return;
  dx->resize(B, input_shape());
  gemm(false, false, B, n_, m_, 1.0f, dy.data(), m_, param(0).data(), n_, 0.0f, dx->data(), n_);
}

std::unique_ptr<Layer> Dense::from_json(JsonObject& spec, std::string name, const Shape& input) {
  int units = static_cast<int>(spec.get_int("units", std::nullopt, 1, 1 << 20));
  std::string init = spec.get_string("init", "he", init_names());
  require_vector_input(spec, name, input);
  return std::make_unique<Dense>(std::move(name), input, units, init);
}

}  // namespace bcnn

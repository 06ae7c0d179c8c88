#include "layers/flatten.h"

#include <algorithm>

namespace bcnn {

void Flatten::forward(const Tensor& x, Tensor& y, const ForwardContext&) {
  y.resize(x.batch(), output_shape());
  std::copy(x.data(), x.data() + x.size(), y.data());
}

void Flatten::backward(const Tensor&, const Tensor&, const Tensor& dy, Tensor* dx) {
  if (!dx) return;
  dx->resize(dy.batch(), input_shape());
  std::copy(dy.data(), dy.data() + dy.size(), dx->data());
}

std::unique_ptr<Layer> Flatten::from_json(JsonObject&, std::string name, const Shape& input) {
  return std::make_unique<Flatten>(std::move(name), input);
}

}  // namespace bcnn

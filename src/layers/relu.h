#pragma once
// Rectified linear unit, max(0, x).
#include <memory>

#include "layers/layer.h"
#include "net/json_reader.h"

namespace bcnn {

class Relu : public Layer {
 public:
  static std::unique_ptr<Layer> from_json(JsonObject& spec, std::string name, const Shape& input);
  using Layer::Layer;
  std::string_view type() const override { return "relu"; }
  Shape output_shape() const override { return input_shape(); }
  void forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
};

// Inverted dropout: in training, zeroes each value with probability `rate` and scales the rest
// by 1 / (1 - rate); the identity in evaluation. Masks come from (seed, step, layer index, sample),
// so they do not depend on threads and need no saved state to resume.

}  // namespace bcnn

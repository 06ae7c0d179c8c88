#pragma once
// Reshapes (C, H, W) samples to vectors of C*H*W, in row-major order.
#include <memory>

#include "layers/layer.h"
#include "net/json_reader.h"

namespace bcnn {

class Flatten : public Layer {
 public:
  static std::unique_ptr<Layer> from_json(JsonObject& spec, std::string name, const Shape& input);
  using Layer::Layer;
  std::string_view type() const override { return "flatten"; }
  Shape output_shape() const override { return {static_cast<int>(shape_size(input_shape()))}; }
  void forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
};

}  // namespace bcnn

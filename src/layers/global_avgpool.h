#pragma once
// Global average pooling: (C, H, W) -> (C,), y[n][c] = mean over H x W of x[n][c]. The output is
// a vector (not (C, 1, 1)) so that a dense or bc_dense layer can follow without a flatten.
#include <memory>

#include "layers/layer.h"
#include "net/json_reader.h"

namespace bcnn {

class GlobalAvgPool : public Layer {
 public:
  static std::unique_ptr<Layer> from_json(JsonObject& spec, std::string name, const Shape& input);
  using Layer::Layer;

  std::string_view type() const override { return "global_avgpool"; }
  Shape output_shape() const override { return {input_shape()[0]}; }
  LayerCost cost() const override;
  void forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;
};

}  // namespace bcnn

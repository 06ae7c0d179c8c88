#pragma once
// Average pooling over (C, H, W) images, no padding: y[n][c][i][j] = mean of the
// size_h x size_w window at (i*stride_h, j*stride_w).
#include <memory>

#include "layers/conv_geometry.h"
#include "layers/layer.h"
#include "net/json_reader.h"

namespace bcnn {

class AvgPool2d : public Layer {
 public:
  static std::unique_ptr<Layer> from_json(JsonObject& spec, std::string name, const Shape& input);
  AvgPool2d(std::string name, Shape input_shape, const WindowGeometry& geometry);

  std::string_view type() const override { return "avgpool2d"; }
  Shape output_shape() const override { return {g_.channels, g_.out_h, g_.out_w}; }
  nlohmann::json config() const override;
  LayerCost cost() const override;
  void forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;

  const WindowGeometry& geometry() const { return g_; }

 private:
  WindowGeometry g_;
};

}  // namespace bcnn

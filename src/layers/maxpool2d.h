#pragma once
// Max pooling over (C, H, W) images, no padding: y[n][c][i][j] = max over the size_h x size_w
// window at (i*stride_h, j*stride_w). The gradient goes to the first maximum of each window in
// row-major order (ties included), as recorded by the last forward call.
#include <cstdint>
#include <memory>

#include "layers/conv_geometry.h"
#include "layers/layer.h"
#include "net/json_reader.h"

namespace bcnn {

class MaxPool2d : public Layer {
 public:
  static std::unique_ptr<Layer> from_json(JsonObject& spec, std::string name, const Shape& input);
  MaxPool2d(std::string name, Shape input_shape, const WindowGeometry& geometry);

  std::string_view type() const override { return "maxpool2d"; }
  Shape output_shape() const override { return {g_.channels, g_.out_h, g_.out_w}; }
  nlohmann::json config() const override;
  void forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;

  const WindowGeometry& geometry() const { return g_; }

 private:
  WindowGeometry g_;
  std::vector<std::int32_t> argmax_;  // per output: pixel index (h * W + w) of its maximum
};

// "size" (required) and "stride" (default: size) of a pooling window; no padding.
WindowGeometry read_pool_window(JsonObject& spec, const std::string& name, const Shape& input);

}  // namespace bcnn

#pragma once
// 2-D convolution (cross-correlation, as in every framework) over NCHW batches:
// y[n][o][i][j] = b[o] + sum_{c,a,b} W[o][c][a][b] x[n][c][i*sh + a - pt][j*sw + b - pl],
// weight (C_out, C_in, kh, kw), bias (C_out). Computed as im2col + one gemm per sample;
// backward with the transposed gemm and col2im.
#include <memory>

#include "layers/conv_geometry.h"
#include "layers/layer.h"
#include "net/json_reader.h"

namespace bcnn {

class Conv2d : public Layer {
 public:
  static std::unique_ptr<Layer> from_json(JsonObject& spec, std::string name, const Shape& input);
  Conv2d(std::string name, Shape input_shape, int filters, const WindowGeometry& geometry, Padding padding,
         std::string init);

  std::string_view type() const override { return "conv2d"; }
  Shape output_shape() const override { return {filters_, g_.out_h, g_.out_w}; }
  nlohmann::json config() const override;
  std::vector<ParamSpec> param_specs() const override;
  LayerCost cost() const override;
  void init_params(Rng& rng) override;
  void forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;

  const WindowGeometry& geometry() const { return g_; }

 private:
  int filters_;
  WindowGeometry g_;
  Padding padding_;
  std::string init_;
  // Scratch reused across calls: one im2col matrix per thread, and the per-group partial weight
  // gradients (summed in group order, so dL/dW does not depend on the thread count).
  AlignedVector<float> columns_;
  AlignedVector<float> weight_grad_partials_;
};

// Reads the "kernel", "stride" and "padding" keys shared by conv2d and bc_conv2d.
WindowGeometry read_conv_window(JsonObject& spec, const std::string& name, const Shape& input, Padding& padding);

}  // namespace bcnn

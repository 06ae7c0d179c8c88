#pragma once
// Fully connected layer: y = x W^T + b, W of shape (units, inputs), through BLAS.
#include <memory>

#include "layers/layer.h"
#include "net/json_reader.h"

namespace bcnn {

class Dense : public Layer {
 public:
  static std::unique_ptr<Layer> from_json(JsonObject& spec, std::string name, const Shape& input);
  Dense(std::string name, Shape input_shape, int units, std::string init);

  std::string_view type() const override { return "dense"; }
  Shape output_shape() const override { return {m_}; }
  nlohmann::json config() const override { return {{"units", m_}, {"init", init_}}; }
  std::vector<ParamSpec> param_specs() const override { return {{"weight", {m_, n_}, true}, {"bias", {m_}, false}}; }
  LayerCost cost() const override;
  void init_params(Rng& rng) override;
  void forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;

 private:
  int n_, m_;
  std::string init_;
};

}  // namespace bcnn

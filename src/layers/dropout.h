#pragma once
#include <memory>

#include "layers/layer.h"
#include "net/json_reader.h"

namespace bcnn {

// Inverted dropout: in training, zeroes each value with probability `rate` and scales the rest
// by 1 / (1 - rate); the identity in evaluation. Masks come from (seed, step, layer index, sample),
// so they do not depend on threads and need no saved state to resume.
class Dropout : public Layer {
 public:
  static std::unique_ptr<Layer> from_json(JsonObject& spec, std::string name, const Shape& input);
  Dropout(std::string name, Shape input_shape, double rate);
  std::string_view type() const override { return "dropout"; }
  Shape output_shape() const override { return input_shape(); }
  nlohmann::json config() const override { return {{"rate", rate_}}; }
  void forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;

 private:
  double rate_;
  bool training_ = false;
  Tensor mask_;  // per element: 0 or 1 / (1 - rate)
};

}  // namespace bcnn

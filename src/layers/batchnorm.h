#pragma once
// Batch normalization (Ioffe and Szegedy 2015) per channel: over (N, C) after a dense layer, over
// (N, C, H, W) after a convolution (the channel is the first dimension of a sample; the mean runs
// over the batch and every other dimension).
//   training:   y = gamma (x - mean_B) / sqrt(var_B + eps) + beta, var_B the biased batch variance;
//               running_mean = (1 - momentum) running_mean + momentum mean_B,
//               running_var  = (1 - momentum) running_var  + momentum var_B * M / (M - 1)
//               (unbiased, M values per channel; PyTorch's convention and default momentum 0.1).
//   evaluation: y = gamma (x - running_mean) / sqrt(running_var + eps) + beta.
// gamma and beta are trained without weight decay; running_mean and running_var are
// non-trainable arrays (ParamSpec::trainable false): saved with the model, never touched by the
// optimizer, their gradient zero.
#include <memory>

#include "layers/layer.h"
#include "net/json_reader.h"

namespace bcnn {

class BatchNorm : public Layer {
 public:
  static std::unique_ptr<Layer> from_json(JsonObject& spec, std::string name, const Shape& input);
  BatchNorm(std::string name, Shape input_shape, double momentum, double eps);

  std::string_view type() const override { return "batchnorm"; }
  Shape output_shape() const override { return input_shape(); }
  nlohmann::json config() const override { return {{"momentum", momentum_}, {"eps", eps_}}; }
  std::vector<ParamSpec> param_specs() const override;
  LayerCost cost() const override;
  void init_params(Rng& rng) override;
  void forward(const Tensor& x, Tensor& y, const ForwardContext& ctx) override;
  void backward(const Tensor& x, const Tensor& y, const Tensor& dy, Tensor* dx) override;

  int channels() const { return channels_; }
  double eps() const { return eps_; }

 private:
  double momentum_, eps_;
  int channels_, spatial_;  // values per channel per sample
  // From the last forward: the mode, per channel the mean and 1/sqrt(var + eps) used, the values
  // per channel they were computed over (every shard's), and the shards' reducer (null: the batch
  // is the whole batch).
  bool training_ = false;
  std::vector<float> mean_, inv_std_;
  double count_ = 0;
  ShardReducer* shards_ = nullptr;
};

}  // namespace bcnn

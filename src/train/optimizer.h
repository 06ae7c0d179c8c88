#pragma once
// Optimizers over the network's single parameter vector. Conventions follow PyTorch:
// SGD: v = mu v + (g + wd p); p -= lr (g + wd p + mu v) with Nesterov, else p -= lr v.
// Adam: g += wd p (coupled decay); AdamW: p -= lr wd p (decoupled, Loshchilov and Hutter 2019).
// Weight decay applies only to ranges marked `decay` (weights, not biases). Ranges not marked
// `trainable` (running statistics) are never updated: no step, no decay.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "net/json_reader.h"
#include "net/network.h"

namespace bcnn {

struct OptimizerSpec {
  std::string type = "adam";  // "sgd", "adam", "adamw"
  double lr = 1e-3;
  double momentum = 0.9;      // sgd
  bool nesterov = false;      // sgd
  double weight_decay = 0.0;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adam, adamw

  static OptimizerSpec from_json(JsonObject& object);
  nlohmann::json to_json() const;
};

class Optimizer {
 public:
  Optimizer(OptimizerSpec spec, std::size_t size, std::vector<ParamRange> ranges);
  const OptimizerSpec& spec() const { return spec_; }
  // One update with learning rate `lr` (the schedule's value for this step).
  void step(std::span<float> params, std::span<const float> grads, double lr);
  std::int64_t steps() const { return steps_; }

  // State for checkpoints: named buffers of the parameter vector's size, and the step count.
  std::vector<std::pair<std::string, AlignedVector<float>*>> state();
  void set_steps(std::int64_t steps) { steps_ = steps; }

 private:
  OptimizerSpec spec_;
  std::vector<ParamRange> ranges_;
  std::vector<unsigned char> decay_;      // per parameter: weight decay applies
  AlignedVector<float> step_factor_;      // per parameter: 1 when the optimizer updates it, else 0
  AlignedVector<float> first_, second_;  // momentum / Adam moments
  std::int64_t steps_ = 0;
};

}  // namespace bcnn

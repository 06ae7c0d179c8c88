#pragma once
// Knowledge distillation (Hinton, Vinyals, Dean 2015), train.distill in a configuration:
//   loss = (1 - alpha) * CE(z_s, label) + alpha * T^2 * KL(softmax(z_t / T) || softmax(z_s / T))
// for the student's logits z_s and the teacher's z_t on the same (augmented) batch. The T^2 keeps
// the soft term's gradient on the scale of the hard one's as T changes:
//   dL/dz_s = (1 - alpha) * (softmax(z_s) - onehot) + alpha * T * (softmax(z_s / T) - softmax(z_t / T)),
// divided by the batch, as the mean loss.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>

#include "core/tensor.h"
#include "layers/softmax_cross_entropy.h"
#include "net/json_reader.h"

namespace bcnn {

struct DistillSpec {
  double temperature = 4.0;
  double alpha = 0.7;  // weight of the soft-target term

  // {"temperature": T in [0.1, 100], "alpha": in [0, 1]}, both optional.
  static DistillSpec from_json(JsonObject& object);
  nlohmann::json to_json() const;
};

// The summed loss over the batch and the student's correct predictions; when `grad` is not null,
// dL/dz_s of the mean loss over `mean_over` samples (0: the batch), as softmax_cross_entropy.
LossResult distillation_loss(const Tensor& student_logits, const Tensor& teacher_logits,
                             std::span<const std::int32_t> labels, const DistillSpec& spec, Tensor* grad,
                             int mean_over = 0);

}  // namespace bcnn

#include "train/distill.h"

#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"

namespace bcnn {
namespace {

// softmax(z / T) into p, in double; returns log-sum-exp(z / T).
double softmax_at(const float* z, int classes, double temperature, std::vector<double>& p) {
  double z_max = z[argmax(z, classes)] / temperature;
  double sum = 0;
  for (int c = 0; c < classes; ++c) {
    p[c] = std::exp(z[c] / temperature - z_max);
    sum += p[c];
  }
  for (int c = 0; c < classes; ++c) p[c] /= sum;
  return std::log(sum) + z_max;
}

}  // namespace

DistillSpec DistillSpec::from_json(JsonObject& o) {
  DistillSpec s;
  s.temperature = o.get_number("temperature", s.temperature, 0.1, 100.0);
  s.alpha = o.get_number("alpha", s.alpha, 0.0, 1.0);
  o.reject_unknown_keys();
  return s;
}

nlohmann::json DistillSpec::to_json() const { return {{"temperature", temperature}, {"alpha", alpha}}; }

LossResult distillation_loss(const Tensor& student_logits, const Tensor& teacher_logits,
                             std::span<const std::int32_t> labels, const DistillSpec& spec, Tensor* grad,
                             int mean_over) {
  const int B = student_logits.batch();
  const int n = mean_over > 0 ? mean_over : B;
  const int C = static_cast<int>(student_logits.sample_size());
  if (teacher_logits.batch() != B || static_cast<int>(teacher_logits.sample_size()) != C)
    throw Error("distillation: expected teacher logits of " + std::to_string(B) + " x " + std::to_string(C) +
                ", found " + std::to_string(teacher_logits.batch()) + " x " +
                std::to_string(teacher_logits.sample_size()));
  const double T = spec.temperature, alpha = spec.alpha;
  if (grad) grad->resize(B, student_logits.sample_shape());
  std::vector<double> p_hard(C), p_student(C), p_teacher(C);
  LossResult result;
  for (int b = 0; b < B; ++b) {
    const float* zs = student_logits.sample(b);
    const float* zt = teacher_logits.sample(b);
    const int label = labels[b];
    const double log_sum = softmax_at(zs, C, 1.0, p_hard);
    const double log_sum_student = softmax_at(zs, C, T, p_student);
    const double log_sum_teacher = softmax_at(zt, C, T, p_teacher);
    // KL(p_t || p_s) = sum p_t (log p_t - log p_s), with log p = z / T - log-sum-exp.
    double kl = 0;
    for (int c = 0; c < C; ++c)
      if (p_teacher[c] > 0)
        kl += p_teacher[c] * ((zt[c] / T - log_sum_teacher) - (zs[c] / T - log_sum_student));
    result.loss_sum += (1 - alpha) * (log_sum - zs[label]) + alpha * T * T * kl;
    if (argmax(zs, C) == label) ++result.correct;
    if (grad) {
      float* g = grad->sample(b);
      for (int c = 0; c < C; ++c) {
        const double hard = p_hard[c] - (c == label ? 1.0 : 0.0);
        const double soft = T * (p_student[c] - p_teacher[c]);
        g[c] = static_cast<float>(((1 - alpha) * hard + alpha * soft) / n);
      }
    }
  }
  return result;
}

}  // namespace bcnn

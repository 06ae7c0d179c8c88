#include "layers/softmax_cross_entropy.h"

#include <algorithm>
#include <cmath>

namespace bcnn {

int argmax(const float* values, int count) {
  return static_cast<int>(std::max_element(values, values + count) - values);
}

LossResult softmax_cross_entropy(const Tensor& logits, std::span<const std::int32_t> labels, Tensor* grad,
                                 int mean_over) {
  const int B = logits.batch();
  const int n = mean_over > 0 ? mean_over : B;
  const int C = static_cast<int>(logits.sample_size());
  if (grad) grad->resize(B, logits.sample_shape());
  LossResult result;
  for (int b = 0; b < B; ++b) {
    const float* z = logits.sample(b);
    const int label = labels[b];
    // log-sum-exp shifted by the maximum, in double: the loss is summed over many samples.
    double z_max = z[argmax(z, C)];
    double sum = 0.0;
    for (int c = 0; c < C; ++c) sum += std::exp(static_cast<double>(z[c]) - z_max);
    double log_sum = std::log(sum) + z_max;
    result.loss_sum += log_sum - z[label];
    if (argmax(z, C) == label) ++result.correct;
    if (grad) {
      float* g = grad->sample(b);
      for (int c = 0; c < C; ++c) {
        double p = std::exp(static_cast<double>(z[c]) - log_sum);
        g[c] = static_cast<float>((p - (c == label ? 1.0 : 0.0)) / n);
      }
    }
  }
  return result;
}

}  // namespace bcnn

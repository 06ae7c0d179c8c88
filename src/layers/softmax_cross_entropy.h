#pragma once
// Softmax cross-entropy on logits, averaged over the batch.
#include <cstdint>
#include <span>

#include "core/tensor.h"

namespace bcnn {

struct LossResult {
  double loss_sum = 0.0;  // summed over the batch (divide by the batch for the mean)
  int correct = 0;        // argmax(logits) == label
};

// Computes the summed loss and the number of correct predictions. When `grad` is not null, writes
// dL/dlogits of the *mean* loss: (softmax(z) - onehot(label)) / n, n = `mean_over` or, when it is
// 0, the batch (a shard of a global batch passes the global batch's size).
LossResult softmax_cross_entropy(const Tensor& logits, std::span<const std::int32_t> labels, Tensor* grad,
                                 int mean_over = 0);

// Index of the largest value (the first one on ties).
int argmax(const float* values, int count);

}  // namespace bcnn

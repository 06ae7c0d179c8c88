#pragma once
// Inference over a dataset: loss, accuracy, confusion matrix; and calibration ranges for
// quantization (per layer, the input and output ranges seen on the data).
#include <cstdint>
#include <vector>

#include "data/dataset.h"
#include "io/model_file.h"
#include "net/network.h"

namespace bcnn {

struct EvalResult {
  int images = 0;
  int num_classes = 0;
  double loss_sum = 0;              // over the images
  std::int64_t correct = 0;
  double mean_loss = 0;
  double accuracy = 0;              // fraction
  std::vector<std::int64_t> confusion;  // num_classes x num_classes, row = true label, column = predicted
  std::vector<double> class_accuracy;
  double seconds = 0;
};

// Copies the samples at indices[0..count) into `images` / `labels`.
void gather_batch(const Dataset& data, const int* indices, int count, Tensor& images, std::vector<std::int32_t>& labels);

// When `logits` is not null it receives every image's logits (N x classes, row-major).
EvalResult evaluate(Network& network, const Dataset& data, int batch, std::vector<float>* logits = nullptr);

// Ranges over the first `max_images` images of `data`, in evaluation mode.
Calibration calibrate(Network& network, const Dataset& data, int max_images, int batch);

}  // namespace bcnn

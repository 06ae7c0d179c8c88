#pragma once
// bcnn-eval --fixed: the model through the fixed-point arithmetic of the generated hardware
// (FixedEmulator), compared with the float model image by image.
#include <cstdint>
#include <vector>

#include "data/dataset.h"
#include "net/network.h"
#include "quant/quantized_model.h"

namespace bcnn {

struct FixedEvalResult {
  int images = 0;
  int num_classes = 0;
  double accuracy = 0;          // fixed point, fraction
  double float_accuracy = 0;    // the float model on the same images
  double agreement = 0;         // fraction of images where both predict the same class
  double max_logit_error = 0;   // largest |fixed logit - float logit|
  std::vector<std::int64_t> logits_raw;  // images x classes, in the last layer's output format
  // images x classes in real units: the fixed-point logits, and the float model's (empty without
  // a float network)
  std::vector<float> fixed_logits, float_logits;
  double seconds = 0;
};

// Runs the first `max_images` images of `data` (all when negative) through the emulator (over
// the OpenMP threads, one image per task) and, when `float_network` is not null, through the
// float network (float_accuracy, agreement and max_logit_error stay 0 without it).
FixedEvalResult evaluate_fixed(const QuantizedModel& model, Network* float_network, const Dataset& data,
                               int max_images = -1);

}  // namespace bcnn

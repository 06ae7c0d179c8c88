#pragma once
// Runs a QuantizedModel in fixed point on the CPU, operation for operation as the HLS library in
// fpga/include/bcnn_hls computes it (docs/fpga.md), so that its outputs are bit-identical to the
// C simulation of a generated project.
#include <cstdint>
#include <vector>

#include "quant/quantized_model.h"

namespace bcnn {
namespace hw {
class HwLayer;
}

class FixedEmulator {
 public:
  explicit FixedEmulator(const QuantizedModel& model);

  // One image (n_in floats, C*H*W in C order, as the float network takes it): quantizes it to
  // the input format, runs every layer, and writes the n_out raw logits (in the last layer's
  // `out` format) to `logits_raw`.
  void run(const float* image, std::int64_t* logits_raw) const;

  // Raw values at the output of every layer for one image (for debugging and tests).
  std::vector<std::vector<std::int64_t>> trace(const float* image) const;

  const QuantizedModel& model() const { return model_; }

 private:
  const QuantizedModel& model_;
  std::vector<const hw::HwLayer*> kinds_;  // the kind of every layer, from hw/registry
};

}  // namespace bcnn

#pragma once
// The memory a training run needs, estimated from the configuration before anything is allocated,
// so that a run too big for the machine is refused with the figure instead of failing (or being
// killed) half-way through allocating it.
#include <cstdint>

#include "net/network.h"
#include "train/config.h"

namespace bcnn {

// Validation, test and calibration passes run at this batch size (their activations count too).
inline constexpr int evaluation_batch = 500;

struct MemoryEstimate {
  std::int64_t parameter_bytes = 0;   // parameters, gradients and optimizer moments
  std::int64_t activation_bytes = 0;  // outputs of every layer, gradient buffers, layer workspaces
  std::int64_t batch_bytes = 0;       // the batches being gathered and trained on
  std::int64_t total() const { return parameter_bytes + activation_bytes + batch_bytes; }
};

// Float32 everywhere. Workspaces (FFT spectra, im2col) are counted as one input and one output per
// layer with parameters: an approximation, not a bound. Sums are checked: an overflow throws.
MemoryEstimate estimate_training_memory(const Network& network, const TrainSpec& spec);

// Throws a bcnn::Error naming the figure, the batch size and the available memory when the
// estimate exceeds what this machine has available.
void require_training_memory(const Network& network, const TrainSpec& spec, const std::string& origin);

}  // namespace bcnn
